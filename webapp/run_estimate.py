"""How long a running match run has left: an estimate from the earlier runs of the site.

A run's time grows with its cohort about as ``people ** GROWTH`` (docs/performance.md), so
each finished run of the same kind gives a rate, seconds per ``people ** GROWTH`` (without
the one-time compiling of the engine, which later runs skip). The median rate of the
program's own latest runs, or else of the site's, times the running cohort's size is the
estimate of the whole run; the run page shows what is left of it as the run goes.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from webapp.db import db
from webapp.models import JobStatus, Participant, utcnow
from webapp.run_models import MatchRun

#: Time grows as people to this power (the growth exponent measured by benchmarks.run).
GROWTH = 1.3
#: The most earlier runs an estimate reads: the program's own, or else the site's latest.
HISTORY = 10


def duration_words(seconds: float) -> str:
    """A duration in words, rounded to what a person waiting cares about.

    >>> [duration_words(s) for s in (0.4, 12.6, 59.6, 61, 135, 3725)]
    ['1 s', '13 s', '1 min', '1 min', '2 min 15 s', '62 min']
    """
    whole = max(1, round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    if minutes >= 10:
        return f"{round(whole / 60)} min"
    rest = rest // 5 * 5
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


@dataclass(frozen=True)
class Estimate:
    """A running run's time so far and, when earlier runs tell, its expected whole time."""

    elapsed: float
    """Seconds since a worker started the run."""
    expected: float | None
    """Seconds the whole run is expected to take; None without an earlier run to go by."""
    basis: str
    """What the estimate goes by, in words ("this program's earlier runs")."""

    def words(self) -> str:
        """The estimate as the run page says it.

        >>> Estimate(12, 42, "this program's earlier runs").words()
        "Running for 12 s: about 30 s left, going by this program's earlier runs."
        >>> Estimate(50, 40, "earlier runs on this site").words()
        'Running for 50 s: longer than earlier runs on this site suggested (about 40 s).'
        >>> Estimate(3, None, "").words()
        'Running for 3 s. The first finished run will give later runs an estimate.'
        """
        ran = f"Running for {duration_words(self.elapsed)}"
        if self.expected is None:
            return f"{ran}. The first finished run will give later runs an estimate."
        left = self.expected - self.elapsed
        if left < 1:
            return (
                f"{ran}: longer than {self.basis} suggested "
                f"(about {duration_words(self.expected)})."
            )
        return f"{ran}: about {duration_words(left)} left, going by {self.basis}."


def expected_seconds(people: int, earlier: Sequence[tuple[int, float]]) -> float | None:
    """The expected seconds of a run of ``people``, from earlier runs' ``(people, seconds)``:
    the median of their seconds per ``people ** GROWTH``, times this run's ``people ** GROWTH``.

    >>> round(expected_seconds(2000, [(1000, 10.0), (1000, 12.0), (4000, 80.0)]), 1)
    29.5
    >>> expected_seconds(2000, []) is None
    True
    """
    rates = [seconds / max(n, 1) ** GROWTH for n, seconds in earlier]
    if not rates:
        return None
    return statistics.median(rates) * max(people, 1) ** GROWTH


def _earlier_runs(run: MatchRun, same_program: bool) -> list[tuple[int, float]]:
    """``(people, seconds)`` of the latest finished runs of ``run``'s kind."""
    query = (
        select(MatchRun.summary, MatchRun.started_at, MatchRun.finished_at)
        .where(
            MatchRun.status == JobStatus.DONE,
            MatchRun.kind == run.kind,
            MatchRun.started_at.is_not(None),
            MatchRun.finished_at.is_not(None),
            MatchRun.id != run.id,
        )
        .order_by(MatchRun.id.desc())
        .limit(HISTORY)
    )
    if same_program:
        query = query.where(MatchRun.program_id == run.program_id)
    found = []
    for summary, started, finished in db.session.execute(query):
        people = sum((summary or {}).get("people", {}).values())
        compiling = (summary or {}).get("timings", {}).get("compile", 0.0)
        seconds = (finished - started).total_seconds() - compiling
        if people and seconds > 0:
            found.append((people, seconds))
    return found


def run_estimate(run: MatchRun) -> Estimate | None:
    """The estimate of a running run (None while it waits for a worker or has finished)."""
    if run.status != JobStatus.RUNNING or run.started_at is None:
        return None
    elapsed = (utcnow() - run.started_at).total_seconds()
    people = db.session.scalar(
        select(func.count())
        .select_from(Participant)
        .where(Participant.program_id == run.program_id)
    )
    bases = ((True, "this program's earlier runs"), (False, "earlier runs on this site"))
    for same_program, basis in bases:
        earlier = _earlier_runs(run, same_program)
        if earlier:
            return Estimate(elapsed, expected_seconds(people or 0, earlier), basis)
    return Estimate(elapsed, None, "")
