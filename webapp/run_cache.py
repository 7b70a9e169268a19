"""Figures of a run that every review page shows, computed once per change of what they read.

The review table shows on each request the mentors of the run with more pairs than places
and the departments of its pairs. Both read the whole run: at 50,000 people, 44,000 pairs
and as many decisions, that was 0.16 s and 0.04 s of each page on PostgreSQL
(docs/performance.md). They change only when the run's pairs change (a match made by hand,
an erasure), when the program's decisions change, or its participants: one query of
aggregates on indexed columns tells each (:func:`run_stamp`), and :func:`remembered` keeps,
per process, the figures of the :data:`KEEP` latest keys of each kind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple, TypeVar

from flask import current_app
from sqlalchemy import func, select

from webapp.db import db
from webapp.models import Participant
from webapp.people_cache import fingerprint_columns
from webapp.run_models import MatchRun, PairDecision, ProposedMatch

#: Keys a process keeps per kind of figure.
KEEP = 16
_LOCK = threading.Lock()
T = TypeVar("T")


class RunStamp(NamedTuple):
    """What changes whenever a run's figures could.

    ``pairs``: the count and highest id of the run's pairs (added by a match made by hand,
    deleted by an erasure, never edited). ``decisions``: the count, summed versions,
    highest id and latest time of the program's decisions (an insert gives a new id and
    time, a change raises the version, an undo lowers the count). ``participants``: the
    program's participants as :func:`webapp.people_cache.fingerprint` tells them.
    """

    pairs: tuple[Any, ...]
    decisions: tuple[Any, ...]
    participants: tuple[Any, ...]


def run_stamp(run: MatchRun) -> RunStamp:
    """The :class:`RunStamp` of ``run``, in one query."""
    pairs = (func.count(), func.max(ProposedMatch.id))
    decisions = (
        func.count(),
        func.sum(PairDecision.version),
        func.max(PairDecision.id),
        func.max(PairDecision.decided_at),
    )
    parts = [
        *(select(c).where(ProposedMatch.run_id == run.id) for c in pairs),
        *(select(c).where(PairDecision.program_id == run.program_id) for c in decisions),
        *(select(c).where(Participant.program_id == run.program_id) for c in fingerprint_columns()),
    ]
    found = db.session.execute(select(*(part.scalar_subquery() for part in parts))).one()
    return RunStamp(tuple(found[:2]), tuple(found[2:6]), tuple(found[6:]))


def remembered(kind: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave for the same ``kind`` and ``key`` in this process.

    The key must change whenever the answer could: read it before what ``compute`` reads,
    so the kept answer is never older than its key.
    """
    kept: dict[Hashable, Any] = current_app.extensions.setdefault(f"mentorloom_{kind}", {})
    if key in kept:
        return kept[key]
    found = compute()
    with _LOCK:
        kept[key] = found
        while len(kept) > KEEP:
            del kept[next(iter(kept))]
    return found
