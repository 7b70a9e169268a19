"""Candidate triples: every feasible (mentee, mentor, type) with its score, built in blocks.

Rules and scores are evaluated on blocks of mentees against all mentors of a type (numpy
arrays, no Python loop over pairs); only feasible triples scoring at least ``min_score``
leave a block, as a sparse edge list. For each request (mentee, type) the block also counts
how many mentors each rule blocked, which is what an unmatched mentee's reason is built from.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from matcher.cohort import MENTOR_TYPES, Cohort, block, pairwise
from matcher.config import ProgramConfig
from matcher.constraints import RULES, Rejected, feasible, violations
from matcher.scoring import score

Progress = Callable[[str, int, int], None]
BLOCK_CELLS = 2_000_000
RULE_NAMES: tuple[str, ...] = tuple(rule.name for rule in RULES)


@dataclass(frozen=True, eq=False)
class RequestStats:
    """Per request (mentee, type): how the mentors offering that type fared.

    ``blocked[r, k]`` counts the mentors that rule ``RULE_NAMES[k]`` blocked for request r
    (a mentor blocked by two rules counts for both).
    """

    mentee: np.ndarray
    kind: np.ndarray
    offered: np.ndarray
    feasible: np.ndarray
    below_min: np.ndarray
    blocked: np.ndarray


@dataclass(frozen=True, eq=False)
class Candidates:
    """Feasible triples as parallel arrays, in canonical order (type, mentee, mentor)."""

    mentee: np.ndarray
    mentor: np.ndarray
    kind: np.ndarray
    score: np.ndarray
    stats: RequestStats
    timings: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.mentee)


def _chunks(items: np.ndarray, width: int) -> Iterable[np.ndarray]:
    size = max(1, BLOCK_CELLS // max(width, 1))
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rejected_matrices(cohort: Cohort, triples: Iterable[tuple[int, int, int]]) -> Rejected:
    """Per mentor type, a person x person 0/1 matrix of rejected (mentee, mentor) pairs.

    >>> from matcher.cohort import encode
    >>> from matcher.schema import MentorType
    >>> rejected_matrices(encode([]), [])[MentorType.EXPERTISE].nnz
    0
    """
    n = len(cohort)
    by_kind: dict[int, list[tuple[int, int]]] = {k: [] for k in range(len(MENTOR_TYPES))}
    for mentee, mentor, kind in triples:
        by_kind[kind].append((mentee, mentor))
    out = {}
    for kind, pairs in by_kind.items():
        rows = [e for e, _ in pairs]
        cols = [m for _, m in pairs]
        out[MENTOR_TYPES[kind]] = sparse.csr_matrix(
            (np.ones(len(pairs)), (rows, cols)), shape=(n, n)
        )
    return out


def build_candidates(
    cohort: Cohort,
    config: ProgramConfig,
    rejected: Rejected | None = None,
    progress: Progress | None = None,
) -> Candidates:
    """Evaluate every hard rule and score for every request, keeping the feasible triples.

    Parameters
    ----------
    cohort
        The encoded participants.
    config
        Program settings and weights.
    rejected
        Triples an admin rejected, per type (see :func:`rejected_matrices`).
    progress
        Called as ``progress("rules and scores", done, total)`` after each block of mentees.

    Returns
    -------
    Candidates

    Examples
    --------
    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> e = Participant("e@x.org", "E", Role.MENTEE, seeks=("developmental",))
    >>> m = Participant("m@x.org", "M", Role.MENTOR, offers=("developmental",))
    >>> found = build_candidates(encode([e, m]), ProgramConfig())
    >>> len(found), found.mentee.tolist(), found.mentor.tolist()
    (1, [0], [1])
    """
    timings = {"rules": 0.0, "scores": 0.0}
    none = np.zeros(0, dtype=np.int64)
    edges: list[tuple[np.ndarray, ...]] = [(none, none, none, np.zeros(0))]
    stats: list[tuple[np.ndarray, ...]] = [(none,) * 5 + (np.zeros((0, len(RULE_NAMES))),)]
    total = int(sum(len(cohort.mentees_seeking(t)) for t in MENTOR_TYPES))
    done = 0
    for kind, mentor_type in enumerate(MENTOR_TYPES):
        mentors = cohort.mentors_offering(mentor_type)
        for chunk in _chunks(cohort.mentees_seeking(mentor_type), len(mentors)):
            pairs = block(cohort, chunk, mentors)
            started = time.perf_counter()
            found = violations(pairs, mentor_type, config, rejected)
            ok = feasible(found, pairs.shape)
            timings["rules"] += time.perf_counter() - started
            started = time.perf_counter()
            scores, _ = score(pairs, mentor_type, config)
            timings["scores"] += time.perf_counter() - started
            keep = ok & (scores >= config.min_score)
            rows, cols = np.nonzero(keep)
            edges.append((chunk[rows], mentors[cols], np.full(len(rows), kind), scores[keep]))
            is_self = found["self"]
            blocked = np.zeros((len(chunk), len(RULE_NAMES)), dtype=np.int64)
            for name, mask in found.items():
                blocked[:, RULE_NAMES.index(name)] = (mask & ~is_self).sum(axis=1)
            stats.append(
                (
                    chunk,
                    np.full(len(chunk), kind),
                    len(mentors) - is_self.sum(axis=1),
                    ok.sum(axis=1),
                    (ok & ~keep).sum(axis=1),
                    blocked,
                )
            )
            done += len(chunk)
            if progress is not None:
                progress("rules and scores", done, total)
    return Candidates(
        *(np.concatenate(column) for column in zip(*edges, strict=True)),
        stats=RequestStats(*(np.concatenate(column) for column in zip(*stats, strict=True))),
        timings=timings,
    )


def score_triples(
    cohort: Cohort, mentee: np.ndarray, mentor: np.ndarray, kind: np.ndarray, config: ProgramConfig
) -> tuple[np.ndarray, dict[int, dict[str, np.ndarray]]]:
    """Scores of arbitrary triples, and per type the criterion values behind them.

    Returns the scores aligned with the inputs and, for each type index present, the
    criterion values of that type's triples in input order.

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> e = Participant("e@x.org", "E", Role.MENTEE, seeks=("developmental",))
    >>> m = Participant("m@x.org", "M", Role.MENTOR, offers=("developmental",))
    >>> s, _ = score_triples(
    ...     encode([e, m]), np.array([0]), np.array([1]), np.array([0]), ProgramConfig()
    ... )
    >>> s.tolist()
    [17.5]
    """
    scores = np.zeros(len(mentee), dtype=np.float64)
    parts: dict[int, dict[str, np.ndarray]] = {}
    for kind_index in np.unique(kind):
        sel = kind == kind_index
        pairs = pairwise(cohort, mentee[sel], mentor[sel])
        scores[sel], parts[int(kind_index)] = score(pairs, MENTOR_TYPES[kind_index], config)
    return scores, parts
