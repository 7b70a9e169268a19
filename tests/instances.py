"""Solver problems as plain lists, for the solver, flow and pruning tests.

An :class:`Instance` holds the candidate triples, weights, capacities and locks that
:func:`matcher.solver.solve` takes, solves itself, scores a choice by an objective and checks
a choice against every rule without the solver's own checker. The random generators that
build instances are in :mod:`tests.strategies`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.solver import MAX_WEIGHT, solve

NO_EDGE_LOW = MAX_WEIGHT + 1  # the "lowest weight" of a choice without non-locked edges


@dataclass(frozen=True)
class Instance:
    """A matching problem as the solver takes it, with plain lists for readable failures."""

    mentee: list[int]
    mentor: list[int]
    kind: list[int]
    weight: list[int]
    capacity: list[int]
    locked: list[bool]

    def solve(self, objective: str = "coverage", method: str = "auto") -> np.ndarray:
        return solve(
            self.mentee,
            self.mentor,
            self.kind,
            self.weight,
            self.capacity,
            objective=objective,
            locked=np.array(self.locked, dtype=bool),
            method=method,
        )

    def value(self, chosen: Any, objective: str) -> tuple[int, ...]:
        """The lexicographic objective tuple of a choice (greater is better)."""
        chosen = list(chosen)
        count = sum(chosen)
        total = sum(w for w, c in zip(self.weight, chosen, strict=True) if c)
        low = min(
            (w for w, c, lk in zip(self.weight, chosen, self.locked, strict=True) if c and not lk),
            default=NO_EDGE_LOW,
        )
        return objective_key(objective, count, total, low)

    def assert_valid(self, chosen: Any) -> None:
        """Check every rule independently of the solver's own checker."""
        picked = [k for k, c in enumerate(chosen) if c]
        per_mentor = Counter(self.mentor[k] for k in picked)
        assert all(n <= self.capacity[j] for j, n in per_mentor.items()), per_mentor
        per_request = Counter((self.mentee[k], self.kind[k]) for k in picked)
        assert max(per_request.values(), default=0) <= 1, per_request
        per_pair = Counter((self.mentee[k], self.mentor[k]) for k in picked)
        assert max(per_pair.values(), default=0) <= 1, per_pair
        assert all(chosen[k] for k, lk in enumerate(self.locked) if lk)


def objective_key(objective: str, count: int, total: int, low: int) -> tuple[int, ...]:
    """Order choices by an objective: (count, total), (total, count) or (count, low, total)."""
    return {
        "coverage": (count, total),
        "quality": (total, count),
        "fairness": (count, low, total),
    }[objective]


def consistent_locks(mentee, mentor, kind, capacity, wishes) -> list[bool]:
    """Keep the wished locks, in order, that do not conflict with those kept before."""
    room = list(capacity)
    requests: set[tuple[int, int]] = set()
    pairs: set[tuple[int, int]] = set()
    locked = []
    for e, m, t, wish in zip(mentee, mentor, kind, wishes, strict=True):
        keep = bool(wish) and room[m] > 0 and (e, t) not in requests and (e, m) not in pairs
        if keep:
            room[m] -= 1
            requests.add((e, t))
            pairs.add((e, m))
        locked.append(keep)
    return locked
