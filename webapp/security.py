"""Response headers that keep pages and invite links where they belong."""

from __future__ import annotations

from flask import Flask, Response

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
