"""The compiled kernels: declaring them, building them ahead of a run, running them uncompiled.

The hot loops (:mod:`matcher.blockscan`, :mod:`matcher.best`, :mod:`matcher.flow`)
are numba kernels, compiled to machine code on first use and kept in numba's disk cache.
Compiling them all takes most of a minute; loading them from the cache a few tenths of a
second, which is already more than a small cohort needs to run without them. So:

- :func:`jit` declares a kernel (``numba.njit`` with the disk cache, or without it when no
  cache folder is writable, so that the package still imports there);
- :func:`entry` records a kernel that Python calls, with the argument types its callers
  pass, so that :func:`compile_kernels` can build every one of them in one go, before a
  big run, and say so while it compiles;
- :func:`plain` gives a kernel's own Python function, run by the interpreter, with the
  kernels it calls run the same way: the same source, nothing compiled, the same numbers.

Where numba keeps the cache (first that is writable): ``NUMBA_CACHE_DIR`` when set; the
``__pycache__`` folder beside the source; the user's cache folder (``~/.cache/numba``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FunctionType
from typing import Any

import numba
from numba import types
from numba.core import event
from numba.core.dispatcher import Dispatcher

#: Argument types of the entry kernels: C-contiguous arrays and whole numbers.
INTS, INT_TABLE = types.int64[::1], types.int64[:, ::1]
FLOATS, FLOAT_TABLE = types.float64[::1], types.float64[:, ::1]
FLAGS, FLAG_TABLE = types.boolean[::1], types.boolean[:, ::1]
BITS = types.uint64[:, ::1]
FLOAT_CUBE = types.float64[:, :, ::1]
INT_CUBE = types.int64[:, :, ::1]
INT = types.int64


@dataclass(frozen=True)
class Entry:
    """A kernel Python calls, and the argument types its callers pass."""

    kernel: Dispatcher
    argtypes: tuple[types.Type, ...]


#: Every entry kernel, in the order the modules declaring them were imported.
ENTRIES: list[Entry] = []


def jit(**options: Any) -> Callable[[Callable[..., Any]], Dispatcher]:
    """``numba.njit`` kept in numba's disk cache; uncached when no cache folder is writable.

    Numba refuses a cached kernel outright when it finds no writable folder (a read-only
    install, no writable home, no ``NUMBA_CACHE_DIR``); then each process compiles what
    it needs again, and small cohorts, which need nothing compiled, are not affected.

    >>> @jit()
    ... def double(x):
    ...     return 2 * x
    >>> double(21)
    42
    """

    def declare(function: Callable[..., Any]) -> Dispatcher:
        try:
            return numba.njit(cache=True, **options)(function)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return numba.njit(cache=False, **options)(function)

    return declare


def entry(*argtypes: types.Type) -> Callable[[Dispatcher], Dispatcher]:
    """Record a kernel that Python calls with arguments of ``argtypes``.

    :func:`compile_kernels` builds it for exactly these types, so they must be the types
    its callers pass (``tests/test_kernels.py`` checks that a big run compiles nothing
    more). An entry kernel is declared with ``nogil=True``: while it runs (a solve of tens
    of seconds), the process's other threads go on, such as the web app's job heartbeat,
    without which the run would be taken for dead (``tests/test_kernels.py`` checks it).
    """

    def record(kernel: Dispatcher) -> Dispatcher:
        ENTRIES.append(Entry(kernel, argtypes))
        return kernel

    return record


_PLAIN: dict[str, dict[str, Any]] = {}


def plain(kernel: Dispatcher) -> Callable[..., Any]:
    """The kernel's own Python function, run by the interpreter instead of compiled.

    The kernels it calls (the module's other kernels) are their Python functions too: the
    function runs in a copy of its module's namespace where each kernel is replaced by
    its plain function. Numbers come out the same (the kernels compute in int64 and
    float64 arrays either way); only the speed differs.

    >>> import numpy as np
    >>> from matcher import best
    >>> cut, left = plain(best.segment_cuts)(np.array([0, 3]), np.array([5, 9, 7]), 2)
    >>> cut.tolist(), left.tolist()
    ([7], [5])
    """
    function = getattr(kernel, "py_func", kernel)  # NUMBA_DISABLE_JIT=1: a plain function
    namespace = _PLAIN.get(function.__module__)
    if namespace is None:
        namespace = dict(function.__globals__)
        for name, value in function.__globals__.items():
            if isinstance(value, Dispatcher):
                own = value.py_func
                namespace[name] = FunctionType(
                    own.__code__, namespace, own.__name__, own.__defaults__, own.__closure__
                )
        namespace = _PLAIN.setdefault(function.__module__, namespace)
    return namespace[function.__name__]


class _Compilations(event.Listener):
    """Numba's compile events: calls ``started`` before the first compilation begins and
    adds up the seconds spent compiling (kernels a kernel calls compile inside it)."""

    def __init__(self, started: Callable[[], None]) -> None:
        self.started = started
        self.seconds = 0.0
        self.depth = 0
        self.since = 0.0
        self.count = 0

    def on_start(self, what: event.Event) -> None:
        if self.depth == 0:
            if self.count == 0:
                self.started()
            self.since = time.perf_counter()
        self.depth += 1

    def on_end(self, what: event.Event) -> None:
        self.depth -= 1
        if self.depth == 0:
            self.count += 1
            self.seconds += time.perf_counter() - self.since


def compile_kernels(progress: Callable[[int, int], None] | None = None) -> float:
    """Build every entry kernel: load it from numba's disk cache, else compile it (and
    save it there).

    Parameters
    ----------
    progress
        Called as ``progress(done, total)`` (kernels) when the first kernel has to be
        compiled and after each one built from then on; never when the cache had them
        all, or they were built in this process already.

    Returns
    -------
    float
        Seconds spent compiling; 0.0 when nothing had to be.
    """
    total, done = len(ENTRIES), 0

    def started() -> None:
        if progress is not None:
            progress(done, total)

    watch = _Compilations(started)
    with event.install_listener("numba:compile", watch):
        for found in ENTRIES:
            if isinstance(found.kernel, Dispatcher):  # not with NUMBA_DISABLE_JIT=1
                found.kernel.compile(found.argtypes)
            done += 1
            if watch.count and progress is not None:
                progress(done, total)
    return watch.seconds


class _CompileRefusedError(Exception):
    """A kernel was about to be compiled (see :func:`load_cached_kernels`)."""


class _Refusal(event.Listener):
    """Numba's compile events: stop at the first compilation."""

    def on_start(self, what: event.Event) -> None:
        raise _CompileRefusedError

    def on_end(self, what: event.Event) -> None:
        """Nothing: no compilation gets this far."""


def load_cached_kernels() -> bool:
    """Build every entry kernel from numba's disk cache, compiling none: True when all of
    them were there (or built in this process already), False at the first one that would
    have to be compiled (it and those after it are left to build when first needed).

    A process that forks workers calls it, so that each worker inherits the kernels instead
    of loading them again (about half a second a process; ``webapp/worker.py``).

    >>> isinstance(load_cached_kernels(), bool)
    True
    """
    try:
        with event.install_listener("numba:compile", _Refusal()):
            for found in ENTRIES:
                if isinstance(found.kernel, Dispatcher):  # not with NUMBA_DISABLE_JIT=1
                    found.kernel.compile(found.argtypes)
    except _CompileRefusedError:
        return False
    return True


def cache_folder() -> str | None:
    """The folder numba keeps the compiled kernels in (None when they are not cached: no
    writable folder, or numba's compiler switched off by ``NUMBA_DISABLE_JIT``).

    >>> from matcher import flow
    >>> isinstance(cache_folder(), str)
    True
    """
    for found in ENTRIES:
        if isinstance(found.kernel, Dispatcher) and found.kernel.stats.cache_path:
            return str(found.kernel.stats.cache_path)
    return None
