"""Response headers that keep pages and invite links where they belong, Secure cookies
over HTTPS, and the one rule for redirects to a path the client chose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, url_for

HEADERS = {
    # invite links are secrets in the URL: never send them to another site
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
}


def register(app: Flask) -> None:
    """Add the headers to every response of ``app``."""

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response


_SECURE = re.compile(r";\s*secure\s*(;|$)", re.IGNORECASE)


class SecureCookies:
    """WSGI middleware: mark every cookie ``Secure`` when the request came over HTTPS.

    Flask sets its session cookie after every ``after_request`` hook has run, so the
    flag is added here, on the way out, for that cookie and any other.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Pass the request on; add ``Secure`` to each ``Set-Cookie`` of an HTTPS answer."""
        if environ.get("wsgi.url_scheme") != "https":
            return self.app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers = [
                (name, value + "; Secure")
                if name.lower() == "set-cookie" and not _SECURE.search(value)
                else (name, value)
                for name, value in headers
            ]
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def is_local_path(target: str) -> bool:
    r"""True when ``target`` is a path on this site, safe to redirect to.

    Browsers read ``//host`` and ``/\host`` as another site, and ignore tabs and
    newlines inside a URL, so those are refused too.

    >>> [is_local_path(t) for t in ["/programs/1", "//evil.example", "/\\evil.example"]]
    [True, False, False]
    >>> [is_local_path(t) for t in ["https://evil.example/", "/\t/evil.example", ""]]
    [False, False, False]
    """
    return (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and "\\" not in target
        and not any(ord(c) < 32 or ord(c) == 127 for c in target)
    )


def safe_next(target: str | None) -> str:
    """Where a log-in goes next: ``target`` (the ``next`` of the log-in page) when it is
    a path on this site (:func:`is_local_path`), else the programs page."""
    if target and is_local_path(target):
        return target
    return url_for("admin.programs.index")
