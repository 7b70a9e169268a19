"""OR-Library linear assignment instances (J. E. Beasley) solved through matcher.solver.solve.

Each n x n cost matrix becomes a maximisation: every (row, column) pair is an edge of one
kind with weight ``max cost - cost``, every mentor has capacity 1, objective coverage. A
full matching of greatest weight is a full matching of least cost, so the chosen edges must
cost exactly the published optimum.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from matcher.pruning import solve_pruned
from matcher.solver import solve

ORLIB = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "orlib"

# Known optimal minimum costs, from the benchmark README.
OPTIMA = {100: 305, 200: 475, 300: 626, 400: 804, 500: 991, 600: 1176, 700: 1362, 800: 1552}


def load_costs(n: int) -> np.ndarray:
    """Read ``assign{n}.txt``: n, then the n x n costs row by row as one number stream."""
    path = ORLIB / f"assign{n}.txt"
    if not path.exists():
        message = f"OR-Library instance missing: {path}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    numbers = np.array(path.read_text().split(), dtype=np.int64)
    assert numbers[0] == n and len(numbers) == 1 + n * n, path
    return numbers[1:].reshape(n, n)


# The default path (the assignment) for every instance; the general min-cost flow too where
# it is quick (one type, no pair rule needed: the flow's searches are long on dense rows).
CASES = [(n, "auto") for n in sorted(OPTIMA)] + [(n, "flow") for n in (100, 200, 300)]


@pytest.mark.parametrize(("n", "method"), CASES)
def test_reproduces_the_known_optimum(n: int, method: str) -> None:
    costs = load_costs(n)
    row, column = np.divmod(np.arange(n * n), n)
    flat = costs.ravel()
    kind = np.zeros(n * n, dtype=np.int64)
    chosen = solve(row, column, kind, flat.max() - flat, np.ones(n), method=method)
    assert chosen.sum() == n
    assert flat[chosen].sum() == OPTIMA[n]


@pytest.mark.parametrize("n", [100, 200])
def test_pruned_certified_path_reproduces_the_known_optimum(n: int) -> None:
    """Each row keeps its 3 best columns; certification grows the set to the optimum."""
    costs = load_costs(n)
    row, column = np.divmod(np.arange(n * n), n)
    flat = costs.ravel()
    kind = np.zeros(n * n, dtype=np.int64)
    chosen = solve_pruned(row, column, kind, flat.max() - flat, np.ones(n), keep=3)
    assert chosen.sum() == n
    assert flat[chosen].sum() == OPTIMA[n]
