"""Reading the audit trail: who may read it, the events of a program or the site-wide
sign-ins (filtered by kind), each event as a row of words, and the CSV export streamed in
chunks so a long log never sits in memory whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, or_, select

from matcher import to_csv_bytes
from webapp.audit_words import PROGRAM_KINDS, SIGN_IN_PREFIX, words_for
from webapp.db import db
from webapp.models import AdminUser, AuditEvent, Program
from webapp.roles import Need, may

#: The columns of the audit CSV export.
CSV_COLUMNS = ["time_utc", "actor", "action", "what", "detail", "address"]
#: Events read from the database at once by the CSV export.
CHUNK = 500
#: Detail keys the page leaves out (a whole settings snapshot; the CSV keeps it).
_HIDDEN = frozenset({"config"})


def may_read_audit(admin: AdminUser, program: Program | None) -> bool:
    """Whether ``admin`` may read the audit of ``program`` (``None``: the site-wide
    sign-ins): a program's history, its owners and program managers; the sign-ins, owners.

    The one access check of the audit pages and exports, beside the gate of
    :mod:`webapp.roles` (which already refuses everyone else).

    >>> may_read_audit(AdminUser(email="a@example.org", is_owner=False), None)
    False
    >>> may_read_audit(AdminUser(email="o@example.org", is_owner=True), None)
    True
    """
    if program is None:
        return may(admin, Need.SITE)
    return may(admin, Need.AUDIT, program.id)


def program_events(program_id: int, kind: str = "") -> Select[tuple[AuditEvent]]:
    """The events of a program, newest first, only those of ``kind`` (a key of
    :data:`~webapp.audit_words.PROGRAM_KINDS`) when given.

    >>> print(program_events(1, "review").whereclause)
    audit_event.program_id = :program_id_1 AND (audit_event.action LIKE :action_1 || '%')
    """
    query = select(AuditEvent).where(AuditEvent.program_id == program_id)
    if kind:
        prefixes = PROGRAM_KINDS[kind][1]
        query = query.where(or_(*(AuditEvent.action.startswith(p) for p in prefixes)))
    return _newest_first(query)


def sign_in_events(action: str = "") -> Select[tuple[AuditEvent]]:
    """The site-wide events (``auth.*`` sign-ins and ``admins.*`` changes of the admins,
    of no program: read through the index of ``program_id``), newest first, only
    ``action`` when given (a key of
    :func:`~webapp.audit_words.sign_in_actions`).

    >>> print(sign_in_events("auth.failed").whereclause)
    audit_event.program_id IS NULL AND audit_event.action = :action_1
    """
    query = select(AuditEvent).where(AuditEvent.program_id.is_(None))
    if action:
        return _newest_first(query.where(AuditEvent.action == action))
    site = or_(*(AuditEvent.action.startswith(prefix) for prefix in SIGN_IN_PREFIX))
    return _newest_first(query.where(site))


def _newest_first(query: Select[tuple[AuditEvent]]) -> Select[tuple[AuditEvent]]:
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def known_filter(value: str, choices: Mapping[str, object]) -> bool:
    """Whether a filter value from the query string is empty or one of ``choices``.

    >>> known_filter("", {}), known_filter("review", {"review": 1}), known_filter("x", {})
    (True, True, False)
    """
    return not value or value in choices


def details_text(detail: Mapping[str, Any], run_numbers: Mapping[int, int]) -> str:
    """An event's details as ``key: value`` pairs, runs by their number, the settings
    snapshot and the address left out (the page shows them elsewhere or not at all).

    >>> details_text({"run": 7, "pairs": 3, "config": {}, "address": "1.2.3.4"}, {7: 2})
    'run: 2, pairs: 3'
    """
    shown = []
    for key, value in detail.items():
        if key in _HIDDEN or key == "address":
            continue
        shown.append(f"{key}: {run_numbers.get(value, value) if key == 'run' else value}")
    return ", ".join(shown)


def what(event: AuditEvent) -> str:
    """The event's action in words, saying when an erasure redacted it.

    >>> what(AuditEvent(action="invite.person", detail={}))
    'Made a personal link'
    """
    words = words_for(event.action)
    if event.redacted_at is not None:
        words += f" (personal data erased {event.redacted_at:%Y-%m-%d})"
    return words


def address(event: AuditEvent) -> str:
    """Where the event came from, when it was recorded (the address of a sign-in).

    >>> address(AuditEvent(detail={"address": "10.0.0.7"})), address(AuditEvent(detail={}))
    ('10.0.0.7', '')
    """
    return str((event.detail or {}).get("address", ""))


def csv_row(event: AuditEvent) -> list[str]:
    """One row of the CSV export, in the order of :data:`CSV_COLUMNS`.

    >>> from datetime import datetime
    >>> csv_row(
    ...     AuditEvent(
    ...         created_at=datetime(2026, 1, 2, 3, 4, 5),
    ...         actor="=a@x.org",
    ...         action="auth.login",
    ...         detail={"address": "10.0.0.7"},
    ...     )
    ... )[:4]
    ['2026-01-02 03:04:05', '=a@x.org', 'auth.login', 'Signed in']
    """
    return [
        f"{event.created_at:%Y-%m-%d %H:%M:%S}",
        event.actor,
        event.action,
        what(event),
        json.dumps(event.detail or {}, ensure_ascii=False, default=str, sort_keys=True),
        address(event),
    ]


def csv_chunks(query: Select[tuple[AuditEvent]], chunk: int = CHUNK) -> Iterator[bytes]:
    """The CSV export of ``query``'s events (newest first), :data:`CHUNK` events at a
    time: each chunk read after the last one's place (never an offset) and written by
    :func:`matcher.to_csv_bytes`, so every cell is formula-safe; the header and the
    byte-order mark come once, first.
    """
    yield to_csv_bytes(pd.DataFrame([], columns=CSV_COLUMNS))
    after: tuple[Any, int] | None = None
    while True:
        page = query
        if after is not None:
            created, last_id = after
            page = query.where(
                or_(
                    AuditEvent.created_at < created,
                    and_(AuditEvent.created_at == created, AuditEvent.id < last_id),
                )
            )
        events = db.session.scalars(page.limit(chunk)).all()
        if not events:
            return
        body = to_csv_bytes(pd.DataFrame([csv_row(e) for e in events], columns=CSV_COLUMNS))
        yield body.split(b"\r\n", 1)[1]
        after = (events[-1].created_at, events[-1].id)
        for event in events:
            db.session.expunge(event)
