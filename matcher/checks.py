"""An independent audit of a set of matches: every broken rule, capacity or uniqueness.

``check_proposal`` does not trust the solver: it re-reads the matches table (from a
Proposal, an edited CSV or the review screen) and lists in words everything that is wrong.
An empty list means the matches respect every hard rule and every admin decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher.breaches import breach_phrases, pair_breaches
from matcher.cohort import MENTOR_TYPES, Cohort, encode, pairwise
from matcher.config import ProgramConfig
from matcher.constraints import RULES_BY_NAME, type_problems, violations
from matcher.errors import MatcherError
from matcher.explain import match_reasons, shared
from matcher.mentors import mentee_index, mentors_for
from matcher.proposal import Decision, decision_triples, rejected_matrices
from matcher.schema import MentorType, Participant, same_text
from matcher.scoring import combine, score
from matcher.words import plural

SCORE_TOLERANCE = 0.005
LATE_HOURS = 6
MATCH_KEYS = ["mentee_email", "mentor_email", "mentor_type"]


def _known_rows(cohort: Cohort, matches: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    problems = []
    keep = []
    types = {t.value for t in MENTOR_TYPES}
    for i, row in enumerate(matches.itertuples(index=False)):
        label = f"match {i + 1} ({row.mentee_email} -> {row.mentor_email}, {row.mentor_type})"
        e, m = cohort.index.get(row.mentee_email), cohort.index.get(row.mentor_email)
        if e is None or m is None or row.mentor_type not in types:
            problems.append(f"{label}: unknown person or mentor type")
            continue
        kind = MENTOR_TYPES.index(MentorType(row.mentor_type))
        if not cohort.seeks[e, kind]:
            problems.append(f"{label}: the mentee does not seek this type")
        if not cohort.offers[m, kind]:
            problems.append(f"{label}: the mentor does not offer this type")
        keep.append((i, e, m, kind, float(row.score)))
    table = pd.DataFrame(keep, columns=["row", "mentee", "mentor", "kind", "score"])
    return problems, table


def _rule_problems(
    cohort: Cohort, table: pd.DataFrame, config: ProgramConfig, decisions: Sequence[Decision]
) -> list[str]:
    problems = []
    rejected = rejected_matrices(cohort, decision_triples(cohort, decisions, "reject"))
    locks = set(decision_triples(cohort, decisions, "lock"))
    for kind, group in table.groupby("kind"):
        mentor_type = MENTOR_TYPES[int(kind)]
        pairs = pairwise(cohort, group.mentee.to_numpy(), group.mentor.to_numpy())
        found = violations(pairs, mentor_type, config, rejected)
        expected, values = score(pairs, mentor_type, config)
        base = np.broadcast_to(combine(values, mentor_type, config), expected.shape)
        for j, row in enumerate(group.itertuples(index=False)):
            label = (
                f"match {row.row + 1} ({cohort.people[row.mentee].email} -> "
                f"{cohort.people[row.mentor].email}, {mentor_type.value})"
            )
            for name, mask in found.items():
                if mask[j]:
                    problems.append(f"{label}: breaks '{RULES_BY_NAME[name].rule_text(config)}'")
            if abs(expected[j] - row.score) > SCORE_TOLERANCE:
                problems.append(f"{label}: score {row.score:g} but the pair scores {expected[j]:g}")
            locked = (row.mentee, row.mentor, int(kind)) in locks
            if base[j] < config.min_score and not locked:  # the minimum is before bonuses
                problems.append(f"{label}: scores below the minimum of {config.min_score:g}")
    return problems


def _count_problems(
    cohort: Cohort, table: pd.DataFrame, decisions: Sequence[Decision]
) -> list[str]:
    problems = []
    email = [p.email for p in cohort.people]
    load = table.groupby("mentor").size()
    for mentor, count in load.items():
        if count > cohort.capacity[mentor]:
            problems.append(
                f"{email[mentor]} has {count} mentees but room for {cohort.capacity[mentor]}"
            )
    for (mentee, kind), count in table.groupby(["mentee", "kind"]).size().items():
        if count > 1:
            problems.append(
                f"{email[mentee]} has {count} {MENTOR_TYPES[kind].value} mentors; at most 1"
            )
    for (mentee, mentor), count in table.groupby(["mentee", "mentor"]).size().items():
        if count > 1:
            problems.append(f"{email[mentor]} mentors {email[mentee]} in {count} types; at most 1")
    present = set(zip(table.mentee, table.mentor, table.kind, strict=True))
    for mentee, mentor, kind in decision_triples(cohort, decisions, "lock"):
        if (mentee, mentor, kind) not in present:
            problems.append(
                f"the locked pair {email[mentee]} -> {email[mentor]} "
                f"({MENTOR_TYPES[kind].value}) is missing"
            )
    return problems


def check_proposal(
    participants: Sequence[Participant],
    matches: pd.DataFrame,
    config: ProgramConfig | None = None,
    decisions: Sequence[Decision] = (),
) -> list[str]:
    """List every way ``matches`` breaks the program's rules (empty when none).

    Parameters
    ----------
    participants
        The program's participants.
    matches
        A table with at least ``mentee_email, mentor_email, mentor_type, score``.
    config
        The program config the matches should respect.
    decisions
        Admin decisions: locked triples must be present, rejected ones absent.

    Returns
    -------
    list of str
        One sentence per problem found.

    Examples
    --------
    >>> from matcher.schema import Role
    >>> people = [
    ...     Participant(
    ...         "ana@x.org", "Ana", Role.MENTEE, seeks=("developmental",), manager_email="bo@x.org"
    ...     ),
    ...     Participant("bo@x.org", "Bo", Role.MENTOR, offers=("developmental",)),
    ... ]
    >>> bad = pd.DataFrame(
    ...     [("ana@x.org", "bo@x.org", "developmental", 17.5)],
    ...     columns=["mentee_email", "mentor_email", "mentor_type", "score"],
    ... )
    >>> [problem.split("): ")[1] for problem in check_proposal(people, bad)]
    ["breaks 'objectivity: never in each other's management chain'"]
    """
    config = config or ProgramConfig()
    cohort = encode(participants)
    problems, table = _known_rows(cohort, matches)
    if len(table):
        problems += _rule_problems(cohort, table, config, decisions)
    problems += _count_problems(cohort, table, decisions)
    return problems


@dataclass(frozen=True)
class PairAssessment:
    """What an admin should know before making a pair by hand.

    ``blocked_by`` says what is wrong in the pair, a phrase per hard rule it breaks (it
    must not be made);
    ``warnings`` lists soft concerns (it may be made, knowingly).
    """

    score: float
    reasons: str
    blocked_by: tuple[str, ...]
    warnings: tuple[str, ...]


def _pair_warnings(
    mentee: Participant,
    mentor: Participant,
    mentor_type: MentorType,
    base_score: float,
    config: ProgramConfig,
    matches: pd.DataFrame,
) -> list[str]:
    warnings = []
    if base_score < config.min_score:
        warnings.append(
            f"scores {base_score:g}, below the program's minimum of {config.min_score:g}"
        )
    if mentee.department and same_text(mentee.department, mentor.department):
        warnings.append(
            f"both work in {mentee.department}: advice from inside may be less objective"
        )
    if mentee.goals and not shared(mentee.goals, mentor.strengths):
        warnings.append("the mentor lists none of the mentee's goals as strengths")
    if mentee.utc_offset_minutes is not None and mentor.utc_offset_minutes is not None:
        hours = abs(mentee.utc_offset_minutes - mentor.utc_offset_minutes) / 60
        if hours >= LATE_HOURS:
            warnings.append(f"{plural(hours, 'hour')} apart in time zones")
    others = matches[
        ~((matches.mentee_email == mentee.email) & (matches.mentor_type == mentor_type.value))
    ]
    load = int((others.mentor_email == mentor.email).sum())
    if load >= mentor.capacity:
        has = f"{plural(load, 'mentee')} for {plural(mentor.capacity, 'place')}"
        warnings.append(f"the mentor already has {has}")
    current = matches[
        (matches.mentee_email == mentee.email) & (matches.mentor_type == mentor_type.value)
    ]
    if len(current) and current.mentor_email.iloc[0] != mentor.email:
        warnings.append(
            f"replaces the current {mentor_type.value} match with {current.mentor_email.iloc[0]}"
        )
    return warnings


def assess_pair(
    participants: Sequence[Participant],
    mentee_email: str,
    mentor_email: str,
    mentor_type: MentorType | str,
    config: ProgramConfig | None = None,
    matches: pd.DataFrame | None = None,
    decisions: Sequence[Decision] = (),
) -> PairAssessment:
    """Assess a pair an admin wants to make by hand: its score, reasons, rules and concerns.

    Parameters
    ----------
    participants
        The program's participants.
    mentee_email, mentor_email, mentor_type
        The pair and the type of mentoring.
    config
        The program config.
    matches
        The current matches (``mentee_email, mentor_email, mentor_type``), to warn about a
        full mentor or a match this one would replace, and to block a second type with
        the same mentor.
    decisions
        Admin decisions; a rejected triple is blocked.

    Returns
    -------
    PairAssessment

    Raises
    ------
    MatcherError
        When either e-mail is not a participant.

    Examples
    --------
    >>> from matcher.schema import Role
    >>> people = [
    ...     Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("sponsorship",), level=3),
    ...     Participant("bo@x.org", "Bo", Role.MENTOR, offers=("sponsorship",), level=4),
    ... ]
    >>> assess_pair(people, "ana@x.org", "bo@x.org", "sponsorship").blocked_by
    ('only 1 level above the mentee (level 4 vs 3; needs 2+)',)
    """
    config = config or ProgramConfig()
    mentor_type = MentorType(mentor_type)
    matches = matches if matches is not None else pd.DataFrame(columns=MATCH_KEYS)
    cohort = encode(participants)
    emails = (mentee_email.strip().lower(), mentor_email.strip().lower())
    missing = [e for e in emails if e not in cohort.index]
    if missing:
        raise MatcherError(f"{', '.join(missing)} is not a participant of this program")
    e, m = (cohort.index[x] for x in emails)
    mentee, mentor = cohort.people[e], cohort.people[m]
    rejected = rejected_matrices(cohort, decision_triples(cohort, decisions, "reject"))
    blocked = type_problems(cohort, e, m, mentor_type)
    blocked += pair_breaches(cohort, e, m, mentor_type, config, rejected)
    elsewhere = matches[
        (matches.mentee_email == mentee.email)
        & (matches.mentor_email == mentor.email)
        & (matches.mentor_type != mentor_type.value)
    ]
    if len(elsewhere):
        blocked.append(
            f"{mentor.name} already mentors {mentee.name} ({elsewhere.mentor_type.iloc[0]})"
        )
    scores, values = score(pairwise(cohort, [e], [m]), mentor_type, config)
    pair_score = float(scores[0])
    reasons = match_reasons(
        mentee, mentor, mentor_type, {k: float(v[0]) for k, v in values.items()}, config
    )
    base_score = float(combine(values, mentor_type, config)[0])
    warnings = _pair_warnings(mentee, mentor, mentor_type, base_score, config, matches)
    return PairAssessment(pair_score, reasons, tuple(blocked), tuple(warnings))


FIT_COLUMNS = ["mentor_type", "mentor_email", "mentor_name", "score", "blocked"]


def mentor_fits(
    participants: Sequence[Participant],
    mentee_email: str,
    config: ProgramConfig | None = None,
    decisions: Sequence[Decision] = (),
    cohort: Cohort | None = None,
    *,
    with_places: bool = False,
    most: int | None = None,
) -> pd.DataFrame:
    """How every mentor would fit one mentee, per type the mentee seeks: the score, or what
    is wrong in the pair (as :func:`assess_pair` says it), for a search of mentors.

    Parameters
    ----------
    participants, config, decisions
        As given to :func:`matcher.propose`; decisions naming someone who is not a
        participant are ignored.
    mentee_email
        The mentee (case-insensitive).
    cohort
        ``encode(participants)`` already made (encoded when omitted).
    with_places
        Only mentors with places (capacity above 0).
    most
        Per type, only the ``most`` mentors who fit best: those no rule blocks first,
        then by score, then by e-mail (all when None). Only those are put in words, so
        that a search of 15,000 mentors a type costs what a list of ``most`` does.

    Returns
    -------
    pandas.DataFrame
        One row per (type sought, mentor offering it, not the mentee): ``mentor_type,
        mentor_email, mentor_name, score, blocked`` (empty when no rule blocks), in the
        order of the types, then of the mentors' names.

    Raises
    ------
    MatcherError
        When ``mentee_email`` is not a mentee of the program.

    Examples
    --------
    >>> from matcher.schema import Role
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",),
    ...                   expertise_wanted=("sql",))
    >>> mentors = [Participant(f"{n.lower()}@x.org", n, Role.MENTOR, offers=("expertise",),
    ...                        expertise=(skill,)) for n, skill in (("Cy", "go"), ("Bo", "sql"))]
    >>> mentor_fits([ana, *mentors], "ana@x.org")[["mentor_name", "score", "blocked"]].values
    array([['Bo', 72.5, ''],
           ['Cy', 12.5, 'lacks the wanted skill: sql']], dtype=object)
    >>> mentor_fits([ana, *mentors], "ana@x.org", most=1)["mentor_name"].tolist()
    ['Bo']
    """  # fmt: skip
    config = config or ProgramConfig()
    cohort = encode(participants) if cohort is None else cohort
    mentee = mentee_index(cohort, mentee_email)
    known = [d for d in decisions if {d.mentee_email, d.mentor_email} <= cohort.index.keys()]
    rejected = rejected_matrices(cohort, decision_triples(cohort, known, "reject"))
    rows = []
    for mentor_type, mentors, pairs, scores in mentors_for(cohort, mentee, config):
        masks = violations(pairs, mentor_type, config, rejected)
        blocked = np.zeros(len(mentors), dtype=bool)
        for mask in masks.values():
            blocked |= np.asarray(mask[0], dtype=bool)
        kept = np.arange(len(mentors))
        if with_places:
            kept = kept[cohort.capacity[mentors] > 0]
        if most is not None:
            # ties by e-mail: a cohort is in the order of its e-mails
            kept = kept[np.lexsort((mentors[kept], -scores[kept], blocked[kept]))[:most]]
        people = {j: cohort.people[mentors[j]] for j in kept.tolist()}
        for j, person in sorted(people.items(), key=lambda jp: (jp[1].name, jp[1].email)):
            rules = [name for name, mask in masks.items() if mask[0, j]] if blocked[j] else []
            words = breach_phrases(cohort, mentee, int(mentors[j]), mentor_type, config, rules)
            rows.append(
                (mentor_type.value, person.email, person.name, float(scores[j]), "; ".join(words))
            )
    return pd.DataFrame(rows, columns=FIT_COLUMNS)
