"""Soft criteria and the score of a (mentee, mentor, type) triple.

Every criterion maps a pair to a number in [0, 1]; the score of a triple is the weighted
mean of its type's criteria (weights from the program config) scaled to 0-100 and rounded
to 2 decimals. The solver optimises exactly these rounded numbers, so what an admin reads is
what was optimised. Unknown data (no level, no department) scores a neutral value where
that is fair (0.5 for "outside the department", time zones) and 0 where the criterion
measures something the pair must show (shared goals, seniority).

One criterion is a bonus rather than a weight: ``priority`` (1 for a mentee the program
gives priority, someone left unmatched last cohort) adds the config's ``priority_bonus``
points to the rounded weighted mean, rounded again to 2 decimals. It is not part of the
mean, so without priority people every score is what it was. The minimum score applies to
the score before the bonus (:func:`combine`), and hard rules are decided before any score,
so the bonus never lets a pair through that a rule or the minimum keeps out. Any bonus
above 0 fills priority mentees *first among equals* under the coverage and quality
objectives: of the matchings that are best without the bonus, the solver takes one that
fills the most priority requests (a bonus of ``b`` points adds ``b`` per priority request
filled, which only breaks ties and near-ties of less than ``b`` points per request; the
number of requests filled still ranks first under coverage and fairness). Under fairness
the bonus also counts in the lowest score.

The criteria are the rows of :data:`CRITERIA`, each with its slot. These functions are the
definition, used by explanations and single pairs; candidate blocks are scored by their
compiled twin, the scores pass ``_scores`` in :mod:`matcher.blockscan`, with one branch per
criterion chosen by its slot. ``tests/test_blockscan.py`` ties the two: every criterion has
its branch in the pass and the pass no other, and on random cohorts, configs and weights
(each criterion alone too) the pass scores equal :func:`score` to the last bit. A new
criterion is a row here and a branch there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from matcher.cohort import Cohort, Pairs, TagSets
from matcher.config import AVOIDED, PICKS, ProgramConfig
from matcher.questions import rule_value, rules_for
from matcher.schema import MentorType

NEUTRAL = 0.5
GENERATION_SPAN = 3.0


def _share(p: Pairs, wanted: TagSets, offered: TagSets) -> np.ndarray:
    """Share of the mentee's ``wanted`` tags among the mentor's ``offered`` ones (0 when the
    mentee wants none: then none is shared either)."""
    return p.overlap(wanted, offered) / p.e(np.maximum(wanted.size, 1))


def _unit(values: np.ndarray) -> np.ndarray:
    """``values`` clipped to [0, 1] in place, unknown (nan) as 0."""
    np.clip(values, 0.0, 1.0, out=values)
    return np.nan_to_num(values, copy=False)


def goals(p: Pairs, cfg: ProgramConfig) -> np.ndarray:
    """Share of the mentee's goals that the mentor lists as strengths."""
    return _share(p, p.cohort.goals, p.cohort.strengths)


def expertise(p: Pairs, cfg: ProgramConfig) -> np.ndarray:
    """Share of the mentee's wanted expertise that the mentor has."""
    return _share(p, p.cohort.expertise_wanted, p.cohort.expertise)


def _level_gap(p: Pairs) -> np.ndarray:
    return p.m(p.cohort.level) - p.e(p.cohort.level)


def seniority(p: Pairs, cfg: ProgramConfig) -> np.ndarray:
    """How far the mentor's level is above the mentee's, full marks at ``seniority_span``."""
    return _unit(_level_gap(p) / cfg.seniority_span)


def level_gap(p: Pairs, cfg: ProgramConfig) -> np.ndarray:
    """How far a sponsor's level exceeds the required gap (meeting it exactly earns a little)."""
    beyond = _level_gap(p) - cfg.sponsor_level_gap + 1
    return _unit(beyond / cfg.seniority_span)


def _differs(mentee: np.ndarray, mentor: np.ndarray) -> np.ndarray:
    known = (mentee >= 0) & (mentor >= 0)
    return np.where(known, mentee != mentor, NEUTRAL)


