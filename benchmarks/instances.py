"""Explicit solver instances shared by mentorloom and OR-Tools, and the OR-Tools solve.

An instance is the edge list :func:`matcher.solver.solve` takes. Scores are correlated
("popular mentors"): each mentor has an appeal, and an edge's weight is mostly its mentor's
appeal plus noise, which is what makes naive top-k pruning lose optimality.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.solver import MAX_WEIGHT


@dataclass(frozen=True)
class Instance:
    """Edges ``(mentee, mentor, kind, weight)`` and per-mentor capacity."""

    name: str
    mentee: np.ndarray
    mentor: np.ndarray
    kind: np.ndarray
    weight: np.ndarray
    capacity: np.ndarray

    @property
    def size(self) -> str:
        return f"{len(self.mentee):,} edges"


def network(
    name: str,
    mentees: int,
    mentors: int,
    *,
    kinds: int,
    per_request: int,
    max_capacity: int,
    seed: int = 0,
) -> Instance:
    """Each mentee seeks 1 to ``kinds`` kinds, each with ``per_request`` random mentors.

    >>> len(network("t", 10, 5, kinds=2, per_request=3, max_capacity=2).mentee) > 0
    True
    """
    rng = np.random.default_rng(seed)
    appeal = rng.random(mentors) ** 3
    wants = rng.random((mentees, kinds)) < 0.6
    wants[np.arange(mentees), rng.integers(0, kinds, mentees)] = True
    request_mentee, request_kind = np.nonzero(wants)
    n_requests = len(request_mentee)
    per = min(per_request, mentors)
    picks = (
        np.argsort(rng.random((n_requests, mentors)), axis=1)[:, :per]
        if mentors <= 1000
        else (_sample_rows(rng, n_requests, mentors, per))
    )
    mentee = np.repeat(request_mentee, per)
    kind = np.repeat(request_kind, per)
    mentor = picks.ravel()
    noise = rng.random(len(mentee))
    weight = np.rint((0.7 * appeal[mentor] + 0.3 * noise) * MAX_WEIGHT).astype(np.int64)
    capacity = rng.integers(1, max_capacity + 1, mentors)
    return Instance(name, mentee, mentor, kind, weight, capacity)


def _sample_rows(rng: np.random.Generator, rows: int, n: int, k: int) -> np.ndarray:
    """``k`` distinct values below ``n`` per row (rejection of repeats, row by row vector)."""
    out = rng.integers(0, n, (rows, k))
    for _ in range(100):
        ordered = np.sort(out, axis=1)
        repeated = (np.diff(ordered, axis=1) == 0).any(axis=1)
        if not repeated.any():
            return out
        out[repeated] = rng.integers(0, n, (int(repeated.sum()), k))
    raise RuntimeError("could not draw distinct mentors")


def ortools_solve(inst: Instance) -> tuple[int, int]:
    """Coverage (most edges, then greatest weight) by OR-Tools ``SimpleMinCostFlow``.

    Network: source -> request (1) -> pair (1) -> mentor (capacity) -> sink, with a
    bypass source -> sink so that not every request must be filled; each edge costs
    ``-(big + weight)`` with ``big`` above any total weight, which ranks count first.
    Returns ``(count, total weight)``.
    """
    from ortools.graph.python import min_cost_flow

    request = np.unique(inst.mentee * (inst.kind.max() + 1) + inst.kind, return_inverse=True)[1]
    pair = np.unique(inst.mentee * len(inst.capacity) + inst.mentor, return_inverse=True)[1]
    n_requests, n_pairs, n_mentors = request.max() + 1, pair.max() + 1, len(inst.capacity)
    source, first_request = 0, 1
    first_pair = first_request + n_requests
    first_mentor = first_pair + n_pairs
    sink = first_mentor + n_mentors
    big = int(n_requests) * MAX_WEIGHT + 1
    pair_mentor = np.zeros(n_pairs, dtype=np.int64)
    pair_mentor[pair] = inst.mentor
    tails = np.concatenate(
        [
            np.zeros(n_requests, dtype=np.int64),
            first_request + request,
            first_pair + np.arange(n_pairs),
            first_mentor + np.arange(n_mentors),
            [source],
        ]
    )
    heads = np.concatenate(
        [
            first_request + np.arange(n_requests),
            first_pair + pair,
            first_mentor + pair_mentor,
            np.full(n_mentors, sink),
            [sink],
        ]
    )
    caps = np.concatenate(
        [
            np.ones(n_requests + len(pair) + n_pairs, dtype=np.int64),
            inst.capacity,
            [n_requests],
        ]
    )
    costs = np.concatenate(
        [
            np.zeros(n_requests, dtype=np.int64),
            -(big + inst.weight),
            np.zeros(n_pairs + n_mentors + 1, dtype=np.int64),
        ]
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(np.array([source, sink]), np.array([n_requests, -n_requests]))
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("OR-Tools did not reach an optimum")
    used = flow.flows(arcs)[n_requests : n_requests + len(pair)] > 0
    return int(used.sum()), int(inst.weight[used].sum())
