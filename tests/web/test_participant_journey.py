"""Issue 16, item 7: the participant journey in chromium, e-mail included.

One journey on a real server (werkzeug on 127.0.0.1, CSRF on) whose app sends its e-mail
to a real SMTP server on 127.0.0.1 (aiosmtpd, :class:`~tests.web.smtp.SmtpSink`): the
admin imports a small cohort and e-mails everyone their link; the test reads a mentee's
invitation from the SMTP server and opens its link; she fills in and sends the form
(keyboard only); the
admin runs matching, approves the pairs and publishes them; the test reads the
introductions from the SMTP server; the mentee opens hers and accepts with the keyboard
only (her mentor accepts too), the mentor of the other pair declines with a reason; the
admin finds that request under "Needs a rematch", re-runs, and the new run proposes
another mentor for it while keeping the accepted pair.

The cohort makes the outcome certain: two mentees seek a developmental mentor among three
mentors of one place each. Nora's goals (which she gives on the form) are Alma's
strengths, Omar's are Bruno's; Chidi shares one of Omar's two goals, so he is Omar's
second best (scores 90 for the two pairs, 70 for Omar and Chidi, 50 for the others).

Every page the journey visits passes axe-core's WCAG 2.0/2.1 A and AA rules (the
participant's page at a laptop's and a phone's width). Screenshots of the participant's
page and of the introduction e-mail go where test_browser.py's go.
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
from tests.web.keyboard import tab_to
from tests.web.live import live_app, serve
from tests.web.smtp import Received, SmtpSink
from tests.web.test_browser import PHONE, SHOTS, log_in_and_create_program, shot, upload_file
from tests.web.test_review_browser import RUN_TIMEOUT
from webapp.admins import create_admin
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


def open_page(browser: Browser, mail: Received, base: str) -> Page:
    """A new tab (the person's own browser) on the personal page the e-mail links to."""
    person = tab(browser)
    person.goto(link_in(mail, base, "/me/"))
    return person


def approved(app: Flask) -> set[tuple[str, str]]:
    """The (mentee, mentor) pairs an admin approved."""
    with app.app_context():
        decisions = db.session.scalars(db.select(PairDecision).filter_by(action="approve"))
        return {(d.mentee_email, d.mentor_email) for d in decisions}


def test_the_participant_journey(
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

    # Nora opens the link in her invitation and sends the form with her goals, with the
    # keyboard only (Tab, Space, Enter; every stop shows its focus ring)
    invitation = only_mail(smtp_server, NORA, "invitation")
    assert invitation.text.startswith("Hello Nora Quinn,")
    nora = tab(browser)
    nora.goto(link_in(invitation, base, "/intake/"))
    profile = nora.get_by_role("heading", name=re.compile(": your mentoring profile$"))
    expect(profile).to_be_visible()
    expect(nora.get_by_label("Name", exact=True)).to_have_value("Nora Quinn")
    assert_accessible(nora)
    for goal in ("networking", "visibility"):
        tab_to(nora, f"input[name=goals][value={goal}]")
        nora.keyboard.press("Space")
    goals = nora.get_by_role("group", name="What you want from a mentor")
    expect(goals.get_by_label("Networking")).to_be_checked()
    expect(goals.get_by_label("Visibility")).to_be_checked()
    tab_to(nora, "[type=submit]")
    nora.keyboard.press("Enter")
    expect(nora.get_by_role("heading", name=re.compile("^Thank you"))).to_be_visible()
    assert_accessible(nora)
    nora.context.close()

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
    expect(rows.locator(".published")).to_have_text(["ready", "ready"])

    # the admin publishes them: each of the four people gets one introduction
    admin.get_by_role("button", name="Publish and introduce").click()
    expect(admin.get_by_text("2 pairs published")).to_be_visible()
    assert_accessible(admin)
    assert len(smtp_server.wait_for(len(EVERYONE) + 4)) == len(EVERYONE) + 4
    nora_intro = only_mail(smtp_server, NORA, "meet")
    assert "meet Alma Reyes" in nora_intro.message["Subject"]
    for person, other in ((ALMA, "Nora Quinn"), (OMAR, "Bruno Sato"), (BRUNO, "Omar Diaz")):
        assert f"meet {other}" in only_mail(smtp_server, person, "meet").message["Subject"]
    assert len(smtp_server.to(CHIDI)) == 1  # his invitation only

    # Nora reads her introduction (the HTML, as her mail program shows it), opens its
    # link, and accepts with the keyboard only, after Alma accepted
    nora = tab(browser)  # a blank tab, as a mail program shows an e-mail: no site's CSP
    nora.set_content(nora_intro.html)
    shot(nora, "introduction-email")
    alma = open_page(browser, only_mail(smtp_server, ALMA, "meet"), base)
    alma.get_by_role("button", name="Accept").click()
    expect(alma.get_by_text("once the other answers are in")).to_be_visible()
    assert_accessible(alma)
    alma.context.close()
    nora.get_by_role("link", name="Open my page").click()
    mentor = nora.get_by_role("article", name="Alma Reyes, your developmental mentor")
    expect(mentor).to_contain_text("A suggested agenda for your first conversation")
    shot(nora, "participant-page")
    nora.set_viewport_size(PHONE)
    assert_accessible(nora)
    assert nora.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    nora.screenshot(path=str(SHOTS / "participant-page-phone.png"), full_page=True)
    nora.set_viewport_size(LAPTOP)
    tab_to(nora, "textarea[name=reason]")
    nora.keyboard.type("Looking forward to it")
    tab_to(nora, "button[value=accept]")
    nora.keyboard.press("Enter")
    expect(nora.get_by_text("Thank you: the match is confirmed.")).to_be_visible()
    expect(mentor).to_contain_text("Confirmed: you two are a match.")
    assert_accessible(nora)
    nora.context.close()

    # Bruno, Omar's mentor, declines with a reason
    bruno = open_page(browser, only_mail(smtp_server, BRUNO, "meet"), base)
    bruno.get_by_label("Anything you want to tell the program team").fill("we work together")
    bruno.get_by_role("button", name="Decline").click()
    expect(bruno.get_by_text("The program team will find you someone else.")).to_be_visible()
    assert_accessible(bruno)
    bruno.context.close()

    # the admin sees Omar's request needs a rematch; a re-run gives him Chidi and keeps
    # Nora and Alma
    admin.get_by_role("link", name="Needs a rematch").first.click()
    declined = admin.locator("tbody tr")
    expect(declined).to_have_count(1)
    for text in ("Omar Diaz", "Bruno Sato", "the mentor", "we work together"):
        expect(declined).to_contain_text(text)
    assert_accessible(admin)
    admin.get_by_role("link", name="Run matching again").click()
    expect(admin.get_by_role("button", name="Re-run matching")).to_be_visible()
    assert_accessible(admin)
    admin.get_by_role("button", name="Re-run matching").click()
    expect(admin.get_by_role("heading", name="Run 2: done")).to_be_visible(timeout=RUN_TIMEOUT)
    expect(admin.get_by_role("heading", name="Changes since run 1")).to_be_visible()
    assert_accessible(admin)
    admin.get_by_role("link", name="Review pairs").click()
    expect(rows).to_have_count(2)
    kept, rematched = rows.filter(has_text="Nora Quinn"), rows.filter(has_text="Omar Diaz")
    expect(kept).to_contain_text("Alma Reyes")
    expect(kept.locator(".status")).to_have_text("approved")
    expect(kept.locator(".published")).to_have_text("accepted")
    expect(rematched).to_contain_text("Chidi Okeke")
    expect(rematched.locator(".status")).to_have_text("proposed")
    assert_accessible(admin)
    admin.context.close()
