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

Beside it, ``warm/people-<id>.pickle`` keeps the program's participants as
:func:`webapp.runner.program_people` last parsed them, under the digest of exactly what it
parsed (every stored row, the program's questions, the engine's code: :func:`people_key`).
Reading and validating 10,000 stored rows takes about 0.5 s, 50,000 about 2.5 s, on every
run and on each process's first page that needs them; with the same rows the parse is
the same, so the kept one is taken (:func:`load_people`). Bounded and deleted alike.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path

from flask import current_app

from matcher import Participant, WarmState, engine_digest, without_gc

log = logging.getLogger(__name__)

#: Programs whose last run's state is kept (the most recently written files).
KEEP_PROGRAMS = 2
#: The largest state file kept, in bytes (10,000 people take about 26 MB, 50,000 about
#: 140 MB before the words of the pairs were kept, some 15 MB more now: docs/performance.md).
MAX_BYTES = 1 << 30
FOLDER = "warm"
#: The kinds of file kept per program: a run's warm state, the parsed participants.
KINDS = ("program", "people")


def _folder() -> Path:
    return Path(current_app.instance_path) / FOLDER


def _path(program_id: int, kind: str = "program") -> Path:
    return _folder() / f"{kind}-{program_id}.pickle"


def load(program_id: int) -> WarmState | None:
    """The state the program's last run left, or None (none kept, or unreadable)."""
    state = _read(_path(program_id))
    return state if isinstance(state, WarmState) else None


def _read(path: Path) -> object:
    """What ``path`` holds, or None (no file, or unreadable)."""
    try:
        with path.open("rb") as file, without_gc():
            return pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception:  # any broken file just means starting from scratch
        log.warning("the kept file %s could not be read; it is made again", path)
        return None


def people_key(rows_digest: str) -> str:
    """The key of a kept parse: the digest of the stored rows and questions it was parsed
    from (:attr:`webapp.runner.ReadPeople.digest`) and of the engine's code
    (:func:`matcher.engine_digest`).

    >>> people_key("ab") == people_key("ab"), people_key("ab") == people_key("ac")
    (True, False)
    """
    data = f"{engine_digest()}\0{rows_digest}".encode()
    return hashlib.blake2b(data, digest_size=32).hexdigest()


def load_people(program_id: int, key: str) -> tuple[Participant, ...] | None:
    """The participants kept under ``key`` (:func:`people_key`), or None."""
    kept = _read(_path(program_id, "people"))
    if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == key:
        return kept[1]
    return None


def save_people(program_id: int, key: str, people: tuple[Participant, ...]) -> None:
    """Keep the program's parsed ``people`` under ``key``; never fails the caller."""
    _write(program_id, "people", (key, people))


def forget(program_id: int) -> None:
    """Delete the program's state file and its kept participants: they hold the
    participants as last read, and an erased person must not stay in them."""
    for kind in KINDS:
        _path(program_id, kind).unlink(missing_ok=True)


def save(program_id: int, state: WarmState) -> None:
    """Keep ``state`` for the program's next run, within the bounds above; never fails a
    run (a state that cannot be written is not kept)."""
    _write(program_id, "program", state)


def _write(program_id: int, kind: str, value: object) -> None:
    """Keep ``value`` as the program's file of ``kind``, written whole under a temporary
    name; only the :data:`KEEP_PROGRAMS` latest files of a kind stay."""
    folder = _folder()
    path = _path(program_id, kind)
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > MAX_BYTES:
            path.unlink(missing_ok=True)
            return
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as file:
            file.write(data)
        os.replace(file.name, path)
        kept = sorted(folder.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime_ns)
        for old in kept[:-KEEP_PROGRAMS]:
            old.unlink(missing_ok=True)
    except OSError:
        log.warning("the %s file of program %s could not be kept", kind, program_id)