def outside_department(p: Pairs, cfg: ProgramConfig) -> np.ndarray:
    """1 when the mentor works in another department, 0 in the same, 0.5 when unknown."""
    return _differs(p.e(p.cohort.department), p.m(p.cohort.department))


def outside_organization(p: Pairs, cfg: ProgramConfig) -> np.ndarray:
    """1 when the mentor belongs to another organization, 0 to the same, 0.5 when unknown."""
    return _differs(p.e(p.cohort.organization), p.m(p.cohort.organization))


def target_department(p: Pairs, cfg: ProgramConfig) -> np.ndarray:
    """1 when the mentor works in the department the mentee wants to move to."""
    target = p.e(p.cohort.target_department)
    return ((target >= 0) & (target == p.m(p.cohort.department))).astype(np.float64)


def generation_gap(p: Pairs, cfg: ProgramConfig) -> np.ndarray:
    """Generations apart, divided by the widest possible gap (boomer to gen Z)."""
    gap = p.e(p.cohort.generation) - p.m(p.cohort.generation)
    np.abs(gap, out=gap)
    gap /= GENERATION_SPAN
    return np.nan_to_num(gap, copy=False)


def timezone(p: Pairs, cfg: ProgramConfig) -> np.ndarray:
    """1 in the same time zone, falling to 0 at ``timezone_span_hours``; 0.5 when unknown."""
    close = p.e(p.cohort.utc_offset) - p.m(p.cohort.utc_offset)
    np.abs(close, out=close)
    close /= 60.0
    close /= cfg.timezone_span_hours
    np.subtract(1.0, close, out=close)
    np.clip(close, 0.0, 1.0, out=close)
    close[np.isnan(close)] = NEUTRAL
    return close


def priority(p: Pairs, cfg: ProgramConfig) -> np.ndarray:
    """1 when the mentee has priority (left unmatched last cohort), else 0: a bonus of
    ``priority_bonus`` points on top of the weighted mean (see :data:`BONUSES`)."""
    return p.e(p.cohort.priority).astype(np.float64)


def picks(p: Pairs, cfg: ProgramConfig) -> np.ndarray:
    """1 for the mentee's 1st pick, 1/k for the k-th, 0 for a mentor they did not pick.

    With the default weights a 1st pick is worth 20 of the 100 points (see
    :data:`matcher.config.DEFAULT_WEIGHTS`), a 2nd 10, a 3rd 6.67.
    """
    rank = p.valued(p.cohort.picks)
    with np.errstate(divide="ignore"):
        return np.where(rank > 0, 1.0 / rank, 0.0)


def avoided(p: Pairs, cfg: ProgramConfig) -> np.ndarray:
    """1 where the mentor would rather not take the mentee (``avoid``), else 0: a penalty of
    ``avoid_penalty`` points when the program sets one (else avoiding is a hard rule)."""
    return p.valued(p.cohort.avoided)


def penalty_weight(total: float, config: ProgramConfig) -> float:
    """The weight of :data:`~matcher.config.AVOIDED` in a mean over weights adding up to
    ``total``: it takes ``avoid_penalty`` points off the score.

    >>> penalty_weight(125.0, ProgramConfig(avoid_penalty=10.0))
    -12.5
    """
    return -(config.avoid_penalty or 0.0) * total / 100.0


@dataclass(frozen=True)
class Criterion:
    """A soft criterion: its ``slot`` in the compiled scores pass (its place in
    :data:`CRITERIA`) and the function that ``measures`` a pair in [0, 1]."""

    slot: int
    measures: Callable[[Pairs, ProgramConfig], np.ndarray]


#: Criterion name (as in the config's weights) -> the criterion.
CRITERIA: dict[str, Criterion] = {
    "goals": Criterion(0, goals),
    "seniority": Criterion(1, seniority),
    "level_gap": Criterion(2, level_gap),
    "outside_department": Criterion(3, outside_department),
    "outside_organization": Criterion(4, outside_organization),
    "target_department": Criterion(5, target_department),
    "generation_gap": Criterion(6, generation_gap),
    "expertise": Criterion(7, expertise),
    "timezone": Criterion(8, timezone),
    "priority": Criterion(9, priority),
}

