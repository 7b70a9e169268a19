"""Reasons in words: why each pair was matched, and why a request stayed open.

A match's reasons are its criteria in the order of the points they earned, each phrased
from the two people's own data ("can help with 2 of your 3 goals: delegation, networking").
An unmatched request's reason tells apart the cases an admin acts on differently: nobody
offers the type; nobody passes the rules (naming the rule that blocks the most); nobody
scores above the program minimum; or candidates exist but their places went elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from matcher.candidates import RULE_NAMES, RequestStats
from matcher.cohort import MENTOR_TYPES
from matcher.config import ProgramConfig
from matcher.constraints import RULES_BY_NAME
from matcher.schema import MentorType, Participant

Phrase = Callable[[Participant, Participant, ProgramConfig], str | None]

NOUN: dict[MentorType, str] = {
    MentorType.DEVELOPMENTAL: "developmental mentor",
    MentorType.SPONSORSHIP: "sponsor",
    MentorType.GENERATIONAL: "generational mentor",
    MentorType.EXPERTISE: "expertise mentor",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _shared(wanted: tuple[str, ...], offered: tuple[str, ...], what: str) -> str | None:
    common = sorted(set(wanted) & set(offered))
    if not common:
        return None
    return f"covers {len(common)} of {_plural(len(wanted), what)}: {', '.join(common)}"


def _goals(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    return _shared(e.goals, m.strengths, "goal")


def _expertise(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    return _shared(e.expertise_wanted, m.expertise, "wanted skill")


def _seniority(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if e.level is None or m.level is None or m.level <= e.level:
        return None
    return f"{_plural(m.level - e.level, 'level')} more senior (level {m.level} vs {e.level})"


def _level_gap(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if e.level is None or m.level is None:
        return None
    gap = m.level - e.level
    needs = cfg.sponsor_level_gap
    return f"{_plural(gap, 'level')} above the mentee, able to sponsor (needs {needs}+)"


def _outside(what: str, mentee_value: str, mentor_value: str) -> str | None:
    if not mentee_value or not mentor_value or mentee_value == mentor_value:
        return None
    return f"outside the mentee's {what} ({mentor_value}, not {mentee_value})"


def _outside_department(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    return _outside("department", e.department, m.department)


def _outside_organization(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    return _outside("organization", e.organization, m.organization)


def _target_department(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if not e.target_department or e.target_department != m.department:
        return None
    return f"works in {m.department}, where the mentee wants to move"


def _generation(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if e.generation is None or m.generation is None or e.generation == m.generation:
        return None
    text = f"{m.generation.value} mentor for a {e.generation.value} mentee"
    if m.generation.rank > e.generation.rank:
        text += ": reverse mentoring"
    return text


def _timezone(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if e.utc_offset_minutes is None or m.utc_offset_minutes is None:
        return None
    hours = abs(e.utc_offset_minutes - m.utc_offset_minutes) / 60
    return "same time zone" if hours == 0 else f"{hours:g} h apart in time zones"


PHRASES: dict[str, Phrase] = {
    "goals": _goals,
    "seniority": _seniority,
    "level_gap": _level_gap,
    "outside_department": _outside_department,
    "outside_organization": _outside_organization,
    "target_department": _target_department,
    "generation_gap": _generation,
    "expertise": _expertise,
    "timezone": _timezone,
}


def match_reasons(
    mentee: Participant,
    mentor: Participant,
    mentor_type: MentorType,
    values: dict[str, float],
    config: ProgramConfig,
) -> str:
    """The reasons for one match, strongest first, as one ``;``-separated line.

    Parameters
    ----------
    mentee, mentor
        The two people.
    mentor_type
        The type of the match.
    values
        Criterion name -> value in [0, 1] for this pair (from :mod:`matcher.scoring`).
    config
        For the weights (a criterion's points are weight x value).

    Examples
    --------
    >>> from matcher.schema import Generation, Role
    >>> e = Participant("e@x.org", "Eve", Role.MENTEE, generation=Generation.BOOMER)
    >>> m = Participant("m@x.org", "Max", Role.MENTOR, generation=Generation.GEN_Z)
    >>> match_reasons(
    ...     e, m, MentorType.GENERATIONAL, {"generation_gap": 1.0, "goals": 0.0}, ProgramConfig()
    ... )
    'gen_z mentor for a boomer mentee: reverse mentoring'
    """
    weights = config.weights[mentor_type]
    ranked = sorted(values.items(), key=lambda item: (-weights[item[0]] * item[1], item[0]))
    phrases = [PHRASES[name](mentee, mentor, config) for name, value in ranked if value > 0]
    said = [p for p in phrases if p]
    return "; ".join(said) if said else "meets every rule; no criterion stands out"


def _blocking_summary(
    blocked: np.ndarray, offered: int, mentor_type: MentorType, config: ProgramConfig
) -> str:
    counts = [(int(c), RULE_NAMES[k]) for k, c in enumerate(blocked) if c]
    counts.sort(key=lambda item: (-item[0], item[1]))
    failed = [
        f"{count} of {offered} fail '{RULES_BY_NAME[name].rule_text(config)}'"
        for count, name in counts[:2]
    ]
    return f"no {NOUN[mentor_type]} passes the hard rules: " + "; ".join(failed)


def unmatched_reason(
    stats: RequestStats, row: int, config: ProgramConfig, taken: tuple[int, int], best: str
) -> str:
    """The actionable reason why request ``row`` of ``stats`` got no mentor.

    Parameters
    ----------
    stats
        Per-request counts from :func:`matcher.candidates.build_candidates`.
    row
        Which request.
    config
        For the minimum score and rule thresholds.
    taken
        Of the candidates that pass the rules and the minimum score: how many are full,
        and how many already mentor this mentee in another type.
    best
        A short description of the best such candidate ('' when there is none).

    Examples
    --------
    >>> stats = RequestStats(
    ...     np.array([0]),
    ...     np.array([1]),
    ...     np.array([0]),
    ...     np.array([0]),
    ...     np.array([0]),
    ...     np.zeros((1, len(RULE_NAMES)), dtype=int),
    ... )
    >>> unmatched_reason(stats, 0, ProgramConfig(), (0, 0), "")
    'nobody in the program offers to be a sponsor'
    """
    mentor_type = MENTOR_TYPES[stats.kind[row]]
    noun = NOUN[mentor_type]
    offered, possible = int(stats.offered[row]), int(stats.feasible[row])
    if offered == 0:
        return f"nobody in the program offers to be a {noun}"
    if possible == 0:
        return _blocking_summary(stats.blocked[row], offered, mentor_type, config)
    low = int(stats.below_min[row])
    if low == possible:
        return (
            f"{_plural(possible, noun)} pass the rules, but all score below the program's "
            f"minimum of {config.min_score:g}"
        )
    full, own = taken
    why = []
    if full:
        why.append(f"{full} full (their places went to better overall matches)")
    if own:
        why.append(f"{own} already mentoring this person in another type")
    if not why:
        why.append("left out by the program's objective")
    hint = f"; best candidate: {best}" if best else ""
    return f"{_plural(possible - low, noun)} could: " + ", ".join(why) + hint
