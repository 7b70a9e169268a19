"""What is wrong when a hard rule blocks, in words with the people's own data.

Every hard rule of :mod:`matcher.constraints` has two phrases here, keyed by its name:

- for one pair it blocks (:func:`pair_breaches`): "same manager (Tom Clarke)", "lacks the
  wanted skill: embedded firmware", "no shared language (mentee: de; mentor: en, fr)";
  the alternatives of :func:`matcher.explain_mentee` and a match made by hand
  (:func:`matcher.assess_pair`) say it;
- for the mentors of a type it blocks for one open request (:func:`request_breach`): "no
  generational mentor speaks japanese", "2 of 5 are in the mentee's management chain
  (Jonas Weber, Tom Clarke)"; the unmatched reasons say it.

The rule's ``rule_text`` states what the rule ensures; these phrases state what is wrong.
They read a few people's data, on demand for the pairs and open requests shown, never per
cell of a cohort.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from matcher.cohort import MENTOR_TYPES, Cohort, pairwise
from matcher.config import ProgramConfig
from matcher.constraints import Rejected, violations
from matcher.questions import RULE_KINDS, QuestionRule, rule_blocks, rules_for
from matcher.schema import MENTOR_NOUN, MeetingMode, MentorType, Participant, shown_answer
from matcher.words import plural

#: People named in a phrase before "and N more".
NAMED = 3


def _names(cohort: Cohort, people: Sequence[int]) -> str:
    """Up to :data:`NAMED` names, alphabetically, then how many more.

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Role
    >>> c = encode([Participant(f"{n}@x.org", n, Role.MENTOR) for n in "EDCBA"])
    >>> _names(c, [0, 1, 2, 3, 4]), _names(c, [4])
    ('A, B, C and 2 more', 'E')
    """
    names = sorted(cohort.people[i].name for i in people)
    more = len(names) - NAMED
    return ", ".join(names[:NAMED]) + (f" and {more} more" if more > 0 else "")


def _nobody_given(mentee: bool, mentor: bool) -> str:
    return "either" if mentee and mentor else "the mentee" if mentee else "the mentor"


def _up(manager: np.ndarray, start: int, goal: int) -> list[int] | None:
    """The managers from ``start``'s up to ``goal``, or None when ``goal`` is not above."""
    path: list[int] = []
    current = int(manager[start])
    while current >= 0 and len(path) < len(manager):
        path.append(current)
        if current == goal:
            return path
        current = int(manager[current])
    return None


def _reports_to(names: Sequence[str]) -> str:
    """A reporting path in words.

    >>> _reports_to(["Jo"]), _reports_to(["Jo", "Al"])
    ('reports to Jo', 'reports to Jo, who reports to Al')
    >>> _reports_to(["Jo", "Al", "Cy"])
    'reports to Jo; Cy is 3 steps up'
    """
    if len(names) == 1:
        return f"reports to {names[0]}"
    if len(names) == 2:
        return f"reports to {names[0]}, who reports to {names[1]}"
    return f"reports to {names[0]}; {names[-1]} is {len(names)} steps up"


@dataclass(frozen=True)
class _Pair:
    """One (mentee, mentor) pair of a cohort that a rule blocks."""

    cohort: Cohort
    mentee: int
    mentor: int
    kind: MentorType
    config: ProgramConfig

    @property
    def e(self) -> Participant:
        return self.cohort.people[self.mentee]

    @property
    def m(self) -> Participant:
        return self.cohort.people[self.mentor]

    @property
    def as_noun(self) -> str:
        """The mentor's part with its article: "a sponsor", "an expertise mentor"."""
        noun = MENTOR_NOUN[self.kind]
        return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"

    def name(self, person: int) -> str:
        return self.cohort.people[person].name

    def listed_by(self, attribute: str) -> str:
        """Who lists the other in ``attribute`` (``exclude``, ``previous_partners``):
        ``the mentee``, ``the mentor`` or ``both``."""
        by_mentee = self.m.email in getattr(self.e, attribute)
        by_mentor = self.e.email in getattr(self.m, attribute)
        return "both" if by_mentee and by_mentor else "the mentee" if by_mentee else "the mentor"


def _self(p: _Pair) -> str:
    return "the same person"


def _capacity(p: _Pair) -> str:
    return f"offers no places as {p.as_noun} (capacity 0); raise their capacity to pair them"


