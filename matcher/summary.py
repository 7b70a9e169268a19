"""The numbers an admin looks at after a matching run, and their text table.

:func:`summarize` counts people by role, requests and filled requests per mentor type,
mentor utilisation (places used out of the total capacity), the lowest and median score
and the wall time of each step. The command line prints :meth:`Summary.to_text`; the web
dashboard reads the same fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from matcher.config import ProgramConfig
from matcher.picks import PicksReport, picks_report
from matcher.schema import MentorType, Participant, Role

STEPS: tuple[str, ...] = ("read", "compile", "rules", "scores", "solve", "explain", "write")
"""Pipeline steps in the order they run. Timings of other names are parts of these (pricing
is part of the solve): they are listed after the total and not added to it."""


class ProposalLike(Protocol):
    """What :func:`summarize` reads from a proposal (``matcher.proposal.Proposal``)."""

    matches: pd.DataFrame
    timings: dict[str, float]


@dataclass(frozen=True)
class Summary:
    """Counts and timings of one matching run.

    ``people`` is keyed by role, ``requested`` and ``filled`` by mentor type (all four
    types always present), ``timings`` by step name in seconds.
    """

    people: Mapping[str, int]
    requested: Mapping[str, int]
    filled: Mapping[str, int]
    assigned: int
    capacity: int
    lowest_score: float | None
    median_score: float | None
    timings: Mapping[str, float] = field(default_factory=dict)
    picks: PicksReport | None = None
    """How the picks were honoured (:func:`matcher.picks.picks_report`), when anyone picked."""

    @property
    def utilisation(self) -> float:
        """Share of mentor places used, 0 when no mentor has room.

        >>> Summary(
        ...     {}, {}, {}, assigned=3, capacity=4, lowest_score=None, median_score=None
        ... ).utilisation
        0.75
        """
        return self.assigned / self.capacity if self.capacity else 0.0

    def with_timings(self, **seconds: float) -> Summary:
        """Return a copy with more step timings (e.g. ``read`` and ``write`` from the CLI).

        >>> s = Summary({}, {}, {}, 0, 0, None, None, {"solve": 1.0})
        >>> dict(s.with_timings(read=0.5).timings)
        {'solve': 1.0, 'read': 0.5}
        """
        return Summary(
            self.people,
            self.requested,
            self.filled,
            self.assigned,
            self.capacity,
            self.lowest_score,
            self.median_score,
            {**self.timings, **seconds},
            self.picks,
        )

    def to_text(self) -> str:
        """Render the summary as an aligned plain-text table.

        >>> s = Summary(
        ...     {"mentee": 2, "mentor": 1, "both": 0},
        ...     {"developmental": 2},
        ...     {"developmental": 1},
        ...     assigned=1,
        ...     capacity=2,
        ...     lowest_score=61.5,
        ...     median_score=61.5,
        ...     timings={"solve": 0.03, "pricing": 0.01, "write": 0.02},
        ... )
        >>> print(s.to_text())
        people                 3
          mentee               2
          mentor               1
          both                 0
        <BLANKLINE>
        requests       requested  filled       %
          developmental        2       1   50.0%
          total                2       1   50.0%
        <BLANKLINE>
        mentor places  1 of 2 used (50.0%)
        scores         lowest 61.50, median 61.50
        <BLANKLINE>
        wall time        seconds
          solve             0.03
          write             0.02
          total             0.05
          pricing           0.01
        """
        width = 15
        lines = [f"{'people':<{width}}{sum(self.people.values()):>9}"]
        lines += [f"  {role:<{width - 2}}{count:>9}" for role, count in self.people.items()]
        lines += ["", f"{'requests':<{width}}{'requested':>9}{'filled':>8}{'%':>8}"]
        for name, requested in [*self.requested.items(), ("total", sum(self.requested.values()))]:
            filled = self.filled.get(name, 0) if name != "total" else sum(self.filled.values())
            lines.append(
                f"  {name:<{width - 2}}{requested:>9}{filled:>8}{_percent(filled, requested):>8}"
            )
        used = f"{self.assigned} of {self.capacity} used ({_percent(self.assigned, self.capacity)})"
        lines += ["", f"{'mentor places':<{width}}{used}"]
        if self.lowest_score is None or self.median_score is None:
            lines.append(f"{'scores':<{width}}no matches")
        else:
            scores = f"lowest {self.lowest_score:.2f}, median {self.median_score:.2f}"
            lines.append(f"{'scores':<{width}}{scores}")
        if self.picks is not None:
            lines += ["", self.picks.to_text()]
        if self.timings:
            lines += ["", f"{'wall time':<{width}}{'seconds':>9}"]
            steps = {s: self.timings[s] for s in STEPS if s in self.timings}
            parts = {s: t for s, t in self.timings.items() if s not in STEPS}
            for step, seconds in {**steps, "total": sum(steps.values()), **parts}.items():
                lines.append(f"  {step:<{width - 2}}{seconds:>9.2f}")
        return "\n".join(lines)


def _percent(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole`` with one decimal, ``-`` when whole is 0."""
    return f"{100 * part / whole:.1f}%" if whole else "-"


def summarize(
    participants: Sequence[Participant],
    proposal: ProposalLike,
    config: ProgramConfig | None = None,
) -> Summary:
    """Count people, requests, filled requests, used places and scores of a proposal.

    Parameters
    ----------
    participants
        The participants that were matched.
    proposal
        A :class:`matcher.proposal.Proposal` (anything with ``matches`` and ``timings``).
    config
        The run's config: with it, and when a mentee picked, :attr:`Summary.picks` is set.

    Returns
    -------
    Summary

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=(MentorType.EXPERTISE,))
    >>> bo = Participant("bo@x.org", "Bo", Role.MENTOR, offers=(MentorType.EXPERTISE,), capacity=2)
    >>> matches = pd.DataFrame(
    ...     {"mentor_email": ["bo@x.org"], "mentor_type": ["expertise"], "score": [72.0]}
    ... )
    >>> s = summarize([ana, bo], SimpleNamespace(matches=matches, timings={}))
    >>> s.requested["expertise"], s.filled["expertise"], s.utilisation
    (1, 1, 0.5)
    """
    people = {role.value: sum(p.role == role for p in participants) for role in Role}
    requested = {
        t.value: sum(p.is_mentee and t in p.seeks for p in participants) for t in MentorType
    }
    matches = proposal.matches
    by_type = matches["mentor_type"].astype(str).value_counts()
    filled = {t.value: int(by_type.get(t.value, 0)) for t in MentorType}
    capacity = sum(p.capacity for p in participants if p.is_mentor)
    scores = matches["score"].astype(float)
    return Summary(
        people=people,
        requested=requested,
        filled=filled,
        assigned=len(matches),
        capacity=capacity,
        lowest_score=float(scores.min()) if len(scores) else None,
        median_score=float(scores.median()) if len(scores) else None,
        timings=dict(proposal.timings),
        picks=(
            picks_report(participants, matches, config)
            if config is not None and any(p.preferred_mentors for p in participants)
            else None
        ),
    )
