"""Database faults: a full disk, a read-only database, a lost connection.

A request or a job that meets one is rolled back whole, so nothing is half-written. The
admin gets a page (503) that says the change was not saved and why, a job stores the same
reason as its error, and the log gets a line naming the request and the database's own
message.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from sqlalchemy.exc import DBAPIError

from webapp.db import db

FULL = "the database is full"
READ_ONLY = "the database is read-only"
LOST = "the connection to the database was lost"

#: SQLite's primary result codes (the low byte of its extended codes) that are faults.
SQLITE_CODES = {13: FULL, 8: READ_ONLY}
#: PostgreSQL's SQLSTATEs that are faults: disk full, read-only transaction, the server
#: ending the session (administrator command, crash, start-up).
POSTGRES_STATES = {"53100": FULL, "25006": READ_ONLY, "57P01": LOST, "57P02": LOST, "57P03": LOST}
#: How long a client should wait before trying again (seconds).
RETRY_AFTER = 60


def reason(error: BaseException) -> str | None:
    """Why the database refused, in words, or None when ``error`` is not such a fault.

    >>> import sqlite3
    >>> from sqlalchemy.exc import OperationalError
    >>> full = sqlite3.OperationalError("database or disk is full")
    >>> full.sqlite_errorcode = 13
    >>> reason(OperationalError("INSERT ...", {}, full))
    'the database is full'
    >>> reason(ValueError("not a database error")) is None
    True
    """
    if not isinstance(error, DBAPIError):
        return None
    if error.connection_invalidated:
        return LOST
    original = error.orig
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return SQLITE_CODES.get(code & 0xFF)
    state = getattr(original, "sqlstate", None) or ""
    return POSTGRES_STATES.get(state) or (LOST if state.startswith("08") else None)


def job_error(why: str) -> str:
    """What a job that met a fault stores as its error.

    >>> job_error(FULL)
    'the database is full; nothing was saved. Try again later or tell your administrator.'
    """
    return f"{why}; nothing was saved. Try again later or tell your administrator."


def page(error: DBAPIError) -> tuple[str, int, dict[str, str]]:
    """The answer to a request that met a fault (re-raises any other database error)."""
    why = reason(error)
    if why is None:
        raise error
    try:
        db.session.rollback()
    except DBAPIError:  # the connection is gone; the pool replaces it
        db.session.close()
    current_app.logger.error(
        "%s %s: nothing saved, %s (%s)", request.method, request.path, why, error.orig
    )
    if request.method in {"GET", "HEAD"}:
        title, message = "Database unavailable", f"This page could not be shown: {why}. Try"
    else:
        title = "Not saved"
        message = f"Your change was not saved: {why}. Nothing was changed; try"
    message += " again later or tell your administrator."
    body = render_template("error.html", title=title, message=message, back="")
    return body, 503, {"Retry-After": str(RETRY_AFTER)}


def register(app: Flask) -> None:
    """Answer database faults with :func:`page` (conflicts.py hands on the ones it gets)."""
    app.register_error_handler(DBAPIError, page)
