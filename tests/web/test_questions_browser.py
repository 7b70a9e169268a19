"""The program questions journey in chromium: the admin adds two questions and their
rules, a mentee answers them on the intake form, and the run's review page names the
question in a reason and a bar. Screenshots go to the screenshot folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.axe import assert_accessible
from tests.web.test_browser import log_in_and_create_program, page, server, shot, upload_file  # noqa: F401
from tests.web.test_questions import ANSWERS, with_answers
from tests.web.test_review_browser import run_matching

pytestmark = pytest.mark.slow


def add_question(tab: Page, key: str, prompt: str, kind: str, choices: str) -> None:
    """Fill the Questions page's form for a question asked of everyone."""
    tab.get_by_role("link", name="Add a question").click()
    tab.get_by_label("Key", exact=True).fill(key)
    tab.get_by_label("Question", exact=True).fill(prompt)
    tab.get_by_label(re.compile(f"^{kind}:")).check()
    tab.get_by_label("Choices", exact=True).fill(choices)
    tab.get_by_label("Both mentees and mentors").check()
    assert_accessible(tab)
    tab.get_by_role("button", name="Save question").click()
    expect(tab.get_by_text(f"Question {key} added.")).to_be_visible()


def every_type(tab: Page, rule: str, weight: str = "", hard: bool = False) -> None:
    """Give the rules form the same rule for each mentor type, and save it."""
    for group in tab.get_by_role("group", name=re.compile("mentors$")).all():
        group.get_by_label("Rule", exact=True).select_option(rule)
        if hard:
            group.get_by_label("Must share (a hard rule)").check()
        else:
            group.get_by_label("Weight", exact=True).fill(weight)
    tab.get_by_role("button", name="Save rules").click()


def test_questions_from_the_editor_to_the_review(
    page: Page,  # noqa: F811
    server: str,  # noqa: F811
    browser: Browser,
    tmp_path: Path,
) -> None:
    log_in_and_create_program(page, server)
    page.get_by_role("link", name="Questions").first.click()
    expect(page.get_by_role("heading", name="Questions")).to_be_visible()
    add_question(page, "team", "Which team are you on?", "single", "Red\nBlue")
    add_question(
        page,
        "topics",
        "What would you talk about?",
        "multiple",
        "parenting while working\ncaring for a parent\nmoving abroad",
    )
    page.get_by_role("link", name="Rules").first.click()
    every_type(page, "same", hard=True)
    page.get_by_role("link", name="Rules").nth(1).click()
    assert_accessible(page)
    every_type(page, "overlap", weight="10")
    expect(page.get_by_text("Rules of topics saved.")).to_be_visible()
    expect(page.locator("table.questions")).to_contain_text("overlap: weight 10")
    shot(page, "questions")

    people = tmp_path / "people.csv"
    people.write_bytes(with_answers(ANSWERS))
    upload_file(page, people)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported:")).to_be_visible()

    page.get_by_role("link", name="Invite links").first.click()
    page.get_by_label("E-mail of the person").fill("gia.park@example.org")
    page.get_by_role("button", name="Create personal link", exact=True).click()
    link = page.get_by_role("textbox", name="Link for gia.park@example.org").input_value()

    person = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    person.goto(link)
    questions = person.get_by_role("group", name="Program questions", exact=True)
    expect(questions).to_contain_text("Which team are you on?")
    person.get_by_label("Name", exact=True).fill("Gia Park")
    person.get_by_role("group", name="What you want from a mentor").get_by_label(
        re.compile("^Developmental")
    ).check()
    questions.get_by_label("Red").check()
    questions.get_by_label("caring for a parent").check()
    shot(person, "intake-questions")
    person.get_by_role("button", name="Save my answers").click()
    expect(person.get_by_role("heading", name="Thank you, your answers are saved")).to_be_visible()
    person.goto(link)
    expect(person.get_by_label("caring for a parent")).to_be_checked()
    person.context.close()

    page.get_by_role("link", name="Matching", exact=True).first.click()
    run_matching(page, "Run matching")
    page.get_by_role("link", name="Review the pairs").click()
    gia = page.locator("tr.pair", has_text="Gia Park")
    expect(gia).to_contain_text("What would you talk about? both chose: caring for a parent")
    expect(gia.locator(".breakdown")).to_contain_text("What would you talk about?")
    expect(gia).to_contain_text("Erin Lu")  # the only mentor on her team
    gia.scroll_into_view_if_needed()
    shot(page, "review-questions")
