"""Reasons in words for the criteria a program makes of its own data: its questions'
criteria (named after the question's key), ``picks`` and the ``avoided`` penalty.

Admins read the question's prompt and the shared answer; participants read the same
words, never a rule's name or weight, and never that a mentor would rather not take them.
"""

from __future__ import annotations

from collections.abc import Callable

from matcher.config import AVOIDED, PICKS, ProgramConfig
from matcher.questions import QuestionRule, rules_for
from matcher.schema import MentorType, Participant, answer_words, normalize, shown_answer

Phrase = Callable[[Participant, Participant, ProgramConfig], str | None]


def ordinal(rank: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``...

    >>> [ordinal(k) for k in (1, 2, 3, 4, 11, 22)]
    ['1st', '2nd', '3rd', '4th', '11th', '22nd']
    """
    if 10 <= rank % 100 <= 20:
        return f"{rank}th"
    return f"{rank}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(rank % 10, 'th') }"


def pick_rank(mentee: Participant, mentor: Participant) -> int | None:
    """The mentor's place among the mentee's picks (1 = first), None when not picked.

    >>> from matcher.schema import Role
    >>> ana = Participant("a@x.org", "Ana", Role.MENTEE, preferred_mentors=("b@x.org", "c@x.org"))
    >>> pick_rank(ana, Participant("c@x.org", "Cy", Role.MENTOR))
    2
    """
    picks = mentee.preferred_mentors
    return picks.index(mentor.email) + 1 if mentor.email in picks else None


def _common(rule: QuestionRule, e: Participant, m: Participant) -> list[str]:
    theirs = {normalize(w) for w in answer_words(m.answers.get(rule.mentor_key))}
    return [w for w in answer_words(e.answers.get(rule.question)) if normalize(w) in theirs]


def question_reason(
    rule: QuestionRule, e: Participant, m: Participant, config: ProgramConfig
) -> str | None:
    """What a question's criterion found in a pair, naming the question.

    >>> from matcher.schema import Answers, Role
    >>> from matcher.questions import Question
    >>> q = Question("life", "multiple", "What would you talk about?", choices=("a", "b"))
    >>> e = Participant("e@x.org", "E", Role.MENTEE, answers=Answers({"life": ("a", "b")}))
    >>> m = Participant("m@x.org", "M", Role.MENTOR, answers=Answers({"life": ("a",)}))
    >>> question_reason(QuestionRule("life", "overlap", weight=5), e, m,
    ...                 ProgramConfig(questions=(q,)))  # fmt: skip
    'What would you talk about? both chose: a'
    """
    prompt = config.question(rule.question).prompt
    if rule.rule == "scale":
        mine, theirs = e.answers.get(rule.question), m.answers.get(rule.mentor_key)
        return f"{prompt} close answers: {mine} and {theirs}"
    if rule.rule == "different":
        mine = shown_answer(e.answers.get(rule.question, ""))
        theirs = shown_answer(m.answers.get(rule.mentor_key, ""))
        return f"{prompt} different answers: {mine} and {theirs}"
    common = _common(rule, e, m)
    if not common:
        return None
    if rule.rule == "wants":
        return f"{prompt} the mentor has: {'; '.join(common)}"
    return f"{prompt} both chose: {'; '.join(common)}"


def _picks(e: Participant, m: Participant, config: ProgramConfig) -> str | None:
    rank = pick_rank(e, m)
    return None if rank is None else f"the mentee's {ordinal(rank)} pick"


def _avoided(e: Participant, m: Participant, config: ProgramConfig) -> str | None:
    if e.email not in m.avoid:
        return None
    return f"the mentor would rather not take the mentee: {config.avoid_penalty:g} points off"


def _nothing(e: Participant, m: Participant, config: ProgramConfig) -> None:
    """Nothing: a mentee is never told a mentor would rather not take them."""
    return None


def program_phrase(name: str, mentor_type: MentorType, config: ProgramConfig) -> Phrase:
    """The admin's words for the criterion ``name`` made of the program's data.

    >>> from matcher.schema import Role
    >>> ana = Participant("a@x.org", "Ana", Role.MENTEE, preferred_mentors=("b@x.org",))
    >>> bo = Participant("b@x.org", "Bo", Role.MENTOR)
    >>> program_phrase("picks", MentorType.EXPERTISE, ProgramConfig())(ana, bo, ProgramConfig())
    "the mentee's 1st pick"
    """
    if name == PICKS:
        return _picks
    if name == AVOIDED:
        return _avoided
    (rule,) = (r for r in rules_for(config.question_rules, mentor_type, hard=False)
               if r.question == name)  # fmt: skip
    return lambda e, m, cfg: question_reason(rule, e, m, cfg)


def participant_phrase(name: str, mentor_type: MentorType, config: ProgramConfig) -> Phrase:
    """The participants' words for the criterion ``name``: the same as the admin's, with
    the pick said without its rank ("Ana picked Bo"): both read the note, and a mentor
    need not learn they were someone's 2nd choice."""
    if name == PICKS:

        def said(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
            return None if pick_rank(e, m) is None else f"{e.name} picked {m.name}"

        return said
    if name == AVOIDED:
        return _nothing
    return program_phrase(name, mentor_type, config)
