"""Rate limits per client address on log-in and on the intake links.

Each limit is a fixed window: at most ``n`` requests per ``seconds`` from one address.
Counts live where every gunicorn worker sees them: in Redis when ``REDIS_URL`` is set,
else in the database (:class:`RateCounter`, one row per scope, address and window,
incremented by a single upsert). A request over the limit gets a 429 page with
``Retry-After``.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import Flask, current_app, render_template, request
from sqlalchemy import DateTime, Integer, String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db import db
from webapp.models import utcnow

if TYPE_CHECKING:
    from redis import Redis

#: Scope of each limited endpoint: log-in (its second step, asking for or using a
#: password-reset link, and setting a password through an admin's invitation) counts
#: only POSTs, and the return from the identity provider counts with them; the intake
#: links and the participant's own page (the same personal links) count everything.
SCOPES = {
    ("admin.auth.login", "POST"): "login",
    ("admin.oidc.callback", "GET"): "login",
    ("admin.auth.forgot", "POST"): "login",
    ("admin.auth.reset", "POST"): "login",
    ("admin.two_factor_login.code", "POST"): "login",
    ("admin.two_factor_login.recovery", "POST"): "login",
    ("admin.two_factor_login.setup", "POST"): "login",
    ("admin.welcome.welcome", "POST"): "login",
    ("people.intake.form", None): "intake",
    ("participant.page.show", None): "intake",
    ("participant.page.answer_pair", None): "intake",
}


class RateCounter(db.Model):
    """Requests one address made to one scope within one window."""

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


def scope_of(endpoint: str | None, method: str) -> str | None:
    """The limit a request counts against, if any.

    >>> (
    ...     [scope_of("admin.auth.login", m) for m in ("POST", "GET")],
    ...     scope_of("people.intake.form", "GET"),
    ... )
    (['login', None], 'intake')
    """
    return SCOPES.get((endpoint or "", method)) or SCOPES.get((endpoint or "", None))


def redis_client() -> Redis:
    """The app's Redis connection for counters (``REDIS_URL``), made on first use."""
    from redis import Redis

    client = current_app.extensions.get("ratelimit_redis")
    if client is None:
        client = Redis.from_url(current_app.config["REDIS_URL"])
        current_app.extensions["ratelimit_redis"] = client
    return client


def _count_in_redis(key: str, seconds: int) -> int:
    pipe = redis_client().pipeline()
    pipe.incr(f"mentorloom:rate:{key}")
    pipe.expire(f"mentorloom:rate:{key}", seconds, nx=True)
    count, _ = pipe.execute()
    return int(count)


def _count_in_database(key: str, seconds: int) -> int:
    """Add one to the window's row in its own transaction; drop expired rows now and then."""
    table = RateCounter.__table__
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    now = utcnow()
    upsert = (
        dialect.insert(table)
        .values(key=key, count=1, expires_at=now + timedelta(seconds=seconds))
        .on_conflict_do_update(index_elements=[table.c.key], set_={"count": table.c.count + 1})
        .returning(table.c.count)
    )
    with db.engine.begin() as connection:
        count = connection.execute(upsert).scalar_one()
        if count == 1:
            connection.execute(delete(table).where(table.c.expires_at < now))
    return int(count)


def hit(scope: str, address: str) -> int | None:
    """Count one request; return the seconds to wait when it is over the limit, else None."""
    limit, seconds = current_app.config["RATE_LIMITS"][scope]
    window = int(time.time() // seconds)
    key = f"{scope}:{address}:{window}"
    counter = _count_in_redis if current_app.config["REDIS_URL"] else _count_in_database
    if counter(key, seconds) <= limit:
        return None
    return (window + 1) * seconds - int(time.time())


def register(app: Flask) -> None:
    """Check every request to a limited endpoint of ``app``."""

    @app.before_request
    def _limit() -> tuple[str, int, dict[str, str]] | None:
        scope = scope_of(request.endpoint, request.method)
        if scope is None:
            return None
        wait = hit(scope, request.remote_addr or "unknown")
        if wait is None:
            return None
        page = render_template(
            "error.html",
            title="Too many requests",
            message=f"Too many requests from your address: wait {wait} seconds and try again.",
            back="",
        )
        return page, 429, {"Retry-After": str(wait)}
