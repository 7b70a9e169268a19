"""Optimal choice of candidate edges: capacitated assignment and the developmental network.

A candidate edge ``k`` is a triple ``(mentee[k], mentor[k], kind[k])`` with an integer
``weight[k]`` (a score in hundredths of a point). A valid choice of edges gives

1. each mentor ``j`` at most ``capacity[j]`` edges, over all kinds;
2. each ``(mentee, kind)`` request at most one edge;
3. each ``(mentee, mentor)`` pair at most one edge (a mentee's mentors are distinct people);
4. every ``locked`` edge.

:func:`solve` picks the best valid choice for an objective, exactly (integers throughout):

- ``"coverage"``: the most edges; among those, the greatest total weight;
- ``"quality"``: the greatest total weight; among those, the most edges;
- ``"fairness"``: as many edges as coverage; among those, the greatest lowest weight of a
  chosen non-locked edge; then the greatest total weight.

Two methods reach the same optimum values:

- ``"flow"`` (general): the min-cost flow source → request → pair → mentor → sink, solved
  by the compiled successive-shortest-path algorithm of :mod:`matcher.flow` on integer
  gains that rank the objectives lexicographically (coverage: ``big + weight`` with
  ``big`` above any total weight; quality: ``(R + 1) * weight + 1``). Integers
  throughout, so the optimum is exact.
- ``"assignment"`` (when no pair has two edges, so rule 3 holds by itself): requests are
  matched to mentor slots (mentor ``j`` becomes ``capacity[j]`` columns) with
  :func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`; each request also has a
  private "stay unmatched" column. Costs are integers far below ``2**53``, so an integer
  big-M ranks the objectives exactly.

``"auto"`` takes the assignment when it applies, otherwise the flow; on dense graphs
(more than :data:`DENSE_DEGREE` edges per request) it first solves the assignment anyway,
ignoring rule 3, and keeps that answer when no mentee got the same mentor twice (it is
then optimal), because the assignment handles long rows faster than the flow.

Both share the rest: locked edges are set aside first (they use up their mentor's room,
request and pair), and fairness keeps only the edges weighing at least the highest
threshold that still lets the best count be reached (binary search over the distinct
weights with exact maximum flows), then solves coverage on them. Both steps are the
graph helpers of :mod:`matcher.graph` (:func:`~matcher.graph.free_graph`,
:func:`~matcher.graph.fair_floor`), which :mod:`matcher.pruning` shares.

Ties between equally good choices are broken by the deterministic solver itself: the same
arrays in the same order always give the same answer, so callers who want a result that
does not depend on input order pass the edges in a canonical order.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from matcher.config import MAX_PRIORITY_BONUS, OBJECTIVES, Objective
from matcher.errors import SolveError
from matcher.flow import max_gain_flow
from matcher.graph import Graph, fair_floor, free_graph, group, max_count

__all__ = [
    "MAX_WEIGHT",
    "METHODS",
    "assignment_issue",
    "check_solution",
    "pick_method",
    "solve",
    "total_weight",
]

Method = Literal["auto", "flow", "assignment"]
METHODS: tuple[str, ...] = ("auto", "flow", "assignment")

#: Largest accepted edge weight, in hundredths: a score of 100.00 points plus the largest
#: priority bonus (:data:`matcher.config.MAX_PRIORITY_BONUS`).
MAX_WEIGHT = round(100 * (100 + MAX_PRIORITY_BONUS))
#: Edges per request above which ``"auto"`` tries the relaxed assignment before the flow.
DENSE_DEGREE = 64

_EXACT_LIMIT = 2**53  # float64 holds every integer below this exactly

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def solve(
    mentee: ArrayLike,
    mentor: ArrayLike,
    kind: ArrayLike,
    weight: ArrayLike,
    capacity: ArrayLike,
    *,
    objective: Objective = "coverage",
    locked: ArrayLike | None = None,
    method: Method = "auto",
    compiled: bool = True,
) -> BoolArray:
    """Choose the best valid set of candidate edges.

    Parameters
    ----------
    mentee, mentor, kind
        Integer arrays of length K: edge ``k`` offers mentor ``mentor[k]`` (an index into
        ``capacity``) to mentee ``mentee[k]`` as a mentor of kind ``kind[k]``. Indices are
        ``>= 0`` and no triple appears twice.
    weight
        Integer array of length K, ``0 <= weight <= MAX_WEIGHT`` (hundredths of a point).
    capacity
        Integer array of length M: the most edges each mentor may get, ``>= 0``.
    objective
        ``"coverage"``, ``"quality"`` or ``"fairness"`` (see the module docstring).
    locked
        Boolean mask of length K of edges that must be chosen, or None.
    method
        ``"flow"``, ``"assignment"`` (only when, once the locked edges are set aside, no
        (mentee, mentor) pair has two choosable edges) or ``"auto"`` (assignment when it
        applies, else flow). All give the same objective values; among equally good
        choices each returns its own, always the same for the same arrays.
    compiled
        Solve flows with the compiled kernel, else with its plain Python (see
        :func:`matcher.flow.max_gain_flow`); the choice is the same.

    Returns
    -------
    numpy.ndarray
        Boolean mask of length K of the chosen edges.

    Raises
    ------
    ValueError
        If the arrays are malformed, or a name or method does not apply.
    SolveError
        If the locked edges cannot all hold; the message names them and the rule they break.

    Examples
    --------
    Mentees 0 and 1 want a mentor of kind 0; mentors 0 and 1 have room for one each, and
    mentee 1 can only take mentor 0.

    >>> edges = dict(mentee=[0, 0, 1], mentor=[0, 1, 0], kind=[0, 0, 0], weight=[100, 10, 20])
    >>> solve(**edges, capacity=[1, 1])
    array([False,  True,  True])
    >>> solve(**edges, capacity=[1, 1], objective="quality")
    array([ True, False, False])
    >>> solve(**edges, capacity=[1, 1], locked=[False, True, False], method="flow")
    array([False,  True,  True])
    """
    mentee_, mentor_, kind_, weight_, capacity_, locked_ = _validated(
        mentee, mentor, kind, weight, capacity, locked
    )
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}; got {objective!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    conflicts = _violations(mentee_, mentor_, kind_, capacity_, locked_)
    if conflicts:
        raise SolveError("the locked edges cannot all hold: " + "; ".join(conflicts))
    free, graph = free_graph(mentee_, mentor_, kind_, weight_, capacity_, locked_)
    chosen = locked_.copy()
    solver = _method_solver(pick_method(graph, objective, method), compiled)
    chosen[free] = _solve_objective(graph, objective, solver, compiled)
    return chosen


def total_weight(weight: ArrayLike, chosen: ArrayLike) -> int:
    """Return the exact total weight of the chosen edges.

    Examples
    --------
    >>> total_weight([90, 80, 70], [False, True, True])
    150
    """
    return int(np.asarray(weight, dtype=np.int64)[np.asarray(chosen, dtype=bool)].sum())


def check_solution(
    mentee: ArrayLike,
    mentor: ArrayLike,
    kind: ArrayLike,
    capacity: ArrayLike,
    chosen: ArrayLike,
    *,
    locked: ArrayLike | None = None,
) -> list[str]:
    """List, in words, every rule a choice of edges breaks (empty when it is valid).

    Examples
    --------
    >>> check_solution([0, 0], [0, 1], [0, 0], [1, 1], [True, True])
    ['edges 0, 1 give mentee 0 more than one mentor of kind 0']
    >>> check_solution([0, 0], [0, 1], [0, 0], [1, 1], [False, True], locked=[True, False])
    ['locked edges 0 are not chosen']
    """
    zeros = np.zeros(len(np.asarray(mentee)), dtype=np.int64)
    mentee_, mentor_, kind_, _, capacity_, locked_ = _validated(
        mentee, mentor, kind, zeros, capacity, locked
    )
    chosen_ = _as_mask("chosen", chosen, len(mentee_))
    problems = _violations(mentee_, mentor_, kind_, capacity_, chosen_)
    dropped = np.flatnonzero(locked_ & ~chosen_)
    if dropped.size:
        problems.append(f"locked edges {_join(dropped)} are not chosen")
    return problems


# --- input checks -------------------------------------------------------------------------


def _validated(
    mentee: ArrayLike,
    mentor: ArrayLike,
    kind: ArrayLike,
    weight: ArrayLike,
    capacity: ArrayLike,
    locked: ArrayLike | None,
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, BoolArray]:
    """Return the inputs as int64 / bool arrays, or raise a ValueError naming the fault."""
    edges = {"mentee": mentee, "mentor": mentor, "kind": kind, "weight": weight}
    mentee_, mentor_, kind_, weight_ = (_as_counts(name, v) for name, v in edges.items())
    lengths = {"mentee": len(mentee_), "mentor": len(mentor_), "kind": len(kind_)}
    lengths["weight"] = len(weight_)
    if len(set(lengths.values())) > 1:
        raise ValueError(f"edge arrays must have the same length; got {lengths}")
    capacity_ = _as_counts("capacity", capacity)
    _check_below("weight", weight_, MAX_WEIGHT + 1, "MAX_WEIGHT + 1")
    _check_below("mentor", mentor_, len(capacity_), "len(capacity)")
    _check_unique(mentee_, mentor_, kind_)
    return mentee_, mentor_, kind_, weight_, capacity_, _as_mask("locked", locked, len(mentee_))


def _as_counts(name: str, values: ArrayLike) -> IntArray:
    """Return ``values`` as a 1-D int64 array of non-negative whole numbers."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {array.shape}")
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    whole = array.dtype.kind in "iu" or (
        array.dtype.kind == "f" and bool(np.all(np.isfinite(array) & (array == np.round(array))))
    )
    if not whole:
        raise ValueError(f"{name} must hold whole numbers; got dtype {array.dtype}")
    negative = np.flatnonzero(array < 0)
    if negative.size:
        at = negative[0]
        raise ValueError(f"{name} must be >= 0; got {name}[{at}] = {array[at]}")
    return array.astype(np.int64)


