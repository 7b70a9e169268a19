"""The figures a run stores for its dashboard and its unmatched page.

:func:`run_figures` reads the participants and the proposal once, when the run finishes,
and returns plain JSON: the core's :class:`matcher.Summary` counts, people per type
offered and sought, how full mentors are, the score histogram, the share of
cross-department and cross-generation pairs, the core's supply gaps behind open
requests (:func:`matcher.supply_gaps`, :func:`matcher.missing_offers`), and, when a mentee
picked mentors, how the run honoured the picks (:func:`matcher.picks_report`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from matcher import (
    MentorType,
    Participant,
    Proposal,
    missing_offers,
    normalize,
    summarize,
    supply_gaps,
)

#: Width of one bar of the score histogram (scores are 0-100).
SCORE_BIN = 10


def score_bins(scores: Sequence[float]) -> list[int]:
    """Count scores in bins of ``SCORE_BIN`` points (the last bin includes 100).

    >>> score_bins([0, 9.9, 10, 100])
    [2, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    """
    bins = [0] * (100 // SCORE_BIN)
    for value in scores:
        bins[min(int(value // SCORE_BIN), len(bins) - 1)] += 1
    return bins


def _cross_share(pairs: list[tuple[str, str]]) -> dict[str, int]:
    """How many pairs have both values known, and how many of those differ."""
    known = [(a, b) for a, b in pairs if a and b]
    return {"known": len(known), "cross": sum(a != b for a, b in known)}


def run_figures(people: Sequence[Participant], proposal: Proposal) -> dict[str, Any]:
    """Every figure the dashboard and the unmatched page show, as JSON-ready data."""
    summary = summarize(people, proposal, config=proposal.config)
    matches = proposal.matches
    by_email = {p.email: p for p in people}
    load = Counter(matches["mentor_email"].tolist())
    mentors = [p for p in people if p.is_mentor]
    fullness = Counter(
        "unused" if not load[p.email] else "full" if load[p.email] >= p.capacity else "partly"
        for p in mentors
    )
    pairs = [
        (by_email[mentee], by_email[mentor])
        for mentee, mentor in zip(
            matches["mentee_email"].tolist(), matches["mentor_email"].tolist(), strict=True
        )
        if mentee in by_email and mentor in by_email
    ]
    department = {p.department: normalize(p.department) for p in people}  # once per name
    return {
        "people": dict(summary.people),
        "offered": {t.value: sum(t in p.offers for p in mentors) for t in MentorType},
        "requested": dict(summary.requested),
        "filled": dict(summary.filled),
        "assigned": summary.assigned,
        "capacity": summary.capacity,
        "mentors": {k: fullness[k] for k in ("unused", "partly", "full")},
        "lowest_score": summary.lowest_score,
        "median_score": summary.median_score,
        "score_bins": score_bins(matches["score"].astype(float).tolist()),
        "cross_department": _cross_share(
            [(department[e.department], department[m.department]) for e, m in pairs]
        ),
        "cross_generation": _cross_share(
            [
                (
                    e.generation.value if e.generation else "",
                    m.generation.value if m.generation else "",
                )
                for e, m in pairs
            ]
        ),
        "timings": {k: round(v, 3) for k, v in summary.timings.items()},
        "gaps": supply_gaps(people, matches, proposal.unmatched),
        "missing": missing_offers(people, proposal.unmatched),
        "picks": asdict(summary.picks) if summary.picks else None,
    }
