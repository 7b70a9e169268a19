"""Where compiling starts to pay: ``propose`` uncompiled against compiled, by cohort size.

For each ``mentorloom sample`` size and objective, a new Python process times one
``matcher.propose`` (reading and encoding excluded) with every kernel run uncompiled
(numpy and the kernels' plain Python) and with the compiled kernels loaded from numba's
cache, as a command-line run on a machine that compiled them once would. Medians of
``--repeat`` processes; ``matcher.engine.COMPILE_CELLS`` is set from these figures::

    .venv/bin/python -m benchmarks.compile_threshold
    .venv/bin/python -m benchmarks.compile_threshold --sizes 150 250 400 --repeat 5

The kernels are compiled first (``mentorloom compile``) so that no process compiles.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

from matcher.kernels import compile_kernels

# One process: read and encode the cohort, then time propose with COMPILE_CELLS forced.
DRIVER = """
import json, sys, time
from matcher import ProgramConfig, engine, generate_cohort, load_participants, propose
from matcher.cohort import encode
from matcher.csv_io import to_csv_bytes
people, objective, compiled = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "compiled"
found = load_participants(to_csv_bytes(generate_cohort(people, seed=1))).participants
engine.COMPILE_CELLS = -1 if compiled else 10**15
started, cpu = time.perf_counter(), time.process_time()
propose(found, ProgramConfig(objective=objective))
print(json.dumps({"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                  "cells": sum(engine._cells(encode(found)))}))
"""


def once(people: int, objective: str, mode: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(people), objective, mode],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[150, 200, 250, 300, 400, 600])
    parser.add_argument("--objectives", nargs="*", default=["coverage", "fairness"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    compile_kernels()
    print("| people | cells | objective | uncompiled s (CPU) | compiled, from the cache s (CPU) |")
    print("|---|---|---|---|---|")
    for people in args.sizes:
        for objective in args.objectives:
            cells, cell = 0, []
            for mode in ("uncompiled", "compiled"):
                runs = [once(people, objective, mode) for _ in range(args.repeat)]
                cells = int(runs[0]["cells"])
                wall = statistics.median(r["wall"] for r in runs)
                cpu = statistics.median(r["cpu"] for r in runs)
                cell.append(f"{wall:.2f} ({cpu:.2f})")
            print(f"| {people:,} | {cells:,} | {objective} | {cell[0]} | {cell[1]} |", flush=True)


if __name__ == "__main__":
    main()
