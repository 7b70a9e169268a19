"""First runs: a small cohort needs nothing compiled, a big one compiles once and says so.

Cohorts of at most ``COMPILE_CELLS`` (mentee, mentor) cells run numpy and the kernels'
plain Python; their answers are the compiled ones, byte for byte. What a fresh machine
does (an empty numba cache, nothing loaded) is checked in a new interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numba
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numba.core import event
from numba.core.serialize import dumps

from matcher import Decision, ProgramConfig, cli, engine, kernels, load_config, propose
from matcher.csv_io import to_csv_bytes
from matcher.intake import load_participants
from matcher.schema import MentorType, Participant
from matcher.synthetic import generate_cohort
from tests.strategies import configs, participants, reject_decisions

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = ROOT / "sample_data" / "participants.csv"
PROGRAM = ROOT / "sample_data" / "program.toml"

# Runs the CLI commands given as JSON, then prints which kernels have machine code.
CLI_DRIVER = """
import json, sys
from numba.core.dispatcher import Dispatcher
from matcher import blockscan, candidates, cli, flow
codes = [cli.main(argv) for argv in json.loads(sys.argv[1])]
kernels = [v for m in (blockscan, candidates, flow) for v in vars(m).values()]
built = [k.py_func.__name__ for k in kernels if isinstance(k, Dispatcher) and k.signatures]
print(json.dumps({"codes": codes, "built": sorted(built)}))
"""


def fresh_interpreter(code: str, *args: str, cache: Path, **variables: str) -> dict:
    """Run ``code`` in a new Python with numba's cache in ``cache`` (and more environment
    ``variables``); its JSON output."""
    env = {"NUMBA_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin", "HOME": str(cache.parent)}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={**env, **variables},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def compiled_files(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.nbi")) + sorted(cache.rglob("*.nbc"))


def proposal_bytes(people: list[Participant], config: ProgramConfig, **options: object) -> bytes:
    """Every table of a proposal as CSV (floats written exactly)."""
    found = propose(people, config, **options)
    frames = [found.matches, found.unmatched, found.breakdown]
    frames += [found.scores] if found.scores is not None else []
    return b"\n".join(frame.to_csv(index=False).encode() for frame in frames)


def both_ways(people: list[Participant], config: ProgramConfig, **options: object) -> list:
    """The proposal's bytes with the kernels compiled and with nothing compiled."""
    out = []
    for limit in (-1, 10**15):  # every cohort compiled / none
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(engine, "COMPILE_CELLS", limit)
            out.append(proposal_bytes(people, config, **options))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=participants(max_size=12), config=configs(), data=st.data())
def test_small_cohorts_get_the_compiled_answer_byte_for_byte(people, config, data) -> None:
    decisions = data.draw(reject_decisions(people))
    with_scores = data.draw(st.booleans())
    compiled, uncompiled = both_ways(people, config, decisions=decisions, with_scores=with_scores)
    assert uncompiled == compiled


@pytest.mark.parametrize(
    ("people", "objective"),
    [("sample", None), ("sample", "fairness"), (260, "quality"), (300, "coverage")],
)
def test_pruned_cohorts_get_the_compiled_answer_byte_for_byte(people, objective) -> None:
    """Pruned candidates, pricing rounds and warm-started flows, both ways."""
    if people == "sample":
        found, config = load_participants(PEOPLE).participants, load_config(PROGRAM)
    else:
        found = load_participants(to_csv_bytes(generate_cohort(people, seed=5))).participants
        config = ProgramConfig()
    if objective:
        config = replace(config, objective=objective)
    assert "pricing" in propose(found, config).timings  # the pruned path
    compiled, uncompiled = both_ways(list(found), config)
    assert uncompiled == compiled


def test_the_sample_is_matched_on_a_fresh_machine_without_compiling(tmp_path: Path) -> None:
    """The issue's first run: ``mentorloom match`` of the sample in a new interpreter with an
    empty numba cache built every kernel (37 s); now none is built or written."""
    cache = tmp_path / "numba"
    commands = [
        ["match", str(PEOPLE), "--config", str(PROGRAM), "--out-dir", str(tmp_path), "-q"],
        ["explain", str(PEOPLE), "--config", str(PROGRAM), "--mentee",
         "lena.vogel@loomworks.example", "-q"],
    ]  # fmt: skip
    found = fresh_interpreter(CLI_DRIVER, json.dumps(commands), cache=cache)
    assert found["codes"] == [0, 0]
    assert found["built"] == []
    assert compiled_files(cache) == []
    assert (tmp_path / "matches.csv").stat().st_size > 10_000


