"""The Outbox page of a program (admins only): every e-mail with its status, one
message's text and HTML, retrying the failed ones, and a preview of each e-mail template;
and the buttons that e-mail invitations and download every personal link.

An e-mail's HTML is shown in a sandboxed frame, served with a policy that runs no
script and loads nothing from elsewhere.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from matcher import plural
from webapp import audit, jobs
from webapp.db import db
from webapp.forms import EmptyForm
from webapp.lookups import get_program
from webapp.mail.catalog import CATALOG, EmailTemplate
from webapp.mail.invitations import Audience, audience, links_csv, send_invitations
from webapp.mail.models import MailDelivery, MailStatus, OutboxMessage
from webapp.mail.outbox import DELIVERY, due_count, render_email, retry_failed, start_delivery
from webapp.models import ACTIVE, Program
from webapp.query import paginate
from webapp.roles import Need, needs
from webapp.security import is_local_path

bp = Blueprint(
    "mail",
    __name__,
    url_prefix="/programs/<int:program_id>",
    template_folder="templates",
)

#: Messages on one page of the Outbox.
OUTBOX_PAGE_SIZE = 50
#: The e-mail's own HTML, in a frame of our page: no script, nothing from elsewhere.
FRAMED_HTML_HEADERS = {
    "Content-Security-Policy": (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "frame-ancestors 'self'"
    ),
    "X-Frame-Options": "SAMEORIGIN",
}


def _message(program: Program, message_id: int) -> OutboxMessage:
    """A message of this program, or 404."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.program_id != program.id:
        abort(404, description="There is no such e-mail in this program's outbox.")
    return message


def _template(name: str) -> EmailTemplate:
    """An e-mail of the catalog, or 404."""
    if name not in CATALOG:
        abort(404, description="There is no such e-mail template.")
    return CATALOG[name]


def _framed(html: str) -> Response:
    return Response(html, mimetype="text/html", headers=FRAMED_HTML_HEADERS)


@bp.get("/outbox/")
@needs(Need.MANAGE)
def index(program_id: int) -> str:
    """The program's e-mails, newest first, filtered by ``?status=``."""
    program = get_program(program_id)
    status = request.args.get("status", "")
    if status and status not in set(MailStatus):
        abort(400, description="Filter by one of: " + ", ".join(MailStatus) + ".")
    jobs.reap(DELIVERY, MailDelivery.program_id == program.id)
    delivery = db.session.scalar(
        select(MailDelivery)
        .where(MailDelivery.program_id == program.id)
        .order_by(MailDelivery.id.desc())
        .limit(1)
    )
    if (delivery is None or delivery.status not in ACTIVE) and due_count(program.id):
        # due messages and nobody sending them (a restart lost the retry timer)
        delivery = start_delivery(program.id, requested_by=current_user.email)
    query = select(OutboxMessage).where(OutboxMessage.program_id == program.id)
    if status:
        query = query.where(OutboxMessage.status == status)
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.program_id == program.id)
            .group_by(OutboxMessage.status)
        ).all()
    )
    bounce_check = db.session.scalar(
        select(MailDelivery)
        .where(MailDelivery.program_id == program.id, MailDelivery.bounce_note != "")
        .order_by(MailDelivery.id.desc())
        .limit(1)
    )
    return render_template(
        "mail/outbox.html",
        bounce_check=bounce_check,
        program=program,
        page=paginate(query.order_by(OutboxMessage.id.desc()), OUTBOX_PAGE_SIZE),
        status=status,
        statuses=list(MailStatus),
        counts=counts,
        delivery=delivery,
        form=EmptyForm(),
    )


@bp.get("/outbox/<int:message_id>")
@needs(Need.MANAGE)
def show(program_id: int, message_id: int) -> str:
    """One e-mail: its headers, how sending went, its text and its HTML."""
    program = get_program(program_id)
    message = _message(program, message_id)
    frame = url_for(".html", program_id=program.id, message_id=message.id)
    return render_template("mail/message.html", program=program, message=message, frame=frame)


