"""Hypothesis strategies and random instances shared by the tests.

- :func:`participants`: small random cohorts that exercise every hard rule;
- :func:`configs`: program configurations over every objective, rule switch, threshold and
  (awkward) score weight;
- :func:`tiny_instances` and :func:`random_instance`: solver problems
  (:class:`tests.instances.Instance`), tiny enough for a brute-force oracle or larger;
- ``SEEDS``: seeds of :func:`random_instance`.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from matcher.config import DEFAULT_WEIGHTS, OBJECTIVES, ProgramConfig
from matcher.schema import Generation, MeetingMode, MentorType, Participant, Role
from matcher.solver import MAX_WEIGHT
from tests.instances import Instance, consistent_locks

TAGS = ("coaching", "delegation", "networking", "strategy", "sql")
LANGUAGES = ("english", "french", "german")
DEPARTMENTS = ("", "finance", "sales", "it")
TYPES = tuple(MentorType)
# awkward weights (thirds, tiny, zero) so that the order of additions shows in the last bit
WEIGHT = st.sampled_from((0.0, 1.0, 1 / 3, 2.7, 10.0, 15.0, 33.3, 0.001))
MAX_TINY_EDGES = 22
SEEDS = st.integers(0, 2**32 - 1)


def _subset(values: tuple, max_size: int | None = None) -> st.SearchStrategy[tuple]:
    return st.lists(st.sampled_from(values), unique=True, max_size=max_size or len(values)).map(
        lambda v: tuple(sorted(v))
    )


@st.composite
def participants(draw: st.DrawFn, min_size: int = 2, max_size: int = 10) -> list[Participant]:
    """A cohort with a manager tree (no cycles), exclusions and previous partners."""
    n = draw(st.integers(min_size, max_size))
    emails = [f"p{i}@x.org" for i in range(n)]
    people = []
    for i, email in enumerate(emails):
        role = draw(st.sampled_from(tuple(Role)))
        others = emails[:i] + emails[i + 1 :]
        manager = draw(st.sampled_from(("", *emails[:i]))) if i else ""
        people.append(
            Participant(
                email=email,
                name=f"Person {i}",
                role=role,
                seeks=draw(_subset(TYPES).filter(bool)) if role != Role.MENTOR else (),
                offers=draw(_subset(TYPES).filter(bool)) if role != Role.MENTEE else (),
                department=draw(st.sampled_from(DEPARTMENTS)),
                organization=draw(st.sampled_from(("", "acme", "globex"))),
                target_department=draw(st.sampled_from(DEPARTMENTS)),
                manager_email=manager,
                level=draw(st.none() | st.integers(1, 9)),
                generation=draw(st.none() | st.sampled_from(tuple(Generation))),
                goals=draw(_subset(TAGS, 3)),
                strengths=draw(_subset(TAGS, 3)),
                expertise_wanted=draw(_subset(TAGS, 2)),
                expertise=draw(_subset(TAGS, 3)),
                capacity=draw(st.integers(0, 3)),
                languages=draw(_subset(LANGUAGES, 2)),
                utc_offset_minutes=draw(st.none() | st.sampled_from((-300, 0, 60, 330, 540))),
                location=draw(st.sampled_from(("", "paris", "berlin"))),
                meeting_mode=draw(st.sampled_from(tuple(MeetingMode))),
                exclude=draw(_subset(tuple(others), 1)) if others else (),
                previous_partners=draw(_subset(tuple(others), 1)) if others else (),
            )
        )
    return people


@st.composite
def configs(draw: st.DrawFn) -> ProgramConfig:
    """Every objective, rule switch and threshold; the default weights or awkward random
    ones (never all zero for a type)."""
    weights = {t: dict(w) for t, w in DEFAULT_WEIGHTS.items()}
    if draw(st.booleans()):
        weights = {t: {k: draw(WEIGHT) for k in w} for t, w in DEFAULT_WEIGHTS.items()}
        for t in weights:
            if sum(weights[t].values()) <= 0:
                weights[t]["timezone"] = 1.0
    return ProgramConfig(
        objective=draw(st.sampled_from(OBJECTIVES)),
        min_score=draw(st.sampled_from((0.0, 30.0, 55.5))),
        sponsor_level_gap=draw(st.integers(1, 3)),
        block_same_manager=draw(st.booleans()),
        block_boss_peers=draw(st.booleans()),
        max_timezone_gap_hours=draw(st.sampled_from((None, 2.0, 5.5, 6.0))),
        seniority_span=draw(st.integers(1, 7)),
        timezone_span_hours=draw(st.sampled_from((12.0, 7.0, 3.3))),
        weights=weights,
    )


@st.composite
def tiny_instances(draw: st.DrawFn) -> Instance:
    """Up to 6 mentees x 5 mentors x 3 kinds and MAX_TINY_EDGES edges; consistent locks.

    Weights are mostly small with a few heavy ones, so ties are common and the objectives
    disagree more often than with uniform weights.
    """
    rng = np.random.default_rng(draw(SEEDS))
    n_mentees, n_mentors, n_kinds = (int(rng.integers(1, n + 1)) for n in (6, 5, 3))
    density = draw(st.sampled_from([0.3, 0.6, 0.9]))
    triples = [
        (e, m, t)
        for e in range(n_mentees)
        for m in range(n_mentors)
        for t in range(n_kinds)
        if rng.random() < density
    ]
    keep = sorted(rng.permutation(len(triples))[:MAX_TINY_EDGES])
    mentee, mentor, kind = ([int(triples[k][c]) for k in keep] for c in range(3))
    capacity = [int(c) for c in rng.choice([0, 1, 1, 1, 2, 3], size=n_mentors)]
    top = draw(st.sampled_from([3, 20, MAX_WEIGHT]))
    light = rng.integers(0, top // 3 + 1, size=len(keep))
    weight = [top if rng.random() < 0.3 else int(w) for w in light]
    locked = consistent_locks(mentee, mentor, kind, capacity, rng.random(len(keep)) < 0.1)
    return Instance(mentee, mentor, kind, weight, capacity, locked)


def random_instance(
    seed: int,
    *,
    n_mentees: int = 40,
    n_mentors: int = 20,
    n_kinds: int = 3,
    per_request: int = 5,
    popular: bool = False,
    distinct: bool = False,
    lock_rate: float = 0.03,
) -> Instance:
    """Random candidates; ``popular`` makes everyone score the same few mentors highest;
    ``distinct`` gives each mentee different mentors for different kinds."""
    rng = np.random.default_rng(seed)
    per_request = min(per_request, n_mentors // n_kinds if distinct else n_mentors)
    appeal = rng.random(n_mentors) ** 3
    rows = []
    for e in range(n_mentees):
        order = rng.permutation(n_mentors)
        for t in rng.choice(n_kinds, size=rng.integers(1, n_kinds + 1), replace=False):
            pool = order[t * per_request :] if distinct else rng.permutation(n_mentors)
            rows += [(e, int(m), int(t)) for m in pool[:per_request]]
    mentee, mentor, kind = (list(c) for c in zip(*rows, strict=True))
    noise = rng.random(len(rows))
    score = 0.8 * appeal[mentor] + 0.2 * noise if popular else noise
    weight = [round(s * 100) * 100 for s in score]  # whole points: many ties
    capacity = [int(c) for c in rng.integers(0, 4, size=n_mentors)]
    locked = consistent_locks(mentee, mentor, kind, capacity, rng.random(len(rows)) < lock_rate)
    return Instance(mentee, mentor, kind, weight, capacity, locked)
