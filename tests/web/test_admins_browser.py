"""The admin invitation in a real browser (Chromium, Playwright), on the app as in
production (CSRF on) with a real SMTP server: an owner invites a reviewer of one program,
the invitee opens the link from the e-mail, chooses a password and sees their program; the
owner changes their role and the invitee's open page logs them out. Each page passes
axe-core and is saved as a screenshot (``admins*.png``, see test_browser.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect

from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.web.live import live_app, serve
from tests.web.smtp import SmtpSink
from tests.web.test_browser import shot
from tests.web.test_participant_journey import link_in, only_mail, tab
from webapp.admins import create_admin
from webapp.db import db
from webapp.models import Program

RITA = "rita.moreno@example.org"


@pytest.fixture
def site(
    db_url: str, smtp_server: SmtpSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Flask, str]]:
    """The app as in production, e-mailing through :func:`smtp_server`, with one owner
    and two programs, served on 127.0.0.1; the app and its base URL."""
    monkeypatch.setenv("MENTORLOOM_INSTANCE_PATH", str(tmp_path / "instance"))
    app = live_app(db_url, SMTP_URL=smtp_server.url, MAIL_FROM="mentoring@example.org")
    with app.app_context():
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.add_all([Program(name="Spring", config={}), Program(name="Autumn", config={})])
        db.session.commit()
    with serve(app) as url:
        yield app, url


def test_an_owner_invites_a_reviewer_who_sets_a_password_and_sees_their_program(
    site: tuple[Flask, str], smtp_server: SmtpSink, browser: Browser
) -> None:
    _, base = site
    owner = tab(browser)
    owner.goto(f"{base}/auth/login")
    owner.get_by_label("E-mail").fill(ADMIN_EMAIL)
    owner.get_by_label("Password").fill(ADMIN_PASSWORD)
    owner.get_by_label("Password").press("Enter")
    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Admins").click()
    expect(owner.get_by_role("heading", name="Admins", exact=True)).to_be_visible()
    owner.get_by_role("link", name="Invite an admin").click()
    owner.get_by_label("E-mail of the new admin").fill(RITA)
    owner.get_by_label("Spring").select_option("reviewer")
    shot(owner, "admins-invite")
    owner.get_by_role("button", name="Send the invitation").click()
    expect(owner.get_by_text(f"The invitation is on its way to {RITA}.")).to_be_visible()
    expect(owner.get_by_role("cell", name="reviewer of Spring")).to_be_visible()
    shot(owner, "admins")

    mail = only_mail(smtp_server, RITA, "invites you")
    rita = tab(browser)
    rita.goto(link_in(mail, base, "/auth/welcome/"))
    expect(rita.get_by_role("heading", name="Welcome to mentorloom")).to_be_visible()
    rita.get_by_label("Choose a password").fill("password")
    rita.get_by_role("button", name="Set the password and sign in").click()
    expect(rita.get_by_text("one of the 10,000 most common ones")).to_be_visible()
    shot(rita, "admins-welcome-error")
    rita.get_by_label("Choose a password").fill("violet kettle harbour")
    rita.get_by_role("button", name="Set the password and sign in").click()
    expect(rita.get_by_text("Welcome to mentorloom: your password is set")).to_be_visible()
    expect(rita.get_by_role("link", name="Admins")).to_have_count(0)
    expect(rita.get_by_role("link", name="Autumn")).to_have_count(0)
    rita.get_by_role("link", name="Spring").click()
    expect(rita.get_by_role("heading", name="Spring")).to_be_visible()
    shot(rita, "admins-invitee-program")
    owner.reload()
    expect(owner.get_by_text("No invitation is pending.")).to_be_visible()
    owner.get_by_role("link", name=RITA).click()
    expect(owner.get_by_label("Spring")).to_have_value("reviewer")
    shot(owner, "admins-roles")
    owner.get_by_label("Spring").select_option("viewer")
    owner.get_by_role("button", name="Save roles").click()
    expect(owner.get_by_text(f"The roles of {RITA} are changed")).to_be_visible()
    rita.reload()
    ended = "You are logged out: your session ended (role changed)."
    expect(rita.get_by_text(ended)).to_be_visible()
