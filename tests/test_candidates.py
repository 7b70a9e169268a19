"""Candidate building in blocks against the same rules and scores evaluated triple by triple.

``build_candidates`` counts blocked mentors per rule from whole-block masks, scores only
the cells every rule lets through and selects each request's best with a compiled kernel;
here every number it reports is recomputed from :func:`matcher.cohort.pairwise` triples.
"""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher import candidates
from matcher.best import best_per_row
from matcher.candidates import (
    RULE_NAMES,
    are_candidates,
    build_candidates,
    count_candidates,
    weights,
)
from matcher.cohort import MENTOR_TYPES, encode, pairwise
from matcher.constraints import feasible, violations
from matcher.scoring import combine, score
from tests.strategies import SMALL_SEEDS, configs, participants, random_rejected

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _per_triple(cohort, config, rejected, kind: int, mentee: int):
    """Rule masks, feasibility, scores and scores before bonuses (which the minimum applies
    to) of one request against every mentor of its type."""
    mentors = cohort.mentors_offering(MENTOR_TYPES[kind])
    pairs = pairwise(cohort, np.full(len(mentors), mentee), mentors)
    found = violations(pairs, MENTOR_TYPES[kind], config, rejected)
    scores, values = score(pairs, MENTOR_TYPES[kind], config)
    base = np.broadcast_to(combine(values, MENTOR_TYPES[kind], config), pairs.shape)
    return mentors, found, feasible(found, pairs.shape), scores, base


@SETTINGS
@given(
    people=participants(max_size=12),
    config=configs(),
    keep=st.sampled_from((None, 1, 2, 3)),
    seed=SMALL_SEEDS,
    compiled=st.booleans(),
)
def test_block_statistics_and_kept_triples_equal_per_triple_evaluation(
    people, config, keep, seed, compiled
) -> None:
    cohort = encode(people)
    rejected = random_rejected(cohort, seed)
    found = build_candidates(cohort, config, rejected, keep=keep, compiled=compiled)
    stats = found.stats
    triples = zip(found.mentee.tolist(), found.mentor.tolist(), found.kind.tolist(), strict=True)
    kept = set(triples)
    expected_kept = set()
    requests = zip(stats.mentee.tolist(), stats.kind.tolist(), strict=True)
    for r, (mentee, kind) in enumerate(requests):
        if not len(cohort.mentors_offering(MENTOR_TYPES[kind])):
            assert stats.offered[r] == stats.blocked[r].sum() == 0
            continue
        mentors, masks, ok, scores, base = _per_triple(cohort, config, rejected, kind, mentee)
        other = mentors != mentee
        assert stats.offered[r] == other.sum()
        assert stats.feasible[r] == ok.sum()
        assert stats.below_min[r] == (ok & (base < config.min_score)).sum()
        for k, name in enumerate(RULE_NAMES):
            expected = (masks[name] & other).sum() if name in masks else 0
            assert stats.blocked[r, k] == expected
        candidate = ok & (base >= config.min_score)
        weight = weights(scores)
        ranked = np.sort(weight[candidate])[::-1]
        cut = ranked[keep - 1] if keep is not None and len(ranked) > keep else -1
        expected_kept |= {(mentee, int(m), kind) for m in mentors[candidate & (weight >= cut)]}
        if keep is not None:
            left = weight[candidate & (weight < cut)]
            assert found.unkept[r] == (left.max() if len(left) else -1)
        # the counts the unmatched reasons use, compiled and not, agree with the same
        # evaluation triple by triple (the oracle)
        for by_kernel in (True, False):
            assert count_candidates(
                cohort, config, rejected, kind, np.array([mentee]), mentors, by_kernel
            ).tolist() == [candidate.sum()]
            assert np.array_equal(
                are_candidates(
                    cohort,
                    config,
                    rejected,
                    np.full(len(mentors), mentee),
                    mentors,
                    np.full(len(mentors), kind),
                    by_kernel,
                ),
                candidate,
            )
    assert kept == expected_kept
    assert found.unkept is None if keep is None else len(found.unkept) == len(stats.mentee)


@SETTINGS
@given(
    people=participants(max_size=12),
    config=configs(),
    seed=SMALL_SEEDS,
    together=st.integers(1, 6),
    compiled=st.booleans(),
)
def test_triples_checked_in_blocks_of_several_mentees_equal_per_triple_evaluation(
    people, config, seed, together, compiled
) -> None:
    """Every triple of the cohort, shuffled and some twice, asked of ``are_candidates`` at
    once, whose blocks then hold several mentees each (the fewer triples a block takes,
    the more blocks): each answer is that of the triple evaluated alone."""
    cohort = encode(people)
    rejected = random_rejected(cohort, seed)
    triples, expected = [], []
    for kind, mentor_type in enumerate(MENTOR_TYPES):
        if not len(cohort.mentors_offering(mentor_type)):
            continue
        for mentee in cohort.mentees_seeking(mentor_type).tolist():
            mentors, _, ok, _, base = _per_triple(cohort, config, rejected, kind, mentee)
            triples += [(mentee, mentor, kind) for mentor in mentors.tolist()]
            expected += (ok & (base >= config.min_score)).tolist()
    order = np.random.default_rng(seed).integers(0, len(triples), 2 * len(triples))
    asked = np.array(triples, dtype=np.int64).reshape(-1, 3)[order]
    with patch.object(candidates, "CHECKED_TOGETHER", together):
        found = are_candidates(cohort, config, rejected, *asked.T[[0, 1, 2]], compiled)
    assert found.tolist() == np.array(expected, dtype=bool)[order].tolist()


@given(
    rows=st.lists(st.lists(st.integers(0, 6), max_size=12), min_size=1, max_size=6),
    keep=st.integers(1, 5),
)
@settings(max_examples=200, deadline=None)
def test_best_keeps_each_rows_top_values_with_ties(rows: list[list[int]], keep: int) -> None:
    row = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    values = np.array([v for r in rows for v in r], dtype=np.int64)
    kept, left = best_per_row(row, values, keep, len(rows))
    for r, vals in enumerate(rows):
        ranked = sorted(vals, reverse=True)
        cut = ranked[keep - 1] if len(ranked) > keep else -1
        assert kept[row == r].tolist() == [v >= cut for v in vals]
        assert left[r] == max((v for v in vals if v < cut), default=-1)
