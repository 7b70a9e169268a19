"""Issue 16, item 7: the participant journey in chromium, e-mail included.

One journey on a real server (werkzeug on 127.0.0.1, CSRF on) whose app sends its e-mail
to a real SMTP server on 127.0.0.1 (aiosmtpd, :class:`~tests.web.smtp.SmtpSink`): the
admin imports a small cohort and e-mails everyone their link; the test reads a mentee's
invitation from the SMTP server and opens its link; she fills in and sends the form; the
admin runs matching and approves the pairs.

The cohort makes the outcome certain: two mentees seek a developmental mentor among three
mentors of one place each. Nora's goals (which she gives on the form) are Alma's
strengths, Omar's are Bruno's; Chidi shares one of Omar's two goals, so he is Omar's
second best (scores 90 for the two pairs, 70 for Omar and Chidi, 50 for the others).

Every page the journey visits passes axe-core's WCAG 2.0/2.1 A and AA rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.web.axe import assert_accessible
from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, DATA
from tests.web.live import live_app, serve
from tests.web.smtp import Received, SmtpSink
from tests.web.test_browser import log_in_and_create_program, upload_file
from tests.web.test_review_browser import RUN_TIMEOUT
from webapp.admin.auth import create_admin
from webapp.db import db
from webapp.run_models import PairDecision

pytestmark = pytest.mark.slow

LAPTOP = {"width": 1280, "height": 900}
NORA = "nora.quinn@example.org"
OMAR = "omar.diaz@example.org"
ALMA = "alma.reyes@example.org"
BRUNO = "bruno.sato@example.org"
CHIDI = "chidi.okeke@example.org"
EVERYONE = (NORA, OMAR, ALMA, BRUNO, CHIDI)
#: The cohort; Nora comes without goals: she gives them on the form.
COHORT = DATA / "journey.csv"


@pytest.fixture
def site(
    db_url: str, smtp_server: SmtpSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Flask, str]]:
    """The app as in production, e-mailing through :func:`smtp_server`, with one admin,
    served on 127.0.0.1; the app and its base URL."""
    monkeypatch.setenv("MENTORLOOM_INSTANCE_PATH", str(tmp_path / "instance"))
    app = live_app(db_url, SMTP_URL=smtp_server.url, MAIL_FROM="mentoring@example.org")
    with app.app_context():
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.commit()
    with serve(app) as url:
        yield app, url


def only_mail(sink: SmtpSink, address: str, subject: str) -> Received:
    """The one e-mail to ``address`` whose subject contains ``subject``; fails when there
    is none or more than one."""
    found = [r for r in sink.to(address) if subject in r.message["Subject"]]
    assert len(found) == 1, f"{len(found)} e-mails '{subject}' to {address}"
    return found[0]


def link_in(mail: Received, base: str, path: str) -> str:
    """The link to ``base`` + ``path`` in the e-mail's text, the same in its HTML."""
    links = set(re.findall(rf"{re.escape(base)}{path}[\w-]+", mail.text))
    assert len(links) == 1, f"links to {path} in the e-mail: {links}"
    (link,) = links
    assert f'href="{link}"' in mail.html
    return link


def tab(browser: Browser) -> Page:
    """A new browser tab with its own cookies (another person) on a laptop-sized window."""
    return browser.new_context(viewport=LAPTOP).new_page()


def approved(app: Flask) -> set[tuple[str, str]]:
    """The (mentee, mentor) pairs an admin approved."""
    with app.app_context():
        decisions = db.session.scalars(db.select(PairDecision).filter_by(action="approve"))
        return {(d.mentee_email, d.mentor_email) for d in decisions}


def test_invitation_intake_match_approve(
    site: tuple[Flask, str], smtp_server: SmtpSink, browser: Browser
) -> None:
    app, base = site
    admin = tab(browser)

    # the admin imports the cohort and e-mails everyone their personal link
    log_in_and_create_program(admin, base)
    upload_file(admin, COHORT)
    expect(admin.get_by_text("0 errors")).to_be_visible()
    assert_accessible(admin)
    admin.get_by_role("button", name="Import").click()
    expect(admin.get_by_text("Imported:")).to_contain_text("5 new")
    assert_accessible(admin)
    admin.get_by_role("link", name="Invite links").first.click()
    assert_accessible(admin)
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.get_by_role("button", name="E-mail everyone their link").click()
    expect(admin.get_by_text("5 invitations queued")).to_be_visible()
    assert_accessible(admin)
    arrived = smtp_server.wait_for(len(EVERYONE))
    assert sorted(r.recipients[0] for r in arrived) == sorted(EVERYONE)

    # Nora opens the link in her invitation and sends the form with her goals
    invitation = only_mail(smtp_server, NORA, "invitation")
    assert invitation.text.startswith("Hello Nora Quinn,")
    nora = tab(browser)
    nora.goto(link_in(invitation, base, "/intake/"))
    profile = nora.get_by_role("heading", name=re.compile(": your mentoring profile$"))
    expect(profile).to_be_visible()
    expect(nora.get_by_label("Name", exact=True)).to_have_value("Nora Quinn")
    assert_accessible(nora)
    goals = nora.get_by_role("group", name="What you want from a mentor")
    goals.get_by_label("Networking").check()
    goals.get_by_label("Visibility").check()
    nora.get_by_role("button", name="Save my answers").click()
    expect(nora.get_by_role("heading", name=re.compile("^Thank you"))).to_be_visible()
    assert_accessible(nora)

    admin.get_by_role("link", name="Participants", exact=True).first.click()
    people = admin.locator("tbody tr")
    expect(people.filter(has_text="Nora Quinn")).to_contain_text("submitted")
    expect(people.filter(has_text="Omar Diaz")).to_contain_text("invited")
    assert_accessible(admin)

    # the admin runs matching and approves both pairs
    admin.get_by_role("link", name="Matching", exact=True).first.click()
    assert_accessible(admin)
    admin.get_by_role("button", name="Run matching").first.click()
    done = admin.get_by_role("heading", name=re.compile(r"^Run \d+: done$"))
    expect(done).to_be_visible(timeout=RUN_TIMEOUT)
    assert_accessible(admin)
    admin.get_by_role("link", name="Review the pairs").click()
    rows = admin.locator("tbody tr.pair")
    expect(rows).to_have_count(2)
    assert_accessible(admin)
    for row in (rows.nth(0), rows.nth(1)):
        row.get_by_role("button", name=re.compile("^Approve ")).click()
        expect(row.locator(".status")).to_have_text("approved")
    assert_accessible(admin)
    assert approved(app) == {(NORA, ALMA), (OMAR, BRUNO)}
