"""One command for every benchmark: ``python -m benchmarks.run`` writes docs/performance.md.

Installs the ``bench`` extra when missing (OR-Tools, mentor-match 7.0.1, pyinstrument; for
comparison only), then measures, side by side in one run on this machine:

1. end to end, ``mentorloom sample`` cohorts of each size through ``mentorloom match``:
   wall time per step, peak RSS, requests filled, total score (one run per size; sizes
   that do not finish within ``--timeout`` seconds are reported as such), each size then
   run by the baseline build (``--baseline``, :mod:`benchmarks.baseline`) right after, with
   the ratio ours / baseline and whether both chose the same pairs;
2. solver ratios vs OR-Tools ``SimpleMinCostFlow`` on the same instances (medians of 3,
   the optimal count and weight must agree to the unit);
3. ``mentorloom match`` vs ``mentor-match`` on a 1,200 + 1,200 one-type cohort;
4. a pyinstrument profile of one end-to-end run.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import operator
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import scipy

from benchmarks.baseline import BASELINE, export, same_outcome
from benchmarks.instances import Instance, network, ortools_solve
from benchmarks.script import mentorloom_command
from matcher.solver import solve

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("read", "rules", "scores", "solve", "explain", "write")
MARKER = "<!-- analysis: kept by benchmarks/run.py -->"
#: ``mentorloom`` of this interpreter's install, whether or not its virtualenv is active.
MENTORLOOM = mentorloom_command()


def ensure_bench_extra() -> None:
    """Install the ``bench`` extra with pip when one of its packages is missing."""
    needed = ("ortools", "matching", "pyinstrument")
    if all(importlib.util.find_spec(name) for name in needed):
        return
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"{ROOT}[bench]"], check=True)


def machine() -> list[str]:
    """Lines describing this machine and the library versions."""
    cpu = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = names[0] if names else cpu
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    from ortools import __version__ as ortools_version

    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {memory:.0f} GiB; shared and noisy",
        f"- {platform.platform()}; Python {platform.python_version()}",
        f"- numpy {np.__version__}, scipy {scipy.__version__}, pandas {pd.__version__}, "
        f"OR-Tools {ortools_version}, mentor-match 7.0.1",
    ]


# --- 1. end to end ------------------------------------------------------------------------


def sample(people: int, folder: Path) -> Path:
    """A synthetic cohort CSV from ``mentorloom sample``."""
    path = folder / f"cohort_{people}.csv"
    subprocess.run(
        [*MENTORLOOM, "sample", "--people", str(people), "--seed", "1", "-q", "-o", str(path)],
        check=True,
    )
    return path


def match(
    path: Path, out: Path, timeout: float, tree: Path | None = None
) -> dict[str, float] | None:
    """Run ``mentorloom match`` under ``/usr/bin/time -v``: step times, RSS, results.

    ``tree``: run the source tree of another build (a baseline) with this interpreter,
    ``python -m matcher.cli`` from that folder; None runs :data:`MENTORLOOM`.
    """
    cli = MENTORLOOM if tree is None else [sys.executable, "-m", "matcher.cli"]
    command = ["/usr/bin/time", "-v", *cli, "match", str(path), "-o", str(out)]
    env = None if tree is None else {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=tree, env=env
        )
    except subprocess.TimeoutExpired:
        return None
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    table = done.stdout.split("wall time", 1)[1]
    row: dict[str, float] = {
        name: float(value) for name, value in re.findall(r"^\s+(\w+)\s+([\d.]+)$", table, re.M)
    }
    row["wall"] = wall
    row["rss_gb"] = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)[1])
    row["rss_gb"] /= 2**20
    matches = pd.read_csv(out / "matches.csv")
    row["filled"] = len(matches)
    row["score"] = float(matches.score.sum())
    row["requests"] = len(matches) + len(pd.read_csv(out / "unmatched.csv"))
    return row


def end_to_end(
    sizes: list[int], folder: Path, timeout: float, baseline: Path | None = None
) -> dict[int, dict | None]:
    """``mentorloom match`` of each size, on a machine that compiled the engine already
    (``mentorloom compile`` first; a first run's compiling is timed by
    ``benchmarks/first_run.py``).

    With a ``baseline`` source tree (:func:`benchmarks.baseline.export`), each size is
    then matched by the baseline too, right after (its kernels built by an uncounted
    first run): its wall time under ``"baseline"``, ``"ratio"`` ours / baseline, and
    ``"same"`` whether both chose the same pairs and scores.
    """
    subprocess.run([*MENTORLOOM, "compile", "--quiet"], check=True)
    if baseline is not None:
        match(sample(min(sizes), folder), folder / "warm_up", timeout, baseline)
    results = {}
    for people in sizes:
        path = sample(people, folder)
        row = results[people] = match(path, folder / f"out_{people}", timeout)
        if row is not None and baseline is not None:
            theirs = match(path, folder / f"baseline_{people}", timeout, baseline)
            row["baseline"] = theirs["wall"] if theirs else None
            row["ratio"] = row["wall"] / theirs["wall"] if theirs else None
            row["same"] = bool(theirs) and same_outcome(
                folder / f"out_{people}", folder / f"baseline_{people}"
            )
        print(f"end to end {people}: {row}", flush=True)
    return results


# --- 2. solver ratios ---------------------------------------------------------------------


def median_time(run: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(3):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def ours(inst: Instance) -> tuple[int, int]:
    chosen = solve(inst.mentee, inst.mentor, inst.kind, inst.weight, inst.capacity)
    return int(chosen.sum()), int(inst.weight[chosen].sum())


def solver_instances() -> list[Instance]:
    return [
        network("developmental network, sparse 10k x 4k", 10_000, 4_000, kinds=3,
                per_request=10, max_capacity=3, seed=1),
        network("developmental network, dense 2k x 1k", 2_000, 1_000, kinds=3,
                per_request=250, max_capacity=3, seed=2),
        network("one type with capacities, sparse 20k x 8k", 20_000, 8_000, kinds=1,
                per_request=10, max_capacity=5, seed=3),
    ]  # fmt: skip


def solver_ratios() -> list[tuple[str, str, float, float, tuple[int, int], bool]]:
    rows = []
    for inst in solver_instances():
        theirs_time, theirs = median_time(lambda inst=inst: ortools_solve(inst))
        ours_time, mine = median_time(lambda inst=inst: ours(inst))
        rows.append((inst.name, inst.size, ours_time, theirs_time, mine, mine == theirs))
        print(f"solver {inst.name}: ours {ours_time:.2f}s, OR-Tools {theirs_time:.2f}s", flush=True)
    return rows


# --- 3. versus mentor-match -----------------------------------------------------------------


def one_type_cohort(pairs: int) -> pd.DataFrame:
    """``pairs`` mentors (capacity 1) and ``pairs`` mentees, all developmental."""
    from matcher.synthetic import generate_cohort

    frame = generate_cohort(2 * pairs, seed=4)
    mentor = np.arange(len(frame)) < pairs
    frame["role"] = np.where(mentor, "mentor", "mentee")
    frame["offers"] = np.where(mentor, "developmental", "")
    frame["seeks"] = np.where(mentor, "", "developmental")
    frame["capacity"] = np.where(mentor, "1", "")
    return frame


def mentor_match_run(frame: pd.DataFrame) -> int:
    """One round of mentor-match (Munkres) on the same people; returns the matches."""
    from matching.mentee import Mentee
    from matching.mentor import Mentor
    from matching.process import process_data
    from matching.rules import rule

    def person(cls: type, row: pd.Series) -> object:
        return cls(
            email=row.email, grade=int(row.level or 0), organisation=row.organization,
            profession=row.function, role=row.department,
        )  # fmt: skip

    mentors = [person(Mentor, r) for r in frame[frame.role == "mentor"].itertuples()]
    mentees = [person(Mentee, r) for r in frame[frame.role == "mentee"].itertuples()]
    rules = [
        [
            rule.Disqualify(lambda m: m.mentor.role == m.mentee.role),
            rule.Grade(1, operator.ge, {True: 6, False: 0}),
            rule.Equivalent("profession", {True: 4, False: 0}),
            rule.UnmatchedBonus(50),
        ]
    ]
    mentors, _ = process_data(mentors, mentees, rules)
    return sum(len(m.mentees) for m in mentors)


def versus_mentor_match(folder: Path, pairs: int) -> tuple[float, float, int, int]:
    frame = one_type_cohort(pairs)
    path = folder / "one_type.csv"
    frame.to_csv(path, index=False)
    ours_time, ours_row = median_time(lambda: match(path, folder / "out_one_type", 3600))
    theirs_time, theirs_count = median_time(lambda: mentor_match_run(frame))
    print(f"vs mentor-match: ours {ours_time:.2f}s, theirs {theirs_time:.2f}s", flush=True)
    return ours_time, theirs_time, int(ours_row["filled"]), int(theirs_count)


# --- 4. profile -----------------------------------------------------------------------------


def profile(people: int, folder: Path) -> str:
    """pyinstrument text of one ``propose`` on a ``people`` cohort (the slowest frames)."""
    from pyinstrument import Profiler

    from matcher import load_participants, propose

    participants = load_participants(sample(people, folder).read_bytes()).participants
    profiler = Profiler()
    profiler.start()
    propose(participants)
    profiler.stop()
    return profiler.output_text(unicode=False, color=False, show_all=False)


# --- report ---------------------------------------------------------------------------------


def exponent(results: dict[int, dict | None]) -> str:
    done = sorted(n for n, row in results.items() if row)
    if len(done) < 2:
        return "not measured (fewer than two sizes finished)"
    low, high = (5_000 if 5_000 in done else done[0]), done[-1]
    if low == high:
        low = done[0]
    slope = math.log(results[high]["wall"] / results[low]["wall"]) / math.log(high / low)
    return f"{slope:.2f} (total wall time, {low:,} -> {high:,} people)"


def report(
    machine_lines, e2e, timeout, solver_rows, versus, profile_size, profile_text, baseline_name=""
) -> str:
    lines = ["# Performance", "", "Measured by `python -m benchmarks.run` in one run.", ""]
    lines += ["## Machine", "", *machine_lines, ""]
    lines += ["## End to end: `mentorloom match` on `mentorloom sample` cohorts", ""]
    head = "| people | requests | filled | total score | " + " | ".join(STEPS)
    head += " | (pricing) | total s | peak RSS GB | baseline s | ratio | same pairs |"
    lines += [head, "|" + "---|" * (head.count("|") - 1)]
    for people, row in e2e.items():
        if row is None:
            lines.append(f"| {people:,} | did not finish within {timeout:.0f} s |")
            continue
        steps = " | ".join(f"{row.get(s, 0):.2f}" for s in STEPS)
        versus_base = "| – | – | – |"
        if "baseline" in row:
            versus_base = (
                f"| {row['baseline']:.2f} | **{row['ratio']:.3f}** | "
                f"{'yes' if row['same'] else 'NO'} |"
                if row["baseline"]
                else f"| did not finish within {timeout:.0f} s | – | – |"
            )
        lines.append(
            f"| {people:,} | {row['requests']:,} | {row['filled']:,} | {row['score']:,.2f} | "
            f"{steps} | {row.get('pricing', 0):.2f} | {row['wall']:.2f} | {row['rss_gb']:.2f} "
            f"{versus_base}"
        )
    if any(row and "baseline" in row for row in e2e.values()):
        lines += [
            "",
            f"Baseline: commit `{baseline_name}`, each size run right after ours in this run; "
            "ratio = ours / baseline (below 1: faster).",
        ]
    lines += ["", f"Growth exponent of the total time: {exponent(e2e)}.", ""]
    lines += ["## Solver vs OR-Tools `SimpleMinCostFlow` (medians of 3, side by side)", ""]
    lines += [
        "| instance | size | ours s | OR-Tools s | ratio | same optimum |",
        "|---|---|---|---|---|---|",
    ]
    for name, size, mine, theirs, value, same in solver_rows:
        lines.append(
            f"| {name} | {size} | {mine:.3f} | {theirs:.3f} | {mine / theirs:.2f}x | "
            f"{'yes' if same else 'NO'} {value} |"
        )
    if versus:
        ours_time, theirs_time, ours_filled, theirs_filled = versus
        lines += [
            "",
            "## End to end vs `mentor-match` 7.0.1, 1,200 mentors + 1,200 mentees, one type",
            "",
            f"`mentorloom match` {ours_time:.2f} s ({ours_filled} matches, whole CLI run "
            f"including Python start-up), mentor-match {theirs_time:.2f} s ({theirs_filled} "
            f"matches, Munkres, in process): **{theirs_time / ours_time:.1f}x faster**.",
        ]
    if profile_text:
        lines += ["", f"## Profile of `propose` on {profile_size:,} people (pyinstrument)", ""]
        lines += ["```", profile_text.strip(), "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=[1_000, 5_000, 10_000, 20_000, 50_000]
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per size")
    parser.add_argument("--profile", type=int, default=10_000, help="people (0: none)")
    parser.add_argument("--pairs", type=int, default=1_200, help="mentor-match size (0: none)")
    parser.add_argument("--no-solver", action="store_true", help="skip the OR-Tools ratios")
    parser.add_argument(
        "--baseline",
        default=BASELINE,
        help="commit the end-to-end runs are compared with ('': none)",
    )
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args(argv)
    ensure_bench_extra()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lines = machine()
        solver_rows = [] if args.no_solver else solver_ratios()
        versus = versus_mentor_match(folder, args.pairs) if args.pairs else None
        baseline = export(args.baseline) if args.baseline else None
        e2e = end_to_end(args.sizes, folder, args.timeout, baseline)
        text = profile(args.profile, folder) if args.profile else ""
    body = report(lines, e2e, args.timeout, solver_rows, versus, args.profile, text, args.baseline)
    print(body)
    previous = args.output.read_text() if args.output.exists() else ""
    if MARKER in previous:  # keep the hand-written analysis below the marker
        body += "\n" + MARKER + previous.split(MARKER, 1)[1]
    args.output.write_text(body)


if __name__ == "__main__":
    main()
