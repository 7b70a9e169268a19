"""Single sign-on with the company's identity provider: OpenID Connect, authorization code
flow with PKCE, through Authlib's Flask client.

The settings (``MENTORLOOM_OIDC_*``, see :func:`check_settings`) name the provider by its
issuer URL; Authlib reads its discovery document, sends the browser there with a random
``state``, ``nonce`` and PKCE challenge, takes the code back, fetches the tokens and checks
the ID token: its signature against the provider's keys (JWKS), ``iss``, ``aud``, ``exp``
(with :data:`OIDC_LEEWAY` seconds of clock skew) and ``nonce``. :func:`identity` then checks
what the app itself requires (a verified e-mail of an allowed domain, a mapped role when
a role claim is set) and :func:`admin_for` finds the admin or creates one.

An admin is found by the provider's subject (``sub``) and issuer, stored on the admin at
the first sign-in; an admin not linked yet (made by ``flask create-admin``) is found by
e-mail and linked. A new admin has no usable password. Every refusal is a
:class:`RefusedError` with a reason code and a sentence for the person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc.errors import ClaimError, JoseError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from matcher import EMAIL_MAX_CHARS
from webapp.db import db
from webapp.models import (
    NO_PASSWORD,
    SSO_ISSUER_MAX_CHARS,
    SSO_ROLE_MAX_CHARS,
    SSO_SUBJECT_MAX_CHARS,
    AdminUser,
)

#: The name the Authlib client is registered under.
CLIENT = "oidc"
_EXTENSION = "authlib.integrations.flask_client"


class SsoSettingsError(RuntimeError):
    """The single sign-on settings are incomplete or malformed."""


class RefusedError(Exception):
    """A sign-in the app refuses: ``reason`` is a short code for the audit log,
    ``message`` the sentence shown, ``status`` the page's HTTP status, ``detail`` what else
    the audit keeps."""

    def __init__(self, reason: str, message: str, *, status: int = 403, **detail: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, once every check passed."""

    issuer: str
    subject: str
    email: str
    role: str | None


def enabled(config: Mapping[str, Any]) -> bool:
    """True when single sign-on is configured (an issuer is set).

    >>> enabled({"OIDC_ISSUER": ""}), enabled({"OIDC_ISSUER": "https://id.example"})
    (False, True)
    """
    return bool(config.get("OIDC_ISSUER"))


def password_login(config: Mapping[str, Any]) -> bool:
    """True when admins may log in with a password (``MENTORLOOM_PASSWORD_LOGIN``).

    >>> password_login({"PASSWORD_LOGIN": True}), password_login({"PASSWORD_LOGIN": "false"})
    (True, False)
    """
    value = config.get("PASSWORD_LOGIN", True)
    if isinstance(value, str):
        return value.strip().lower() not in {"false", "0", "no", "off"}
    return bool(value)


