"""``flask --app webapp`` commands: create an admin, turn off an admin's two-factor
authentication (a lost phone), load a demo program, send the due first-meeting check-ins."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from matcher import ConfigError, config_to_mapping, load_config, plural
from webapp import two_factor
from webapp.admins import create_admin, find_admin
from webapp.checkins import send_due
from webapp.db import db
from webapp.models import Program
from webapp.pair_models import Pair
from webapp.passwords import password_problems
from webapp.people.imports import preview
from webapp.sessions import end_sessions
from webapp.store import apply_plan


@click.command("create-admin")
@click.argument("email")
@click.password_option(help="Asked for when not given.")
@with_appcontext
def create_admin_command(email: str, password: str) -> None:
    """Create an owner who logs in with EMAIL (or reset an admin's password, which ends all
    their sessions and keeps their role)."""
    if problems := password_problems(password, email):
        raise click.BadParameter(" ".join(problems), param_hint="password")
    admin = create_admin(email, password)
    db.session.flush()
    end_sessions(admin, "password reset")
    db.session.commit()
    click.echo(f"Admin {email.strip().lower()} can log in.")


@click.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def reset_two_factor_command(email: str) -> None:
    """Turn off two-factor authentication for the admin EMAIL (a lost phone and no
    recovery code left): their secret and recovery codes are forgotten and every session
    of theirs ends. They log in with the password alone, or enrol again if they must."""
    admin = find_admin(email)
    if admin is None:
        raise click.ClickException(f"No admin has the e-mail {email.strip().lower()}.")
    was_on = two_factor.is_on(admin)
    ended = two_factor.turn_off(admin, "two-factor reset", by="flask reset-two-factor")
    db.session.commit()
    state = "is now off" if was_on else "was not on"
    click.echo(
        f"Two-factor authentication of {admin.email} {state}; {plural(ended, 'session')} ended."
    )


@click.command("load-demo")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--program", "name", default="Demo program", show_default=True)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Program config (TOML); the defaults when not given.",
)
@click.option("--admin", "email", default="demo@example.org", show_default=True)
@with_appcontext
def load_demo_command(csv_file: Path, name: str, config_file: Path | None, email: str) -> None:
    """Load CSV_FILE as a program and create a demo admin; print how to log in."""
    try:
        config = config_to_mapping(load_config(config_file))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    program = db.session.scalar(select(Program).where(Program.name == name))
    if program is None:
        program = Program(name=name)
        db.session.add(program)
    program.config = config
    db.session.flush()
    checked = preview(program, csv_file.read_bytes())
    if checked.plan is None:
        for issue in checked.issues:
            click.echo(issue.describe(), err=True)
        raise click.ClickException(f"{csv_file} has errors; nothing was loaded.")
    apply_plan(program, checked.plan)
    password = secrets.token_urlsafe(9)
    create_admin(email, password)
    db.session.commit()
    counts = ", ".join(f"{v} {k}" for k, v in checked.plan.counts().items())
    click.echo(f"Loaded {csv_file} into “{name}”: {counts}.")
    click.echo(f"Log in as {email} with password: {password}")


@click.command("send-checkins")
@click.option(
    "--base-url",
    default="",
    help="The site's address for the links (default: the one each program last published at).",
)
@with_appcontext
def send_checkins_command(base_url: str) -> None:
    """Send every program's due first-meeting check-ins and reminders (for cron)."""
    programs = db.session.scalars(select(Pair.program_id).distinct()).all()
    asked = reminded = 0
    for program_id in programs:
        done = send_due(program_id, base_url=base_url)
        asked, reminded = asked + done["asked"], reminded + done["reminded"]
    click.echo(f"Sent {plural(asked, 'check-in')} and {plural(reminded, 'reminder')}.")


def register_commands(app: Flask) -> None:
    """Add the commands to ``app.cli``."""
    app.cli.add_command(create_admin_command)
    app.cli.add_command(reset_two_factor_command)
    app.cli.add_command(load_demo_command)
    app.cli.add_command(send_checkins_command)