def _check_below(name: str, values: IntArray, limit: int, limit_name: str) -> None:
    """Raise a ValueError naming the first entry of ``values`` that is not below ``limit``."""
    too_big = np.flatnonzero(values >= limit)
    if too_big.size:
        at = too_big[0]
        raise ValueError(f"{name}[{at}] = {values[at]} must be < {limit_name} = {limit}")


def _check_unique(mentee: IntArray, mentor: IntArray, kind: IntArray) -> None:
    """Raise a ValueError naming two edges with the same (mentee, mentor, kind)."""
    triple = group(mentee, mentor, kind)
    repeated = np.flatnonzero(np.bincount(triple) > 1)
    if repeated.size:
        first, second = np.flatnonzero(triple == repeated[0])[:2]
        raise ValueError(
            f"duplicate edge (mentee {mentee[first]}, mentor {mentor[first]}, kind {kind[first]}) "
            f"at indices {first} and {second}"
        )


def _as_mask(name: str, values: ArrayLike | None, length: int) -> BoolArray:
    """Return ``values`` as a boolean mask of ``length`` (all false when None)."""
    if values is None:
        return np.zeros(length, dtype=bool)
    array = np.asarray(values)
    if array.shape != (length,):
        raise ValueError(f"{name} must be a mask of shape ({length},); got shape {array.shape}")
    if length and array.dtype != bool:
        raise ValueError(f"{name} must be a boolean mask; got dtype {array.dtype}")
    return array.astype(bool)


