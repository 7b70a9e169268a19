"""Single sign-on (issue 18 item 4) end to end against a real OpenID Connect provider
(``oidc-provider`` from npm, on 127.0.0.1, see tests/web/oidc.py): a new admin is created
and found again, and each refusal (wrong audience, expired token, changed state, a domain
not allowed, an unverified e-mail, no role) is a clear page and an audit event; password
log-in is refused when turned off.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, make_app
from tests.web.oidc import (
    Provider,
    authorize,
    callback,
    oidc_provider,
    query_of,
    sign_in,
    start,
    token_for,
)
from webapp import sso, two_factor
from webapp.admins import create_admin, find_admin
from webapp.db import db
from webapp.models import NO_PASSWORD, AdminUser, AuditEvent
from webapp.sso import SsoSettingsError

__all__ = ["oidc_provider"]  # the fixture, used by name


@pytest.fixture
def sso_app(db_url: str, oidc_provider: Provider) -> Iterator[Callable[..., Flask]]:
    """Makes apps on ``db_url`` signing in with the provider (as its client ``client``,
    with ``settings`` more); one password admin in the database."""
    made: list[Flask] = []

    def make(client: str = "app", **settings: object) -> Flask:
        app = make_app(db_url, **oidc_provider.settings(client, **settings))
        made.append(app)
        return app

    with make().app_context():
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.commit()
    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def events(app: Flask, action: str) -> list[AuditEvent]:
    """The audit events of ``action``, oldest first."""
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(db.session.scalars(query))


def signed_in(client: FlaskClient) -> bool:
    """True when the client's session opens an admin page."""
    return client.get("/programs/").status_code == 200


def admins(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AdminUser)) or 0


def assert_refused(app: Flask, client: FlaskClient, answer: object, reason: str, words: str):
    """The answer is the refusal page saying ``words``, audited with ``reason``, and
    nobody is signed in."""
    assert answer.status_code == 403
    page = answer.get_data(as_text=True)
    assert "Sign-in refused" in page and words in page, page
    assert [e.detail["reason"] for e in events(app, "auth.sso_refused")] == [reason]
    assert events(app, "auth.sso") == []
    assert not signed_in(client)


