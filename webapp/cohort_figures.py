"""Outcomes of a cohort, by mentor type and by department.

Every figure counts the cohort's stored rows as they are now:

- ``requests``: each type a mentee seeks (their ``seeks``);
- ``matched``: the requests the cohort's latest finished run proposed a pair for;
- ``published``: every pair published (``Pair`` rows), then one column per *pair column*:
  a pair counts in the columns :data:`PAIR_COLUMNS` give it, by default its status
  (``waiting`` for a pair still ``published``, ``accepted``, ``declined``, ``active``,
  ``ended``), ``ended_<reason>`` for an ended pair (``ended_no_chemistry``, …), and
  ``fit_<answer>`` for each answer to the first-meeting check either of its two people
  gave (``fit_great``, ``fit_not_sure``, ``fit_not_a_fit``: a pair counts once per
  answer); a new way to count pairs is one more function there, and its values become
  columns without changing anything else here;
- ``rematched``: requests with more than one published pair (someone else was found);
- ``median_days_to_accept``: from the mentee's intake (their record's creation) to the
  pair's acceptance, over pairs that were accepted (also those active or ended since);
  empty without one.

A row is grouped by the request's mentor type or the mentee's department (as the file
spells it; ``(none)`` when empty, ``(left the program)`` for a pair whose mentee was erased
or removed).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from matcher import MentorType
from webapp.cohorts import requests_of
from webapp.db import db
from webapp.models import Participant, Program
from webapp.pair_models import Checkin, Pair, PairStatus
from webapp.run_models import MatchRun, ProposedMatch, RunStatus

__all__ = [
    "BREAKDOWNS",
    "PAIR_COLUMNS",
    "CohortOutcomes",
    "Tally",
    "cohort_outcomes",
    "end_column",
    "figure_columns",
    "status_column",
]

#: The column of a pair's status, by status: its value, but ``waiting`` for a pair still
#: ``published`` (the column ``published`` counts every pair published).
STATUS_COLUMN = {PairStatus.PUBLISHED.value: "waiting"}


def status_column(status: str) -> str:
    """The column of a pair in ``status``.

    >>> status_column("published"), status_column("accepted")
    ('waiting', 'accepted')
    """
    return STATUS_COLUMN.get(status, status)


def end_column(pair: Pair) -> str | None:
    """The column of an ended pair's reason; None for a pair that has not ended.

    >>> end_column(Pair(status="ended", end_reason="no_chemistry"))
    'ended_no_chemistry'
    >>> end_column(Pair(status="active")) is None
    True
    """
    return f"ended_{pair.end_reason}" if pair.status == PairStatus.ENDED else None


#: The columns a published pair counts in (None: none of this function's). Each is a
#: function of the pair; its values are column names.
PAIR_COLUMNS: tuple[Callable[[Pair], str | None], ...] = (
    lambda pair: status_column(pair.status),
    end_column,
)
#: The groupings of a cohort's rows, in the order pages and the CSV show them.
BREAKDOWNS = ("all", "mentor type", "department")
#: The group of a mentee's empty department, and of a pair whose mentee is gone.
NO_DEPARTMENT, GONE = "(none)", "(left the program)"
#: Fewer requests than this make a small group, pooled for viewers (see
#: :func:`pool_small_groups`), and the name of the pool.
SMALL_GROUP = 5
SMALL_GROUPS = "(smaller groups, pooled)"


@dataclass
class Tally:
    """The counts of one row: a cohort, one of its mentor types, or one department."""

    requests: int = 0
    matched: int = 0
    published: int = 0
    pairs: Counter[str] = field(default_factory=Counter)
    rematched: int = 0
    days: list[float] = field(default_factory=list)

    @property
    def median_days(self) -> float | None:
        """The median days from intake to an accepted match, to one decimal; None without.

        >>> Tally(days=[1.0, 2.0, 10.0]).median_days, Tally().median_days
        (2.0, None)
        """
        return round(statistics.median(self.days), 1) if self.days else None

    def __add__(self, other: Tally) -> Tally:
        """Two rows' counts together (a pool of small groups).

        >>> (Tally(requests=2, days=[1.0]) + Tally(requests=1, days=[3.0])).requests
        3
        """
        return Tally(
            requests=self.requests + other.requests,
            matched=self.matched + other.matched,
            published=self.published + other.published,
            pairs=self.pairs + other.pairs,
            rematched=self.rematched + other.rematched,
            days=self.days + other.days,
        )

    def row(self, pair_columns: Sequence[str]) -> dict[str, int | float | None]:
        """The row's figures by column name (see :func:`figure_columns`).

        >>> Tally(requests=2, published=1, pairs=Counter(accepted=1)).row(["accepted"])
        {'requests': 2, 'matched': 0, 'published': 1, 'accepted': 1, 'rematched': 0, 'median_days_to_accept': None}
        """  # noqa: E501
        return {
            "requests": self.requests,
            "matched": self.matched,
            "published": self.published,
            **{name: self.pairs[name] for name in pair_columns},
            "rematched": self.rematched,
            "median_days_to_accept": self.median_days,
        }


@dataclass(frozen=True)
class CohortOutcomes:
    """One cohort's outcomes: ``total``, ``by_type`` and ``by_department`` (group -> tally)."""

    program: Program
    total: Tally
    by_type: dict[str, Tally]
    by_department: dict[str, Tally]

    def pooled(self) -> CohortOutcomes:
        """The outcomes as a viewer sees them: small departments pooled
        (:func:`pool_small_groups`)."""
        return CohortOutcomes(
            self.program, self.total, self.by_type, pool_small_groups(self.by_department)
        )

    def groups(self) -> Iterable[tuple[str, str, Tally]]:
        """Every row as (breakdown, group, tally), in the order of :data:`BREAKDOWNS`."""
        yield "all", "all", self.total
        yield from (("mentor type", k, t) for k, t in self.by_type.items())
        yield from (("department", k, t) for k, t in self.by_department.items())