# --- the rules ------------------------------------------------------------------------------


def _crowded(group: IntArray, limit: int | IntArray) -> list[IntArray]:
    """Return, per group holding more than its ``limit`` members, the positions of them."""
    ids, counts = np.unique(group, return_counts=True)
    bound = limit[ids] if isinstance(limit, np.ndarray) else limit
    return [np.flatnonzero(group == g) for g in ids[counts > bound]]


def _join(indices: IntArray) -> str:
    return ", ".join(str(i) for i in indices)


def _violations(
    mentee: IntArray, mentor: IntArray, kind: IntArray, capacity: IntArray, chosen: BoolArray
) -> list[str]:
    """Describe every rule (one per kind, distinct mentors, capacity) ``chosen`` breaks."""
    at = np.flatnonzero(chosen)
    e, m, t = mentee[at], mentor[at], kind[at]
    problems = [
        f"edges {_join(at[p])} give mentee {e[p[0]]} more than one mentor of kind {t[p[0]]}"
        for p in _crowded(group(e, t), 1)
    ]
    problems += [
        f"edges {_join(at[p])} pair mentee {e[p[0]]} with mentor {m[p[0]]} more than once"
        for p in _crowded(group(e, m), 1)
    ]
    problems += [
        f"edges {_join(at[p])} give mentor {m[p[0]]} {len(p)} mentees, "
        f"over its capacity of {capacity[m[p[0]]]}"
        for p in _crowded(m, capacity)
    ]
    return problems


# --- objectives -----------------------------------------------------------------------------


