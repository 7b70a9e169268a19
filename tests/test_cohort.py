"""The encoded cohort: tag-set overlaps, listed pairs and management chains against plain
Python definitions, in block and pairwise mode."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from matcher.cohort import block, encode, pairwise, tag_sets
from matcher.config import ProgramConfig
from matcher.constraints import RULES_BY_NAME
from matcher.schema import MentorType, Participant, normalize
from tests.strategies import SEEDS, SPELT_TAG_LISTS, TAG_LISTS, participants


@given(TAG_LISTS, TAG_LISTS)
@settings(max_examples=60, deadline=None)
def test_overlap_counts_shared_words_beyond_one_word_of_bits(
    left: list[list[str]], right: list[list[str]]
) -> None:
    cohort = encode([])  # overlap reads only the tag sets it is given
    mine, theirs = tag_sets(left, right)
    expected = np.array([[len(set(a) & set(b)) for b in right] for a in left])
    mentees, mentors = np.arange(len(left)), np.arange(len(right))
    assert np.array_equal(block(cohort, mentees, mentors).overlap(mine, theirs), expected)
    e, m = np.repeat(mentees, len(mentors)), np.tile(mentors, len(mentees))
    assert np.array_equal(pairwise(cohort, e, m).overlap(mine, theirs), expected.ravel())
    assert mine.size.tolist() == [len(set(a)) for a in left]


@given(st.lists(SPELT_TAG_LISTS, min_size=1, max_size=3))
@settings(max_examples=80, deadline=None)
def test_tag_sets_hold_each_persons_words_once_as_written_alike(columns: list) -> None:
    """Sizes count a person's distinct words once normalised; bits hold, in sorted order,
    the words every column uses."""
    found = tag_sets(*columns)
    spelt = [[{normalize(w) for w in words} for words in lists] for lists in columns]
    shared = sorted(set.intersection(*({w for words in lists for w in words} for lists in spelt)))
    for sets, lists in zip(found, spelt, strict=True):
        assert sets.size.tolist() == [len(words) for words in lists]
        for bits, words in zip(sets.bits, lists, strict=True):
            held = {shared[k] for k in range(len(shared)) if int(bits[k // 64]) >> (k % 64) & 1}
            assert held == words & set(shared)
        assert sets.bits.shape == (len(lists), max(1, -(-len(shared) // 64)))


@given(SEEDS)
@settings(max_examples=30, deadline=None)
def test_listed_equals_the_matrix_with_repeated_unsorted_mentors(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 12))
    matrix = sparse.random(n, n, density=0.3, format="csr", random_state=seed)
    people = [Participant(f"p{i}@x.org", f"P{i}", "both") for i in range(n)]
    mentees, mentors = rng.integers(0, n, size=4), rng.integers(0, n, size=7)
    got = block(encode(people), mentees, mentors).listed(matrix)
    assert np.array_equal(got, matrix[mentees][:, mentors].toarray() != 0)


def _chain(people: list[Participant], start: int) -> set[str]:
    boss = {p.email: p.manager_email for p in people}
    out, email = set(), boss[people[start].email]
    while email:
        out.add(email)
        email = boss[email]
    return out


@given(participants(max_size=12))
@settings(max_examples=60, deadline=None)
def test_management_chain_rule_is_either_chain(people: list[Participant]) -> None:
    cohort = encode(people)
    everyone = np.arange(len(cohort))
    rule = RULES_BY_NAME["management_chain"]
    got = rule.check(block(cohort, everyone, everyone), MentorType.EXPERTISE, ProgramConfig(), {})
    sorted_people = list(cohort.people)
    for e, mentee in enumerate(sorted_people):
        for m, mentor in enumerate(sorted_people):
            linked = mentor.email in _chain(sorted_people, e) or mentee.email in _chain(
                sorted_people, m
            )
            assert got[e, m] == linked
