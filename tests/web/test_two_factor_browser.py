"""Two-factor authentication in a real browser (Playwright, chromium): an admin turns it
on from their account page with the QR code on screen, logs out, and logs in with a code;
an owner who must have it sets it up while logging in.
The live server runs with CSRF and the Content-Security-Policy of production, so the QR
code must load as an image under it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.web.axe import assert_accessible
from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.web.live import live_app, serve
from tests.web.test_browser import PHONE, page, server, shot  # noqa: F401

pytestmark = pytest.mark.slow


def test_turn_on_two_factor_then_log_in_with_a_code(page: Page, server: str) -> None:  # noqa: F811
    page.goto(f"{server}/account/")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.get_by_role("link", name="Turn on two-factor").click()
    assert_accessible(page)
    page.get_by_role("button", name="Turn on two-factor").click()

    qr = page.get_by_role("img", name="QR code to add mentorloom to your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("(img) => img.complete && img.naturalWidth") > 100  # CSP let it load
    shot(page, "two-factor-setup")
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor").click()
    expect(page.get_by_role("heading", name="Two-factor authentication is on")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    shot(page, "two-factor-recovery-codes")
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page.get_by_text("Two-factor authentication is on")).to_be_visible()
    expect(page.get_by_text("10 left")).to_be_visible()
    shot(page, "two-factor-on")

    page.get_by_role("button", name="Log out").click()
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    page.get_by_role("link", name="Lost your phone? Use a recovery code").click()
    expect(page.get_by_label("Recovery code")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Use a code from your app instead").click()
    shot(page, "two-factor-code")
    # the enrolment spent this time step's code: the app's next one (still accepted)
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Programs")).to_be_visible()


@pytest.fixture
def owners_server(app: Flask, db_url: str) -> Iterator[str]:
    """The live app where owners must have two-factor (the test admin is an owner)."""
    with serve(live_app(db_url, OWNERS_NEED_TWO_FACTOR=True)) as url:
        yield url


def test_an_owner_sets_up_two_factor_while_logging_in(
    page: Page,  # noqa: F811
    owners_server: str,
) -> None:
    page.goto(f"{owners_server}/account/")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Owners of this site must log in with a code")).to_be_visible()
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_text("Two-factor authentication is on")).to_be_visible()
