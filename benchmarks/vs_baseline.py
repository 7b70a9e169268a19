"""End to end against a baseline build, side by side: ``python -m benchmarks.vs_baseline``.

The baseline is a commit of this repository (by default ``a02fcd4``, the build issue 20
timed at 42 s for 50,000 people), exported with ``git archive`` into a folder of the
system's temporary directory that is kept between runs (with its numba cache). For each
size, a ``mentorloom sample`` cohort is matched by this checkout (A) and by the baseline
(B) in turn, A B A B ..., each a new ``python -m matcher.cli match`` under
``/usr/bin/time -v`` with the same interpreter, after one warm-up run of each (which
builds its compiled kernels). The ratio is A / B pair by pair, and its median is
reported: pairing keeps it meaningful while the shared machine's speed drifts. Both must
choose the same pairs with the same scores and leave the same requests open (the
reasons' wording may differ between builds). The table goes to docs/performance.md.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pandas as pd

from benchmarks.doc_blocks import write_block
from benchmarks.run import ROOT, STEPS, match, sample

BASELINE = "a02fcd4"
#: Seconds issue 20 measured for 50,000 people on the baseline; a ratio times this is
#: the time the issue's machine would take.
ISSUE_SECONDS = 42.0
HEADING = "## End to end against the baseline build, side by side"


def export(revision: str) -> Path:
    """The source tree of ``revision``, exported once into a kept temporary folder."""
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{revision}^{{commit}}"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    folder = Path(tempfile.gettempdir()) / f"mentorloom-{sha[:12]}"
    if not (folder / "matcher").is_dir():
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", sha],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
    return folder


def outcome(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pairs with their scores, and the open requests, of a run's CSVs."""
    matches = pd.read_csv(out / "matches.csv")
    unmatched = pd.read_csv(out / "unmatched.csv")
    return (
        matches[["mentee_email", "mentor_email", "mentor_type", "score"]],
        unmatched[["mentee_email", "mentor_type"]],
    )


def same_outcome(ours: Path, theirs: Path) -> bool:
    """True when both runs chose the same pairs, scores and open requests.

    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "matches.csv").write_text(
    ...     "mentee_email,mentor_email,mentor_type,score,reasons\\na,b,expertise,1.5,x\\n"
    ... )
    >>> _ = (folder / "unmatched.csv").write_text("mentee_email,mentor_type,reason\\n")
    >>> same_outcome(folder, folder)
    True
    """
    return all(a.equals(b) for a, b in zip(outcome(ours), outcome(theirs), strict=True))


def compare(people: int, baseline: Path, folder: Path, runs: int, timeout: float) -> dict:
    """``runs`` pairs of runs (ours, then the baseline's) of a ``people`` cohort."""
    path = sample(people, folder)
    trees = {"ours": ROOT, "baseline": baseline}
    rows: dict[str, list[dict | None]] = {name: [] for name in trees}
    for k in range(runs + 1):  # run 0 warms up: kernels built or loaded from the cache
        for name, tree in trees.items():
            row = match(path, folder / f"{name}_{people}", timeout, tree)
            print(f"{people} {name} run {k}: {row and round(row['wall'], 2)}", flush=True)
            if k:
                rows[name].append(row)
    same = same_outcome(folder / f"ours_{people}", folder / f"baseline_{people}")
    return {"people": people, "same": same, **rows}


def _median(rows: list[dict], key: str) -> float:
    return statistics.median(row.get(key, 0.0) for row in rows)


def table(results: list[dict], timeout: float) -> str:
    """The comparison as a markdown table: medians, ratios, peaks, outcome."""
    steps = " | ".join(f"{s} ours / base" for s in STEPS)
    head = (
        f"| people | runs | ours s | baseline s | ratio ours / baseline (min–max) | "
        f"ratio × {ISSUE_SECONDS:.0f} s | {steps} | peak RSS GB ours / base | same pairs |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for result in results:
        ours, base = result["ours"], result["baseline"]
        if not all(ours) or not all(base):
            lines.append(f"| {result['people']:,} | did not finish within {timeout:.0f} s |")
            continue
        ratios = [a["wall"] / b["wall"] for a, b in zip(ours, base, strict=True)]
        ratio = statistics.median(ratios)
        step = " | ".join(f"{_median(ours, s):.2f} / {_median(base, s):.2f}" for s in STEPS)
        lines.append(
            f"| {result['people']:,} | {len(ours)} | {_median(ours, 'wall'):.2f} | "
            f"{_median(base, 'wall'):.2f} | **{ratio:.3f}** ({min(ratios):.3f}–"
            f"{max(ratios):.3f}) | {ratio * ISSUE_SECONDS:.1f} | {step} | "
            f"{_median(ours, 'rss_gb'):.2f} / {_median(base, 'rss_gb'):.2f} | "
            f"{'yes' if result['same'] else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="a commit of this repository")
    parser.add_argument("--sizes", type=int, nargs="*", default=[50_000])
    parser.add_argument("--runs", type=int, default=3, help="pairs of runs per size")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args(argv)
    baseline = export(args.baseline)
    with tempfile.TemporaryDirectory() as tmp:
        results = [
            compare(people, baseline, Path(tmp), args.runs, args.timeout) for people in args.sizes
        ]
    text = table(results, args.timeout)
    print(text)
    label = f"this checkout vs {args.baseline}"
    write_block(args.output, "vs_baseline", HEADING, label, text)


if __name__ == "__main__":
    sys.exit(main())
