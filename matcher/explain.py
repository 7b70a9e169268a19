"""Reasons in words: why each pair was matched, and why a request stayed open.

A match's reasons are its criteria in the order of the points they earned, each phrased
from the two people's own data ("can help with 2 of your 3 goals: delegation, networking").
An unmatched request's reason tells apart the cases an admin acts on differently: nobody
offers the type; nobody passes the rules (what the two rules that block the most find
wrong, with the mentee's data: see :mod:`matcher.breaches`); nobody scores above the
program minimum; or candidates exist but their places went elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

import numpy as np

from matcher.breaches import request_breach
from matcher.candidates import RULE_NAMES, RequestStats
from matcher.cohort import MENTOR_TYPES, Cohort, block
from matcher.config import ProgramConfig
from matcher.constraints import Rejected, violations
from matcher.program_words import program_phrase
from matcher.schema import MENTOR_NOUN, MentorType, Participant, normalize, same_text
from matcher.scoring import points
from matcher.words import plural

Phrase = Callable[[Participant, Participant, ProgramConfig], str | None]
#: Rules an unmatched reason names at most when no one rule blocks every mentor.
COVER = 3


#: :func:`~matcher.schema.normalize` and :func:`~matcher.schema.same_text`, remembered:
#: the reasons of thousands of pairs name the same few tags and departments again and again.
_normalize = lru_cache(maxsize=1 << 12)(normalize)
_same_text = lru_cache(maxsize=1 << 12)(same_text)


def shared(wanted: tuple[str, ...], offered: tuple[str, ...]) -> list[str]:
    """The tags of ``wanted`` that ``offered`` has (compared normalised), as ``wanted``
    writes them, sorted.

    >>> shared(("SQL", "go", "c"), ("go", "sql"))
    ['go', 'SQL']
    """
    has = {_normalize(tag) for tag in offered}
    return sorted({tag for tag in wanted if _normalize(tag) in has}, key=_normalize)


def hours_apart(e: Participant, m: Participant) -> float | None:
    """How many hours apart two people's time zones are (None when one is unknown).

    >>> from matcher.schema import Role
    >>> e = Participant("e@x.org", "E", Role.MENTEE, utc_offset_minutes=330)
    >>> hours_apart(e, Participant("m@x.org", "M", Role.MENTOR, utc_offset_minutes=-60))
    6.5
    """
    if e.utc_offset_minutes is None or m.utc_offset_minutes is None:
        return None
    return abs(e.utc_offset_minutes - m.utc_offset_minutes) / 60


def _shared(wanted: tuple[str, ...], offered: tuple[str, ...], what: str) -> str | None:
    common = shared(wanted, offered)
    if not common:
        return None
    return f"covers {len(common)} of {plural(len(wanted), what)}: {', '.join(common)}"


def _goals(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    return _shared(e.goals, m.strengths, "goal")


def _expertise(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    return _shared(e.expertise_wanted, m.expertise, "wanted skill")


def _seniority(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if e.level is None or m.level is None or m.level <= e.level:
        return None
    return f"{plural(m.level - e.level, 'level')} more senior (level {m.level} vs {e.level})"


def _level_gap(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if e.level is None or m.level is None:
        return None
    gap = m.level - e.level
    needs = cfg.sponsor_level_gap
    return f"{plural(gap, 'level')} above the mentee, able to sponsor (needs {needs}+)"


def _outside(what: str, mentee_value: str, mentor_value: str) -> str | None:
    if not mentee_value or not mentor_value or _same_text(mentee_value, mentor_value):
        return None
    return f"outside the mentee's {what} ({mentor_value}, not {mentee_value})"


def _outside_department(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    return _outside("department", e.department, m.department)


def _outside_organization(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    return _outside("organization", e.organization, m.organization)


def _target_department(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if not e.target_department or not _same_text(e.target_department, m.department):
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
    if (hours := hours_apart(e, m)) is None:
        return None
    return "same time zone" if hours == 0 else f"{hours:g} h apart in time zones"


def _priority(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    return "priority: unmatched last cohort" if e.priority else None


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
    "priority": _priority,
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
        For the weights and the priority bonus (the points each value earns, see
        :func:`matcher.scoring.points`).

    Examples
    --------
    >>> from matcher.schema import Generation, Role
    >>> e = Participant("e@x.org", "Eve", Role.MENTEE, generation=Generation.BOOMER)
    >>> m = Participant("m@x.org", "Max", Role.MENTOR, generation=Generation.GEN_Z)
    >>> match_reasons(
    ...     e, m, MentorType.GENERATIONAL, {"generation_gap": 1.0, "goals": 0.0}, ProgramConfig()
    ... )
    'gen_z mentor for a boomer mentee: reverse mentoring'
    >>> ann = Participant("a@x.org", "Ann", Role.MENTEE, priority=True)
    >>> match_reasons(ann, m, MentorType.GENERATIONAL, {"priority": 1.0}, ProgramConfig())
    'priority: unmatched last cohort'
    """
    earned = {name: points(name, v, mentor_type, config, values)[1] for name, v in values.items()}
    ranked = sorted(values.items(), key=lambda item: (-earned[item[0]], item[0]))
    phrases = [criterion_phrase(name, mentor_type, config) for name, value in ranked if value > 0]
    return said_reasons(mentee, mentor, phrases, config)