def _chain(p: _Pair) -> str:
    manager = p.cohort.manager
    if (up := _up(manager, p.mentee, p.mentor)) is not None:
        return f"in the mentee's management chain ({_reports_to([p.name(i) for i in up])})"
    if (down := _up(manager, p.mentor, p.mentee)) is not None:
        names = [p.name(i) for i in down[:-1]] + ["the mentee"]
        return f"the mentee is in their management chain ({_reports_to(names)})"
    return "in each other's management chain"


def _same_manager(p: _Pair) -> str:
    return f"same manager ({p.name(p.cohort.manager[p.mentee])})"


def _boss_peer(p: _Pair) -> str:
    boss = p.cohort.manager[p.mentee]
    grand_boss = p.cohort.manager[boss]
    return f"a peer of the mentee's manager {p.name(boss)} (both report to {p.name(grand_boss)})"


def _excluded(p: _Pair) -> str:
    return {
        "the mentee": "excluded by the mentee",
        "the mentor": "excludes the mentee",
        "both": "they exclude each other",
    }[p.listed_by("exclude")]


def _previous(p: _Pair) -> str:
    return f"paired before (listed by {p.listed_by('previous_partners')})"


def _language(p: _Pair) -> str:
    return (
        f"no shared language (mentee: {', '.join(p.e.languages)}; "
        f"mentor: {', '.join(p.m.languages)})"
    )


def _meeting(p: _Pair) -> str:
    modes = (p.e.meeting_mode, p.m.meeting_mode)
    if modes == (MeetingMode.IN_PERSON, MeetingMode.REMOTE):
        return "cannot meet: the mentee meets only in person, the mentor only remotely"
    if modes == (MeetingMode.REMOTE, MeetingMode.IN_PERSON):
        return "cannot meet: the mentor meets only in person, the mentee only remotely"
    return f"cannot meet in person: the mentee is in {p.e.location}, the mentor in {p.m.location}"


def _sponsor(p: _Pair) -> str:
    gap = p.config.sponsor_level_gap
    e, m = p.e.level, p.m.level
    if e is None or m is None:
        who = _nobody_given(e is None, m is None)
        return f"no level given for {who}: a sponsor must be {gap}+ levels above the mentee"
    if m <= e:
        return f"not above the mentee (level {m} vs {e}; a sponsor needs {gap}+ levels above)"
    return f"only {plural(m - e, 'level')} above the mentee (level {m} vs {e}; needs {gap}+)"


def _generation(p: _Pair) -> str:
    e, m = p.e.generation, p.m.generation
    if e is None or m is None:
        return f"no generation given for {_nobody_given(e is None, m is None)}"
    return f"same generation as the mentee ({e.value})"


def _wanted(e: Participant) -> str:
    skills = e.expertise_wanted
    return f"the wanted skill{'s' if len(skills) > 1 else ''}: {', '.join(skills)}"


def _expertise(p: _Pair) -> str:
    return "lacks " + _wanted(p.e) if p.e.expertise_wanted else "the mentee lists no wanted skill"


def _timezone(p: _Pair) -> str:
    hours = abs((p.e.utc_offset_minutes or 0) - (p.m.utc_offset_minutes or 0)) / 60
    allowed = p.config.max_timezone_gap_hours or 0
    return f"{plural(hours, 'hour')} apart in time zones (the program allows {allowed:g})"


def _rejected(p: _Pair) -> str:
    return "rejected by an admin"


def _organization(p: _Pair) -> str:
    return f"same organization as the mentee ({p.m.organization})"


def _avoided(p: _Pair) -> str:
    return "would rather not take the mentee (their avoid list)"


def _only_picks(p: _Pair) -> str:
    return (
        "not one of the mentee's picks (the program matches a mentee who picked only with a pick)"
    )


def _answers(person: Participant, key: str) -> str:
    return shown_answer(person.answers.get(key, "")) or "no answer"