#: Bonus criterion name -> its points in a config: added to the weighted mean, not in it.
BONUSES: dict[str, Callable[[ProgramConfig], float]] = {
    "priority": lambda cfg: cfg.priority_bonus,
}
BONUS_CRITERIA: tuple[str, ...] = tuple(BONUSES)
"""The criteria a score adds as points on top of its weighted mean: in a breakdown their
weight is their points at value 1, not a share of the type's weights."""


def bonuses(cohort: Cohort, config: ProgramConfig) -> dict[str, float]:
    """The bonus criteria that apply to ``cohort``, with their points: those of more than 0
    points that someone in the cohort earns (else a criterion is left out, as a weight of 0
    is).

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> ann = Participant("a@x.org", "Ann", Role.MENTEE, priority=True)
    >>> bonuses(encode([ann]), ProgramConfig()), bonuses(encode([]), ProgramConfig())
    ({'priority': 1.0}, {})
    """
    points = BONUSES["priority"](config)
    return {"priority": points} if points > 0 and cohort.priority.any() else {}


def weight_total(counted: Iterable[str], mentor_type: MentorType, config: ProgramConfig) -> float:
    """The sum of the weights of the ``counted`` criteria (bonus criteria left out): what a
    score's weighted mean divides by.

    >>> weight_total(["goals", "expertise", "picks"], MentorType.EXPERTISE, ProgramConfig())
    100.0
    """
    weights = config.type_weights(mentor_type)
    return float(sum(weights[name] for name in counted if name not in (*BONUSES, AVOIDED)))


def points(
    name: str,
    value: float,
    mentor_type: MentorType,
    config: ProgramConfig,
    counted: Iterable[str] | None = None,
) -> tuple[float, float]:
    """A criterion's weight in ``mentor_type``'s score and the points ``value`` earns it
    (out of 100 for a weighted criterion; a bonus criterion's weight is its points).

    ``counted`` are the criteria the score's mean counts (the keys of
    :func:`criterion_values`); by default every criterion but ``picks``.

    >>> points("goals", 0.5, MentorType.EXPERTISE, ProgramConfig())
    (15.0, 7.5)
    >>> points("picks", 1.0, MentorType.EXPERTISE, ProgramConfig(), ["expertise", "goals",
    ...        "outside_department", "timezone", "picks"])  # fmt: skip
    (25.0, 20.0)
    >>> points("priority", 1.0, MentorType.EXPERTISE, ProgramConfig(priority_bonus=2.5))
    (2.5, 2.5)
    """
    if name in BONUSES:
        bonus = BONUSES[name](config)
        return bonus, bonus * value
    if name == AVOIDED:
        penalty = -(config.avoid_penalty or 0.0)
        return penalty, penalty * value
    weights = config.type_weights(mentor_type)
    if counted is None:
        counted = [k for k in weights if k != PICKS]
    return weights[name], 100 * weights[name] * value / weight_total(counted, mentor_type, config)


def counted_criteria(cohort: Cohort, mentor_type: MentorType, config: ProgramConfig) -> list[str]:
    """The criteria a score of ``mentor_type`` counts in its mean, in order: each of weight
    above 0 (``picks`` only when someone in the cohort picked a mentor in it).

    >>> from matcher.cohort import encode
    >>> counted_criteria(encode([]), MentorType.EXPERTISE, ProgramConfig())
    ['expertise', 'goals', 'outside_department', 'timezone']
    """
    weights = config.type_weights(mentor_type)
    named = [
        name
        for name, weight in weights.items()
        if weight > 0 and (name != PICKS or cohort.picks.nnz > 0)
    ]
    penalised = config.avoid_penalty and cohort.avoided.nnz > 0
    return [*named, AVOIDED] if penalised else named


def measure(pairs: Pairs, name: str, mentor_type: MentorType, config: ProgramConfig) -> np.ndarray:
    """The criterion ``name`` (built-in, a question's or ``picks``) on ``pairs``, in [0, 1]."""
    if name == PICKS:
        return picks(pairs, config)
    if name == AVOIDED:
        return avoided(pairs, config)
    if name in CRITERIA:
        return CRITERIA[name].measures(pairs, config)
    (rule,) = (r for r in rules_for(config.question_rules, mentor_type, hard=False)
               if r.question == name)  # fmt: skip
    return rule_value(pairs, rule)