def pool_small_groups(groups: dict[str, Tally], least: int = SMALL_GROUP) -> dict[str, Tally]:
    """``groups`` with every group of fewer than ``least`` requests pooled into one row,
    :data:`SMALL_GROUPS`, for admins who may not read the people (viewers): a department of
    two could name a person. When the pool itself is smaller than ``least``, the next
    smallest groups join it, so the cohort's total minus the rows shown never gives one small
    group's figures either.

    >>> pooled = pool_small_groups(
    ...     {"HR": Tally(requests=2), "Sales": Tally(requests=9), "IT": Tally(requests=6)}
    ... )
    >>> {group: tally.requests for group, tally in pooled.items()}
    {'Sales': 9, '(smaller groups, pooled)': 8}
    """
    by_size = sorted(groups.items(), key=lambda item: item[1].requests)
    pool, shown = (
        [t for _, t in by_size if t.requests < least],
        [(g, t) for g, t in by_size if t.requests >= least],
    )
    while pool and sum(t.requests for t in pool) < least and shown:
        pool.append(shown.pop(0)[1])
    kept = {g: groups[g] for g in groups if g in dict(shown)}
    if pool:
        kept[SMALL_GROUPS] = sum(pool[1:], pool[0])
    return kept


def figure_columns(outcomes: Iterable[CohortOutcomes]) -> list[str]:
    """The pair columns of ``outcomes``: every pair status, then any other value a
    :data:`PAIR_COLUMNS` function gave, in order of first appearance."""
    names = dict.fromkeys(status_column(status.value) for status in PairStatus)
    for outcome in outcomes:
        for _, _, tally in outcome.groups():
            names.update(dict.fromkeys(tally.pairs))
    return list(names)


def _department(text: str) -> str:
    return text or NO_DEPARTMENT


def _latest_run(program_id: int) -> int | None:
    return db.session.scalar(
        select(MatchRun.id)
        .where(MatchRun.program_id == program_id, MatchRun.status == RunStatus.DONE)
        .order_by(MatchRun.number.desc())
        .limit(1)
    )


def _days(since: datetime, until: datetime | None) -> float | None:
    """Days from ``since`` to ``until``, None without ``until``.

    >>> _days(datetime(2027, 1, 1), datetime(2027, 1, 2, 12))
    1.5
    """
    return None if until is None else (until - since).total_seconds() / 86400


def _fit_answers(program_id: int) -> dict[int, set[str]]:
    """The answers given to the first-meeting check of each of the program's pairs."""
    found: dict[int, set[str]] = {}
    rows = db.session.execute(
        select(Checkin.pair_id, Checkin.answer).where(
            Checkin.program_id == program_id, Checkin.answer.is_not(None)
        )
    )
    for pair_id, answer in rows:
        found.setdefault(pair_id, set()).add(answer)
    return found


def cohort_outcomes(program: Program) -> CohortOutcomes:
    """The outcomes of ``program`` (one cohort), counted now."""
    people = {
        p.email: p
        for p in db.session.scalars(select(Participant).where(Participant.program_id == program.id))
    }
    total = Tally()
    by_type = {t.value: Tally() for t in MentorType}
    by_department: dict[str, Tally] = {}

    def tallies(kind: str, mentee: str) -> list[Tally]:
        person = people.get(mentee)
        department = _department(person.department) if person else GONE
        return [
            total,
            by_type.setdefault(kind, Tally()),
            by_department.setdefault(department, Tally()),
        ]

    for person in people.values():
        for kind in requests_of(person.seeks):
            for tally in tallies(kind, person.email):
                tally.requests += 1
    if (run_id := _latest_run(program.id)) is not None:
        proposed = db.session.execute(
            select(ProposedMatch.mentee_email, ProposedMatch.mentor_type)
            .where(ProposedMatch.run_id == run_id)
            .distinct()
        )
        for mentee, kind in proposed:
            for tally in tallies(kind, mentee):
                tally.matched += 1
    per_request: Counter[tuple[str, str]] = Counter()
    fits = _fit_answers(program.id)
    for pair in db.session.scalars(select(Pair).where(Pair.program_id == program.id)):
        per_request[(pair.mentee_email, pair.mentor_type)] += 1
        columns = [name for column in PAIR_COLUMNS if (name := column(pair)) is not None]
        columns += [f"fit_{answer}" for answer in sorted(fits.get(pair.id, ()))]
        person = people.get(pair.mentee_email)
        days = None
        was_accepted = pair.settled_at is not None and pair.status != PairStatus.DECLINED
        if was_accepted and person is not None:
            days = _days(person.created_at, pair.settled_at)
        for tally in tallies(pair.mentor_type, pair.mentee_email):
            tally.published += 1
            tally.pairs.update(columns)
            if days is not None:
                tally.days.append(days)
    for (mentee, kind), count in per_request.items():
        if count > 1:
            for tally in tallies(kind, mentee):
                tally.rematched += 1
    return CohortOutcomes(
        program, total, by_type, dict(sorted(by_department.items(), key=lambda i: i[0].casefold()))
    )