def pick_method(graph: Graph, objective: Objective, method: Method) -> str:
    """The method :func:`solve` uses for ``method`` on ``graph``: ``"auto"`` resolved.

    ``"auto"`` takes the assignment when it applies (:func:`assignment_issue`). Otherwise
    dense graphs (more than :data:`DENSE_DEGREE` edges per request) try the relaxed
    assignment first (see :func:`_solve_relaxed`), which handles long rows faster than the
    flow's searches; sparse ones go straight to the flow.

    Parameters
    ----------
    graph
        The choosable edges (see :func:`matcher.graph.free_graph`).
    objective
        One of :data:`matcher.config.OBJECTIVES`.
    method
        One of :data:`METHODS`.

    Returns
    -------
    str
        ``"assignment"``, ``"relaxed"`` or ``"flow"``.

    Raises
    ------
    ValueError
        When ``method`` is ``"assignment"`` and the assignment does not apply.

    Examples
    --------
    One mentee wants two kinds and mentor 0 is choosable for both, so only the flow keeps
    the mentors distinct:

    >>> twice = Graph(*(np.array(a) for a in ([0, 1], [0, 0], [0, 0], [9, 8], [2])))
    >>> pick_method(twice, "coverage", "auto")
    'flow'
    >>> pick_method(twice.subset(np.array([True, False])), "coverage", "auto")
    'assignment'
    """
    if method == "flow":
        return method
    issue = assignment_issue(graph, objective)
    if method == "auto":
        if issue is None:
            return "assignment"
        dense = len(graph.weight) > DENSE_DEGREE * graph.n_requests
        return "relaxed" if dense and issue == _SAME_MENTOR_TWICE else "flow"
    if issue:
        raise ValueError(f"method 'assignment' does not apply: {issue}; use 'flow' or 'auto'")
    return method


MethodSolver = Callable[[Graph, Objective], BoolArray]
"""A method's solve: the best choice on a graph for a ranking objective (coverage, quality)."""


def _solve_objective(
    graph: Graph, objective: Objective, solver: MethodSolver, compiled: bool
) -> BoolArray:
    """The best choice on ``graph`` for ``objective`` by ``solver``.

    Fairness is coverage restricted to the edges at or above the highest weight that keeps
    the best count (:func:`~matcher.graph.fair_floor`, by the compiled search or not).
    """
    if objective != "fairness":
        return solver(graph, objective)
    keep = graph.weight >= fair_floor(graph, max_count(graph), compiled)
    chosen = np.zeros(len(graph.weight), dtype=bool)
    chosen[keep] = solver(graph.subset(keep), "coverage")
    return chosen


# --- method "flow" --------------------------------------------------------------------------


def _solve_flow(graph: Graph, objective: Objective, compiled: bool) -> BoolArray:
    """Best choice as a min-cost flow (:func:`matcher.flow.max_gain_flow`) on the exact
    integer lexicographic gains."""
    gain = _lexicographic_gain(graph, objective)
    found = max_gain_flow(
        graph.request, graph.pair, graph.mentor, gain, graph.capacity, compiled=compiled
    )
    return found.chosen


# --- method "assignment" --------------------------------------------------------------------


def _lexicographic_gain(graph: Graph, objective: Objective) -> IntArray:
    """Integer gain per edge whose total ranks choices by the objective, exactly.

    At most one edge per request is chosen, so with R requests the secondary total is below
    ``R * max weight + 1`` (coverage: weight after count) or ``R + 1`` (quality: count after
    weight); scaling the primary by that bound makes the ranking lexicographic. Fairness
    ranks as coverage here: its threshold is applied before the solve.
    """
    n_requests = graph.n_requests
    if objective == "quality":
        return graph.weight * (n_requests + 1) + 1
    return n_requests * int(graph.weight.max(initial=0)) + 1 + graph.weight


_SAME_MENTOR_TWICE = "a mentee has more than one choosable edge to the same mentor"


def _exact(graph: Graph, objective: Objective) -> bool:
    """True when the assignment's integer costs stay exact in float64."""
    largest = graph.n_requests * (int(_lexicographic_gain(graph, objective).max(initial=0)) + 1)
    return largest < _EXACT_LIMIT


