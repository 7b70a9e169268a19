"""``flask --app webapp send-mail`` sends every program's due e-mails now, here;
``flask --app webapp read-bounces`` reads the bounce mailbox once.

For cron jobs beside a server without Redis: a timer thread that would have retried a
failed e-mail, or looked for bounces later, does not survive a restart of the web process.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from matcher import plural
from webapp.db import db
from webapp.mail.bounces import read_bounces
from webapp.mail.models import OutboxMessage
from webapp.mail.outbox import deliver_due, record_failures


@click.command("send-mail")
@with_appcontext
def send_mail_command() -> None:
    """Send the due e-mails of every program (queued, or failed and due for a retry)."""
    programs = db.session.scalars(select(OutboxMessage.program_id).distinct()).all()
    sent = failed = 0
    for program_id in programs:
        done, missed = deliver_due(program_id)
        record_failures(program_id, done, missed)
        db.session.commit()
        sent, failed = sent + done, failed + missed
    click.echo(f"Sent {plural(sent, 'e-mail')}; {failed} failed (see the Outbox page).")


@click.command("read-bounces")
@with_appcontext
def read_bounces_command() -> None:
    """Read the bounce mailbox (MENTORLOOM_BOUNCE_MAILBOX) and mark the bounced e-mails."""
    if not current_app.config["BOUNCE_MAILBOX"]:
        raise click.ClickException(
            "No bounce mailbox is set: MENTORLOOM_BOUNCE_MAILBOX=imaps://user:pass@host/INBOX"
        )
    reading = read_bounces()
    db.session.commit()
    if reading.error:
        raise click.ClickException(reading.error)
    click.echo(reading.in_words().capitalize() + ".")
