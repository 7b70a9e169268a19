"""The first-meeting check: a program's accepted pairs asked "How did your first
conversations go?" (great / not sure yet / not a fit), by e-mail and on each person's page.

Timing (``days`` is the program's :attr:`~webapp.pair_models.AnswerPolicy.checkin_days`):

- ``days`` after a pair was accepted, each of its two people gets a check-in (round 1);
- :data:`REMINDER_DAYS` after a check-in was sent without an answer, one reminder;
- ``days`` after a "not sure yet", that person is asked again (round 2), once.

Due check-ins are sent *on every look* (:func:`checkins_on_look`: the participant's page,
the dashboard, the review of a mentee, the pairs list) and by ``flask --app webapp
send-checkins`` for cron (:func:`send_due`). Never twice: a check-in is a row unique per
pair, side and round (inserted with :func:`webapp.db.insert_once`, and only the insert
that made the row queues its e-mail), and a reminder is sent only by the conditional
``UPDATE`` that sets its ``reminded_at``.

An answer (:func:`answer_checkin`): "great" makes an accepted pair active; "not a fit"
from the side the program names (mentee, mentor or either) ends the pair as "no
chemistry" (:func:`webapp.pair_life.end_pair`: never again, for every type, and the
request reopens); from the other side it is recorded for the admins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from webapp import audit
from webapp.answers import policy_for, record_published, settle_on_look
from webapp.db import db, insert_once
from webapp.introductions import introduction
from webapp.links import link_for, site_link
from webapp.mail import MailKind, queue_message, start_delivery
from webapp.models import Participant, Program, utcnow
from webapp.pair_life import activate, end_pair
from webapp.pair_models import Checkin, EndReason, Fit, FitSide, Pair, PairStatus, PublishJob

__all__ = [
    "ASKED",
    "REMINDER_DAYS",
    "ROUNDS",
    "Due",
    "answer_checkin",
    "checkins_of",
    "checkins_on_look",
    "due_checkins",
    "fit_rates",
    "open_checkins",
    "published_of",
    "send_due",
]

#: Days after an unanswered check-in when its one reminder is sent.
REMINDER_DAYS = 7
#: How often a person is asked at most: once, and once more after "not sure yet".
ROUNDS = 2
#: The statuses of a pair whose people are asked.
ASKED = (PairStatus.ACCEPTED.value, PairStatus.ACTIVE.value)


@dataclass(frozen=True)
class Due:
    """A check-in due: the pair, the side asked and the round."""

    pair: Pair
    side: str
    round: int


def due_checkins(program_id: int, now: datetime) -> list[Due]:
    """The program's check-ins due at ``now`` and not sent yet: round 1 of each side of a
    pair accepted at least ``days`` ago, round 2 of a side that answered "not sure yet"
    at least ``days`` ago. Two queries."""
    days = timedelta(days=policy_for(program_id).checkin_days)
    pairs = db.session.scalars(
        select(Pair).where(
            Pair.program_id == program_id,
            Pair.status.in_(ASKED),
            Pair.settled_at <= now - days,
        )
    ).all()
    if not pairs:
        return []
    sent = {
        (c.pair_id, c.side, c.round): c
        for c in db.session.scalars(
            select(Checkin).where(Checkin.pair_id.in_([p.id for p in pairs]))
        )
    }
    due = []
    for pair in pairs:
        for side in ("mentee", "mentor"):
            first = sent.get((pair.id, side, 1))
            if first is None:
                due.append(Due(pair, side, 1))
            elif (
                first.answer == Fit.NOT_SURE
                and first.answered_at is not None
                and first.answered_at <= now - days
                and (pair.id, side, ROUNDS) not in sent
            ):
                due.append(Due(pair, side, ROUNDS))
    return due


def _base_url(program_id: int) -> str | None:
    """The site's address as the program's newest publish reached it (its e-mails' links
    start so), None before any publish."""
    return db.session.scalar(
        select(PublishJob.base_url)
        .where(PublishJob.program_id == program_id)
        .order_by(PublishJob.id.desc())
        .limit(1)
    )


def _ask(
    program: Program, pair: Pair, side: str, base_url: str, now: datetime, **flags: bool
) -> None:
    """Queue the check-in e-mail (or its reminder, or the second asking) to ``side``."""
    email = pair.mentee_email if side == "mentee" else pair.mentor_email
    people = {
        p.email: p
        for p in db.session.scalars(
            select(Participant).where(
                Participant.program_id == program.id,
                Participant.email.in_([pair.mentee_email, pair.mentor_email]),
            )
        )
    }
    if email not in people or pair.other_of(email) not in people:
        return
    person = people[email]
    said = introduction(pair, person, people[pair.other_of(email)])
    days = policy_for(program.id).checkin_days
    token = link_for(person, now + timedelta(days=days + REMINDER_DAYS + 1))
    queue_message(
        program,
        to=email,
        kind=MailKind.CHECKIN,
        template="checkin",
        context={
            "program_name": program.name,
            "name": said.name,
            "other_name": said.other_name,
            "other_role": said.other_role,
            "reminder": flags.get("reminder", False),
            "again": flags.get("again", False),
            "link": site_link(base_url, "participant.page.show", token_text=token.token),
        },
        participant=person,
        queued_by="first-meeting check",
        deliver=False,
    )


def send_due(program_id: int, now: datetime | None = None, base_url: str = "") -> Counter[str]:
    """Send the program's due check-ins and reminders (queued in the outbox, committed,
    then delivered): how many ``asked`` and ``reminded``. ``base_url`` is the site's
    address for the links (by default, the one its newest publish was made at)."""
    now = now or utcnow()
    done: Counter[str] = Counter()
    base_url = base_url or _base_url(program_id) or ""
    if not base_url:
        return done
    program = db.session.get_one(Program, program_id)
    for due in due_checkins(program_id, now):
        values = {
            "program_id": program_id,
            "pair_id": due.pair.id,
            "side": due.side,
            "round": due.round,
            "sent_at": now,
            "comment": "",
        }
        if insert_once(Checkin, values, ["pair_id", "side", "round"]) is not None:
            _ask(program, due.pair, due.side, base_url, now, again=due.round > 1)
            done["asked"] += 1
    silent = db.session.scalars(
        select(Checkin)
        .join(Pair, Pair.id == Checkin.pair_id)
        .where(
            Checkin.program_id == program_id,
            Checkin.answer.is_(None),
            Checkin.reminded_at.is_(None),
            Checkin.sent_at <= now - timedelta(days=REMINDER_DAYS),
            Pair.status.in_(ASKED),
        )
    ).all()
    for checkin in silent:
        claimed = db.session.execute(
            update(Checkin)
            .where(Checkin.id == checkin.id, Checkin.reminded_at.is_(None))
            .values(reminded_at=now)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            _ask(program, checkin.pair, checkin.side, base_url, now, reminder=True)
            done["reminded"] += 1
    if done:
        audit.record("checkin.send", program_id, actor="first-meeting check", **done)
        db.session.commit()
        start_delivery(program_id, requested_by="first-meeting check")
    return done


def checkins_on_look(program_id: int, now: datetime | None = None) -> None:
    """Send the program's due check-ins (:func:`send_due`) before a page reads them; when
    another look sent them at the same moment, its work stands and this one is rolled
    back."""
    try:
        send_due(program_id, now)
    except (StaleDataError, IntegrityError):
        db.session.rollback()


def open_checkins(program_id: int, email: str) -> dict[int, Checkin]:
    """The person's unanswered check-ins of pairs still asked, by pair id (the newest
    round of each)."""
    found = db.session.scalars(
        select(Checkin)
        .join(Pair, Pair.id == Checkin.pair_id)
        .where(
            Checkin.program_id == program_id,
            Checkin.answer.is_(None),
            Pair.status.in_(ASKED),
            ((Checkin.side == "mentee") & (Pair.mentee_email == email))
            | ((Checkin.side == "mentor") & (Pair.mentor_email == email)),
        )
        .order_by(Checkin.round)
    )
    return {c.pair_id: c for c in found}


def checkins_of(pairs: Sequence[Pair]) -> dict[int, list[Checkin]]:
    """Each pair's check-ins by pair id, by round and side (one query)."""
    found: dict[int, list[Checkin]] = {p.id: [] for p in pairs}
    if found:
        for checkin in db.session.scalars(
            select(Checkin).where(Checkin.pair_id.in_(found)).order_by(Checkin.round, Checkin.side)
        ):
            found[checkin.pair_id].append(checkin)
    return found


