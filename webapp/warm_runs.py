"""The warm state of recent match runs, kept in the instance folder for the next re-run.

A run of a program whose participants and config have not changed since its last run (an
admin rejected, locked or approved pairs) reuses that run's encoded cohort and candidates
(:func:`matcher.rerun`), and gets the same pairs as a run from scratch. Runs are carried
out in RQ's forked work horses or in threads, so the state lives in files, not in a
process's memory: ``warm/program-<id>.pickle`` in the instance folder (mode 0700, like the
SQLite database beside it), written whole under a temporary name and renamed.

Bounded: the states of the :data:`KEEP_PROGRAMS` programs run last, each at most
:data:`MAX_BYTES` (a bigger one is not kept). Safe to lose: a missing, unreadable or
outdated file (another engine version, other participants or config) means the run starts
from scratch, which only takes longer. The file holds the participants as the run read
them: erasing a person deletes it (:func:`forget`).
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app

from matcher import WarmState

log = logging.getLogger(__name__)

#: Programs whose last run's state is kept (the most recently written files).
KEEP_PROGRAMS = 2
#: The largest state file kept, in bytes (10,000 people take about 26 MB, 50,000 about
#: 140 MB before the words of the pairs were kept, some 15 MB more now: docs/performance.md).
MAX_BYTES = 1 << 30
FOLDER = "warm"


def _folder() -> Path:
    return Path(current_app.instance_path) / FOLDER


def _path(program_id: int) -> Path:
    return _folder() / f"program-{program_id}.pickle"


def load(program_id: int) -> WarmState | None:
    """The state the program's last run left, or None (none kept, or unreadable)."""
    path = _path(program_id)
    try:
        with path.open("rb") as file, _no_gc():
            state = pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception:  # any broken file just means a run from scratch
        log.warning("the warm state %s could not be read; the run starts from scratch", path)
        return None
    return state if isinstance(state, WarmState) else None


@contextmanager
def _no_gc() -> Iterator[None]:
    """Without the cyclic garbage collector, which a state's tens of thousands of records
    would set off again and again while they are read (0.2 s rather than up to 1 s at
    10,000 people)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def forget(program_id: int) -> None:
    """Delete the program's state file: it holds the participants as the last run read
    them, and an erased person must not stay in it."""
    _path(program_id).unlink(missing_ok=True)


def save(program_id: int, state: WarmState) -> None:
    """Keep ``state`` for the program's next run, within the bounds above; never fails a
    run (a state that cannot be written is not kept)."""
    folder = _folder()
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        data = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > MAX_BYTES:
            _path(program_id).unlink(missing_ok=True)
            return
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as file:
            file.write(data)
        os.replace(file.name, _path(program_id))
        kept = sorted(folder.glob("program-*.pickle"), key=lambda p: p.stat().st_mtime_ns)
        for old in kept[:-KEEP_PROGRAMS]:
            old.unlink(missing_ok=True)
    except OSError:
        log.warning("the warm state of program %s could not be kept", program_id)
