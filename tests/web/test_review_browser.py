"""The admin's whole review journey in chromium, on the demo program.

Run matching, review, approve some pairs in bulk, reject one with a reason, lock one,
re-run, check the rejected pair is gone and the locked one stays, make the export on
the run's Exports page, follow its job and read the file it downloads. Screenshots go to
docs/screenshots/.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, Locator, Page, expect

from matcher.proposal import MATCH_COLUMNS
from tests.web.axe import assert_accessible
from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.web.matching import load_demo, lock_directly
from tests.web.test_browser import PHONE, SHOTS, page, server, shot  # noqa: F401
from webapp.db import db
from webapp.matching.exports import DECISION_COLUMNS
from webapp.models import utcnow
from webapp.pair_life import LIFE_COLUMNS
from webapp.run_models import MatchRun, PairDecision, ProposedMatch
from webapp.runner import program_people

pytestmark = pytest.mark.slow
RUN_TIMEOUT = 60_000


def run_matching(tab: Page, button: str) -> str:
    """Press a run button and wait for the run page to say it is done; the run's title."""
    tab.get_by_role("button", name=button).first.click()
    heading = tab.get_by_role("heading", name=re.compile(r"^Run \d+: done$"))
    expect(heading).to_be_visible(timeout=RUN_TIMEOUT)
    return heading.inner_text()


def top_shot(tab: Page, name: str, height: int = 1500) -> None:
    """Check the page with axe-core, then save the top of a long page (the review table is
    50 rows) to docs/screenshots/."""
    assert_accessible(tab)
    clip = {"x": 0, "y": 0, "width": tab.viewport_size["width"], "height": height}
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, clip=clip)


def pairs_of_run(app: Flask, title: str) -> set[tuple[str, str, str]]:
    """The triples a run (by its page title) proposed."""
    run_id = int(title.split()[1].rstrip(":"))
    with app.app_context():
        return {
            p.key for p in db.session.scalars(db.select(ProposedMatch).filter_by(run_id=run_id))
        }


def decided(app: Flask, action: str) -> list[tuple[str, str, str]]:
    """The triples with this decision."""
    with app.app_context():
        found = db.session.scalars(db.select(PairDecision).filter_by(action=action))
        return [(d.mentee_email, d.mentor_email, d.mentor_type) for d in found]


def test_run_review_decide_rerun_and_export(app: Flask, page: Page, server: str) -> None:  # noqa: F811
    program_id = load_demo(app)
    page.goto(f"{server}/programs/{program_id}/")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("link", name="Matching", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Matching", exact=True).click()
    assert_accessible(page)
    first = run_matching(page, "Run matching")
    shot(page, "run")

    page.get_by_role("link", name="Review the pairs").click()
    expect(page.get_by_role("heading", name=re.compile("^Review run"))).to_be_visible()
    rows = page.locator("tbody tr.pair")
    expect(rows).to_have_count(50)
    top_shot(page, "review")

    rows.nth(0).get_by_role("button", name=re.compile("^Approve ")).click()
    expect(rows.nth(0).locator(".status")).to_have_text("approved")
    for i in range(4):
        rows.nth(i).get_by_role("checkbox").check()
    page.get_by_label("Decision").first.select_option("approve")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", name="Approve 3 pairs?")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("already approved")
    shot(page, "review-bulk-confirm")
    page.get_by_role("button", name="Approve 3 pairs").click()
    expect(page.get_by_text("3 pairs now approved.")).to_be_visible()  # the job's page
    assert_accessible(page)
    page.get_by_role("link", name="Back to the review page").click()
    expect(rows).to_have_count(50)

    rows.nth(3).locator("summary").click()
    assert_accessible(page)  # with the reject form open
    rows.nth(3).get_by_label("Reason (optional)").fill("they already work together")
    rows.nth(3).get_by_role("button", name=re.compile("^Confirm reject")).click()
    expect(rows.nth(3).locator(".status")).to_have_text("rejected")  # in place, no reload
    rows.nth(4).get_by_role("button", name=re.compile("^Lock ")).click()
    expect(rows.nth(4).locator(".status")).to_have_text("locked")
    expect(rows.nth(3).locator(".status")).to_have_text("rejected")
    expect(rows.nth(3)).to_contain_text("they already work together")
    top_shot(page, "review-decided")
    (rejected,) = decided(app, "reject")
    (locked,) = decided(app, "lock")
    assert len(decided(app, "approve")) == 3

    rows.nth(4).get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Developmental network")).to_be_visible()
    expect(page.get_by_role("heading", name="Alternatives per type")).to_be_visible()
    shot(page, "review-mentee")

    page.get_by_role("link", name=re.compile(r"^Run \d+$")).click()
    second = run_matching(page, "Re-run matching")
    assert second != first
    expect(page.get_by_role("heading", name=re.compile("^Changes since run"))).to_be_visible()
    assert_accessible(page)
    again = pairs_of_run(app, second)
    assert rejected not in again
    assert locked in again
    assert set(decided(app, "approve")) <= again

    page.get_by_role("link", name="Review pairs").click()
    page.get_by_label("Status").select_option("locked")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("tbody tr.pair")).to_have_count(1)
    assert_accessible(page)

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("img", name="Requests filled per type")).to_be_visible()
    shot(page, "dashboard")
    page.get_by_role("link", name="Unmatched").click()
    expect(page.get_by_role("heading", name="Where mentors are missing")).to_be_visible()
    expect(page.get_by_role("heading", name="What no mentor offers")).to_be_visible()
    expect(page.locator(".room").get_by_role("link", name="Margaret Hale")).to_be_visible()
    shot(page, "unmatched")
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name="Review pairs").click()
    top_shot(page, "review-phone", 1800)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Exports").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Exports of run \d+$"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Make the CSV").click()
    download = page.get_by_role("link", name=re.compile(r"^Download matches-run-\d+\.csv$"))
    expect(download).to_be_visible(timeout=RUN_TIMEOUT)  # the job's page, once it is done
    expect(
        page.get_by_text(f"The file is ready: {len(decided(app, 'approve')) + 1} pairs.")
    ).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as info:
        download.click()
    frame = pd.read_csv(io.BytesIO(Path(info.value.path()).read_bytes()), encoding="utf-8-sig")
    assert list(frame.columns) == [*MATCH_COLUMNS, *DECISION_COLUMNS, *LIFE_COLUMNS]
    exported = set(zip(frame.mentee_email, frame.mentor_email, frame.mentor_type, strict=True))
    assert exported == {locked, *decided(app, "approve")}
    assert rejected not in exported


