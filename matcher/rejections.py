"""Candidates under rejections, from those built with none.

A rejection blocks one (mentee, mentor, type) cell, so it changes only the candidates of
its own request: :func:`with_rejections` evaluates again only the requests with a rejected
cell and splices their rows into candidates built with no rejection, which gives what
:func:`~matcher.candidates.build_candidates` returns with the rejections, array for array.
:class:`RejectionFree` builds the rejection-free candidates once and keeps them, so that a
run (:func:`matcher.engine.propose`) can solve with no decisions first and a re-run
(:mod:`matcher.warm`) can start from them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from matcher.candidates import Candidates, Progress, RequestStats, build_candidates
from matcher.cohort import MENTOR_TYPES, Cohort
from matcher.config import ProgramConfig
from matcher.constraints import Rejected

__all__ = ["RejectionFree", "with_rejections"]


@dataclass
class RejectionFree:
    """:func:`~matcher.candidates.build_candidates`, called the same way, from the
    rejection-free candidates ``base`` (built on the first call when None, then kept):
    only the requests a call's rejections touch are evaluated again.

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> people = [
    ...     Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("developmental",)),
    ...     Participant("bo@x.org", "Bo", Role.MENTOR, offers=("developmental",)),
    ... ]
    >>> build = RejectionFree(None)
    >>> cohort = encode(people)
    >>> found = build(cohort, ProgramConfig(), None, None, None, compiled=False)
    >>> len(found), build.base is found
    (1, True)
    """

    base: Candidates | None

    def __call__(
        self,
        cohort: Cohort,
        config: ProgramConfig,
        rejected: Rejected | None,
        progress: Progress | None,
        keep: int | None,
        *,
        compiled: bool,
    ) -> Candidates:
        if self.base is None:
            self.base = build_candidates(cohort, config, None, progress, keep, compiled=compiled)
        return with_rejections(self.base, cohort, config, rejected, keep, compiled=compiled)


def with_rejections(
    base: Candidates,
    cohort: Cohort,
    config: ProgramConfig,
    rejected: Rejected | None,
    keep: int | None,
    *,
    compiled: bool,
) -> Candidates:
    """The candidates :func:`~matcher.candidates.build_candidates` returns with
    ``rejected``, from ``base``, those it returned with no rejection (same ``keep`` and
    ``compiled``): only the requests with a rejected triple are evaluated again.

    Examples
    --------
    >>> from matcher.cohort import encode
    >>> from matcher.proposal import rejected_matrices
    >>> from matcher.schema import Participant, Role
    >>> cohort = encode(
    ...     [
    ...         Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("developmental",)),
    ...         Participant("bo@x.org", "Bo", Role.MENTOR, offers=("developmental",)),
    ...     ]
    ... )
    >>> base = build_candidates(cohort, ProgramConfig())
    >>> rejected = rejected_matrices(cohort, [(0, 1, 0)])
    >>> (
    ...     len(base),
    ...     len(with_rejections(base, cohort, ProgramConfig(), rejected, None, compiled=False)),
    ... )
    (1, 0)
    """
    if rejected is None:
        return base
    mentees = [
        np.intersect1d(
            np.flatnonzero(np.diff(rejected[t].indptr)),
            cohort.mentees_seeking(t),
            assume_unique=True,
        )
        for t in MENTOR_TYPES
    ]
    if not sum(len(m) for m in mentees):
        return base
    fresh = build_candidates(
        cohort, config, rejected, None, keep, compiled=compiled, mentees=mentees
    )
    return _spliced(base, fresh, len(cohort))


def _spliced(base: Candidates, fresh: Candidates, n: int) -> Candidates:
    """``base`` with the requests of ``fresh`` (a few of the same requests, evaluated
    again) replaced by their rows and edges there; both in the order (type, mentee)."""
    requests = _key(base.stats.kind, base.stats.mentee, n)
    redone = _key(fresh.stats.kind, fresh.stats.mentee, n)
    rows = np.searchsorted(requests, redone)
    stats = [getattr(base.stats, f.name).copy() for f in fields(RequestStats)]
    for column, f in zip(stats, fields(RequestStats), strict=True):
        column[rows] = getattr(fresh.stats, f.name)
    unkept = None
    if base.unkept is not None and fresh.unkept is not None:
        unkept = base.unkept.copy()
        unkept[rows] = fresh.unkept
    # edges: base's up to each redone request, then fresh's edges of that request, ...
    old = _key(base.kind, base.mentee, n)
    new = _key(fresh.kind, fresh.mentee, n)
    old_from, old_to = np.searchsorted(old, redone, "left"), np.searchsorted(old, redone, "right")
    new_from, new_to = np.searchsorted(new, redone, "left"), np.searchsorted(new, redone, "right")
    starts, ends = np.r_[0, old_to], np.r_[old_from, len(old)]
    pieces = [np.arange(starts[0], ends[0])]
    for k in range(len(redone)):
        pieces += [len(old) + np.arange(new_from[k], new_to[k])]
        pieces += [np.arange(starts[k + 1], ends[k + 1])]
    take = np.concatenate(pieces)
    columns = [
        np.concatenate([getattr(base, name), getattr(fresh, name)])[take]
        for name in ("mentee", "mentor", "kind", "score")
    ]
    return Candidates(*columns, RequestStats(*stats), fresh.timings, unkept)


def _key(kind: np.ndarray, mentee: np.ndarray, n: int) -> np.ndarray:
    """Requests (type, mentee) as one ascending number, for a cohort of ``n`` people."""
    return np.asarray(kind, dtype=np.int64) * n + np.asarray(mentee, dtype=np.int64)