def allowed_domains(value: str | Iterable[str]) -> frozenset[str]:
    """The e-mail domains of ``MENTORLOOM_OIDC_ALLOWED_DOMAINS``: a comma list (or a JSON
    list), lower case, without blanks or a leading ``@``.

    >>> sorted(allowed_domains("Example.org, @corp.example,"))
    ['corp.example', 'example.org']
    >>> sorted(allowed_domains(["example.org"]))
    ['example.org']
    """
    items = value.split(",") if isinstance(value, str) else value
    return frozenset(d.strip().lower().lstrip("@") for d in items if d.strip().lstrip("@"))


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse incomplete or malformed single sign-on settings, naming the variable.

    >>> check_settings({"OIDC_ISSUER": "", "PASSWORD_LOGIN": True})
    >>> try:
    ...     check_settings({"OIDC_ISSUER": "https://id.example", "OIDC_CLIENT_ID": "x"})
    ... except SsoSettingsError as error:
    ...     print(str(error)[:60])
    MENTORLOOM_OIDC_CLIENT_SECRET is empty: set it to the client
    """
    if not enabled(config):
        if not password_login(config):
            raise SsoSettingsError(
                "MENTORLOOM_PASSWORD_LOGIN is false but single sign-on is not set up "
                "(MENTORLOOM_OIDC_ISSUER is empty): nobody could log in; set up single "
                "sign-on or leave MENTORLOOM_PASSWORD_LOGIN unset"
            )
        return
    needed = {
        "OIDC_CLIENT_ID": "the client id the identity provider gave mentorloom",
        "OIDC_CLIENT_SECRET": "the client secret the identity provider gave mentorloom",
        "OIDC_ALLOWED_DOMAINS": "the e-mail domains whose people may sign in, e.g. example.org",
    }
    for key, what in needed.items():
        value = config.get(key)
        if not value or (key == "OIDC_ALLOWED_DOMAINS" and not allowed_domains(value)):
            raise SsoSettingsError(f"MENTORLOOM_{key} is empty: set it to {what}")
    roles = config.get("OIDC_ROLES") or {}
    if not isinstance(roles, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in roles.items()
    ):
        raise SsoSettingsError(
            "MENTORLOOM_OIDC_ROLES must be a JSON object of claim value to role name, "
            'e.g. {"mentoring-hr": "owner"}'
        )
    if too_long := [r for r in roles.values() if len(r) > SSO_ROLE_MAX_CHARS]:
        raise SsoSettingsError(
            f"MENTORLOOM_OIDC_ROLES: the role name {too_long[0][:80]!r} is longer than "
            f"{SSO_ROLE_MAX_CHARS} characters; shorten it"
        )
    if len(str(config["OIDC_ISSUER"])) > SSO_ISSUER_MAX_CHARS:
        raise SsoSettingsError(
            f"MENTORLOOM_OIDC_ISSUER is longer than {SSO_ISSUER_MAX_CHARS} characters: "
            "set it to the issuer URL of the provider's discovery document"
        )
    leeway = config.get("OIDC_LEEWAY", 60)
    if isinstance(leeway, bool) or not isinstance(leeway, int) or not 0 <= leeway <= 600:
        raise SsoSettingsError(
            "MENTORLOOM_OIDC_LEEWAY must be a whole number of seconds from 0 to 600 "
            "(the clock difference allowed), e.g. 60"
        )
    if bool(roles) != bool(config.get("OIDC_ROLE_CLAIM")):
        raise SsoSettingsError(
            "MENTORLOOM_OIDC_ROLE_CLAIM and MENTORLOOM_OIDC_ROLES go together: set both "
            "(the claim, e.g. groups, and which of its values give which role) or neither"
        )


def register(app: Flask) -> None:
    """Register the provider's Authlib client on ``app`` when single sign-on is set up."""
    if not enabled(app.config):
        return
    oauth = OAuth(app)
    oauth.register(
        CLIENT,
        # str: a client id of digits only reaches the config as a number (read as JSON)
        client_id=str(app.config["OIDC_CLIENT_ID"]),
        client_secret=str(app.config["OIDC_CLIENT_SECRET"]),
        server_metadata_url=app.config["OIDC_ISSUER"].rstrip("/")
        + "/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["OIDC_SCOPE"], "code_challenge_method": "S256"},
    )


def client() -> Any:
    """The provider's Authlib client of the current app."""
    return current_app.extensions[_EXTENSION].create_client(CLIENT)