TINY_KERNEL = """
from matcher.kernels import INT, entry, jit


@entry(INT)
@jit()
def twice(x):
    return 2 * x
"""
TINY_DRIVER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from matcher import kernels
import tiny
kernels.ENTRIES[:] = [e for e in kernels.ENTRIES if e.kernel is tiny.twice]
calls = []
seconds = kernels.compile_kernels(lambda done, total: calls.append([done, total]))
print(json.dumps({"calls": calls, "seconds": seconds, "folder": kernels.cache_folder()}))
"""


def test_kernels_are_compiled_once_and_said_so_then_loaded_in_silence(tmp_path: Path) -> None:
    (tmp_path / "tiny.py").write_text(TINY_KERNEL, encoding="utf-8")
    cache = tmp_path / "numba"
    first = fresh_interpreter(TINY_DRIVER, str(tmp_path), cache=cache)
    assert first["calls"] == [[0, 1], [1, 1]] and first["seconds"] > 0
    assert Path(first["folder"]).parent == cache and compiled_files(cache)
    again = fresh_interpreter(TINY_DRIVER, str(tmp_path), cache=cache)
    assert again == {**first, "calls": [], "seconds": 0.0}


TYPES_DRIVER = """
import json, pickle, sys
from matcher import engine
from matcher.kernels import ENTRIES
saved = pickle.loads(bytes.fromhex(sys.argv[1]))
names = [found.kernel.py_func.__name__ for found in ENTRIES]
live = [found.argtypes for found in ENTRIES]
print(json.dumps([n for n, a, b in zip(names, saved, live, strict=True) if a != b]))
"""


def test_every_entry_kernel_is_found_again_in_numbas_cache_by_a_new_process(
    tmp_path: Path,
) -> None:
    """numba's cache keys a compiled kernel by its argument types, pickled: a type that a new
    process reads back unequal (a class pickled by value) misses the cache, and the kernel
    is compiled again on every big run (the rule and score passes: 11 to 17 s at 50,000)."""
    saved = dumps([found.argtypes for found in kernels.ENTRIES]).hex()
    assert fresh_interpreter(TYPES_DRIVER, saved, cache=tmp_path / "numba") == []


@pytest.fixture
def uncompiled_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every cohort counts as big, and the only entry kernel is one never compiled yet (the
    real kernels compile or load as they are called, as before)."""
    kernel = numba.njit(lambda x: x + 1)
    monkeypatch.setattr(engine, "COMPILE_CELLS", -1)
    monkeypatch.setattr(kernels, "ENTRIES", [kernels.Entry(kernel, (kernels.INT,))])


@pytest.mark.usefixtures("uncompiled_entry")
def test_a_big_run_reports_the_compile_step_and_its_seconds_once() -> None:
    people = load_participants(PEOPLE).participants
    steps: list[str] = []
    first = propose(people, progress=lambda step, done, total: steps.append(step))
    assert steps[0] == engine.COMPILE_STEP and first.timings["compile"] > 0
    steps.clear()
    again = propose(people, progress=lambda step, done, total: steps.append(step))
    assert engine.COMPILE_STEP not in steps and "compile" not in again.timings


