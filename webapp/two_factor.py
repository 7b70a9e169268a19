"""Two-factor authentication of admins: a time-based code from an authenticator app
(TOTP, RFC 6238, with :mod:`pyotp`) after the password, or one of ten recovery codes.

Enrolment (:func:`start_enrolment`, then :func:`turn_on` with a first code) stores the
app's secret on the admin, sealed under a key derived from ``SECRET_KEY``
(:mod:`webapp.secret_box`); a new ``SECRET_KEY`` makes it unreadable, and the admin must
enrol again (``flask reset-two-factor``). A code is accepted once: the time step of the
last accepted code is kept and only a later step passes, claimed by one conditional
``UPDATE`` so two requests cannot both spend it. Recovery codes are kept as SHA-256
hashes (80 random bits each), each works once; new ones replace them all.

:func:`turn_off` is the one way off: the account page (the password and a code or a
recovery code asked), the command ``flask reset-two-factor`` (a lost phone, no recovery
code) and an owner's admin page call it. Every change is audited. Whether an admin
*must* have it is :func:`required`.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Mapping
from typing import Any

import pyotp
import segno
from flask import has_request_context, request
from sqlalchemy import delete, func, or_, select, update

from webapp import audit
from webapp.db import db
from webapp.models import AdminUser
from webapp.secret_box import seal, unseal
from webapp.session_models import RecoveryCode
from webapp.sessions import end_sessions, now, token_hash

#: The label of the secret's key (HKDF ``info``, see :mod:`webapp.secret_box`).
SECRET_LABEL = "mentorloom two-factor secret v1"
#: The name the authenticator app shows beside the codes.
ISSUER = "mentorloom"
#: Seconds of one time step, and steps before or after now still accepted (clock drift).
STEP_SECONDS = 30
VALID_WINDOW = 1
#: Recovery codes each admin gets, and characters in one (Crockford's base32: 5 bits each).
RECOVERY_CODES = 10
RECOVERY_CODE_CHARS = 16
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
#: What a wrong (or already used) code from the app is told.
WRONG_CODE = "This code is not right, or was used already: type the one your app shows now."
#: Letters people mistake for digits in a typed recovery code, and what they stand for.
_MISREAD = str.maketrans({"o": "0", "i": "1", "l": "1"})


def clock() -> float:
    """The current time in seconds, for codes (tests move it instead of sleeping)."""
    return time.time()


def is_on(admin: AdminUser) -> bool:
    """True when the admin's log-in asks for a second factor."""
    return admin.totp_enrolled_at is not None and admin.totp_secret is not None


def required(admin: AdminUser, config: Mapping[str, Any]) -> bool:
    """True when the admin must have two-factor on: an owner, and
    ``MENTORLOOM_OWNERS_NEED_TWO_FACTOR`` is true."""
    return bool(config["OWNERS_NEED_TWO_FACTOR"]) and bool(admin.is_owner)


def grouped(text: str, size: int = 4, sep: str = " ") -> str:
    """``text`` in groups of ``size`` characters, easier to read and type.

    >>> grouped("JBSWY3DPEHPK3PXP"), grouped("abcdefgh", sep="-")
    ('JBSW Y3DP EHPK 3PXP', 'abcd-efgh')
    """
    return sep.join(text[i : i + size] for i in range(0, len(text), size))


def start_enrolment(admin: AdminUser) -> str:
    """Give ``admin`` a new secret, not yet on (the caller commits); returns it to show.

    A secret of an unfinished enrolment is replaced; an admin with two-factor on keeps
    theirs (:class:`ValueError`): turn it off first.
    """
    if is_on(admin):
        raise ValueError(f"two-factor is already on for {admin.email}")
    secret = pyotp.random_base32()
    admin.totp_secret, admin.totp_last_step = seal(secret, SECRET_LABEL), None
    return secret


def secret_of(admin: AdminUser) -> str | None:
    """The admin's secret in the clear; None without one, or when it can no longer be
    read (``SECRET_KEY`` changed)."""
    return unseal(admin.totp_secret, SECRET_LABEL) if admin.totp_secret else None


def qr_code(secret: str, email: str) -> str:
    """The ``otpauth://`` link of ``secret`` as a QR code: an SVG ``data:`` URL, for an
    ``<img>`` (the Content-Security-Policy allows ``data:`` images, nothing inline).

    >>> qr_code("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "ana@example.org")[:18]
    'data:image/svg+xml'
    >>> "JBSW" in qr_code("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "ana@example.org")
    False
    """
    link = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    return segno.make(link, error="m").svg_data_uri(scale=5, border=4)