def log_in(tab: Page, base: str, path: str) -> None:
    """Open ``path`` of the server at ``base``, log in on the page it redirects to, and
    land on ``path``."""
    tab.goto(f"{base}{path}")
    tab.get_by_label("E-mail").fill(ADMIN_EMAIL)
    tab.get_by_label("Password").fill(ADMIN_PASSWORD)
    tab.get_by_label("Password").press("Enter")
    expect(tab.get_by_role("heading", level=1)).not_to_have_text("Log in")


def screen_top(row: Locator) -> float:
    """Where the row is on the screen (pixels from the top of the window)."""
    return float(row.evaluate("(r) => r.getBoundingClientRect().top"))


def test_a_decision_low_on_the_page_changes_its_row_in_place(
    app: Flask,
    admin_client: FlaskClient,
    demo: tuple[int, MatchRun],
    page: Page,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """Issue 14, item 4: approving row 41 of 50 leaves the page where it was: no reload,
    the row stays at its place on the screen, focus on its new status."""
    program_id, run = demo
    review = f"/programs/{program_id}/runs/{run.id}/review"
    log_in(page, server, review)
    rows = page.locator("tbody tr.pair")
    expect(rows).to_have_count(50)
    approve = rows.nth(40).get_by_role("button", name=re.compile("^Approve "))
    approve.evaluate("(b) => b.scrollIntoView({block: 'center'})")  # so the click needs no scroll
    assert page.evaluate("window.scrollY") > 3000
    top = screen_top(rows.nth(40))
    approve.click()
    expect(rows.nth(40).locator(".status")).to_have_text("approved")
    expect(page.locator("#decided")).to_have_text(re.compile(r": approved\.$"))
    assert abs(screen_top(rows.nth(40)) - top) < 1
    assert page.evaluate("document.activeElement.textContent") == "approved"
    assert page.url.endswith(review)
    approved = rows.nth(40).get_by_role("checkbox").get_attribute("value")
    with app.app_context():
        (decision,) = db.session.scalars(db.select(PairDecision)).all()
        assert db.session.get_one(ProposedMatch, int(approved or 0)).key == (
            decision.mentee_email,
            decision.mentor_email,
            decision.mentor_type,
        )

    # another admin decides on row 42 meanwhile: the refusal shows in that row
    other = int(rows.nth(41).get_by_role("checkbox").get_attribute("value") or 0)
    admin_client.post(
        f"/programs/{program_id}/runs/{run.id}/matches/{other}", data={"action": "reject"}
    )
    top = screen_top(rows.nth(41))
    rows.nth(41).get_by_role("button", name=re.compile("^Approve ")).click()
    refusal = page.locator("tbody tr.problem").get_by_role("alert")  # the line under the row
    expect(refusal).to_contain_text("was changed while you looked")
    expect(rows.nth(41).locator(".status")).to_have_text("proposed")
    assert abs(screen_top(rows.nth(41)) - top) < 1
    assert_accessible(page)  # the rows changed in place, the refusal under its row
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "review-in-place.png"))  # the screen, not the page


