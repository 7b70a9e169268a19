"""The compiled rules and scores passes against :mod:`matcher.constraints` and
:mod:`matcher.scoring`, which define them: the same blocked cells per rule and scores equal
to the last bit, on hypothesis cohorts and on synthetic ones, with random configs and
weights; and each rule and criterion of those tables has its line in the passes."""

from __future__ import annotations

import inspect
import re
from collections import Counter
from dataclasses import replace
from itertools import product

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from matcher import blockscan, load_participants
from matcher.blockscan import NumpyPasses, Reach, scan_tables
from matcher.cohort import MENTOR_TYPES, block, encode
from matcher.config import DEFAULT_WEIGHTS, ProgramConfig
from matcher.constraints import RULES, feasible, violations
from matcher.csv_io import to_csv_bytes
from matcher.kernels import ENTRIES
from matcher.schema import MentorType, Participant, Role
from matcher.scoring import CRITERIA, combine, score
from matcher.synthetic import generate_cohort
from tests.strategies import SMALL_SEEDS, configs, participants, random_rejected


def assert_same_as_numpy(cohort, config, rejected) -> int:
    """Compare both passes with the numpy rules and scores on every cell of every type;
    return how many feasible cells were compared."""
    compared = 0
    for mentor_type in MENTOR_TYPES:
        mentees = cohort.mentees_seeking(mentor_type)
        mentors = cohort.mentors_offering(mentor_type)
        if not len(mentees) or not len(mentors):
            continue
        tables = scan_tables(cohort, mentor_type, config, rejected)
        ok, offered, feasible_count, blocked = tables.rules(mentees, mentors)
        pairs = block(cohort, mentees, mentors)
        found = violations(pairs, mentor_type, config, rejected)
        expected_ok = feasible(found, pairs.shape)
        assert np.array_equal(ok, expected_ok)
        other = mentees[:, None] != mentors[None, :]
        assert np.array_equal(offered, other.sum(axis=1))
        assert np.array_equal(feasible_count, expected_ok.sum(axis=1))
        for rule in RULES:
            expected = (found[rule.name] & other).sum(axis=1) if rule.name in found else 0
            expected = np.broadcast_to(expected, len(mentees))
            assert np.array_equal(blocked[:, rule.bit], expected), rule.name
        row, column, scores, below, left = tables.scores(mentees, mentors, ok)
        assert np.array_equal(left, np.full(len(mentees), -1))
        expected_scores, values = score(pairs, mentor_type, config)
        base = np.broadcast_to(combine(values, mentor_type, config), pairs.shape)
        wanted = expected_ok & (base >= config.min_score)  # the minimum is before bonuses
        expected_row, expected_column = np.nonzero(wanted)
        assert np.array_equal(row, expected_row) and np.array_equal(column, expected_column)
        # bit for bit, not approximately
        assert scores.tobytes() == expected_scores[wanted].tobytes()
        assert np.array_equal(below, (expected_ok & ~wanted).sum(axis=1))
        numpy_passes = NumpyPasses(cohort, mentor_type, config, rejected)
        for passes, keep in product((tables, numpy_passes), (1, 2, 5)):
            found = passes.scores(mentees, mentors, ok, keep=keep)
            assert_keeps_each_rows_best(found, wanted, expected_scores, below, keep)
        compared += int(expected_ok.sum())
    return compared


def assert_keeps_each_rows_best(found, wanted, expected_scores, below, keep: int) -> None:
    """``found`` (a scores pass with ``keep``) holds each row's cells of ``wanted`` weighing
    at least the row's ``keep``-th greatest weight (hundredths; ties kept, every cell when
    the row has no more than ``keep``) and the greatest weight left out (-1 when none)."""
    weight = np.rint(np.broadcast_to(expected_scores, wanted.shape) * 100).astype(np.int64)
    cut = np.full(len(wanted), np.iinfo(np.int64).min)
    left = np.full(len(wanted), -1)
    for r in range(len(wanted)):
        ranked = sorted(weight[r, wanted[r]], reverse=True)
        if len(ranked) > keep:
            cut[r] = ranked[keep - 1]
            left[r] = max((w for w in ranked if w < cut[r]), default=-1)
    kept = wanted & (weight >= cut[:, None])
    row, column, scores, found_below, found_left = found
    assert np.array_equal(row, np.nonzero(kept)[0]) and np.array_equal(column, np.nonzero(kept)[1])
    scores_expected = np.broadcast_to(expected_scores, wanted.shape)[kept]
    assert scores.tobytes() == scores_expected.tobytes()
    assert np.array_equal(found_below, below) and np.array_equal(found_left, left)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=participants(max_size=12), config=configs(), seed=SMALL_SEEDS)
def test_passes_equal_the_numpy_rules_and_scores(people, config, seed) -> None:
    cohort = encode(people)
    rejected = random_rejected(cohort, seed)
    assert_same_as_numpy(cohort, config, rejected)


@pytest.mark.parametrize("seed", [3, 11])
def test_passes_equal_numpy_on_a_synthetic_cohort(seed: int) -> None:
    people = load_participants(to_csv_bytes(generate_cohort(400, seed=seed))).participants
    rng = np.random.default_rng(seed)
    weights = {t: {k: float(rng.choice([0.0, 1 / 3, 7.1, 40.0])) for k in w}
               for t, w in DEFAULT_WEIGHTS.items()}  # fmt: skip
    for w in weights.values():
        w["timezone"] = 15.0
    config = ProgramConfig(max_timezone_gap_hours=4.0, block_boss_peers=True, weights=weights)
    assert assert_same_as_numpy(encode(people), config, None) > 5_000
    assert assert_same_as_numpy(encode(people), ProgramConfig(min_score=60.0), None) > 5_000


