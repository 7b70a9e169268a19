"""Friendly error pages: not found, forbidden, upload too large, bad CSRF token."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge


def _page(title: str, message: str, status: int) -> tuple[str, int]:
    return render_template("error.html", title=title, message=message), status


def register(app: Flask) -> None:
    """Install the error pages on ``app``."""

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
        limit = app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
        return _page(
            "File too large",
            f"The file is larger than the {limit:g} MB this site accepts. Split it into "
            "smaller files (for example by department) and import them one after another.",
            413,
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
