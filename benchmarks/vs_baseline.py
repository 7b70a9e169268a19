"""End to end against a baseline build, side by side: ``python -m benchmarks.vs_baseline``.

The baseline is a commit of this repository (see :mod:`benchmarks.baseline`). For each
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
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.baseline import BASELINE, ISSUE_SECONDS, export, same_outcome
from benchmarks.doc_blocks import write_block
from benchmarks.run import ROOT, STEPS, match, sample

HEADING = "## End to end against the baseline build, side by side"


def compare(
    people: int, baseline: Path, folder: Path, runs: int, timeout: float, warmup: int = 1
) -> dict:
    """``warmup`` and then ``runs`` pairs of runs (ours, then the baseline's) of a
    ``people`` cohort; the warm-up runs build or load the compiled kernels, uncounted."""
    path = sample(people, folder)
    trees = {"ours": ROOT, "baseline": baseline}
    rows: dict[str, list[dict | None]] = {name: [] for name in trees}
    for k in range(warmup + runs):
        for name, tree in trees.items():
            row = match(path, folder / f"{name}_{people}", timeout, tree)
            print(f"{people} {name} run {k}: {row and round(row['wall'], 2)}", flush=True)
            if k >= warmup:
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
    parser.add_argument("--warmup", type=int, default=1, help="uncounted pairs first")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args(argv)
    baseline = export(args.baseline)
    with tempfile.TemporaryDirectory() as tmp:
        results = [
            compare(people, baseline, Path(tmp), args.runs, args.timeout, args.warmup)
            for people in args.sizes
        ]
    text = table(results, args.timeout)
    print(text)
    label = f"this checkout vs {args.baseline}"
    write_block(args.output, "vs_baseline", HEADING, label, text)


if __name__ == "__main__":
    sys.exit(main())