def test_tag_lists_longer_than_one_word_of_bits_are_counted_whole() -> None:
    tags = tuple(f"skill{k}" for k in range(150))
    mentee = Participant(
        "e@x.org", "E", Role.MENTEE, seeks=("expertise",), expertise_wanted=tags[:130]
    )
    mentor = Participant("m@x.org", "M", Role.MENTOR, offers=("expertise",), expertise=tags[10:])
    cohort = encode([mentee, mentor])
    tables = scan_tables(cohort, MentorType.EXPERTISE, ProgramConfig(), None)
    ok, *_ = tables.rules(np.array([0]), np.array([1]))
    _, _, scores, *_ = tables.scores(np.array([0]), np.array([1]), ok)
    assert cohort.expertise.bits.shape[1] > 1
    assert scores.tolist() == score(block(cohort, [0], [1]), MentorType.EXPERTISE,
                                    ProgramConfig())[0].ravel().tolist()  # fmt: skip


def source(function) -> str:
    return inspect.getsource(getattr(function, "py_func", function))


def passes() -> str:
    """The source of the passes: the kernels of :mod:`matcher.blockscan` that Python calls."""
    kernels = [found.kernel for found in ENTRIES]
    return "".join(source(k) for k in kernels if k.__module__ == blockscan.__name__)


def rule_lines() -> Counter:
    """How many lines of the passes set each rule's bit: in the kernels, or for the listed
    pairs, in the tables they read."""
    text = passes() + source(blockscan.scan_tables)
    return Counter(re.findall(r"<< (?:bit|BIT)\.(\w+)", text))


def test_each_rule_has_one_line_in_the_rules_pass_and_the_pass_no_other() -> None:
    assert rule_lines() == Counter(rule.name for rule in RULES if rule.compiled)
    assert [rule.bit for rule in RULES] == list(range(len(RULES))) and len(RULES) < 63


def test_each_criterion_has_its_branch_in_the_scores_pass_and_the_pass_no_other() -> None:
    branches = set(re.findall(r"c == slot\.(\w+)", passes()))
    assert branches == set(CRITERIA)
    assert [c.slot for c in CRITERIA.values()] == list(range(len(CRITERIA)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=participants(max_size=8), config=configs(), seed=SMALL_SEEDS)
def test_each_cell_is_blocked_by_exactly_the_rules_that_block_it_in_numpy(
    people, config, seed
) -> None:
    """Cell by cell (a 1 x 1 block each), the pass blocks it by the rules whose checks do."""
    cohort = encode(people)
    rejected = random_rejected(cohort, seed)
    for mentor_type in MENTOR_TYPES:
        tables = scan_tables(cohort, mentor_type, config, rejected)
        for mentee in range(len(cohort)):
            for mentor in range(len(cohort)):
                if mentee == mentor:
                    continue
                _, _, _, blocked = tables.rules(np.array([mentee]), np.array([mentor]))
                pairs = block(cohort, [mentee], [mentor])
                found = violations(pairs, mentor_type, config, rejected)
                expected = [int(found[r.name][0, 0]) if r.name in found else 0 for r in RULES]
                assert blocked[0].tolist() == expected, (mentor_type, mentee, mentor)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=participants(max_size=10), config=configs())
def test_each_criterion_alone_scores_as_in_numpy(people, config) -> None:
    cohort = encode(people)
    for criterion in CRITERIA:
        weights = {  # the criterion alone in each type that has it
            t: {k: float(k == criterion) for k in w} if criterion in w else w
            for t, w in config.weights.items()
        }
        assert_same_as_numpy(cohort, replace(config, weights=weights, min_score=0.0), None)


def test_a_criterion_scoring_does_not_define_is_refused() -> None:
    cohort = encode([Participant("e@x.org", "E", Role.MENTEE, seeks=("expertise",))])
    weights = {t: dict(w) for t, w in DEFAULT_WEIGHTS.items()}
    weights[MentorType.EXPERTISE]["hobbies"] = 5.0
    with pytest.raises(ValueError, match="hobbies"):
        scan_tables(cohort, MentorType.EXPERTISE, ProgramConfig(weights=weights), None)


def test_reach_returns_exactly_the_cells_that_could_be_near() -> None:
    people = load_participants(to_csv_bytes(generate_cohort(300, seed=4))).participants
    cohort = encode(people)
    tables = scan_tables(cohort, MentorType.DEVELOPMENTAL, ProgramConfig(), None)
    mentees = cohort.mentees_seeking(MentorType.DEVELOPMENTAL)
    mentors = cohort.mentors_offering(MentorType.DEVELOPMENTAL)
    ok, *_ = tables.rules(mentees, mentors)
    row, column, scores, below, _ = tables.scores(mentees, mentors, ok)
    rng = np.random.default_rng(4)
    reach = Reach(
        np.array([1, 2]),
        np.array([0, 2_000]),
        rng.integers(5_000, 12_000, (2, len(mentees))),
        rng.integers(0, 3_000, (2, len(mentors))),
    )
    weight = np.rint(scores * 100).astype(np.int64)
    inside = np.zeros(len(row), dtype=bool)
    for k in range(2):
        need = reach.row[k, row] + reach.column[k, column]
        inside |= (weight < reach.floor[k]) | (reach.scale[k] * weight > need)
    assert 0 < inside.sum() < len(row)
    near = tables.scores(mentees, mentors, ok, reach)
    assert np.array_equal(near[0], row[inside]) and np.array_equal(near[1], column[inside])
    assert near[2].tobytes() == scores[inside].tobytes()
    assert np.array_equal(near[3], below)