def token_problem(error: Exception) -> RefusedError:
    """The refusal for an error of the code exchange or of the ID token's checks.

    >>> from joserfc.errors import ExpiredTokenError, InvalidClaimError
    >>> token_problem(InvalidClaimError("aud")).reason
    'wrong_audience'
    >>> token_problem(ExpiredTokenError("exp")).reason
    'expired_token'
    >>> token_problem(InvalidClaimError("nonce")).reason
    'wrong_nonce'
    """
    if isinstance(error, ClaimError):
        reason = {
            "aud": "wrong_audience",
            "iss": "wrong_issuer",
            "exp": "expired_token",
            "nonce": "wrong_nonce",
        }.get(error.claim, f"bad_claim_{error.claim}")
        words = {
            "wrong_audience": "it was made for another application",
            "wrong_issuer": "it comes from another identity provider",
            "expired_token": "it has expired",
            "wrong_nonce": "it belongs to another sign-in; start again from the log-in page",
        }.get(reason, f"its claim '{error.claim}' is wrong")
        return RefusedError(reason, f"The identity provider's answer was refused: {words}.")
    if isinstance(error, JoseError):
        return RefusedError(
            "bad_token",
            "The identity provider's answer was refused: its signature or form does not check out.",
            error=str(error),
        )
    if isinstance(error, requests.RequestException):
        return RefusedError(
            "provider_unreachable",
            "The identity provider could not be reached. Try again in a minute.",
            status=503,
            error=str(error),
        )
    if getattr(error, "error", "") == "mismatching_state":
        return RefusedError(
            "bad_state",
            "This sign-in was started elsewhere, has been used already or was changed on "
            "the way. Start again from the log-in page.",
        )
    return RefusedError(
        "provider_error",
        "The identity provider did not sign you in. Start again from the log-in page.",
        error=str(error),
    )


def start_sign_in(redirect_uri: str) -> Any:
    """The redirect to the provider's authorization endpoint (``state``, ``nonce`` and the
    PKCE verifier kept in the session); :class:`RefusedError` when the provider's discovery
    document cannot be read."""
    try:
        return client().authorize_redirect(redirect_uri)
    except (AuthlibBaseError, requests.RequestException, ValueError) as error:
        raise token_problem(error) from error


def sign_in_claims(leeway: int) -> dict[str, Any]:
    """Finish the code flow of the current request: exchange the code, check the ID token
    (signature, ``iss`` equal to the discovery document's and to ``OIDC_ISSUER``, ``aud``
    naming our client id, ``exp``, ``nonce``) and return its claims, completed from the
    userinfo endpoint (same ``sub`` only) when they lack the e-mail.

    Raises :class:`RefusedError` for every failure (a changed ``state``, an error from the
    provider, a token that fails a check, a provider that does not answer).
    """
    provider = client()
    try:
        issuer = provider.load_server_metadata().get("issuer", "")
        if issuer.rstrip("/") != str(current_app.config["OIDC_ISSUER"]).rstrip("/"):
            raise RefusedError(
                "wrong_issuer",
                "The identity provider's discovery document names another issuer than "
                "MENTORLOOM_OIDC_ISSUER. Ask an owner of mentorloom to correct the setting.",
                issuer=str(issuer),
            )
        # Authlib checks the audience only through ``azp`` unless told: tell it
        claims_options = {
            "iss": {"essential": True, "values": [issuer]},
            "aud": {"essential": True, "values": [provider.client_id]},
        }
        token = provider.authorize_access_token(leeway=leeway, claims_options=claims_options)
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise RefusedError("no_id_token", "The identity provider sent no ID token.")
        if "email" not in claims:
            extra = provider.userinfo(token=token)
            if extra.get("sub") != claims["sub"]:
                raise RefusedError("userinfo_mismatch", "The identity provider's answers disagree.")
            claims = {**extra, **claims}
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError) as error:
        raise token_problem(error) from error
    return claims


