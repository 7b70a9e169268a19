"""Issue 16, item 8: every page passes axe-core's WCAG 2.0/2.1 A and AA rules, and a
participant fills in the intake form with the keyboard only.

The journeys of test_browser.py and test_review_browser.py check each page they visit;
the sweep here visits once every admin and participant page they do not, on the demo
program with a finished run, at a laptop's width and a phone's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.web.axe import AXE_VERSION, assert_accessible, axe_source, axe_violations, describe
from tests.web.helpers import ADMIN_EMAIL, mailed_links
from tests.web.keyboard import tab_to
from tests.web.matching import load_demo, lock_directly
from tests.web.test_browser import PHONE, page, server  # noqa: F401
from tests.web.test_review_browser import log_in
from webapp.db import db
from webapp.links import link_for
from webapp.models import ImportUpload, Participant, utcnow
from webapp.pair_models import Checkin, Pair, PublishJob
from webapp.run_models import MatchRun, ProposedMatch
from webapp.runner import program_people

LAPTOP = {"width": 1280, "height": 900}
MENTEE = "mia.hoffmann@loomworks.example"  # seeks four types
NEWCOMER = "noor.ahmadi@example.org"  # asks the program link for a link
KIM = "kim.lee@example.org"


def accepted_with_checkin(app: Flask, program_id: int, run: MatchRun) -> str:
    """An accepted pair of the run whose mentee is asked the first-meeting check; the
    path of the mentee's own page."""
    with app.app_context():
        proposed = db.session.scalars(db.select(ProposedMatch).filter_by(run_id=run.id)).first()
        assert proposed is not None
        now = utcnow()
        pair = Pair(
            program_id=program_id,
            run_id=run.id,
            mentee_email=proposed.mentee_email,
            mentor_email=proposed.mentor_email,
            mentor_type=proposed.mentor_type,
            status="accepted",
            published_by=ADMIN_EMAIL,
            deadline=now,
            settled_at=now,
            settled_by=ADMIN_EMAIL,
        )
        db.session.add(pair)
        db.session.flush()
        db.session.add(Checkin(program_id=program_id, pair_id=pair.id, side="mentee"))
        mentee = db.session.scalars(
            db.select(Participant).filter_by(program_id=program_id, email=pair.mentee_email)
        ).one()
        token = link_for(mentee, now + timedelta(days=30))
        db.session.commit()
        return f"/me/{token.token}"


def sweeper(tab: Page) -> tuple[Callable[[str], None], dict[str, str]]:
    """A ``check(name)`` that runs axe on the tab at a laptop's and a phone's width, and the
    report it fills: page name and width -> the violations found, for the pages with any."""
    found: dict[str, str] = {}

    def check(name: str) -> None:
        for width, size in (("laptop", LAPTOP), ("phone", PHONE)):
            tab.set_viewport_size(size)
            if violations := axe_violations(tab):
                found[f"{name} ({width}, {tab.url})"] = describe(violations)
        tab.set_viewport_size(LAPTOP)

    return check, found


