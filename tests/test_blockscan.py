"""The compiled rules and scores passes against :mod:`matcher.constraints` and
:mod:`matcher.scoring`, which define them: the same blocked cells per rule and scores equal
to the last bit, on hypothesis cohorts and on synthetic ones, with random configs and
weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher import blockscan, load_participants
from matcher.blockscan import RULE_ORDER, Reach, scan_tables
from matcher.candidates import rejected_matrices
from matcher.cohort import MENTOR_TYPES, block, encode
from matcher.config import DEFAULT_WEIGHTS, ProgramConfig
from matcher.constraints import RULES, Rule, feasible, violations
from matcher.csv_io import to_csv_bytes
from matcher.schema import MentorType, Participant, Role
from matcher.scoring import score
from matcher.synthetic import generate_cohort
from tests.strategies import configs, participants


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
        for k, name in enumerate(RULE_ORDER):
            expected = (found[name] & other).sum(axis=1) if name in found else 0
            assert np.array_equal(blocked[:, k], np.broadcast_to(expected, len(mentees))), name
        row, column, scores, below = tables.scores(mentees, mentors, ok)
        expected_scores = np.broadcast_to(score(pairs, mentor_type, config)[0], pairs.shape)
        wanted = expected_ok & (expected_scores >= config.min_score)
        expected_row, expected_column = np.nonzero(wanted)
        assert np.array_equal(row, expected_row) and np.array_equal(column, expected_column)
        # bit for bit, not approximately
        assert scores.tobytes() == expected_scores[wanted].tobytes()
        assert np.array_equal(below, (expected_ok & ~wanted).sum(axis=1))
        compared += int(expected_ok.sum())
    return compared


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=participants(max_size=12), config=configs(), seed=st.integers(0, 2**16))
def test_passes_equal_the_numpy_rules_and_scores(people, config, seed) -> None:
    cohort = encode(people)
    rng = np.random.default_rng(seed)
    triples = rng.integers(0, [len(cohort), len(cohort), len(MENTOR_TYPES)], size=(4, 3))
    rejected = rejected_matrices(cohort, [tuple(t) for t in triples.tolist()])
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
    _, _, scores, _ = tables.scores(np.array([0]), np.array([1]), ok)
    assert cohort.expertise.bits.shape[1] > 1
    assert scores.tolist() == score(block(cohort, [0], [1]), MentorType.EXPERTISE,
                                    ProgramConfig())[0].ravel().tolist()  # fmt: skip


def test_a_rule_or_criterion_the_passes_do_not_know_is_refused(monkeypatch) -> None:
    cohort = encode([Participant("e@x.org", "E", Role.MENTEE, seeks=("expertise",))])
    new_rule = Rule("same_hobby", "another hobby", lambda *args: None)
    monkeypatch.setattr(blockscan, "RULES", (*RULES, new_rule))
    with pytest.raises(ValueError, match="rules pass"):
        scan_tables(cohort, MentorType.EXPERTISE, ProgramConfig(), None)
    monkeypatch.setattr(blockscan, "RULES", RULES)
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
    row, column, scores, below = tables.scores(mentees, mentors, ok)
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
