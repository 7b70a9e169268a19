"""Browser tests: Playwright drives Debian's chromium against a real server on 127.0.0.1.

Each test saves screenshots for a person to look at: into a temporary folder by default,
or into the folder named by ``MENTORLOOM_SCREENSHOTS`` (``docs/screenshots`` refreshes the
pictures in the docs), so a test run leaves the working tree as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from matcher.intake import load_participants
from tests.web.axe import assert_accessible
from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.web.live import UPLOAD_LIMIT, live_app, serve

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(
    os.environ.get("MENTORLOOM_SCREENSHOTS")
    or Path(tempfile.gettempdir()) / "mentorloom-screenshots"
)
SAMPLE = ROOT / "sample_data" / "participants.csv"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def server(app: Flask, db_url: str) -> Iterator[str]:
    """The app as in production (CSRF on) served by werkzeug on a free port of 127.0.0.1."""
    with serve(live_app(db_url)) as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab (own cookies) on a laptop-sized window."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def shot(page: Page, name: str) -> None:
    """Check the page with axe-core (WCAG 2.0/2.1 A and AA), then save a full-page
    screenshot into the screenshot folder (see the module docstring)."""
    assert_accessible(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in_and_create_program(page: Page, server: str) -> None:
    """Log in with the keyboard, then create a program."""
    page.goto(f"{server}/programs/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    shot(page, "login")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Programs")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="New program").click()
    expect(page.get_by_label("Program name")).to_be_visible()  # the new page, not the old
    assert_accessible(page)
    page.get_by_label("Program name").fill("Demo cohort")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Demo cohort")).to_be_visible()
    assert_accessible(page)


def upload_file(page: Page, path: Path) -> None:
    """Upload a CSV from the program page and land on its preview."""
    page.get_by_role("link", name="Import CSV").first.click()
    assert_accessible(page)
    page.get_by_label("Participant CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name=f"Preview of {path.name}")).to_be_visible()


def test_admin_imports_the_sample_csv(page: Page, server: str) -> None:
    log_in_and_create_program(page, server)
    upload_file(page, SAMPLE)
    expect(page.get_by_text("0 errors")).to_be_visible()
    shot(page, "import-preview")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported:")).to_contain_text("new, 0 updated, 0 unchanged")
    shot(page, "import-result")
    page.get_by_role("link", name="See the participants").click()
    expect(page.get_by_role("heading", name="Participants")).to_be_visible()
    shot(page, "participants")
    page.get_by_label("Role").select_option("mentor")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr").first).to_contain_text("mentor")
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "participants-phone.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Settings").click()
    shot(page, "settings")


def test_the_invites_and_participants_pages_fit_a_phone(page: Page, server: str) -> None:
    """At 390 px wide, tables scroll inside their box: the page itself never scrolls sideways."""
    log_in_and_create_program(page, server)
    upload_file(page, SAMPLE)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported:")).to_be_visible()
    page.get_by_role("link", name="Invite links").first.click()
    page.get_by_role("button", name="Create personal links for every participant").click()
    expect(page.locator("table.links tbody tr").first).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    too_wide = {}
    for tab in ("Invite links", "Participants"):
        page.get_by_role("link", name=tab, exact=True).first.click()
        expect(page.get_by_role("heading", name=tab)).to_be_visible()
        shot(page, f"phone-{tab.lower().replace(' ', '-')}")
        if (width := page.evaluate("document.documentElement.scrollWidth")) > PHONE["width"]:
            too_wide[tab] = width
    assert too_wide == {}


def test_broken_csv_shows_the_error_table(page: Page, server: str) -> None:
    broken = ROOT / "sample_data" / "broken.csv"
    issues = load_participants(broken, skip_invalid=True).issues
    log_in_and_create_program(page, server)
    upload_file(page, broken)
    expect(page.get_by_role("alert")).to_contain_text("nothing will be imported")
    table = page.locator("table.issues")
    expect(table.locator("tbody tr")).to_have_count(len(issues))
    for issue in issues:
        expect(table).to_contain_text(issue.message)
    expect(page.get_by_role("button", name="Import")).to_have_count(0)
    shot(page, "import-errors")


def test_invite_link_and_intake_form(page: Page, server: str, browser: Browser) -> None:
    log_in_and_create_program(page, server)
    page.get_by_role("link", name="Invite links").first.click()
    page.get_by_label("E-mail of the person").fill("gia.park@example.org")
    page.get_by_role("button", name="Create personal link", exact=True).click()
    link = page.get_by_role("textbox", name="Link for gia.park@example.org").input_value()
    assert link.startswith(f"{server}/intake/")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy = page.get_by_role("button", name="Copy link for gia.park@example.org")
    copy.click()
    copied = page.get_by_role("button", name="Copied link for gia.park@example.org")
    expect(copied).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == link
    shot(page, "invites")

    person = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    person.goto(link)
    heading = person.get_by_role("heading", name="Demo cohort: your mentoring profile")
    expect(heading).to_be_visible()
    assert_accessible(person)
    mentee_part = person.get_by_role("group", name="What you want from a mentor")
    mentor_part = person.get_by_role("group", name="What you offer as a mentor")
    expect(person.get_by_label("Mentee: I want a mentor")).to_be_checked()
    expect(mentor_part).to_be_hidden()
    person.get_by_label("Mentor: I offer to mentor").check()
    expect(mentor_part).to_be_visible()
    expect(mentee_part).to_be_hidden()
    person.get_by_label("Both").check()
    expect(mentee_part).to_be_visible()
    assert_accessible(person)  # every part of the form shown
    person.get_by_label("Mentee: I want a mentor").check()
    expect(mentor_part).to_be_hidden()
    person.get_by_label("Name", exact=True).fill("Gia Park")
    mentee_part.get_by_label("Sponsorship").check()
    mentee_part.get_by_label("Networking").check()
    mentee_part.get_by_label("Other goals").fill("public speaking")
    person.get_by_label("Level").fill("senior")
    person.get_by_label("Time zone").fill("Asia/Seoul")
    person.get_by_role("button", name="Save my answers").click()
    level_errors = person.locator("#level-errors")
    expect(level_errors).to_be_visible()
    shot(person, "intake-errors")
    person.get_by_label("Level").fill("3")
    person.get_by_role("button", name="Save my answers").click()
    expect(person.get_by_role("heading", name="Thank you, your answers are saved")).to_be_visible()
    shot(person, "intake-done")

    person.goto(link)
    expect(person.get_by_label("Name", exact=True)).to_have_value("Gia Park")
    expect(mentee_part.get_by_label("Networking")).to_be_checked()
    person.set_viewport_size(PHONE)
    assert_accessible(person)
    person.screenshot(path=str(SHOTS / "intake-phone.png"))
    person.context.close()

    page.get_by_role("link", name="Participants").first.click()
    expect(page.get_by_role("link", name="Gia Park")).to_be_visible()


def test_too_large_file_gets_a_friendly_page(page: Page, server: str, tmp_path: Path) -> None:
    big = tmp_path / "everyone.csv"
    big.write_bytes(SAMPLE.read_bytes() * (UPLOAD_LIMIT // SAMPLE.stat().st_size + 2))
    log_in_and_create_program(page, server)
    page.get_by_role("link", name="Import CSV").first.click()
    page.get_by_label("Participant CSV file").set_input_files(str(big))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="File too large")).to_be_visible()
    expect(page.get_by_text("larger than the 200 KB this site accepts")).to_be_visible()
    shot(page, "import-too-large")