@bp.get("/outbox/<int:message_id>/body.html")
@needs(Need.MANAGE)
def html(program_id: int, message_id: int) -> Response:
    """The HTML part of an e-mail, for the frame of :func:`show`."""
    return _framed(_message(get_program(program_id), message_id).html_body)


@bp.post("/outbox/retry")
@needs(Need.MANAGE)
def retry(program_id: int) -> Response:
    """Try every failed e-mail of the program again now."""
    program = get_program(program_id)
    if not EmptyForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    retried = retry_failed(program.id, requested_by=current_user.email)
    if retried:
        flash(f"Trying {plural(retried, 'failed e-mail')} again now.")
    else:
        flash("No e-mail has failed.")
    return redirect(url_for(".index", program_id=program.id))


@bp.post("/outbox/bounces")
@needs(Need.MANAGE)
def read_bounces(program_id: int) -> Response:
    """Read the bounce mailbox now, in a delivery job (which also sends what is due)."""
    program = get_program(program_id)
    if not EmptyForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    if not current_app.config["BOUNCE_MAILBOX"]:
        abort(404, description="No bounce mailbox is set (MENTORLOOM_BOUNCE_MAILBOX).")
    start_delivery(program.id, requested_by=current_user.email)
    flash("Looking for bounce reports now; this page shows what was found.")
    return redirect(url_for(".index", program_id=program.id))


@bp.get("/outbox/templates/")
@needs(Need.MANAGE)
def templates(program_id: int) -> str:
    """Every e-mail the site sends, each with a link to its preview."""
    program = get_program(program_id)
    return render_template("mail/templates.html", program=program, catalog=CATALOG.values())


@bp.get("/outbox/templates/<name>")
@needs(Need.MANAGE)
def preview(program_id: int, name: str) -> str:
    """An e-mail template rendered with its example, as a participant would get it."""
    program = get_program(program_id)
    template = _template(name)
    subject, text, _ = render_email(name, template.context(program.name))
    frame = url_for(".preview_html", program_id=program.id, name=name)
    return render_template(
        "mail/preview.html",
        program=program,
        template=template,
        subject=subject,
        text=text,
        frame=frame,
    )


@bp.get("/outbox/templates/<name>/body.html")
@needs(Need.MANAGE)
def preview_html(program_id: int, name: str) -> Response:
    """The HTML part of a template's preview, for the frame of :func:`preview`."""
    program = get_program(program_id)
    _, _, html = render_email(name, _template(name).context(program.name))
    return _framed(html)


#: Why a group was empty.
_NOBODY = {
    Audience.EVERYONE: "the program has no participants yet.",
    Audience.NOT_ANSWERED: "everyone has sent the form.",
    Audience.REMINDER: "nobody invited is still waiting to answer.",
    Audience.SELECTED: "tick the people to invite first.",
}


@bp.post("/invitations/send")
@needs(Need.MANAGE)
def invite(program_id: int) -> Response:
    """E-mail personal links: to everyone, those who have not answered, the selected
    participants (``person`` ids), or a reminder to those invited who have not answered."""
    program = get_program(program_id)
    if not EmptyForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    try:
        whom = Audience(request.form.get("audience", ""))
        selected = [int(text) for text in request.form.getlist("person")]
    except ValueError:
        abort(400, description="The form was not understood; reload the page and try again.")
    people = audience(program, whom, selected)
    if not people:
        flash("Nobody to e-mail: " + _NOBODY[whom], "error")
        back = request.form.get("back", "")
        return redirect(back if is_local_path(back) else url_for(".index", program_id=program.id))
    template = "reminder" if whom == Audience.REMINDER else "invitation"
    count = send_invitations(program, people, template=template, queued_by=current_user.email)
    flash(f"{plural(count, template)} queued; this page shows them go.")
    return redirect(url_for(".index", program_id=program.id))


@bp.post("/invitations/links.csv")
@needs(Need.MANAGE)
def download_links(program_id: int) -> Response:
    """Every participant's personal link as CSV (missing ones are made), for a mail merge."""
    program = get_program(program_id)
    if not EmptyForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    content = links_csv(program)
    audit.record("invite.links_csv", program.id, people=len(program.participants))
    db.session.commit()
    return Response(
        content,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="personal-links.csv"'},
    )