def criterion_values(
    pairs: Pairs, mentor_type: MentorType, config: ProgramConfig
) -> dict[str, np.ndarray]:
    """Each weighted criterion of ``mentor_type`` evaluated on ``pairs``, in [0, 1].

    Criteria whose weight is 0 are left out, and so is a bonus criterion of 0 points or that
    nobody in the cohort earns.

    Examples
    --------
    >>> from matcher.cohort import encode, pairwise
    >>> from matcher.schema import Participant, Role
    >>> e = Participant(
    ...     "e@x.org", "E", Role.MENTEE, seeks=("expertise",), expertise_wanted=("python", "sql")
    ... )
    >>> m = Participant("m@x.org", "M", Role.MENTOR, offers=("expertise",), expertise=("python",))
    >>> values = criterion_values(
    ...     pairwise(encode([e, m]), [0], [1]), MentorType.EXPERTISE, ProgramConfig()
    ... )
    >>> float(values["expertise"][0])
    0.5
    """
    named = counted_criteria(pairs.cohort, mentor_type, config)
    return {
        name: np.asarray(measure(pairs, name, mentor_type, config), dtype=np.float64)
        for name in [*named, *bonuses(pairs.cohort, config)]
    }


def combine(
    values: dict[str, np.ndarray], mentor_type: MentorType, config: ProgramConfig
) -> np.ndarray:
    """Weighted mean of criterion values, scaled to 0-100 and rounded to 2 decimals: the
    score before any bonus (bonus criteria in ``values`` are left out). The mean counts
    the criteria in ``values`` (:func:`counted_criteria`), in their order.

    >>> cfg = ProgramConfig()
    >>> ones = {name: np.ones(1) for name in cfg.weights[MentorType.EXPERTISE]}
    >>> combine(ones, MentorType.EXPERTISE, cfg).tolist()
    [100.0]
    """
    weights = config.type_weights(mentor_type)
    total = weight_total(values, mentor_type, config)
    weights[AVOIDED] = penalty_weight(total, config)
    score = np.zeros(np.broadcast_shapes(*(np.shape(value) for value in values.values())))
    for name, value in values.items():
        if name not in BONUSES:
            score += weights[name] * value
    score *= 100.0
    score /= total
    np.round(score, 2, out=score)
    return np.where(score > 0.0, score, 0.0)  # a penalty never takes a score below 0


def with_bonuses(
    base: np.ndarray, values: dict[str, np.ndarray], config: ProgramConfig
) -> np.ndarray:
    """``base`` scores (:func:`combine`) with each bonus criterion's points where it holds,
    rounded to 2 decimals; unchanged where none holds.

    >>> with_bonuses(np.array([72.5, 40.0]), {"priority": np.array([1.0, 0.0])},
    ...              ProgramConfig(priority_bonus=1.25)).tolist()  # fmt: skip
    [73.75, 40.0]
    """
    score = base
    for name, value in values.items():
        if name in BONUSES:
            earned = np.round(score + BONUSES[name](config) * value, 2)
            score = np.where(value > 0, earned, score)
    return score


def score(
    pairs: Pairs, mentor_type: MentorType, config: ProgramConfig
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Scores of ``pairs`` for ``mentor_type`` (bonuses included) and the criterion values
    behind them.

    >>> from matcher.cohort import encode, block
    >>> from matcher.schema import Generation, Participant, Role
    >>> e = Participant(
    ...     "e@x.org", "E", Role.MENTEE, seeks=("generational",), generation=Generation.GEN_Z
    ... )
    >>> m = Participant(
    ...     "m@x.org", "M", Role.MENTOR, offers=("generational",), generation=Generation.BOOMER
    ... )
    >>> scores, parts = score(
    ...     block(encode([e, m]), [0], [1]), MentorType.GENERATIONAL, ProgramConfig()
    ... )
    >>> scores.shape, float(parts["generation_gap"][0, 0])
    ((1, 1), 1.0)
    """
    values = criterion_values(pairs, mentor_type, config)
    scores = with_bonuses(combine(values, mentor_type, config), values, config)
    return np.broadcast_to(scores, pairs.shape), values