@pytest.mark.usefixtures("uncompiled_entry")
def test_the_command_line_says_it_compiles_once_and_how_long_it_took(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = ["match", str(PEOPLE), "--config", str(PROGRAM), "--out-dir", str(tmp_path)]
    assert cli.main(command) == 0
    out, err = capsys.readouterr()
    assert "compiling the matching engine" in err
    assert "compiled the matching engine in" in err
    assert "  compile " in out  # a row of the wall-time table
    assert cli.main(command) == 0
    out, err = capsys.readouterr()
    assert "compil" not in err and "compile" not in out


def test_the_command_line_compiles_in_silence_when_quiet(
    uncompiled_entry: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = ["match", str(PEOPLE), "--out-dir", str(tmp_path), "--quiet"]
    assert cli.main(command) == 0
    assert capsys.readouterr() == ("", "")


class _Compiles(event.Listener):
    def __init__(self) -> None:
        self.kernels: list[str] = []

    def on_start(self, what: event.Event) -> None:
        self.kernels.append(what.data["dispatcher"].py_func.__name__)

    def on_end(self, what: event.Event) -> None:
        pass


@pytest.mark.parametrize("objective", ["coverage", "fairness"])
def test_a_big_run_compiles_nothing_beyond_the_entry_kernels(
    objective: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The argument types :func:`matcher.kernels.entry` declares are those the engine
    passes: once built, a big run (pricing, warm starts, reasons) compiles nothing more."""
    monkeypatch.setattr(engine, "COMPILE_CELLS", 0)
    kernels.compile_kernels()
    people = load_participants(to_csv_bytes(generate_cohort(400, seed=9))).participants
    rejects = [Decision(people[0].email, people[1].email, MentorType.DEVELOPMENTAL, "reject")]
    watch = _Compiles()
    with event.install_listener("numba:compile", watch):
        propose(people, ProgramConfig(objective=objective), rejects)
    assert watch.kernels == []
    for found in kernels.ENTRIES:
        assert found.kernel.signatures == [found.argtypes], found.kernel.py_func.__name__


NO_CACHE = """
import json
from matcher import propose, load_participants
from matcher.kernels import ENTRIES
people = load_participants("sample_data/participants.csv").participants
cached = [found.kernel.stats.cache_path for found in ENTRIES]
print(json.dumps({"pairs": len(propose(people).matches), "cached": cached}))
"""


def test_the_package_imports_and_matches_where_no_cache_folder_is_writable(
    tmp_path: Path,
) -> None:
    """Numba refuses a cached kernel when no folder is writable; mentorloom then compiles
    without a cache instead of failing to import (a read-only install, no home)."""
    unwritable = tmp_path / "a-file"
    unwritable.write_text("", encoding="utf-8")
    only = {"NUMBA_CACHE_LOCATOR_CLASSES": "UserProvidedCacheLocator"}  # no fallback folder
    found = fresh_interpreter(NO_CACHE, cache=unwritable / "numba", **only)
    assert found["pairs"] > 100 and found["cached"] == [None] * len(found["cached"])
    assert found["cached"]


def test_numbas_debug_switch_still_runs_everything_as_plain_python(tmp_path: Path) -> None:
    """``NUMBA_DISABLE_JIT=1`` (numba's debugging switch) makes kernels plain functions:
    building them and running them uncompiled still work."""
    commands = [
        ["compile", "-q"],
        ["match", str(PEOPLE), "--config", str(PROGRAM), "--out-dir", str(tmp_path), "-q"],
    ]
    found = fresh_interpreter(
        CLI_DRIVER, json.dumps(commands), cache=tmp_path / "numba", NUMBA_DISABLE_JIT="1"
    )
    assert found == {"codes": [0, 0], "built": []}


def test_every_entry_kernel_lets_other_threads_run_while_it_works() -> None:
    """A web run's heartbeat is a thread beside the solve: a kernel holding the GIL for
    the tens of seconds of a big solve would stop it, and the run would be taken for dead
    (seen: a 50,000-person run on a busy machine, failed while its solve went on)."""
    held = [
        e.kernel.py_func.__name__
        for e in kernels.ENTRIES
        if not e.kernel.targetoptions.get("nogil")
    ]
    assert held == []


def test_load_cached_kernels_builds_only_what_needs_no_compiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A kernel never cached stops the load before it compiles (a worker process never
    spends a minute compiling); once built, loading is done."""

    def add_one(x: int) -> int:
        return x + 1

    fresh = numba.njit(add_one)  # no disk cache: building it means compiling it
    monkeypatch.setattr(kernels, "ENTRIES", [kernels.Entry(fresh, (numba.int64,))])
    assert not kernels.load_cached_kernels()
    assert not fresh.overloads  # nothing was compiled
    fresh.compile((numba.int64,))
    assert kernels.load_cached_kernels()
