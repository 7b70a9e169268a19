"""A pause of Python's cyclic garbage collector while many small records are made or read.

Each few hundred new container objects (rows, cells, tuples, records) set off a
collection, and the older generations are walked again and again as a big file's records
pile up; records without reference cycles lose nothing by waiting for the pause to end.
The figures are in ``docs/performance.md``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for the ``with`` block, then restore it.

    A collector already paused stays paused, so pauses nest.

    Examples
    --------
    >>> with without_gc():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