def question_words(
    rule: QuestionRule, e: Participant, m: Participant, config: ProgramConfig
) -> str:
    """What a question's hard rule finds wrong in a pair, with both answers.

    >>> from matcher.questions import Question
    >>> from matcher.schema import Answers, Role
    >>> q = Question("team", "single", "Which team?", choices=("red", "blue"))
    >>> e = Participant("e@x.org", "E", Role.MENTEE, answers=Answers({"team": "red"}))
    >>> m = Participant("m@x.org", "M", Role.MENTOR, answers=Answers({"team": "blue"}))
    >>> question_words(QuestionRule("team", "same", hard=True), e, m, ProgramConfig(questions=(q,)))
    "no shared answer to 'Which team?' (mentee: red; mentor: blue)"
    """
    prompt = config.question(rule.question).prompt
    answers = f"(mentee: {_answers(e, rule.question)}; mentor: {_answers(m, rule.mentor_key)})"
    if rule.rule == "different":
        return f"not a different answer to {prompt!r} {answers}"
    if rule.rule == "scale":
        return f"answers to {prompt!r} more than {rule.max_gap} apart or missing {answers}"
    if rule.rule == "wants":
        wanted = config.question(rule.mentor_key).prompt
        return f"has none of what the mentee wants in {prompt!r} (by {wanted!r}) {answers}"
    return f"no shared answer to {prompt!r} {answers}"


def _blocking_questions(p: _Pair) -> list[QuestionRule]:
    pairs = pairwise(p.cohort, [p.mentee], [p.mentor])
    return [
        rule
        for rule in rules_for(p.config.question_rules, p.kind, hard=True)
        if rule_blocks(pairs, rule)[0]
    ]


def _question(p: _Pair) -> str:
    return "; ".join(question_words(rule, p.e, p.m, p.config) for rule in _blocking_questions(p))


@dataclass(frozen=True)
class _Request:
    """An open request (mentee, type) and how many of the ``offered`` mentors a rule
    blocks for it."""

    cohort: Cohort
    mentee: int
    kind: int
    config: ProgramConfig
    count: int
    offered: int

    @property
    def e(self) -> Participant:
        return self.cohort.people[self.mentee]

    @property
    def noun(self) -> str:
        return MENTOR_NOUN[MENTOR_TYPES[self.kind]]

    def name(self, person: int) -> str:
        return self.cohort.people[person].name

    def said(self, every: str, verb: tuple[str, str], rest: str) -> str:
        """``every`` when the rule blocks every mentor offering the type, else
        "<count> of <offered> <verb> <rest>" with the verb agreeing with the count."""
        if self.count >= self.offered:
            return every
        return f"{self.count} of {self.offered} {verb[self.count != 1]} {rest}"

    def among(self, matrix: sparse.csr_matrix) -> str:
        """The names of the mentors of the type that ``matrix`` pairs with the mentee."""
        row = matrix[self.mentee]
        offers = self.cohort.offers[:, self.kind]
        found = [int(j) for j in row.indices[row.data != 0] if offers[j] and j != self.mentee]
        return _names(self.cohort, found)


def _self_all(r: _Request) -> str:
    return r.said(f"the only {r.noun} is the mentee themself", ("is", "are"), "the mentee themself")


def _capacity_all(r: _Request) -> str:
    room = "room this cohort (capacity 0)"
    return r.said(f"no {r.noun} has {room}", ("has", "have"), f"no {room}")


def _chain_all(r: _Request) -> str:
    where = f"in the mentee's management chain ({r.among(r.cohort.chain)})"
    return r.said(f"every {r.noun} is {where}", ("is", "are"), where)


def _same_manager_all(r: _Request) -> str:
    boss = f"the mentee's manager ({r.name(r.cohort.manager[r.mentee])})"
    return r.said(f"every {r.noun} shares {boss}", ("shares", "share"), boss)


def _boss_peer_all(r: _Request) -> str:
    boss = r.cohort.manager[r.mentee]
    to = f"to {r.name(r.cohort.manager[boss])}, as the mentee's manager {r.name(boss)} does"
    return r.said(f"every {r.noun} reports {to}", ("reports", "report"), to)


def _excluded_all(r: _Request) -> str:
    where = f"on an exclude list with the mentee ({r.among(r.cohort.excluded)})"
    return r.said(f"every {r.noun} is {where}", ("is", "are"), where)


def _previous_all(r: _Request) -> str:
    before = f"paired with the mentee before ({r.among(r.cohort.previous)})"
    return r.said(f"every {r.noun} was {before}", ("was", "were"), before)


def _language_all(r: _Request) -> str:
    spoken = r.e.languages
    return r.said(
        f"no {r.noun} speaks {' or '.join(spoken)}",
        ("speaks", "speak"),
        f"none of the mentee's languages ({', '.join(spoken)})",
    )