def criterion_phrase(name: str, mentor_type: MentorType, config: ProgramConfig) -> Phrase:
    """How the reasons of a match of ``mentor_type`` word the criterion ``name``: a
    built-in criterion by :data:`PHRASES`, the others by
    :func:`matcher.program_words.program_phrase`.

    >>> from matcher.schema import Role
    >>> e = Participant("e@x.org", "E", Role.MENTEE, utc_offset_minutes=60)
    >>> m = Participant("m@x.org", "M", Role.MENTOR, utc_offset_minutes=-60)
    >>> criterion_phrase("timezone", MentorType.EXPERTISE, ProgramConfig())(e, m, ProgramConfig())
    '2 h apart in time zones'
    """
    return PHRASES.get(name) or program_phrase(name, mentor_type, config)


def said_reasons(
    mentee: Participant, mentor: Participant, phrases: Iterable[Phrase], config: ProgramConfig
) -> str:
    """What ``phrases`` find to say of a pair, in their order, as one ``;``-separated line
    (the reasons of :func:`match_reasons` once its criteria are ranked).

    >>> from matcher.schema import Role
    >>> e = Participant("e@x.org", "E", Role.MENTEE, priority=True)
    >>> m = Participant("m@x.org", "M", Role.MENTOR)
    >>> said_reasons(e, m, [PHRASES["priority"], PHRASES["timezone"]], ProgramConfig())
    'priority: unmatched last cohort'
    >>> said_reasons(e, m, [], ProgramConfig())
    'meets every rule; no criterion stands out'
    """
    said = [text for phrase in phrases if (text := phrase(mentee, mentor, config))]
    return "; ".join(said) if said else "meets every rule; no criterion stands out"


def _blocking_summary(
    cohort: Cohort, stats: RequestStats, row: int, config: ProgramConfig, rejected: Rejected
) -> str:
    """What the rules find wrong with every mentor of the type, in the mentee's data.

    One rule that blocks them all says it alone. Otherwise the mentors are evaluated again
    (one mentee, on demand) and up to :data:`COVER` rules are named, each the one that
    blocks the most of the mentors the rules before it left.
    """
    offered, mentee = int(stats.offered[row]), int(stats.mentee[row])
    mentor_type = MENTOR_TYPES[stats.kind[row]]
    top = int(np.argmax(stats.blocked[row]))
    if stats.blocked[row, top] >= offered:
        return request_breach(
            RULE_NAMES[top], cohort, mentee, mentor_type, config, offered, offered
        )
    mentors = cohort.mentors_offering(mentor_type)
    mentors = mentors[mentors != mentee]
    found = violations(block(cohort, np.array([mentee]), mentors), mentor_type, config, rejected)
    left = np.ones(len(mentors), dtype=bool)
    said = []
    while left.any() and len(said) < COVER:
        name = max(found, key=lambda rule: int((found[rule][0] & left).sum()))
        blocked = found[name][0]
        if not (blocked & left).any():
            break
        count = int(blocked.sum())
        said.append(request_breach(name, cohort, mentee, mentor_type, config, count, offered))
        left &= ~blocked
    return f"no {MENTOR_NOUN[mentor_type]} passes the hard rules: " + "; ".join(said)


def unmatched_reason(
    cohort: Cohort,
    stats: RequestStats,
    row: int,
    config: ProgramConfig,
    taken: tuple[int, int, int],
    best: str,
    rejected: Rejected | None = None,
) -> str:
    """The actionable reason why request ``row`` of ``stats`` got no mentor.

    Parameters
    ----------
    cohort
        The encoded participants, for the data the reason names.
    stats
        Per-request counts from :func:`matcher.candidates.build_candidates`.
    row
        Which request.
    config
        For the minimum score and rule thresholds.
    taken
        Of the candidates that pass the rules and the minimum score: how many are full
        with places that went to other mentees by the matching, how many are full with
        pairs an admin approved or locked, and how many already mentor this mentee in
        another type.
    best
        A short description of the best such candidate ('' when there is none).
    rejected
        Per type, the triples an admin rejected.

    Examples
    --------
    >>> from matcher.cohort import encode
    >>> from matcher.schema import Role
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("sponsorship",))
    >>> stats = RequestStats(
    ...     np.array([0]),
    ...     np.array([1]),
    ...     np.array([0]),
    ...     np.array([0]),
    ...     np.array([0]),
    ...     np.zeros((1, len(RULE_NAMES)), dtype=int),
    ... )
    >>> unmatched_reason(encode([ana]), stats, 0, ProgramConfig(), (0, 0, 0), "")
    'nobody in the program offers to be a sponsor'
    """
    mentor_type = MENTOR_TYPES[stats.kind[row]]
    noun = MENTOR_NOUN[mentor_type]
    offered, possible = int(stats.offered[row]), int(stats.feasible[row])
    if offered == 0:
        return f"nobody in the program offers to be a {noun}"
    if possible == 0:
        return _blocking_summary(cohort, stats, row, config, rejected or {})
    low = int(stats.below_min[row])
    if low == possible:
        passes = (
            "passes the rules, but scores" if possible == 1 else "pass the rules, but all score"
        )
        return (
            f"{plural(possible, noun)} {passes} below the program's minimum of {config.min_score:g}"
        )
    full, held, own = taken
    why = []
    if full:
        why.append(f"{full} full (their places went to better overall matches)")
    if held:
        why.append(f"{held} full with pairs an admin approved or locked")
    if own:
        why.append(f"{own} already mentoring this person in another type")
    if not why:
        why.append("left out by the program's objective")
    hint = f"; best candidate: {best}" if best else ""
    return f"{plural(possible - low, noun)} could: " + ", ".join(why) + hint
