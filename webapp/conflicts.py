"""Concurrent edits: optimistic locks, the mentor capacity guard, and the 409 page.

Participants and pair decisions carry a ``version`` column (SQLAlchemy's
``version_id_col``): an UPDATE or DELETE of a row that someone changed since it was read
raises :class:`~sqlalchemy.orm.exc.StaleDataError`. A decision form also sends the version
the admin saw, so a decision taken on a page that is out of date is refused
(:func:`check_seen`). Approving or locking a pair claims a place of the mentor
(:func:`claim_mentors`): the mentor's row is bumped with a compare-and-set on its version,
so two approvals racing for the last place cannot both win. (A mentor who is full before
the decision is read is refused earlier, with why: :func:`webapp.matching.holding.unable_to_hold`;
here it is the loser of a race, named with who holds the places.) Whoever loses
gets a 409 page that says what happened, with the way back to the page they came from.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from flask import Flask, current_app, request
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict, HTTPException
from werkzeug.routing import RequestRedirect

from matcher import plural
from webapp import faults
from webapp.db import db
from webapp.errors import error_page
from webapp.models import Participant
from webapp.run_models import STATUS_OF, Action, PairDecision
from webapp.security import is_local_path

#: Said when the database found the race (a stale version, a duplicate insert, a lock).
RACE_MESSAGE = (
    "Someone else changed this at the same moment, and their change was saved first. "
    "Nothing of yours was saved: reload the page to see the change, then try again."
)


#: Words of the link back, by the endpoint of the page a refused form came from.
BACK_LABELS = {
    "matching.review.index": "Back to the review page",
    "matching.review.mentee": "Back to the mentee's page",
}


class EditConflict(Conflict):
    """A change refused because it was based on data someone else changed meanwhile.

    ``details`` lists what changed, one line each; ``back`` is the page to go back to
    (by default the form's ``next``, the page it was sent from).
    """

    title = "Changed meanwhile"

    def __init__(self, description: str, *, details: Sequence[str] = (), back: str = "") -> None:
        super().__init__(description)
        self.details = tuple(details)
        self.back = back


class MentorFull(EditConflict):
    """An approval refused because the mentor's places are all taken."""

    title = "Mentor full"


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


def decision_state(decision: PairDecision | None) -> str:
    """A pair's decision in words, with who took it.

    >>> decision_state(None)
    'undecided'
    """
    if decision is None:
        return "undecided"
    return f"{STATUS_OF[Action(decision.action)]} by {decision.decided_by}"


def check_decision_seen(decision: PairDecision | None, seen: str | None, pair: str) -> None:
    """:func:`check_seen` for a pair's decision as just loaded (version 0 while it has none).

    Check the very object the change will update: the UPDATE then carries that version,
    so a decision saved by someone else in between makes it fail instead of overwriting.
    """
    check_seen(
        decision.version if decision else 0, seen, f"{pair} (now {decision_state(decision)})"
    )


def places_taken(program_id: int, mentors: Collection[str]) -> dict[str, set[tuple[str, str]]]:
    """The (mentee, type) requests holding a place of each mentor: approved and locked
    pairs (one query for all mentors)."""
    query = select(
        PairDecision.mentor_email, PairDecision.mentee_email, PairDecision.mentor_type
    ).where(
        PairDecision.program_id == program_id,
        PairDecision.mentor_email.in_(mentors),
        PairDecision.action.in_([Action.APPROVE.value, Action.LOCK.value]),
    )
    held: dict[str, set[tuple[str, str]]] = {}
    for mentor_email, mentee, kind in db.session.execute(query):
        held.setdefault(mentor_email, set()).add((mentee, kind))
    return held


def _names(program_id: int, emails: Collection[str]) -> dict[str, str]:
    query = select(Participant.email, Participant.name).where(
        Participant.program_id == program_id, Participant.email.in_(emails)
    )
    return {row.email: row.name for row in db.session.execute(query)}


def claim_mentors(program_id: int, triples: Collection[tuple[str, str, str]]) -> None:
    """Take a place of each mentor for the approvals or locks of ``triples``, or refuse with 409.

    For every mentor, the approved and locked pairs of other (mentee, type) requests are
    counted (:func:`places_taken`); a mentor without room for the new ones refuses the
    whole change, naming who holds the places (:class:`MentorFull`). Each mentor's row is
    then bumped with ``UPDATE ... WHERE version = seen``, so of two transactions claiming
    the last place, the second updates no row and loses.
    """
    wanted: dict[str, set[tuple[str, str]]] = {}
    for mentee, mentor, kind in triples:
        wanted.setdefault(mentor, set()).add((mentee, kind))
    if not wanted:
        return
    mentors = db.session.execute(
        select(
            Participant.id,
            Participant.email,
            Participant.name,
            Participant.capacity,
            Participant.version,
        )
        .where(Participant.program_id == program_id, Participant.email.in_(wanted))
        .order_by(Participant.id)
    ).all()
    held = places_taken(program_id, wanted)
    for mentor in mentors:
        mine = wanted[mentor.email]
        others = sorted(held.get(mentor.email, set()) - mine)
        if len(others) + len(mine) > mentor.capacity:
            name = _names(program_id, [mentee for mentee, _ in others])
            holders = ", ".join(f"{name.get(e, e)} ({kind})" for e, kind in others) or "nobody"
            raise MentorFull(
                f"{mentor.name} is full: {plural(mentor.capacity, 'place')}, held by {holders}; "
                "nothing was saved. Reject or undo one of their pairs first, or choose "
                "another mentor."
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


def _back() -> tuple[str, str]:
    """The page the refused form came from (its ``next``), and the words of a link to it."""
    target = request.form.get("next", "")
    if not is_local_path(target):
        return "", ""
    try:
        endpoint, _ = current_app.url_map.bind("").match(target.split("?", 1)[0])
    except (HTTPException, RequestRedirect):
        return target, "Back to the page you were on"
    return target, BACK_LABELS.get(str(endpoint), "Back to the page you were on")


def is_lock(error: OperationalError) -> bool:
    """True for SQLite's answer to a write that lost the race for the database."""
    return "database is locked" in str(error.orig)


def register(app: Flask) -> None:
    """Answer 409 with a clear page for every change that lost a race."""

    def conflict_page(
        message: str, title: str = EditConflict.title, details: Sequence[str] = (), back: str = ""
    ) -> tuple[str, int]:
        db.session.rollback()
        target, label = _back()
        return error_page(
            title,
            message,
            409,
            back or target,
            back_label=label or "Back to the page you were on",
            details=details,
        )

    @app.errorhandler(EditConflict)
    def edit_conflict(error: EditConflict) -> tuple[str, int]:
        return conflict_page(
            error.description or RACE_MESSAGE, error.title, error.details, error.back
        )

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def lost_race(error: Exception) -> tuple[str, int]:
        return conflict_page(RACE_MESSAGE)

    @app.errorhandler(OperationalError)
    def locked(error: OperationalError) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
        if not is_lock(error):
            return faults.page(error)
        return conflict_page(RACE_MESSAGE)