def _meeting_all(r: _Request) -> str:
    e = r.e
    if e.meeting_mode is MeetingMode.IN_PERSON:
        where = f"meet the mentee in person{f' in {e.location}' if e.location else ''}"
        return r.said(f"no {r.noun} can {where}", ("cannot", "cannot"), where)
    if e.meeting_mode is MeetingMode.REMOTE:
        only = "only in person; the mentee only remotely"
        return r.said(f"every {r.noun} meets {only}", ("meets", "meet"), only)
    away = f"only in person, away from the mentee ({e.location})"
    return r.said(f"every {r.noun} meets {away}", ("meets", "meet"), away)


def _sponsor_all(r: _Request) -> str:
    gap = r.config.sponsor_level_gap
    if r.e.level is None:
        return f"the mentee's level is not given, so no {r.noun} is known to be {gap}+ above"
    above = f"{gap}+ levels above the mentee (level {r.e.level})"
    return r.said(f"no {r.noun} is {above}", ("is not", "are not"), above)


def _generation_all(r: _Request) -> str:
    if r.e.generation is None:
        return "the mentee's generation is not given"
    other = f"a generation other than the mentee's ({r.e.generation.value})"
    return r.said(f"no {r.noun} gives {other}", ("does not give", "do not give"), other)


def _expertise_all(r: _Request) -> str:
    if not r.e.expertise_wanted:
        return "the mentee lists no wanted skill"
    wanted = _wanted(r.e)
    return r.said(f"no {r.noun} has {wanted}", ("lacks", "lack"), wanted)


def _timezone_all(r: _Request) -> str:
    hours = plural(float(r.config.max_timezone_gap_hours or 0), "hour")
    zone = f"the mentee's time zone ({r.e.timezone})"
    return r.said(
        f"no {r.noun} is within {hours} of {zone}", ("is", "are"), f"more than {hours} from {zone}"
    )


def _rejected_all(r: _Request) -> str:
    return r.said(
        f"an admin rejected every {r.noun} for this mentee",
        ("was", "were"),
        "rejected for this mentee by an admin",
    )


def _organization_all(r: _Request) -> str:
    inside = f"in the mentee's organization ({r.e.organization})"
    return r.said(f"every {r.noun} is {inside}", ("is", "are"), inside)


def _avoided_all(r: _Request) -> str:
    rather = "would rather not take the mentee"
    return r.said(f"every {r.noun} {rather}", ("would", "would"), rather.removeprefix("would "))


def _only_picks_all(r: _Request) -> str:
    outside = "not among the mentee's picks"
    return r.said(f"no {r.noun} is among the mentee's picks", ("is", "are"), outside)


def _question_all(r: _Request) -> str:
    mentor_type = MENTOR_TYPES[r.kind]
    mentors = np.array([j for j in r.cohort.mentors_offering(mentor_type) if j != r.mentee])
    pairs = pairwise(r.cohort, np.full(len(mentors), r.mentee), mentors)
    counted = [
        (int(rule_blocks(pairs, rule).sum()), rule)
        for rule in rules_for(r.config.question_rules, mentor_type, hard=True)
    ]
    _, rule = max(counted, key=lambda found: found[0])
    prompt = r.config.question(rule.question).prompt
    needed = RULE_KINDS[rule.rule].ensures.format(prompt=repr(prompt), max_gap=rule.max_gap)
    needed += f" (the mentee: {_answers(r.e, rule.question)})"
    return r.said(f"no {r.noun} gives {needed}", ("does not give", "do not give"), needed)


@dataclass(frozen=True)
class Breach:
    """The words of one rule: what is wrong in a pair, and for an open request."""

    pair: Callable[[_Pair], str]
    request: Callable[[_Request], str]


#: Rule name (as in :data:`matcher.constraints.RULES`) -> its words.
BREACHES: dict[str, Breach] = {
    "self": Breach(_self, _self_all),
    "capacity": Breach(_capacity, _capacity_all),
    "management_chain": Breach(_chain, _chain_all),
    "same_manager": Breach(_same_manager, _same_manager_all),
    "boss_peer": Breach(_boss_peer, _boss_peer_all),
    "excluded": Breach(_excluded, _excluded_all),
    "previous_partner": Breach(_previous, _previous_all),
    "language": Breach(_language, _language_all),
    "meeting": Breach(_meeting, _meeting_all),
    "sponsor_gap": Breach(_sponsor, _sponsor_all),
    "generation": Breach(_generation, _generation_all),
    "expertise": Breach(_expertise, _expertise_all),
    "timezone": Breach(_timezone, _timezone_all),
    "rejected": Breach(_rejected, _rejected_all),
    "outside_organization": Breach(_organization, _organization_all),
    "avoided": Breach(_avoided, _avoided_all),
    "only_picks": Breach(_only_picks, _only_picks_all),
    "question": Breach(_question, _question_all),
}


