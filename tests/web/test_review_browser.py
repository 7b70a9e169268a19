"""The admin's whole review journey in chromium, on the demo program.

Run matching, review, approve some pairs in bulk, reject one with a reason, lock one,
re-run, check the rejected pair is gone and the locked one stays, export and read the
file. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from matcher.engine import MATCH_COLUMNS
from tests.web.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.web.matching import load_demo
from tests.web.test_browser import PHONE, SHOTS, page, server, shot  # noqa: F401
from webapp.db import db
from webapp.exports import DECISION_COLUMNS
from webapp.run_models import PairDecision, ProposedMatch

pytestmark = pytest.mark.slow
RUN_TIMEOUT = 60_000


def run_matching(tab: Page, button: str) -> str:
    """Press a run button and wait for the run page to say it is done; the run's title."""
    tab.get_by_role("button", name=button).first.click()
    heading = tab.get_by_role("heading", name=re.compile(r"^Run \d+: done$"))
    expect(heading).to_be_visible(timeout=RUN_TIMEOUT)
    return heading.inner_text()


def top_shot(tab: Page, name: str, height: int = 1500) -> None:
    """Save the top of a long page (the review table is 50 rows) to docs/screenshots/."""
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
    page.get_by_role("link", name="Matching", exact=True).click()
    first = run_matching(page, "Run matching")
    shot(page, "run")

    page.get_by_role("link", name="Review the pairs").click()
    expect(page.get_by_role("heading", name=re.compile("^Review run"))).to_be_visible()
    rows = page.locator("tbody tr.pair")
    expect(rows).to_have_count(50)
    top_shot(page, "review")

    for i in range(3):
        rows.nth(i).get_by_role("checkbox").check()
    page.get_by_label("Decision").first.select_option("approve")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("3 pair(s) now approved.")).to_be_visible()

    rows.nth(3).locator("summary").click()
    rows.nth(3).get_by_label("Reason (optional)").fill("they already work together")
    rows.nth(3).get_by_role("button", name=re.compile("^Confirm reject")).click()
    expect(page.get_by_role("status").filter(has_text="rejected.")).to_be_visible()
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
    again = pairs_of_run(app, second)
    assert rejected not in again
    assert locked in again
    assert set(decided(app, "approve")) <= again

    page.get_by_role("link", name="Review pairs").click()
    page.get_by_label("Status").select_option("locked")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("tbody tr.pair")).to_have_count(1)

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

    with page.expect_download() as info:
        page.get_by_role("link", name="Export approved (CSV)").click()
    frame = pd.read_csv(io.BytesIO(Path(info.value.path()).read_bytes()), encoding="utf-8-sig")
    assert list(frame.columns) == [*MATCH_COLUMNS, *DECISION_COLUMNS]
    exported = set(zip(frame.mentee_email, frame.mentor_email, frame.mentor_type, strict=True))
    assert exported == {locked, *decided(app, "approve")}
    assert rejected not in exported
