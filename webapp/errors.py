"""Friendly error pages: not found, forbidden, upload too large, bad CSRF token."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge


def size_text(size: int) -> str:
    """A byte count in words.

    >>> size_text(2 * 1024 * 1024), size_text(1024), size_text(1000)
    ('2 MB', '1 KB', '1000 bytes')
    """
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def _page(title: str, message: str, status: int, back: str = "") -> tuple[str, int]:
    return render_template("error.html", title=title, message=message, back=back), status


def register(app: Flask) -> None:
    """Install the error pages on ``app``."""

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
        limit = size_text(app.config["MAX_CONTENT_LENGTH"])
        return _page(
            "File too large",
            f"The file is larger than the {limit} this site accepts. Split it into "
            "smaller files (for example by department) and import them one after another.",
            413,
            back=request.path,
        )

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return _page(
            "Form expired",
            "This form was out of date or came from another site. Go back, reload the "
            "page and send it again.",
            400,
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return _page(error.name, error.description or "", error.code or 500)
