"""Each row's best values: the ``keep`` greatest of a list, ties kept, in compiled loops.

A request keeps its candidates weighing at least its ``keep``-th greatest weight (all of
them when it has no more than ``keep``) and remembers the greatest weight it left out.
:func:`row_cut` decides that for one list, :func:`segment_cuts` for consecutive segments
of one array and :func:`best_per_row` for entries listed by row; the scores pass of
:mod:`matcher.blockscan` calls :func:`row_cut` on each row's weights as it goes.
"""

from __future__ import annotations

import numpy as np

from matcher.kernels import INT, INTS, entry, jit, plain

#: The cut of a list with no more than ``keep`` values: every value is kept.
EVERY = np.iinfo(np.int64).min


@jit(_nrt=False)
def keep_greatest(top, size, keep, v):  # pragma: no cover - compiled
    """Add ``v`` to ``top[:size]``, the greatest values so far in descending order, keeping
    at most ``keep`` of them; return the new size."""
    if size < keep:
        at, size = size, size + 1
    elif v > top[keep - 1]:
        at = keep - 1
    else:
        return size
    while at > 0 and top[at - 1] < v:
        top[at] = top[at - 1]
        at -= 1
    top[at] = v
    return size


@jit()
def row_cut(values: np.ndarray, keep: int, top: np.ndarray) -> tuple[int, int]:
    """The ``keep``-th greatest of ``values`` (:data:`EVERY` when there are no more than
    ``keep``), and the greatest value below it (-1 when none); ``top`` is room for ``keep``
    values.

    >>> row_cut(np.array([5, 9, 7, 9]), 2, np.empty(2, dtype=np.int64))
    (9, 7)
    """
    if len(values) <= keep:
        return EVERY, -1
    size = 0
    for v in values:
        size = keep_greatest(top, size, keep, v)
    cut, left = top[keep - 1], -1
    for v in values:
        if left < v < cut:
            left = v
    return cut, left


@entry(INTS, INTS, INT)
@jit(nogil=True)
def segment_cuts(start: np.ndarray, values: np.ndarray, keep: int) -> tuple[np.ndarray, np.ndarray]:
    """Per segment ``values[start[r]:start[r + 1]]``: its :func:`row_cut`."""
    rows = len(start) - 1
    cut = np.empty(rows, dtype=np.int64)
    left = np.empty(rows, dtype=np.int64)
    top = np.empty(keep, dtype=np.int64)
    for r in range(rows):
        cut[r], left[r] = row_cut(values[start[r] : start[r + 1]], keep, top)
    return cut, left


def best_per_row(
    row: np.ndarray, values: np.ndarray, keep: int | None, rows: int, compiled: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Which entries value at least their row's ``keep``-th best (all when None, ties kept),
    and per row the best value left out (-1 when none).

    ``row`` gives each entry's row in ``range(rows)``, in increasing order. The cuts are
    found by a compiled kernel, or by its plain Python with ``compiled=False``.

    >>> kept, left = best_per_row(np.array([0, 0, 0, 1]), np.array([5, 9, 7, 1]), 2, 3)
    >>> kept.tolist(), left.tolist()
    ([False, True, True, True], [5, -1, -1])
    """
    if keep is None:
        return np.ones(len(row), dtype=bool), np.full(rows, -1, dtype=np.int64)
    start = np.searchsorted(row, np.arange(rows + 1))
    cuts = segment_cuts if compiled else plain(segment_cuts)
    cut, left = cuts(start, np.asarray(values, dtype=np.int64), keep)
    return values >= cut[row], left
