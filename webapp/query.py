"""The query string of a request: page numbers, and values a database can compare.

Every paginated page reads ``?page=`` through :func:`paginate`: it must be a whole number
from 1 (anything else answers 400 with a page that says so), and a number past the last
page shows the last page, however big it is. A query-string value with a control
character (PostgreSQL refuses a NUL in any text) answers 400 on every page.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, abort, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from matcher import CONTROL_CHARACTERS
from webapp.db import db

#: Pages past this are past the last page of any table (and keep offsets within 64 bits).
MAX_PAGE = 10**9
_WHOLE = re.compile(r"[0-9]+")


def requested_page() -> int:
    """The page number of ``?page=`` (1 when absent), at most :data:`MAX_PAGE`."""
    text = request.args.get("page", "1").strip()
    digits = text.lstrip("0")
    if not _WHOLE.fullmatch(text) or not digits:
        abort(400, description="The page number must be a whole number from 1 up.")
    return min(int(digits[: len(str(MAX_PAGE)) + 1]), MAX_PAGE)


def paginate(query: Select[Any], per_page: int) -> Pagination:
    """The requested page of ``query``'s rows; past the last page, the last page."""
    page = db.paginate(query, page=requested_page(), per_page=per_page, error_out=False)
    if page.page > 1 and not page.items and page.pages:
        page = db.paginate(query, page=page.pages, per_page=per_page, error_out=False)
    return page


def register(app: Flask) -> None:
    """Answer 400 to a request whose query string holds a control character."""

    @app.before_request
    def refuse_control_characters() -> None:
        values = (value for values in request.args.listvalues() for value in values)
        if any(CONTROL_CHARACTERS.search(value) for value in values):
            abort(400, description="The address holds a control character: check the link.")