def pair_breaches(
    cohort: Cohort,
    mentee: int,
    mentor: int,
    mentor_type: MentorType,
    config: ProgramConfig,
    rejected: Rejected | None = None,
) -> list[str]:
    """What is wrong in one pair: a phrase per hard rule it breaks (empty when none).

    Parameters
    ----------
    cohort
        The encoded participants.
    mentee, mentor
        The two people's indices in ``cohort``.
    mentor_type
        The type the mentor would take on.
    config
        Program settings (sponsor gap, rule switches, time-zone limit).
    rejected
        Per type, the triples an admin rejected (see :func:`matcher.proposal.rejected_matrices`).

    Examples
    --------
    >>> from matcher.cohort import encode
    >>> from matcher.schema import Role
    >>> tom = Participant("tom@x.org", "Tom", Role.MENTOR)
    >>> ana = Participant(
    ...     "ana@x.org", "Ana", Role.MENTEE, manager_email=tom.email, expertise_wanted=("iot",)
    ... )
    >>> ben = Participant(
    ...     "ben@x.org", "Ben", Role.MENTOR, offers=("expertise",), manager_email=tom.email
    ... )
    >>> pair_breaches(encode([ana, ben, tom]), 0, 1, MentorType.EXPERTISE, ProgramConfig())
    ['same manager (Tom)', 'lacks the wanted skill: iot']
    """
    found = violations(pairwise(cohort, [mentee], [mentor]), mentor_type, config, rejected)
    rules = [n for n, hit in found.items() if hit[0]]
    return breach_phrases(cohort, mentee, mentor, mentor_type, config, rules)


def breach_phrases(
    cohort: Cohort,
    mentee: int,
    mentor: int,
    mentor_type: MentorType,
    config: ProgramConfig,
    rules: Iterable[str],
) -> list[str]:
    """The phrases of :func:`pair_breaches` for rules already found to block one pair (by
    name, as :func:`matcher.constraints.violations` keys them), for callers that checked
    many pairs at once.

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Role
    >>> tom = Participant("tom@x.org", "Tom", Role.MENTOR)
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE, manager_email=tom.email)
    >>> rules = ["management_chain", "capacity"]
    >>> for phrase in breach_phrases(
    ...     encode([ana, tom]), 0, 1, MentorType.SPONSORSHIP, ProgramConfig(), rules
    ... ):
    ...     print(phrase)
    in the mentee's management chain (reports to Tom)
    offers no places as a sponsor (capacity 0); raise their capacity to pair them
    """
    pair = _Pair(cohort, mentee, mentor, mentor_type, config)
    return [BREACHES[name].pair(pair) for name in rules]


def request_breach(
    rule: str,
    cohort: Cohort,
    mentee: int,
    mentor_type: MentorType,
    config: ProgramConfig,
    count: int,
    offered: int,
) -> str:
    """What rule ``rule`` finds wrong with the mentors offering a type, for one request.

    Parameters
    ----------
    rule
        The rule's name (see :data:`matcher.constraints.RULES`).
    cohort
        The encoded participants.
    mentee
        The mentee's index in ``cohort``.
    mentor_type
        The type the mentee asks for.
    config
        Program settings.
    count, offered
        How many of the ``offered`` mentors of the type the rule blocks for this mentee.

    Examples
    --------
    >>> from matcher.cohort import encode
    >>> from matcher.schema import Role
    >>> c = encode([Participant("ana@x.org", "Ana", Role.MENTEE, languages=("de",))])
    >>> request_breach("language", c, 0, MentorType.SPONSORSHIP, ProgramConfig(), 3, 3)
    'no sponsor speaks de'
    >>> request_breach("language", c, 0, MentorType.SPONSORSHIP, ProgramConfig(), 1, 3)
    "1 of 3 speaks none of the mentee's languages (de)"
    """
    kind = MENTOR_TYPES.index(mentor_type)
    return BREACHES[rule].request(_Request(cohort, mentee, kind, config, count, offered))
