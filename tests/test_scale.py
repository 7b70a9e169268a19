"""Scale properties of candidate building: pruning keeps few edges and exact statistics."""

from __future__ import annotations

import numpy as np
import pytest

from matcher import ProgramConfig, load_participants
from matcher.candidates import BLOCK_CELLS, build_candidates, chunks
from matcher.cohort import MENTOR_TYPES, encode
from matcher.csv_io import to_csv_bytes
from matcher.engine import RESERVE
from matcher.synthetic import generate_cohort


@pytest.fixture(scope="module")
def cohort():
    people = load_participants(to_csv_bytes(generate_cohort(1_500, seed=5))).participants
    return encode(people)


def test_pruning_keeps_few_edges_and_exact_statistics(cohort) -> None:
    config = ProgramConfig()
    full = build_candidates(cohort, config)
    pruned = build_candidates(cohort, config, keep=RESERVE)
    assert full.unkept is None and not full.pruned and pruned.pruned
    assert len(pruned) < len(full) / 4
    for name in ("mentee", "kind", "offered", "feasible", "below_min", "blocked"):
        assert np.array_equal(getattr(pruned.stats, name), getattr(full.stats, name))
    # every request keeps its best candidate, and what it left out weighs no more than it kept
    request = pruned.mentee * len(MENTOR_TYPES) + pruned.kind
    best = np.zeros(len(cohort) * len(MENTOR_TYPES))
    np.maximum.at(best, request, pruned.score)
    left = pruned.unkept >= 0
    key = pruned.stats.mentee * len(MENTOR_TYPES) + pruned.stats.kind
    assert np.all(pruned.unkept[left] <= np.rint(best[key[left]] * 100))


@pytest.mark.parametrize("width", [1, 4_000, 50_000])
def test_blocks_stay_within_the_cell_budget(width: int) -> None:
    mentees = np.arange(20_000)
    sizes = [len(chunk) for chunk in chunks(mentees, width)]
    assert sum(sizes) == len(mentees)
    assert max(sizes) * width <= BLOCK_CELLS
