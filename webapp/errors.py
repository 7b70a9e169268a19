"""Friendly error pages: not found, forbidden, upload too large, bad CSRF token.

A request made by the review page's script (:func:`wants_fragment`) gets the message
alone, as a paragraph the script shows in the row it was about.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

#: Header the page scripts send when they want a fragment of a page, not a whole page.
FRAGMENT_HEADER = "X-Mentorloom-Fragment"


def size_text(size: int) -> str:
    """A byte count in words.

    >>> size_text(2 * 1024 * 1024), size_text(1024), size_text(1000)
    ('2 MB', '1 KB', '1000 bytes')
    """
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def wants_fragment() -> bool:
    """True when a page script asked for a fragment (see :data:`FRAGMENT_HEADER`)."""
    return bool(request.headers.get(FRAGMENT_HEADER))


def error_page(
    title: str,
    message: str,
    status: int,
    back: str = "",
    *,
    back_label: str = "Back to the form",
    details: Sequence[str] = (),
) -> tuple[str, int]:
    """The error page (or, for a page script, the message alone) with its status."""
    if wants_fragment():
        text = Markup('<p class="flash error" role="alert">{}</p>').format(message)
        return str(text), status
    page = render_template(
        "error.html",
        title=title,
        message=message,
        back=back,
        back_label=back_label,
        details=details,
    )
    return page, status


def register(app: Flask) -> None:
    """Install the error pages on ``app``."""

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
        limit = size_text(app.config["MAX_CONTENT_LENGTH"])
        return error_page(
            "File too large",
            f"The file is larger than the {limit} this site accepts. Split it into "
            "smaller files (for example by department) and import them one after another.",
            413,
            back=request.path,
        )

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return error_page(
            "Form expired",
            "This form was out of date or came from another site. Go back, reload the "
            "page and send it again.",
            400,
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return error_page(error.name, error.description or "", error.code or 500)
