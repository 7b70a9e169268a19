"""The picks journey in chromium: the admin adds two questions and turns picking on, two
mentors choose to be shown, a mentee answers the questions and picks two mentors on her
page, and the run gives her 1st pick and says why another mentee's pick went elsewhere.

The people are those of data/picks.csv (see tests/web/test_picks_page.py): Mo (capacity
1) is Ana's only expertise mentor, and Ben's 1st pick. Screenshots of the pick page at
1366 and 390 px wide go to the screenshot folder.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.helpers import DATA
from tests.web.test_browser import (  # noqa: F401
    PHONE,
    log_in_and_create_program,
    page,
    server,
    shot,
    upload_file,
)
from tests.web.test_questions_browser import add_question
from tests.web.test_review_browser import run_matching

pytestmark = pytest.mark.slow


def personal_link(admin: Page, email: str) -> str:
    """Create a personal link on the Invite links page; the link."""
    admin.get_by_role("link", name="Invite links").first.click()
    admin.get_by_label("E-mail of the person").fill(email)
    admin.get_by_role("button", name="Create personal link", exact=True).click()
    return admin.get_by_role("textbox", name=f"Link for {email}").input_value()


def test_a_mentee_picks_two_mentors_and_the_run_gives_her_first_pick(
    page: Page,  # noqa: F811
    server: str,  # noqa: F811
    browser: Browser,
) -> None:
    log_in_and_create_program(page, server)
    page.get_by_role("link", name="Questions").first.click()
    add_question(page, "team", "Which team are you on?", "single", "Red\nBlue")
    add_question(
        page, "topics", "What would you talk about?", "multiple", "parenting\nmoving abroad"
    )
    page.get_by_role("link", name="Settings").first.click()
    page.get_by_label("Mentees may pick mentors").check()
    page.get_by_label("How many picks").fill("2")
    page.get_by_role("button", name="Save pick settings").click()
    expect(page.get_by_text("mentees may now pick mentors")).to_be_visible()

    upload_file(page, DATA / "picks.csv")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported:")).to_be_visible()
    links = {
        e.split("@")[0]: personal_link(page, e)
        for e in ("mo.diaz@example.org", "nia.ode@example.org", "ana.park@example.org")
    }

    person = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    for mentor in ("mo.diaz", "nia.ode"):
        person.goto(links[mentor].replace("/intake/", "/me/") + "/picks")
        person.get_by_label("Show me to mentees who are choosing a mentor").check()
        person.get_by_label("Department").check()
        person.get_by_label("A short bio").fill(f"Hello from {mentor}.")
        person.get_by_role("button", name="Save what mentees see").click()
        expect(person.get_by_text("mentees who are choosing a mentor may see you")).to_be_visible()
    expect(person.get_by_text("No mentee has picked you yet.")).to_be_visible()

    person.goto(links["ana.park"])
    questions = person.get_by_role("group", name="Program questions", exact=True)
    questions.get_by_label("Red").check()
    questions.get_by_label("moving abroad").check()
    person.get_by_role("button", name="Save my answers").click()
    expect(person.get_by_role("heading", name="Thank you, your answers are saved")).to_be_visible()
    person.goto(links["ana.park"].replace("/intake/", "/me/"))
    expect(person.get_by_text("moving abroad")).to_be_visible()
    person.get_by_role("link", name="Pick your mentors").click()
    expect(person.get_by_text("the mentors you pick see that you picked them")).to_be_visible()
    expect(person.locator("article.suggestion")).to_have_count(2)  # never Pat, her manager
    person.get_by_label("Your pick: Mo Diaz").select_option(label="1st pick")
    person.get_by_label("Your pick: Nia Ode").select_option(label="2nd pick")
    person.get_by_role("button", name="Save my picks").click()
    expect(person.get_by_text("Your picks are saved: 1st Mo Diaz, 2nd Nia Ode.")).to_be_visible()
    shot(person, "picks-mentee")
    person.set_viewport_size(PHONE)
    assert person.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(person, "picks-mentee-phone")
    person.context.close()

    page.get_by_role("link", name="Matching", exact=True).first.click()
    run_matching(page, "Run matching")
    page.get_by_role("link", name="Review the pairs").click()
    ana = page.locator("tr.pair", has_text="Ana Park").filter(has_text="Mo Diaz")
    expect(ana).to_contain_text("the mentee's 1st pick")
    page.locator("tr.pair", has_text="Ben Ito").get_by_role("link", name="Ben Ito").click()
    expect(page.get_by_text("your 1st pick: full (1 place): mentors Ana Park")).to_be_visible()
