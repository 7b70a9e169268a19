"""Concurrent edits: optimistic locks, the mentor capacity guard, and the 409 page.

Participants and pair decisions carry a ``version`` column (SQLAlchemy's
``version_id_col``): an UPDATE or DELETE of a row that someone changed since it was read
raises :class:`~sqlalchemy.orm.exc.StaleDataError`. A decision form also sends the version
the admin saw, so a decision taken on a page that is out of date is refused
(:func:`check_seen`). Approving a pair claims a place of the mentor
(:func:`claim_mentors`): the mentor's row is bumped with a compare-and-set on its version,
so two approvals racing for the last place cannot both win. Whoever loses gets a 409 page
that says what happened.
"""

from __future__ import annotations

from collections.abc import Collection

from flask import Flask, render_template
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict

from webapp import faults
from webapp.db import db
from webapp.models import Participant
from webapp.run_models import Action, PairDecision

#: Said when the database found the race (a stale version, a duplicate insert, a lock).
RACE_MESSAGE = (
    "Someone else changed this at the same moment, and their change was saved first. "
    "Nothing of yours was saved: reload the page to see the change, then try again."
)


class EditConflict(Conflict):
    """A change refused because it was based on data someone else changed meanwhile."""


def check_seen(current: int, seen: str | None, what: str) -> None:
    """Refuse a change made on a page that showed an older version of ``what``.

    ``seen`` is the version the form carried; a form without one is not checked.

    >>> check_seen(2, "2", "This pair"), check_seen(2, None, "This pair")
    (None, None)
    >>> try:
    ...     check_seen(3, "2", "This pair")
    ... except EditConflict as error:
    ...     print(error.description[:45])
    This pair was changed while you looked at it.
    """
    if seen and seen.isdigit() and int(seen) != current:
        raise EditConflict(
            f"{what} was changed while you looked at it. Nothing of yours was saved: "
            "reload the page to see the change, then try again."
        )


def check_decision_seen(decision: PairDecision | None, seen: str | None) -> None:
    """:func:`check_seen` for a pair's decision as just loaded (version 0 while it has none).

    Check the very object the change will update: the UPDATE then carries that version,
    so a decision saved by someone else in between makes it fail instead of overwriting.
    """
    state = f"approved, rejected or locked by {decision.decided_by}" if decision else "undecided"
    check_seen(decision.version if decision else 0, seen, f"This pair (now {state})")


def claim_mentors(program_id: int, triples: Collection[tuple[str, str, str]]) -> None:
    """Take a place of each mentor for the approvals of ``triples``, or refuse with 409.

    For every mentor, the approved and locked pairs of other (mentee, type) requests are
    counted (one query for all mentors); a mentor without room for the new ones refuses
    the whole change. Each mentor's row is then bumped with ``UPDATE ... WHERE version =
    seen``, so of two transactions claiming the last place, the second updates no row
    and loses.
    """
    wanted: dict[str, set[tuple[str, str]]] = {}
    for mentee, mentor, kind in triples:
        wanted.setdefault(mentor, set()).add((mentee, kind))
    if not wanted:
        return
    mentors = db.session.execute(
        select(Participant.id, Participant.email, Participant.capacity, Participant.version)
        .where(Participant.program_id == program_id, Participant.email.in_(wanted))
        .order_by(Participant.id)
    ).all()
    held: dict[str, set[tuple[str, str]]] = {}
    query = select(
        PairDecision.mentor_email, PairDecision.mentee_email, PairDecision.mentor_type
    ).where(
        PairDecision.program_id == program_id,
        PairDecision.mentor_email.in_(wanted),
        PairDecision.action.in_([Action.APPROVE.value, Action.LOCK.value]),
    )
    for mentor_email, mentee, kind in db.session.execute(query):
        held.setdefault(mentor_email, set()).add((mentee, kind))
    for mentor in mentors:
        mine = wanted[mentor.email]
        taken = len(held.get(mentor.email, set()) - mine)
        if taken + len(mine) > mentor.capacity:
            raise EditConflict(
                f"{mentor.email} already has {taken} approved or locked mentee(s) for "
                f"{mentor.capacity} place(s): nothing was saved. Reject or undo one of "
                "their pairs first."
            )
    for mentor in mentors:
        bumped = db.session.execute(
            update(Participant)
            .where(Participant.id == mentor.id, Participant.version == mentor.version)
            .values(version=mentor.version + 1)
            .execution_options(synchronize_session=False)
        )
        if bumped.rowcount != 1:
            raise EditConflict(RACE_MESSAGE)


def _is_lock(error: OperationalError) -> bool:
    """True for SQLite's answer to a write that lost the race for the database."""
    return "database is locked" in str(error.orig)


def register(app: Flask) -> None:
    """Answer 409 with a clear page for every change that lost a race."""

    def conflict_page(message: str) -> tuple[str, int]:
        db.session.rollback()
        page = render_template("error.html", title="Changed meanwhile", message=message, back="")
        return page, 409

    @app.errorhandler(EditConflict)
    def edit_conflict(error: EditConflict) -> tuple[str, int]:
        return conflict_page(error.description or RACE_MESSAGE)

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def lost_race(error: Exception) -> tuple[str, int]:
        return conflict_page(RACE_MESSAGE)

    @app.errorhandler(OperationalError)
    def locked(error: OperationalError) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
        if not _is_lock(error):
            return faults.page(error)
        return conflict_page(RACE_MESSAGE)
