"""Secrets the app must read back but must not keep in the clear (the two-factor secret
of an admin): sealed with Fernet (AES-128-CBC with an HMAC-SHA256 tag) under a key derived
from ``SECRET_KEY``.

Each use gets its own key: HKDF-SHA256 of ``SECRET_KEY`` with the use's *label* as HKDF's
``info``, so a key of one use opens nothing of another, and the raw ``SECRET_KEY`` (also
the key of the session cookie and of :mod:`webapp.digests`) never encrypts anything. A
new ``SECRET_KEY`` makes every sealed text unreadable: :func:`unseal` then returns None.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

#: HKDF's salt: fixed, the secret key carries the entropy.
_SALT = b"mentorloom secret box"


def _fernet(label: str) -> Fernet:
    """The Fernet of ``label``: its key is HKDF(``SECRET_KEY``, info=``label``)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=label.encode()).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str, label: str) -> str:
    """``text`` encrypted and authenticated under the key of ``label`` (ASCII, about
    ``1.4 * len(text) + 100`` characters).

    Examples
    --------
    >>> from flask import Flask
    >>> app = Flask("example")
    >>> app.config["SECRET_KEY"] = "not the real key"
    >>> with app.app_context():
    ...     sealed = seal("JBSWY3DPEHPK3PXP", "example")
    ...     unseal(sealed, "example"), unseal(sealed, "another use"), "JBSW" in sealed
    ('JBSWY3DPEHPK3PXP', None, False)
    """
    return _fernet(label).encrypt(text.encode()).decode("ascii")


def unseal(sealed: str, label: str) -> str | None:
    """The text :func:`seal` sealed under ``label``; None when it cannot be read (another
    ``SECRET_KEY`` or label, or a changed text)."""
    try:
        return _fernet(label).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        return None