def assignment_issue(graph: Graph, objective: Objective) -> str | None:
    """Say why the assignment method cannot solve ``graph`` exactly, or None when it can.

    Parameters
    ----------
    graph
        The choosable edges (see :func:`matcher.graph.free_graph`).
    objective
        One of :data:`matcher.config.OBJECTIVES`.

    Returns
    -------
    str or None
        The reason (a mentee with two edges to one mentor, or integer costs too large for
        float64), or None when the assignment applies.

    Examples
    --------
    >>> twice = Graph(*(np.array(a) for a in ([0, 1], [0, 0], [0, 0], [9, 8], [2])))
    >>> assignment_issue(twice, "quality")
    'a mentee has more than one choosable edge to the same mentor'
    >>> assignment_issue(twice.subset(np.array([True, False])), "quality") is None
    True
    """
    if graph.pair.size and np.bincount(graph.pair).max() > 1:
        return _SAME_MENTOR_TWICE
    if not _exact(graph, objective):
        largest = graph.n_requests * (int(_lexicographic_gain(graph, objective).max()) + 1)
        return f"its integer costs (up to {largest}) are too large to be exact in float64"
    return None


def _solve_assignment(graph: Graph, objective: Objective) -> BoolArray:
    """Best choice as a full minimum-cost matching of requests to slots or a private dummy."""
    return max_gain_matching(graph, _lexicographic_gain(graph, objective))


def _solve_relaxed(graph: Graph, objective: Objective, flow: MethodSolver) -> BoolArray:
    """The assignment ignoring the distinct-mentor rule; the ``flow`` only when a mentee got
    the same mentor twice (otherwise the relaxation's optimum is feasible, hence optimal)."""
    chosen = _solve_assignment(graph, objective)
    if chosen.any() and np.bincount(graph.pair[chosen]).max() > 1:
        return flow(graph, objective)
    return chosen


def max_gain_matching(graph: Graph, gain: IntArray) -> BoolArray:
    """Choice of greatest total ``gain`` under the request and capacity rules only.

    Requests are matched to mentor slots or to a private dummy by
    :func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`. Costs are ``offset -
    gain`` on edges and ``offset`` on dummies: strictly positive (scipy does not treat
    explicit zeros as edges), and every full matching pays ``offset`` once per request, so
    the cheapest one has the greatest total gain. Exact while ``n_requests * offset``
    stays below ``2**53``.

    >>> g = Graph(*(np.array(a) for a in ([0, 1], [0, 1], [0, 0], [5, 7], [1])))
    >>> max_gain_matching(g, np.array([5, 7]))
    array([False,  True])
    """
    chosen = np.zeros(len(graph.weight), dtype=bool)
    if not chosen.size:
        return chosen
    n_requests = graph.n_requests
    edge, column, n_slots = _slot_entries(graph)
    offset = int(gain.max()) + 1
    cost = np.concatenate([offset - gain[edge], np.full(n_requests, offset)])
    rows = np.concatenate([graph.request[edge], np.arange(n_requests)])
    columns = np.concatenate([column, n_slots + np.arange(n_requests)])
    matrix = csr_array(
        (cost.astype(float), (rows, columns)), shape=(n_requests, n_slots + n_requests)
    )
    row, matched = min_weight_full_bipartite_matching(matrix)
    real = matched < n_slots
    key = graph.request[edge] * n_slots + column
    order = np.argsort(key)
    found = order[np.searchsorted(key[order], row[real] * n_slots + matched[real])]
    chosen[edge[found]] = True
    return chosen


def _slot_entries(graph: Graph) -> tuple[IntArray, IntArray, int]:
    """Expand each mentor into one column per slot it can fill.

    A mentor has ``min(room, edges at it)`` slots. Returns, for every (edge, slot of the
    edge's mentor), the edge and the slot's column, and the number of slot columns.
    """
    degree = np.bincount(graph.mentor, minlength=len(graph.capacity))
    slots = np.minimum(graph.capacity, degree)
    per_edge = slots[graph.mentor]
    edge = np.repeat(np.arange(len(graph.mentor)), per_edge)
    within = np.arange(len(edge)) - np.repeat(np.cumsum(per_edge) - per_edge, per_edge)
    column = (np.cumsum(slots) - slots)[graph.mentor[edge]] + within
    return edge, column, int(slots.sum())


def _method_solver(method: str, compiled: bool) -> MethodSolver:
    """The solve of a method picked by :func:`pick_method`, its flows compiled or not."""
    flow = partial(_solve_flow, compiled=compiled)
    if method == "flow":
        return flow
    if method == "relaxed":
        return partial(_solve_relaxed, flow=flow)
    return _solve_assignment