def test_an_approval_the_mentor_has_no_room_for_says_why_in_its_row(
    app: Flask,
    demo: tuple[int, MatchRun],
    page: Page,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """The single approval's check is the bulk one: the reason shows under the row, the
    row stays as it was, nothing is saved."""
    program_id, run = demo
    with app.app_context():
        people = {p.email: p for p in program_people(program_id)}
        pair = next(
            p
            for p in db.session.scalars(db.select(ProposedMatch).filter_by(run_id=run.id))
            if people[p.mentor_email].capacity == 1
        )
        holder = next(
            p
            for p in people.values()
            if p.is_mentee and p.email != pair.mentee_email and pair.mentor_type in p.seeks
        )
        lock_directly(program_id, holder.email, pair)
        label, mentor = pair.label, pair.mentor_name
    log_in(page, server, f"/programs/{program_id}/runs/{run.id}/review?mentor={pair.mentor_email}")
    row = page.locator("tbody tr.pair").first
    row.get_by_role("button", name=re.compile("^Approve ")).click()
    refusal = page.locator("tbody tr.problem").get_by_role("alert")
    expect(refusal).to_contain_text(f"Not approved: {label}: {mentor} is full: capacity 1")
    expect(refusal).to_contain_text(holder.name)
    expect(row.locator(".status")).to_have_text("proposed")
    assert_accessible(page)
    assert decided(app, "approve") == []


def test_decisions_work_without_javascript(
    demo: tuple[int, MatchRun],
    browser: Browser,
    server: str,  # noqa: F811
) -> None:
    program_id, run = demo
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    tab = context.new_page()
    review = f"/programs/{program_id}/runs/{run.id}/review?sort=mentee"
    log_in(tab, server, review)
    rows = tab.locator("tbody tr.pair")
    rows.nth(40).get_by_role("button", name=re.compile("^Approve ")).click()
    expect(tab.get_by_role("status").filter(has_text=": approved.")).to_be_visible()
    expect(rows.nth(40).locator(".status")).to_have_text("approved")
    assert tab.url.endswith(review)
    context.close()


def test_the_mentee_page_fits_a_phone(
    demo: tuple[int, MatchRun],
    page: Page,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """Issue 14, item 8: at 390 px nothing is wider than the screen (the alternatives
    table was 623 px in a 364 px box); each alternative is a card."""
    program_id, run = demo
    mentee = "mia.hoffmann@loomworks.example"  # four types sought: four tables
    page.set_viewport_size(PHONE)
    log_in(page, server, f"/programs/{program_id}/runs/{run.id}/mentee?email={mentee}")
    expect(page.get_by_role("heading", name="Alternatives per type")).to_be_visible()
    wider = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map((e) => e.tagName + '.' + e.className)"""
    )
    assert wider == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    page.get_by_role("heading", name="Alternatives per type").scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "review-mentee-phone.png"))  # the screen, not the page


def test_a_running_run_counts_its_time_and_shows_the_result_when_done(
    demo: tuple[int, MatchRun],
    app: Flask,
    page: Page,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    program_id, earlier = demo
    with app.app_context():  # the earlier run took a minute; this one started 3 s ago
        done = db.session.get_one(MatchRun, earlier.id)
        done.finished_at = done.started_at + timedelta(seconds=60)
        run = MatchRun(program_id=program_id, created_by=ADMIN_EMAIL, status="running")
        run.started_at, run.step = utcnow() - timedelta(seconds=3), "solve"
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    log_in(page, server, f"/programs/{program_id}/runs/{run_id}")
    estimate = page.locator("[data-job-estimate]")
    expect(estimate).to_contain_text("left, going by this program's earlier runs")
    first = estimate.inner_text()
    # job.js reads the page again every two seconds and puts the new time in place
    expect(estimate).not_to_have_text(first, timeout=6_000)
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^\s*Working: solve\s*…"))
    assert_accessible(page)
    with app.app_context():
        db.session.get_one(MatchRun, run_id).status = "failed"
        db.session.commit()
    expect(page.get_by_role("alert")).to_contain_text("The run failed", timeout=6_000)


def test_a_run_ending_just_after_its_page_opened_shows_its_end_within_a_second(
    demo: tuple[int, MatchRun],
    app: Flask,
    page: Page,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    program_id, _ = demo
    with app.app_context():
        run = MatchRun(program_id=program_id, created_by=ADMIN_EMAIL, status="running")
        run.started_at, run.step = utcnow(), "solve"
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    log_in(page, server, f"/programs/{program_id}/runs/{run_id}")
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^\s*Working: solve\s*…"))
    with app.app_context():  # the page just opened; job.js reads it again every 0.25 s
        db.session.get_one(MatchRun, run_id).status = "failed"
        db.session.commit()
    # read every two seconds, the end would show 2 s after the page opened at the earliest
    expect(page.get_by_role("alert")).to_contain_text("The run failed", timeout=1_400)
