"""The words of the tables, worked out for many pairs at once, against each pair alone.

:func:`matcher.frames.explain_pairs` ranks every pair's criteria and works out their
points for all the pairs of a type together; here each pair's reasons and breakdown rows
are those of the definitions for one pair: :func:`matcher.explain.match_reasons` and
:func:`matcher.scoring.points` on :func:`matcher.scoring.score`'s values for that pair.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings

from matcher.candidates import build_candidates
from matcher.cohort import MENTOR_TYPES, encode, pairwise
from matcher.explain import match_reasons
from matcher.frames import explain_pairs, triple_keys
from matcher.scoring import BONUSES, points, score
from tests.strategies import configs, participants, tied_cohorts

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _each_pair_alone(people, config) -> None:
    cohort = encode(people)
    found = build_candidates(cohort, config)
    order = np.argsort(triple_keys(len(cohort), found.mentee, found.mentor, found.kind))
    triples = found.mentee[order], found.mentor[order], found.kind[order]
    explained = explain_pairs(cohort, config, *triples)
    for i, (e, m, k) in enumerate(zip(*(t.tolist() for t in triples), strict=True)):
        mentor_type = MENTOR_TYPES[k]
        _, values = score(pairwise(cohort, [e], [m]), mentor_type, config)
        one = {name: float(v[0]) for name, v in values.items()}
        said = match_reasons(cohort.people[e], cohort.people[m], mentor_type, one, config)
        parts = tuple(
            (name, v, weight, round(earned, 2))
            for name, v in one.items()
            if v > 0 or name not in BONUSES
            for weight, earned in [points(name, v, mentor_type, config, one)]
        )
        assert (explained.reasons[i], explained.parts[i]) == (said, parts)


@SETTINGS
@given(people=participants(max_size=12), config=configs())
def test_every_candidate_pair_in_words_as_alone(people, config) -> None:
    _each_pair_alone(people, config)


@SETTINGS
@given(people=tied_cohorts(), config=configs())
def test_pairs_of_equal_points_in_words_as_alone(people, config) -> None:
    _each_pair_alone(people, config)