def identity(claims: Mapping[str, Any], config: Mapping[str, Any]) -> Identity:
    """Check the claims of a verified ID token against what the app requires.

    The e-mail must be there, verified when the provider says (``email_verified``), and of
    an allowed domain; with a role claim set, one of its values must be mapped to a role
    (the first mapped value, in the order of ``OIDC_ROLES``, gives the role).

    >>> config = {
    ...     "OIDC_ISSUER": "https://id.example",
    ...     "OIDC_ALLOWED_DOMAINS": "example.org",
    ...     "OIDC_ROLE_CLAIM": "groups",
    ...     "OIDC_ROLES": {"hr": "owner", "erg": "program_manager"},
    ... }
    >>> identity({"sub": "1", "email": "Bea@Example.org", "groups": ["erg", "hr"]}, config)
    Identity(issuer='https://id.example', subject='1', email='bea@example.org', role='owner')
    >>> try:
    ...     identity({"sub": "2", "email": "carl@elsewhere.example"}, config)
    ... except RefusedError as refusal:
    ...     print(refusal.reason)
    domain_not_allowed
    """
    email = str(claims.get("email") or "").strip().lower()
    if "@" not in email:
        raise RefusedError("no_email", "The identity provider did not tell us your e-mail address.")
    if claims.get("email_verified") is False or claims.get("email_verified") == "false":
        raise RefusedError(
            "email_not_verified",
            "Your identity provider has not verified your e-mail address; ask its "
            "administrators to verify it, then sign in again.",
            email=email,
        )
    domain = email.rsplit("@", 1)[1]
    if domain not in allowed_domains(config.get("OIDC_ALLOWED_DOMAINS") or ""):
        raise RefusedError(
            "domain_not_allowed",
            f"Accounts of {domain} may not sign in to mentorloom. Sign in with your "
            "company account, or ask an owner of mentorloom.",
            email=email,
        )
    role = None
    if claim := config.get("OIDC_ROLE_CLAIM"):
        held = claims.get(claim)
        values = {held} if isinstance(held, str) else set(held or [])
        role = next((r for v, r in (config.get("OIDC_ROLES") or {}).items() if v in values), None)
        if role is None:
            raise RefusedError(
                "no_role",
                "Your account has no role in mentorloom. Ask an owner of mentorloom to add "
                "you to the right group at your identity provider.",
                email=email,
            )
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > SSO_SUBJECT_MAX_CHARS or len(email) > EMAIL_MAX_CHARS:
        raise RefusedError(
            "bad_subject",
            "The identity provider named your account in a way mentorloom cannot keep "
            f"(an account id of 1 to {SSO_SUBJECT_MAX_CHARS} characters and an e-mail "
            f"address of at most {EMAIL_MAX_CHARS}). Ask an owner of mentorloom.",
        )
    return Identity(str(config["OIDC_ISSUER"]), subject, email, role)


def admin_for(who: Identity) -> AdminUser:
    """The admin ``who`` is (by issuer and subject, else by e-mail, then linked), or a new
    admin without a usable password; its role set to ``who.role``; flushed, the caller
    commits.

    Two first sign-ins of one person at once (two tabs) both find nobody; the second's new
    admin then breaks a unique constraint, and it looks again and finds the first's.
    """
    try:
        with db.session.begin_nested():
            admin = _linked_admin(who)
            db.session.flush()
    except IntegrityError:
        admin = _linked_admin(who)
        db.session.flush()
    return admin


def _linked_admin(who: Identity) -> AdminUser:
    """Find or make the admin of ``who`` (see :func:`admin_for`), not flushed."""
    admin = db.session.scalar(
        select(AdminUser).where(
            AdminUser.sso_issuer == who.issuer, AdminUser.sso_subject == who.subject
        )
    )
    if admin is None:
        admin = db.session.scalar(select(AdminUser).where(AdminUser.email == who.email))
        if admin is not None and admin.sso_subject is not None:
            raise RefusedError(
                "email_linked_elsewhere",
                "Another account of the identity provider signs in with this e-mail "
                "address. Ask an owner of mentorloom.",
                email=who.email,
            )
        admin = admin or AdminUser(email=who.email, password_hash=NO_PASSWORD)
        admin.sso_issuer, admin.sso_subject = who.issuer, who.subject
        db.session.add(admin)
    admin.sso_role = who.role
    return admin