def test_first_sign_in_creates_the_admin_and_the_next_finds_it(sso_app) -> None:
    app = sso_app()
    client = app.test_client()
    assert "Sign in with Example SSO" in client.get("/auth/login").get_data(as_text=True)
    answer = sign_in(client, "bea")
    assert answer.status_code == 302 and answer.location.endswith("/programs/")
    assert signed_in(client)
    with app.app_context():
        bea = find_admin("bea@example.org")
        assert bea is not None
        first_id = bea.id
        assert (bea.sso_subject, bea.sso_role) == ("bea", "owner")
        assert not bea.check_password("") and not bea.check_password(bea.password_hash)
    (event,) = events(app, "auth.sso")
    assert event.actor == "bea@example.org" and event.admin_id == first_id
    assert event.detail["role"] == "owner"

    client.post("/auth/logout")
    assert not signed_in(client)
    assert sign_in(client, "bea").status_code == 302
    assert signed_in(client)
    with app.app_context():
        assert find_admin("bea@example.org").id == first_id
    assert admins(app) == 2
    assert len(events(app, "auth.sso")) == 2


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_first_sign_ins_at_once_make_one_admin(
    sso_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two tabs sign a new person in at once: both find nobody; the one that writes second
    finds the first's admin instead of failing on the unique e-mail. (PostgreSQL only: on
    SQLite the other tab's write waits for this one's transaction, so the two cannot
    interleave like this; they queue, and the second finds the first's admin.)"""
    app = sso_app()
    client = app.test_client()
    query = authorize(client, "bea")
    found_nobody = sso._linked_admin
    calls: list[str] = []

    def other_tab_first(who: sso.Identity) -> AdminUser:
        admin = found_nobody(who)
        if not calls:  # the other tab's sign-in commits the same person now
            with db.engine.begin() as other:
                other.execute(
                    sa.insert(AdminUser.__table__).values(
                        email=who.email,
                        password_hash=NO_PASSWORD,
                        sso_issuer=who.issuer,
                        sso_subject=who.subject,
                    )
                )
        calls.append(who.email)
        return admin

    monkeypatch.setattr(sso, "_linked_admin", other_tab_first)
    answer = callback(client, query)
    assert answer.status_code == 302 and answer.location.endswith("/programs/")
    assert calls == ["bea@example.org"] * 2
    assert admins(app) == 2 and signed_in(client)
    (event,) = events(app, "auth.sso")
    with app.app_context():
        assert event.admin_id == find_admin("bea@example.org").id


def test_an_admin_made_by_the_command_is_linked_by_email(sso_app) -> None:
    app = sso_app()
    with app.app_context():
        create_admin("bea@example.org", "a long break-glass password")
        db.session.commit()
    client = app.test_client()
    assert sign_in(client, "bea").status_code == 302
    with app.app_context():
        bea = find_admin("bea@example.org")
        assert bea.sso_subject == "bea" and bea.check_password("a long break-glass password")
    assert admins(app) == 2


def test_signing_in_opens_the_page_asked_for_and_only_on_this_site(sso_app) -> None:
    app = sso_app()
    client = app.test_client()
    page = client.get("/auth/login?next=/programs/new").get_data(as_text=True)
    assert 'href="/auth/oidc/login?next=/programs/new"' in page
    at = client.get("/auth/oidc/login?next=/programs/new").location
    answer = callback(client, authorize(client, "bea", at=at))
    assert answer.location.endswith("/programs/new")
    client.post("/auth/logout")
    at = client.get("/auth/oidc/login?next=//evil.example/").location
    answer = callback(client, authorize(client, "bea", at=at))
    assert answer.location.endswith("/programs/")


def test_a_token_made_for_another_application_is_refused(
    sso_app, oidc_provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The provider's real, signed answer to another client (same nonce) handed to the app
    at its token exchange: its audience is the other client."""
    app = sso_app()
    client = app.test_client()
    at = start(client)
    query = authorize(client, "bea", at)
    theirs = token_for(oidc_provider.issuer, "other", "bea", query_of(at)["nonce"])
    with app.app_context():
        provider = app.extensions["authlib.integrations.flask_client"].create_client("oidc")
    monkeypatch.setattr(provider, "fetch_access_token", lambda **_: dict(theirs))
    answer = callback(client, query)
    assert_refused(app, client, answer, "wrong_audience", "made for another application")
    assert admins(app) == 1


def test_an_expired_id_token_is_refused(sso_app, monkeypatch: pytest.MonkeyPatch) -> None:
    """The provider makes the ID tokens of this client live 1 second; the app allows no
    clock skew here and gets the token 1.5 seconds late."""
    app = sso_app("short", OIDC_LEEWAY=0)
    client = app.test_client()
    query = authorize(client, "bea")
    with app.app_context():
        provider = app.extensions["authlib.integrations.flask_client"].create_client("oidc")
    fetch = provider.fetch_access_token

    def late(**kwargs: object) -> dict[str, object]:
        token = fetch(**kwargs)
        time.sleep(1.5)
        return token

    monkeypatch.setattr(provider, "fetch_access_token", late)
    answer = callback(client, query)
    assert_refused(app, client, answer, "expired_token", "it has expired")


def test_an_id_token_with_a_changed_signature_is_refused(
    sso_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The provider's real ID token with its signature's first characters changed (a
    token the provider's keys did not sign)."""
    app = sso_app()
    client = app.test_client()
    query = authorize(client, "bea")
    with app.app_context():
        provider = app.extensions["authlib.integrations.flask_client"].create_client("oidc")
    fetch = provider.fetch_access_token

    def forged(**kwargs: object) -> dict[str, object]:
        token = fetch(**kwargs)
        head, body, signature = str(token["id_token"]).split(".")
        other = "A" * 8 if not signature.startswith("A" * 8) else "B" * 8
        return {**token, "id_token": f"{head}.{body}.{other}{signature[8:]}"}

    monkeypatch.setattr(provider, "fetch_access_token", forged)
    answer = callback(client, query)
    assert_refused(app, client, answer, "bad_token", "signature or form does not check out")


def test_a_changed_state_is_refused(sso_app) -> None:
    app = sso_app()
    client = app.test_client()
    query = authorize(client, "bea")
    answer = callback(client, {**query, "state": query["state"][:-2] + "xx"})
    assert_refused(app, client, answer, "bad_state", "changed on the way")
    assert admins(app) == 1


def test_an_id_token_for_another_sign_in_is_refused_by_its_nonce(sso_app) -> None:
    """The provider signs a token carrying another sign-in's nonce (a replayed or injected
    code): state and PKCE pass, the nonce does not."""
    app = sso_app()
    client = app.test_client()
    at = start(client)
    query = query_of(at)
    assert len(query["nonce"]) >= 20
    other = at.replace(f"nonce={query['nonce']}", "nonce=another-sign-in-s-nonce-0123456789")
    answer = callback(client, authorize(client, "bea", at=other))
    assert_refused(app, client, answer, "wrong_nonce", "it belongs to another sign-in")
    assert admins(app) == 1


@pytest.mark.parametrize(
    ("account", "reason", "words"),
    [
        ("carl", "domain_not_allowed", "Accounts of elsewhere.example may not sign in"),
        ("dora", "email_not_verified", "has not verified your e-mail address"),
        ("erin", "no_role", "Your account has no role in mentorloom"),
    ],
)
def test_people_the_settings_do_not_allow_are_refused(
    sso_app, account: str, reason: str, words: str
) -> None:
    app = sso_app()
    client = app.test_client()
    assert_refused(app, client, sign_in(client, account), reason, words)
    (event,) = events(app, "auth.sso_refused")
    assert event.detail["email"].startswith(account)
    assert admins(app) == 1


def test_password_log_in_is_refused_when_turned_off(sso_app) -> None:
    app = sso_app(PASSWORD_LOGIN=False)
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Sign in with Example SSO" in page and 'name="password"' not in page
    answer = client.post("/auth/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert answer.status_code == 403
    assert "Log-in with a password is turned off" in answer.get_data(as_text=True)
    assert not signed_in(client)
    # break-glass: the command still makes (or resets) a password admin
    result = app.test_cli_runner().invoke(
        args=["create-admin", "glass@example.org", "--password", "a long break-glass password"]
    )
    assert result.exit_code == 0, result.output
    assert sign_in(client, "bea").status_code == 302 and signed_in(client)


def test_sign_in_pages_are_not_found_without_sso(app: Flask, client: FlaskClient) -> None:
    assert client.get("/auth/oidc/login").status_code == 404
    assert client.get("/auth/oidc/callback?code=x&state=y").status_code == 404
    assert "Sign in with" not in client.get("/auth/login").get_data(as_text=True)


def test_settings_that_would_lock_everyone_out_or_are_incomplete_are_refused(
    db_url: str,
) -> None:
    with pytest.raises(SsoSettingsError, match="MENTORLOOM_PASSWORD_LOGIN is false"):
        make_app(db_url, PASSWORD_LOGIN=False)
    sso = {"OIDC_ISSUER": "https://id.example", "OIDC_CLIENT_ID": "x", "OIDC_CLIENT_SECRET": "y"}
    with pytest.raises(SsoSettingsError, match="MENTORLOOM_OIDC_ALLOWED_DOMAINS is empty"):
        make_app(db_url, **sso)
    sso["OIDC_ALLOWED_DOMAINS"] = "example.org"
    with pytest.raises(SsoSettingsError, match="MENTORLOOM_OIDC_ROLE_CLAIM and MENTORLOOM_OIDC"):
        make_app(db_url, **sso, OIDC_ROLE_CLAIM="groups")
    with pytest.raises(SsoSettingsError, match="MENTORLOOM_OIDC_ROLES must be a JSON object"):
        make_app(db_url, **sso, OIDC_ROLE_CLAIM="groups", OIDC_ROLES=["owner"])


def test_a_provider_that_does_not_answer_is_a_page(db_url: str) -> None:
    app = make_app(
        db_url,
        OIDC_ISSUER="http://127.0.0.1:9",
        OIDC_CLIENT_ID="x",
        OIDC_CLIENT_SECRET="y",
        OIDC_ALLOWED_DOMAINS="example.org",
    )
    answer = app.test_client().get("/auth/oidc/login")
    assert answer.status_code == 503
    assert "could not be reached" in answer.get_data(as_text=True)
    assert [e.detail["reason"] for e in events(app, "auth.sso_refused")] == ["provider_unreachable"]
    with app.app_context():
        db.engine.dispose()


def test_single_sign_on_asks_no_second_factor(sso_app) -> None:
    """The company's provider asks its own second factor: an owner with two-factor on, on
    a site where owners must have it, signs in without a code from the app."""
    app = sso_app(OWNERS_NEED_TWO_FACTOR=True)
    client = app.test_client()
    assert sign_in(client, "bea").status_code == 302
    client.post("/auth/logout")
    with app.app_context():
        bea = find_admin("bea@example.org")
        bea.is_owner = True
        secret = two_factor.start_enrolment(bea)
        assert two_factor.turn_on(bea, pyotp.TOTP(secret).now()) is not None
        db.session.commit()
    answer = sign_in(client, "bea")
    assert answer.status_code == 302 and answer.location.endswith("/programs/")
    assert signed_in(client)
    with app.app_context():
        assert two_factor.is_on(find_admin("bea@example.org"))