def published_of(program_id: int, mentee_email: str) -> list[Pair]:
    """The mentee's published pairs, oldest first, after the program's due work (deadlines,
    check-ins) is done."""
    settle_on_look(program_id)
    checkins_on_look(program_id)
    return list(
        db.session.scalars(
            select(Pair)
            .where(Pair.program_id == program_id, Pair.mentee_email == mentee_email)
            .order_by(Pair.published_at, Pair.id)
        )
    )


def answer_checkin(
    checkin: Checkin, fit: Fit, comment: str, who: str, now: datetime | None = None
) -> PairStatus:
    """Record ``who``'s answer to ``checkin`` and act on it: "great" makes an accepted
    pair active; "not a fit" from the side the program names ends it as "no chemistry".
    The caller commits. Returns the pair's status after the answer."""
    now = now or utcnow()
    pair = checkin.pair
    checkin.answer, checkin.answered_at, checkin.comment = fit.value, now, comment
    record_published(
        "pair.checkin",
        pair,
        who,
        side=checkin.side,
        round=checkin.round,
        answer=fit.value,
        **({"comment": comment} if comment else {}),
    )
    ends = FitSide(policy_for(pair.program_id).checkin_ends)
    if fit is Fit.GREAT and pair.status == PairStatus.ACCEPTED:
        activate(pair, who, now)
    elif fit is Fit.NOT_A_FIT and ends.includes(checkin.side):
        end_pair(pair, EndReason.NO_CHEMISTRY, comment, who, now)
    return PairStatus(pair.status)


def fit_rates(program_id: int) -> dict[str, tuple[int, int]]:
    """Per type, (answers "great", check-ins answered) of the program.

    One query; a type nobody answered for is missing.
    """
    rows = db.session.execute(
        select(Pair.mentor_type, Checkin.answer)
        .join(Pair, Pair.id == Checkin.pair_id)
        .where(Checkin.program_id == program_id, Checkin.answer.is_not(None))
    )
    great: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    for mentor_type, given in rows:
        answered[mentor_type] += 1
        great[mentor_type] += given == Fit.GREAT
    return {t: (great[t], answered[t]) for t in sorted(answered)}
