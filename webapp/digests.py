"""Keyed digests: what the app stores instead of an e-mail or an address it must not keep.

A keyed digest is an HMAC-SHA256 under the app's ``SECRET_KEY``. The same text always
gives the same digest, so it can be counted or compared, but without the key nobody can
tell which text it stands for, not even by hashing candidate e-mails (which a plain
SHA-256 of an e-mail gives away at once). Log-in throttling keys
(:mod:`webapp.throttle`), the unknown account of a failed log-in (:mod:`webapp.admin.auth`) and
the record of an erasure (:mod:`webapp.people.privacy`) use it.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def keyed_digest(text: str) -> str:
    """A hex HMAC-SHA256 of ``text`` under the app's secret key.

    Examples
    --------
    >>> from flask import Flask
    >>> app = Flask("example")
    >>> app.config["SECRET_KEY"] = "not the real key"
    >>> with app.app_context():
    ...     keyed_digest("ana@example.org")[:12], len(keyed_digest("ana@example.org"))
    ('f954796d53e4', 64)
    """
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()