def matching_step(secret: str, code: str, at: float) -> int | None:
    """The time step (within :data:`VALID_WINDOW` of ``at``) whose code is ``code``;
    None when none is. Spaces in ``code`` are ignored.

    >>> secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    >>> step = 59_000_000
    >>> code = pyotp.TOTP(secret).generate_otp(step)
    >>> [matching_step(secret, code, (step + d) * 30) for d in (-2, -1, 0, 1, 2)]
    [None, 59000000, 59000000, 59000000, None]
    >>> matching_step(secret, "12345", step * 30)
    """
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp, here = pyotp.TOTP(secret), int(at // STEP_SECONDS)
    for step in range(here - VALID_WINDOW, here + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_code(admin: AdminUser, code: str) -> bool:
    """True when ``code`` is the app's current code for ``admin`` and no code of its time
    step or a later one was accepted before; the step is then spent (the caller commits).
    """
    secret = secret_of(admin)
    step = None if secret is None else matching_step(secret, code, clock())
    if step is None:
        return False
    table = AdminUser.__table__
    claimed = db.session.execute(
        update(table)
        .where(
            table.c.id == admin.id,
            or_(table.c.totp_last_step.is_(None), table.c.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    db.session.expire(admin, ["totp_last_step"])
    return claimed.rowcount == 1


def turn_on(admin: AdminUser, code: str) -> list[str] | None:
    """Finish enrolment with the first ``code`` from the app: two-factor is on, and the
    new recovery codes are returned (to show once); None when the code is wrong. Audited;
    the caller commits."""
    if is_on(admin) or not check_code(admin, code):
        return None
    admin.totp_enrolled_at = now()
    codes = _new_recovery_codes(admin)
    audit.record("auth.two_factor_on", None, actor=admin.email, address=_address())
    return codes


def turn_off(admin: AdminUser, why: str, *, keep_current: bool = False, by: str = "") -> int:
    """Turn two-factor off for ``admin``: forget the secret and the recovery codes, end
    their sessions (but this request's with ``keep_current``), record who did it (``by``;
    empty: the logged-in admin) and ``why``. The caller commits; returns the sessions
    ended."""
    admin.totp_secret = admin.totp_enrolled_at = admin.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.admin_id == admin.id))
    ended = end_sessions(admin, why, keep_current=keep_current)
    audit.record(
        "auth.two_factor_off",
        None,
        actor=by,
        account=admin.email,
        why=why,
        sessions_ended=ended,
        address=_address(),
    )
    return ended


def renew_recovery_codes(admin: AdminUser) -> list[str]:
    """New recovery codes for ``admin`` (to show once); the old ones stop working.
    Audited; the caller commits."""
    codes = _new_recovery_codes(admin)
    audit.record("auth.recovery_codes_renewed", None, actor=admin.email, address=_address())
    return codes


def use_recovery_code(admin: AdminUser, code: str) -> bool:
    """True when ``code`` is an unused recovery code of ``admin``; it is then used up.
    Dashes, spaces and case do not matter. Audited; the caller commits."""
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.admin_id == admin.id,
            RecoveryCode.code_hash == token_hash(normal_recovery_code(code)),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        return False
    left = recovery_codes_left(admin)
    audit.record("auth.recovery_code_used", None, actor=admin.email, left=left, address=_address())
    return True


def recovery_codes_left(admin: AdminUser) -> int:
    """How many of the admin's recovery codes are still unused."""
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.admin_id == admin.id, RecoveryCode.used_at.is_(None))
    )


def normal_recovery_code(code: str) -> str:
    """A typed recovery code as it was made: lower case, no spaces or dashes, and the
    letters people take for digits read as those digits.

    >>> normal_recovery_code(" ABCD-EFGH-jkmn-pqOl ")
    'abcdefghjkmnpq01'
    """
    return "".join(code.split()).replace("-", "").lower().translate(_MISREAD)


def _new_recovery_codes(admin: AdminUser) -> list[str]:
    """Replace the admin's recovery codes with :data:`RECOVERY_CODES` new ones."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.admin_id == admin.id))
    codes = [
        "".join(secrets.choice(_ALPHABET) for _ in range(RECOVERY_CODE_CHARS))
        for _ in range(RECOVERY_CODES)
    ]
    db.session.add_all(
        RecoveryCode(admin_id=admin.id, code_hash=token_hash(code), created_at=now())
        for code in codes
    )
    return [grouped(code, sep="-") for code in codes]


def _address() -> str | None:
    """The client's address in a request; None in a command."""
    return request.remote_addr if has_request_context() else None
