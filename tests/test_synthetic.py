"""Synthetic cohorts look like a real company and are reproducible."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from matcher.schema import GOALS, Generation, MentorType
from matcher.synthetic import COLUMNS, EXPERTISE, generate_cohort


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return generate_cohort(2_000, seed=11, organizations=2)


def _split(cell: str) -> list[str]:
    return [part for part in cell.split("; ") if part]


def test_same_seed_same_table_and_other_seed_differs() -> None:
    first = generate_cohort(300, seed=5)
    assert first.to_csv(index=False) == generate_cohort(300, seed=5).to_csv(index=False)
    assert not first.equals(generate_cohort(300, seed=6))


def test_columns_are_canonical_and_every_cell_is_text(cohort: pd.DataFrame) -> None:
    assert tuple(cohort.columns) == COLUMNS
    assert all(isinstance(v, str) for col in cohort for v in cohort[col])


def test_emails_are_unique_per_person(cohort: pd.DataFrame) -> None:
    assert cohort["email"].str.lower().is_unique


def test_managers_are_more_senior_and_the_tree_has_one_root_per_organization(
    cohort: pd.DataFrame,
) -> None:
    level = dict(zip(cohort["email"], cohort["level"].astype(int), strict=True))
    manager = dict(zip(cohort["email"], cohort["manager_email"], strict=True))
    for email, boss in manager.items():
        if boss:
            assert level[boss] > level[email]
    roots = cohort[cohort["manager_email"] == ""]
    assert sorted(roots["organization"]) == sorted(cohort["organization"].unique())
    assert set(roots["level"]) == {"9"}
    assert cohort["level"].astype(int).between(1, 9).all()


def test_managers_have_realistic_spans(cohort: pd.DataFrame) -> None:
    spans = cohort.loc[cohort["manager_email"] != "", "manager_email"].value_counts()
    assert 2 <= spans.median() <= 8


def test_generations_follow_seniority(cohort: pd.DataFrame) -> None:
    rank = cohort["generation"].map(lambda g: Generation(g).rank)
    level = cohort["level"].astype(int)
    assert rank[level <= 2].mean() > rank[level.between(4, 5)].mean() > rank[level >= 7].mean()
    assert set(cohort["generation"]) >= {"gen_z", "millennial", "gen_x"}


def test_roles_types_and_capacities_are_consistent(cohort: pd.DataFrame) -> None:
    counts = cohort["role"].value_counts(normalize=True)
    assert 0.4 < counts["mentee"] < 0.75 and counts["mentor"] > 0.1 and counts["both"] > 0.1
    mentee = cohort["role"] != "mentor"
    mentor = cohort["role"] != "mentee"
    assert (cohort.loc[mentee, "seeks"] != "").all() and (cohort.loc[~mentee, "seeks"] == "").all()
    assert (cohort.loc[mentor, "offers"] != "").all()
    assert set(cohort.loc[mentor, "capacity"]) == {"1", "2", "3"}
    assert (cohort.loc[~mentor, "capacity"] == "").all()
    for column in ("seeks", "offers"):
        types = {t for cell in cohort[column] for t in _split(cell)}
        assert types == {t.value for t in MentorType}


def test_only_senior_people_offer_sponsorship(cohort: pd.DataFrame) -> None:
    sponsors = cohort[cohort["offers"].str.contains("sponsorship")]
    assert (sponsors["level"].astype(int) >= 5).all()


def test_reverse_mentors_exist(cohort: pd.DataFrame) -> None:
    young = cohort[
        (cohort["generation"] == "gen_z") & cohort["offers"].str.contains("generational")
    ]
    assert len(young) > 0


def test_tags_come_from_the_vocabularies(cohort: pd.DataFrame) -> None:
    for column, vocab in [
        ("goals", GOALS),
        ("strengths", GOALS),
        ("expertise", EXPERTISE),
        ("expertise_wanted", EXPERTISE),
    ]:
        assert {t for cell in cohort[column] for t in _split(cell)} <= set(vocab)
    wants = cohort["seeks"].str.contains("expertise")
    assert (cohort.loc[wants, "expertise_wanted"] != "").all()


def test_sites_have_real_time_zones_and_languages(cohort: pd.DataFrame) -> None:
    for zone in cohort["timezone"].unique():
        ZoneInfo(zone)
    assert cohort.groupby("location")["timezone"].nunique().max() == 1
    english = cohort["languages"].str.contains("English").mean()
    assert 0.8 < english < 1.0
    assert (cohort["languages"] != "").all()


def test_exclusions_and_previous_partners_name_other_people(cohort: pd.DataFrame) -> None:
    emails = set(cohort["email"])
    for column in ("exclude", "previous_partners", "manager_email"):
        named = cohort.loc[cohort[column] != "", [column, "email"]]
        assert len(named) > 0
        assert set(named[column]) <= emails
        assert (named[column] != named["email"]).all()


def test_tiny_and_bad_sizes() -> None:
    assert len(generate_cohort(1)) == 1
    with pytest.raises(ValueError, match="people must be at least 1"):
        generate_cohort(0)
    with pytest.raises(ValueError, match="organizations"):
        generate_cohort(10, organizations=9)


def test_fifty_thousand_people_take_seconds() -> None:
    start = time.perf_counter()
    big = generate_cohort(50_000, seed=3)
    assert time.perf_counter() - start < 10
    assert len(big) == 50_000 and big["email"].is_unique
    assert np.isin(big["department"].unique(), big["target_department"].unique()).any()