@pytest.mark.slow
def test_every_admin_page_passes_axe(
    app: Flask,
    demo: tuple[int, MatchRun],
    browser: Browser,
    page: Page,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    program_id, run = demo
    check, found = sweeper(page)
    base = f"{server}/programs/{program_id}"

    page.goto(f"{server}/auth/login")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Wrong e-mail or password.")).to_be_visible()
    check("log-in with an error")
    log_in(page, server, "/programs/")
    check("programs")
    page.get_by_role("link", name="New program").click()
    check("new program")
    page.goto(f"{base}/")
    check("program")
    page.goto(f"{base}/edit")
    check("rename program")
    page.goto(f"{base}/settings")
    check("settings")
    page.get_by_role("group", name="Rules and objective").get_by_role("textbox").first.fill("x")
    page.get_by_role("button", name="Save").first.click()
    check("settings with errors")
    page.goto(f"{base}/questions/")
    check("questions")
    page.get_by_role("link", name="Add a question").click()
    page.get_by_role("button", name="Save question").click()
    expect(page.locator(".field-errors").first).to_be_visible()
    check("new question with errors")
    page.goto(f"{base}/questions/life_stage/edit")
    check("edit question")
    page.goto(f"{base}/questions/life_stage/rules")
    check("question rules")
    page.goto(f"{base}/history")
    check("history")
    page.goto(f"{base}/history?kind=program")
    check("history, filtered")
    page.get_by_role("link", name="Sign-ins").first.click()
    check("sign-ins")

    page.goto(f"{base}/participants/?q=mia")
    check("participants, searched")
    page.get_by_role("link", name="Mia Hoffmann").click()
    check("participant")
    page.get_by_role("link", name="Edit").first.click()
    check("edit participant")
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_role("button", name="Save").first.click()
    check("edit participant with errors")
    page.get_by_label("Name", exact=True).fill("Mia Hoffmann")
    with app.app_context():  # another admin saves her meanwhile
        db.session.scalars(db.select(Participant).filter_by(email=MENTEE)).one().location = "Bonn"
        db.session.commit()
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_role("heading", name="Changed meanwhile")).to_be_visible()
    check("conflict page")
    page.goto(f"{base}/import/")
    check("import upload")
    page.goto(f"{base}/invites/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="E-mail everyone their link").click()
    check("invites after e-mailing everyone")
    page.goto(f"{base}/participants/")
    check("participants with their invitation status")
    page.goto(f"{base}/outbox/")
    check("outbox")
    page.get_by_role("link", name=re.compile("invitation", re.I)).first.click()
    check("one e-mail of the outbox")
    page.goto(f"{base}/outbox/templates/")
    check("e-mail templates")
    page.get_by_role("link", name="invitation", exact=True).click()
    check("an e-mail template's preview")

    page.goto(f"{base}/invites/")
    page.get_by_role("button", name="Create a program link").click()
    program_link = page.get_by_role("textbox", name="Link for the program").input_value()
    person = browser.new_context(viewport=LAPTOP).new_page()
    check_person, found_by_person = sweeper(person)
    person.goto(program_link)
    check_person("program link")
    person.get_by_label("E-mail").fill(NEWCOMER)
    person.get_by_role("button", name=re.compile("link", re.I)).click()
    expect(person.get_by_text("a link is on its way")).to_be_visible()
    check_person("program link answered")
    (link,) = mailed_links(app, NEWCOMER)
    with app.app_context():  # an admin imports the address before the person sends the form
        db.session.add(
            Participant(
                program_id=program_id,
                email=NEWCOMER,
                name="Noor",
                role="mentee",
                seeks="developmental",
            )
        )
        db.session.commit()
    person.goto(server + link)
    person.get_by_label("Name", exact=True).fill("Noor A.")
    person.get_by_role("button", name="Save my answers").click()
    expect(person.get_by_role("alert")).to_contain_text("Please fix the fields")
    check_person("intake form (program link) with errors")
    person.locator("#seeks-1").check()
    person.get_by_role("button", name="Save my answers").click()
    expect(person.get_by_role("heading", name=re.compile("^Thank you"))).to_be_visible()
    check_person("thank-you page")
    person.context.close()
    found.update(found_by_person)

    page.reload()
    check("invites with a waiting registration")
    page.get_by_role("link", name=NEWCOMER).click()
    expect(page.get_by_role("heading", name=f"Registration of {NEWCOMER}")).to_be_visible()
    check("registration")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Drop").click()
    revoked = page.get_by_role("textbox", name=f"Link for {NEWCOMER}").first.input_value()
    page.goto(revoked)
    check("intake link switched off")

    page.goto(f"{base}/runs/")
    check("runs")
    page.goto(f"{base}/runs/{run.id}")
    check("run")
    page.goto(f"{base}/runs/{run.id}/review?group=mentor")
    check("review grouped by mentor")
    page.goto(f"{base}/runs/{run.id}/mentee?email={MENTEE}")
    check("mentee")
    sticking_out = page.locator(".network > li").evaluate_all(
        """(cards) => cards.flatMap((card) => [...card.querySelectorAll('.points')]
            .filter((p) => p.getBoundingClientRect().right > card.getBoundingClientRect().right)
            .map((p) => p.textContent))"""
    )
    assert sticking_out == []  # each criterion's points stay inside their card
    options = page.locator("datalist[id^=mentors-] option")
    for value in options.evaluate_all("(os) => os.map((o) => o.value)"):
        page.locator("input[list^=mentors-]").first.fill(value)
        page.get_by_role("button", name=re.compile("^Check and make")).first.click()
        if page.get_by_role("heading", name=re.compile(r"^Make .*\?$")).count():
            break
        page.go_back()
    expect(page.get_by_role("heading", name=re.compile(r"^Make .*\?$"))).to_be_visible()
    check("confirm a match by hand")
    page.goto(f"{base}/runs/{run.id}/unmatched")
    check("unmatched")
    page.goto(f"{base}/runs/{run.id}/dashboard")
    check("dashboard")
    first_meeting = accepted_with_checkin(app, program_id, run)
    page.goto(f"{base}/pairs/")
    expect(page.get_by_role("button", name="Mark active")).to_be_visible()
    check("published matches with their life and check-ins")
    page.goto(server + first_meeting)
    expect(page.get_by_role("group", name="How did your first conversations go?")).to_be_visible()
    check("participant page with a first-meeting check")
    page.goto(f"{base}/outcomes")
    check("outcomes per cohort")
    page.goto(f"{base}/next-cohort")
    page.get_by_role("button", name="Start the next cohort").click()
    expect(page.get_by_text("Give the start date")).to_be_visible()
    check("start the next cohort, with errors")
    with app.app_context():  # a lock the data no longer allows: the mentee does not seek the type
        people = program_people(program_id)
        pair = db.session.scalars(db.select(ProposedMatch).filter_by(run_id=run.id)).first()
        assert pair is not None
        other = next(p for p in people if p.is_mentee and pair.mentor_type not in p.seeks)
        lock_directly(program_id, other.email, pair)
    page.goto(f"{base}/runs/{run.id}")
    page.get_by_role("button", name="Re-run matching").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Run \d+: done$"))).to_be_visible()
    left_out = page.get_by_role("region", name=re.compile("left out of this run$"))
    expect(left_out).to_contain_text(other.name)
    check("run with a lock left out")
    page.goto(f"{base}/participants/?q=noor")  # in the history: she asked for a link
    page.get_by_role("link", name="Noor", exact=True).click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Erase").click()
    expect(page.get_by_role("heading", name="Participants")).to_be_visible()
    check("participants after an erasure")
    page.goto(f"{base}/history")
    expect(page.get_by_text("[erased]").first).to_be_visible()
    check("history with an erasure")

    page.goto(f"{base}/participants/?page=nope")
    check("bad request page")
    page.goto(f"{server}/programs/999999/")
    check("not found page")
    assert found == {}, "\n\n".join(f"{name}:\n{text}" for name, text in found.items())


@pytest.mark.slow
def test_the_intake_form_with_the_keyboard_only(
    app: Flask,
    program_id: int,
    browser: Browser,
    page: Page,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """A participant opens a personal link, then fills in and sends the form with Tab,
    Space, arrow keys, typing and Enter only; every control the focus passes shows its
    focus ring. (Accepting a match joins this journey with the participant's own page.)"""
    log_in(page, server, f"/programs/{program_id}/invites/")
    page.get_by_label("E-mail of the person").fill(KIM)
    page.get_by_role("button", name="Create personal link", exact=True).click()
    link = page.get_by_role("textbox", name=f"Link for {KIM}").input_value()
    person = browser.new_context(viewport=LAPTOP).new_page()
    person.goto(link)
    keys = person.keyboard

    tab_to(person, "a.skip")
    expect(person.get_by_role("link", name="Skip to content")).to_be_in_viewport()
    tab_to(person, "#name")
    keys.type("Kim Lee")
    tab_to(person, "input[name=role]:checked")
    keys.press("ArrowDown")  # mentor: the mentee part hides, the mentor part shows
    expect(person.get_by_role("group", name="What you want from a mentor")).to_be_hidden()
    keys.press("ArrowDown")  # both
    keys.press("ArrowUp")
    keys.press("ArrowUp")  # back to mentee
    expect(person.get_by_label("Mentee: I want a mentor")).to_be_checked()
    expect(person.get_by_role("group", name="What you offer as a mentor")).to_be_hidden()
    tab_to(person, "input[name=seeks][value=sponsorship]")
    keys.press("Space")
    tab_to(person, "input[name=goals][value=networking]")
    keys.press("Space")
    tab_to(person, "#goals_other")
    keys.type("public speaking")
    tab_to(person, "#level")
    keys.type("3")
    tab_to(person, "#timezone")
    keys.type("Asia/Seoul")
    tab_to(person, "input[name=meeting_mode]:checked")
    keys.press("ArrowUp")  # from "either" to "in person"
    tab_to(person, "[type=submit]")
    keys.press("Enter")

    expect(person.get_by_role("heading", name=re.compile("^Thank you"))).to_be_visible()
    assert_accessible(person)
    person.context.close()
    with app.app_context():
        kim = db.session.scalars(db.select(Participant).filter_by(email=KIM)).one()
        saved = (kim.name, kim.role, kim.seeks, kim.goals, kim.level, kim.timezone)
        assert saved == (
            "Kim Lee",
            "mentee",
            "sponsorship",
            "networking;public speaking",
            3,
            "Asia/Seoul",
        )
        assert kim.meeting_mode == "in_person"


@pytest.mark.slow
def test_a_run_page_shows_progress_in_place_and_the_end_once(
    app: Flask,
    page: Page,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """A working job's page puts the new progress in place (no meta refresh, which axe
    refuses: the focus and the reading place stay) and loads itself once when it ends."""
    program_id = load_demo(app)
    with app.app_context():
        run = MatchRun(program_id=program_id, created_by=ADMIN_EMAIL, status="running")
        run.step, run.done, run.total = "scores", 3, 8
        db.session.add(run)
        db.session.commit()
        run_id = run.id

    def working(**change: object) -> None:
        with app.app_context():
            db.session.execute(
                db.update(MatchRun).filter_by(id=run_id).values(heartbeat_at=utcnow(), **change)
            )
            db.session.commit()

    log_in(page, server, f"/programs/{program_id}/runs/{run_id}")
    status = page.get_by_role("status")
    expect(status).to_have_text(re.compile(r"Working: scores\s+\(3 of 8\)"))
    assert_accessible(page)
    page.get_by_role("link", name="Programs").focus()
    page.evaluate("window.notReloaded = true")
    working(step="solving", done=6)
    expect(status).to_have_text(re.compile(r"Working: solving\s+\(6 of 8\)"))
    expect(page.locator("progress")).to_have_attribute("value", "6")
    assert page.evaluate("window.notReloaded && document.activeElement.textContent") == "Programs"
    working(status="failed", error="stopped by the test", finished_at=utcnow())
    expect(page.get_by_role("alert")).to_have_text("The run failed: stopped by the test")
    assert page.evaluate("window.notReloaded") is None
    assert_accessible(page)


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_a_missing_axe_core_fails_in_ci_and_skips_elsewhere(
    ci: str, outcome: type[BaseException], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match=f"axe-core {AXE_VERSION} is not at"):
        axe_source(tmp_path / "axe.min.js")


def test_the_working_pages_of_an_import_and_a_publishing_pass_axe(
    app: Flask,
    demo: tuple[int, MatchRun],
    page: Page,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """The progress pages no journey catches at work: a CSV import being checked and
    pairs being published."""
    program_id, run = demo
    with app.app_context():
        upload = ImportUpload(
            program_id=program_id, filename="people.csv", content=b"", status="running"
        )
        publishing = PublishJob(
            program_id=program_id,
            run_id=run.id,
            scope="all",
            requested_by=ADMIN_EMAIL,
            base_url=server,
            status="running",
        )
        for job in (upload, publishing):
            job.step, job.done, job.total, job.heartbeat_at = "reading", 1, 4, utcnow()
        db.session.add_all([upload, publishing])
        db.session.commit()
        paths = (
            f"/programs/{program_id}/import/{upload.id}",
            f"/programs/{program_id}/runs/{run.id}/publish/{publishing.id}",
        )
    log_in(page, server, paths[0])
    for path in paths:
        page.goto(server + path)
        expect(page.get_by_role("status")).to_contain_text("(1 of 4)")
        for width in (LAPTOP, PHONE):
            page.set_viewport_size(width)
            assert_accessible(page)
