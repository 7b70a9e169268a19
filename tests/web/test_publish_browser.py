"""Browser journey of publishing: the admin publishes an approved pair from the review page,
the mentee opens the link of their introduction e-mail and accepts with the keyboard, the
mentor of another pair declines, and the rematch list names that request. (The pictures
of the participant's page and of the introduction e-mail come from the whole journey,
tests/web/test_participant_journey.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.web.axe import assert_accessible
from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.web.matching import load_demo
from tests.web.test_browser import page, server  # noqa: F401
from webapp.db import db
from webapp.mail import OutboxMessage

pytestmark = pytest.mark.slow


@pytest.fixture
def live(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    """The served app, its e-mails written as .eml files under ``tmp_path``."""
    monkeypatch.setenv("MENTORLOOM_INSTANCE_PATH", str(tmp_path / "instance"))
    yield request.getfixturevalue("server")


def introduction(app: Flask, email: str) -> OutboxMessage:
    with app.app_context():
        found = db.session.scalars(select(OutboxMessage).filter_by(to=email)).one()
        db.session.expunge(found)
        return found


def test_publish_then_accept_with_the_keyboard_and_decline(
    app: Flask,
    page: Page,  # noqa: F811 - the fixture of test_browser
    live: str,
    browser: Browser,
) -> None:
    program_id = load_demo(app)
    page.goto(f"{live}/programs/{program_id}/")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.get_by_role("link", name="Matching", exact=True).click()
    page.get_by_role("button", name="Run matching").click()
    page.get_by_role("link", name="Review the pairs").click()
    rows = page.locator("tbody tr.pair")
    for number in (0, 1):
        row = rows.nth(number)
        row.get_by_role("button", name=re.compile("^Approve ")).click()
        expect(row.locator(".published")).to_have_text("ready")
    page.get_by_role("button", name="Publish and introduce").click()
    expect(page.get_by_text("2 pairs published")).to_be_visible()
    page.get_by_role("link", name="Back to the review page").click()
    expect(rows.nth(0).locator(".published")).to_have_text("published")

    with app.app_context():
        stored = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        first_mentee, _, _, second_mentor = (m.to for m in stored)
    mail = introduction(app, first_mentee)
    link = re.search(rf"{re.escape(live)}/me/[\w-]+", mail.text_body)
    assert link, mail.text_body

    person = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    person.set_content(mail.html_body)
    assert_accessible(person)
    person.goto(link.group(0))
    expect(person.get_by_role("heading", name="Your mentors")).to_be_visible()
    assert_accessible(person)
    person.get_by_label("Anything you want to tell the program team").first.focus()
    person.keyboard.type("Looking forward to it")
    person.keyboard.press("Tab")  # to Accept
    person.keyboard.press("Enter")
    expect(person.get_by_text("once the other answers are in")).to_be_visible()
    person.context.close()

    mentor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    other = re.search(rf"{re.escape(live)}/me/[\w-]+", introduction(app, second_mentor).text_body)
    assert other
    mentor.goto(other.group(0))
    mentor.get_by_role("button", name="Decline").first.click()
    expect(mentor.get_by_text("find you someone else")).to_be_visible()
    mentor.context.close()

    page.get_by_role("link", name="Needs a rematch").first.click()
    expect(page.get_by_role("heading", name="Needs a rematch")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(1)
