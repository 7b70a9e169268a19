"""A run with decisions as a repair of the run without them.

On a pruned candidate set (large cohorts), :func:`matcher.engine.propose` with admin
decisions (rejections, locks) first solves the cohort with no decision
(:func:`matcher.pruning.certified_flow`: a :class:`~matcher.pruning.Certified` flow that
depends only on the participants and the config), then repairs that flow for the
decisions (:func:`repaired_start`): rejected and locked triples, the other triples of
locked requests and pairs, and the places locks take are taken out with
:func:`matcher.flow.repair_flow`, and the certified rounds go on from the repaired flow
against every triple the decisions allow. The result is certified optimal as any run;
among equally good matchings it is the one this repair reaches, so a re-run
(:mod:`matcher.warm`) that keeps the first part gets the same output as a run from
scratch by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from matcher.candidates import lookup
from matcher.flow import WarmStart, repair_flow
from matcher.frames import triple_keys
from matcher.graph import free_graph
from matcher.pricing import Record
from matcher.pruning import Certified, Edges

__all__ = ["Repaired", "Settled", "repaired_start"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass
class Settled:
    """The certified flow of a run with no decision (None until a run found it) and the
    cells its pricer recorded (:class:`~matcher.pricing.Record`, None when it kept none):
    kept by a run, and by :class:`matcher.warm.WarmState` between runs.

    >>> Settled(None).certified is None
    True
    """

    certified: Certified | None
    record: Record | None = None


@dataclass(frozen=True)
class Repaired:
    """The subset a run with decisions starts from: ``edges`` (the settled subset without
    the rejected triples, then locked triples it lacked), the mask of the ``locked`` ones,
    and ``start``, the repaired flow over its choosable edges."""

    edges: Edges
    locked: BoolArray
    start: WarmStart


def repaired_start(
    settled: Certified,
    rejected: Edges,
    locks: Edges,
    capacity: IntArray,
    *,
    compiled: bool = True,
) -> Repaired:
    """The settled flow repaired for the decisions: the subset and flow a run with them
    starts its certified rounds from.

    Parameters
    ----------
    settled
        The certified flow of the run with no decision (its ``warm`` is not None).
    rejected
        The rejected triples (their weights are not read).
    locks
        The locked triples with their weights.
    capacity
        Places per person (mentor and mentee indices are below its length).
    compiled
        As for :func:`matcher.flow.repair_flow`.

    Returns
    -------
    Repaired

    Examples
    --------
    Mentor 0 has one place; mentee 0 (weight 90) had it and mentee 1 (80) did not. Once
    the pair 0 -> 0 is rejected, mentee 1 has the place:

    >>> from matcher.pruning import ExplicitPricer, certified_flow
    >>> every = Edges.of([0, 1], [0, 0], [0, 0], [90, 80])
    >>> shape = dict(objective="coverage", shape=(2, 1), requests=2, compiled=False)
    >>> settled = certified_flow(
    ...     every,
    ...     np.array([1, 0]),
    ...     ExplicitPricer(every.take(np.zeros(2, bool))),
    ...     locked=np.zeros(2, bool),
    ...     **shape,
    ... )
    >>> settled.chosen.tolist()
    [True, False]
    >>> none = Edges.of([], [], [], [])
    >>> repaired = repaired_start(settled, every.take([0]), none, np.array([1, 0]), compiled=False)
    >>> repaired.edges.mentee.tolist(), repaired.start.chosen.tolist()
    ([1], [True])
    """
    warm = settled.warm
    if warm is None:
        raise ValueError("a repair needs the settled flow's state")
    edges, n = settled.edges, len(capacity)
    keys, lock_keys = _keys(edges, n), _keys(locks, n)
    kept = ~_among(keys, _keys(rejected, n))
    have = np.isin(lock_keys, keys[kept & _among(keys, lock_keys)])  # a few locks
    subset = Edges.concat([edges.take(kept), locks.take(~have)])
    locked = _among(_keys(subset, n), lock_keys)
    # what free_graph leaves choosable in the subset, on the settled edges
    room = capacity - np.bincount(locks.mentor, minlength=n)
    filled = _among(_keys(edges, 1, by_request=True), _keys(locks, 1, by_request=True))
    paired = _among(edges.mentee * n + edges.mentor, locks.mentee * n + locks.mentor)
    stays = kept & ~filled & ~paired & (room[edges.mentor] > 0)
    base_free, base = free_graph(*edges.columns(), capacity, np.zeros(len(edges), dtype=bool))
    start = repair_flow(
        base.request,
        base.pair,
        base.mentor,
        base.capacity,
        warm,
        ~stays[base_free],
        filled[base_free],
        room,
        compiled=compiled,
    )
    return Repaired(subset, locked, start)


def _among(keys: IntArray, few: IntArray) -> BoolArray:
    """Whether each of ``keys`` is one of ``few`` (binary search: ``np.isin`` sorts or
    hashes all of ``keys``)."""
    return lookup(np.unique(few), keys)[0]


def _keys(edges: Edges, n: int, by_request: bool = False) -> IntArray:
    """Triples (or with ``by_request`` their requests) as one number each, for a cohort of
    ``n`` people (:func:`matcher.frames.triple_keys`)."""
    mentor = np.zeros_like(edges.mentor) if by_request else edges.mentor
    return triple_keys(n, edges.mentee, mentor, edges.kind)
