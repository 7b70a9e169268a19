"""Program questions: what an intake form asks beyond the canonical columns, and the rules
that match on the answers.

A :class:`Question` has a key (its CSV column), a kind (:data:`QUESTION_KINDS`), a prompt,
who answers it, whether it is required, help text and, for choice questions, its choices.
A :class:`QuestionRule` says how a question matches for some mentor types: one of the rule
kinds of :data:`RULE_KINDS`, as a score criterion with a weight or as a hard rule. Free
text is never matched on.

Each rule kind is defined once here, over :class:`~matcher.cohort.Pairs`: its ``value``
in [0, 1] (the criterion) and where its hard rule blocks. Scores and rules of every pair,
block by block or pair by pair, come from these definitions
(:mod:`matcher.scoring`, :mod:`matcher.constraints`).

Examples
--------
>>> found = questions_from_mapping(
...     {
...         "questions": [
...             {
...                 "key": "life_stage",
...                 "kind": "multiple",
...                 "prompt": "What would you talk about?",
...                 "choices": ["parenting while working", "caring for a parent"],
...             },
...         ],
...         "question_rules": [{"question": "life_stage", "rule": "overlap", "weight": 10}],
...     }
... )
>>> questions, rules, errors = found
>>> questions[0].key, rules[0].rule, len(rules[0].types), errors
('life_stage', 'overlap', 4, [])
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.cohort import Pairs, TagSets
from matcher.errors import ConfigError
from matcher.limits import (
    CHOICE_MAX_CHARS,
    MAX_CHOICES,
    MAX_QUESTIONS,
    QUESTION_HELP_MAX_CHARS,
    QUESTION_KEY_MAX_CHARS,
    QUESTION_PROMPT_MAX_CHARS,
)
from matcher.schema import MentorType, Participant, normalize, tidy

QUESTION_KINDS: dict[str, str] = {
    "single": "one choice of a list",
    "multiple": "any number of choices of a list",
    "tags": "free words or phrases, separated by ;",
    "scale": "a point from 1 to 5",
    "text": "free text, shown to the admin and never matched on",
}
"""The kinds of question, with what an answer is."""
ASKED_OF: tuple[str, ...] = ("mentees", "mentors", "both")
"""Who answers a question."""
SCALE_POINTS: tuple[int, int] = (1, 5)
"""The lowest and highest point of a scale question."""
CHOICE_KINDS = frozenset({"single", "multiple", "tags"})

#: The words no question key may be: the canonical columns and the score criteria.
RESERVED_KEYS: frozenset[str] = frozenset(
    {
        *(f.name for f in Participant.__dataclass_fields__.values()),
        "first_name",
        "last_name",
        "utc_offset_minutes",
        "seniority",
        "level_gap",
        "outside_department",
        "outside_organization",
        "generation_gap",
        "picks",
    }
)
_KEY = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class RuleKind:
    """A way two answers match: the question kinds it takes, what it rewards (for admins)
    and what its hard rule ensures."""

    kinds: frozenset[str]
    rewards: str
    ensures: str


RULE_KINDS: dict[str, RuleKind] = {
    "same": RuleKind(frozenset({"single"}), "the same answer", "the same answer to {prompt}"),
    "different": RuleKind(
        frozenset({"single"}), "a different answer", "a different answer to {prompt}"
    ),
    "overlap": RuleKind(
        frozenset({"multiple", "tags"}),
        "the share of the mentee's choices the mentor also chose",
        "a shared answer to {prompt}",
    ),
    "wants": RuleKind(
        CHOICE_KINDS,
        "the share of what the mentee wants that the mentor has (two questions paired)",
        "what the mentee wants in {prompt}",
    ),
    "scale": RuleKind(
        frozenset({"scale"}),
        "closeness on the scale: 1 when equal, 0 when 4 points apart",
        "answers to {prompt} at most {max_gap} apart",
    ),
}
"""The rule kinds a question can match with."""


@dataclass(frozen=True)
class Question:
    """One question of a program's intake form.

    >>> q = Question("energy", "scale", "How much time can you give each month?")
    >>> q.asks_mentees, q.asks_mentors, q.matchable
    (True, True, True)
    """

    key: str
    kind: str
    prompt: str
    asked_of: str = "both"
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()

    @property
    def asks_mentees(self) -> bool:
        """True when mentees answer it."""
        return self.asked_of in ("mentees", "both")

    @property
    def asks_mentors(self) -> bool:
        """True when mentors answer it."""
        return self.asked_of in ("mentors", "both")

    @property
    def matchable(self) -> bool:
        """True when a rule can match on it (every kind but free text)."""
        return self.kind != "text"


@dataclass(frozen=True)
class QuestionRule:
    """How a question matches for ``types``: rule kind ``rule`` on the mentee's answer to
    ``question`` and the mentor's answer to ``mentor_question`` (the same question unless
    the rule is ``wants``), as a criterion worth ``weight`` or, when ``hard``, a hard rule
    (``max_gap``: the most scale points a hard ``scale`` rule lets two answers differ).

    Its criterion is named after ``question`` in a score's breakdown.
    """

    question: str
    rule: str
    types: tuple[MentorType, ...] = tuple(MentorType)
    weight: float = 0.0
    hard: bool = False
    mentor_question: str = ""
    max_gap: int = 1

    @property
    def mentor_key(self) -> str:
        """The question whose answer is read on the mentor's side."""
        return self.mentor_question or self.question

    def to_mapping(self) -> dict[str, Any]:
        """The rule as the config writes it.

        >>> QuestionRule("energy", "scale", (MentorType.EXPERTISE,), 5.0).to_mapping()
        {'question': 'energy', 'rule': 'scale', 'types': ['expertise'], 'weight': 5.0}
        """
        out: dict[str, Any] = {
            "question": self.question,
            "rule": self.rule,
            "types": [t.value for t in self.types],
        }
        out.update({"hard": True} if self.hard else {"weight": self.weight})
        if self.mentor_question:
            out["mentor_question"] = self.mentor_question
        if self.rule == "scale" and self.hard:
            out["max_gap"] = self.max_gap
        return out


def question_to_mapping(question: Question) -> dict[str, Any]:
    """A question as the config writes it (choices only for choice questions).

    >>> question_to_mapping(Question("team", "single", "Team?", choices=("a", "b")))["choices"]
    ['a', 'b']
    """
    out: dict[str, Any] = {
        "key": question.key,
        "kind": question.kind,
        "prompt": question.prompt,
        "asked_of": question.asked_of,
        "required": question.required,
        "help": question.help,
    }
    if question.kind in ("single", "multiple"):
        out["choices"] = list(question.choices)
    return out


# ---------------------------------------------------------------- reading a config
def _text(where: str, value: Any, limit: int, *, required: bool) -> str:
    if not isinstance(value, str):
        raise ConfigError(where, f"must be text, got {value!r}")
    value = tidy(value)
    if required and not value:
        raise ConfigError(where, "is empty: write it")
    if len(value) > limit:
        raise ConfigError(where, f"is {len(value)} characters long; the limit is {limit}")
    return value


def _only_known(where: str, data: Mapping[str, Any], known: set[str]) -> None:
    """Refuse a key of ``data`` that is not in ``known``, naming the ones there are."""
    for name in data:
        if name not in known:
            raise ConfigError(f"{where}.{name}", f"unknown; use {', '.join(sorted(known))}")


def _one_of(where: str, value: Any, allowed: Collection[str]) -> str:
    """``value`` when it is one of ``allowed``, else an error listing them."""
    if value not in allowed:
        raise ConfigError(where, f"must be one of {', '.join(allowed)}")
    return str(value)


def _question(position: int, data: Any, seen: set[str]) -> Question:
    where = f"questions[{position}]"
    if not isinstance(data, Mapping):
        raise ConfigError(where, "must be a table with key, kind and prompt")
    key = data.get("key")
    if not isinstance(key, str) or not _KEY.fullmatch(key) or len(key) > QUESTION_KEY_MAX_CHARS:
        raise ConfigError(
            f"{where}.key",
            f"must be a lowercase identifier (a-z, 0-9, _; starting with a letter; at most "
            f"{QUESTION_KEY_MAX_CHARS} characters), got {key!r}",
        )
    where = f"questions.{key}"
    if key in RESERVED_KEYS:
        raise ConfigError(where, "is a participant column or a criterion: choose another key")
    if key in seen:
        raise ConfigError(where, "is asked twice: give each question its own key")
    _only_known(where, data, {"key", "kind", "prompt", "asked_of", "required", "help", "choices"})
    kind = _one_of(f"{where}.kind", data.get("kind"), QUESTION_KINDS)
    prompt = _text(f"{where}.prompt", data.get("prompt"), QUESTION_PROMPT_MAX_CHARS, required=True)
    help_text = _text(
        f"{where}.help", data.get("help", ""), QUESTION_HELP_MAX_CHARS, required=False
    )
    asked_of = _one_of(f"{where}.asked_of", data.get("asked_of", "both"), ASKED_OF)
    required = data.get("required", False)
    if not isinstance(required, bool):
        raise ConfigError(f"{where}.required", f"must be true or false, got {required!r}")
    choices = data.get("choices", [])
    if kind in ("single", "multiple"):
        if not isinstance(choices, list) or not 2 <= len(choices) <= MAX_CHOICES:
            raise ConfigError(
                f"{where}.choices",
                f"must be a list of 2 to {MAX_CHOICES} choices for a {kind} question",
            )
        choices = [_text(f"{where}.choices", c, CHOICE_MAX_CHARS, required=True) for c in choices]
        if ";" in "".join(choices):
            raise ConfigError(f"{where}.choices", "a choice cannot contain ';': reword it")
        if len({normalize(c) for c in choices}) < len(choices):
            raise ConfigError(f"{where}.choices", "lists a choice twice: remove the duplicate")
    elif choices:
        raise ConfigError(f"{where}.choices", "only single and multiple questions have choices")
    return Question(key, kind, prompt, asked_of, required, help_text, tuple(choices))


def _types(where: str, value: Any) -> tuple[MentorType, ...]:
    valid = ", ".join(t.value for t in MentorType)
    if not isinstance(value, list) or not value:
        raise ConfigError(where, f"must be a list of mentor types ({valid})")
    try:
        return tuple(sorted({MentorType(v) for v in value}, key=list(MentorType).index))
    except ValueError:
        raise ConfigError(where, f"unknown mentor type in {value!r}; use {valid}") from None


def _rule(position: int, data: Any, questions: Mapping[str, Question]) -> QuestionRule:
    where = f"question_rules[{position}]"
    if not isinstance(data, Mapping):
        raise ConfigError(where, "must be a table with question, rule and weight or hard")
    key = data.get("question")
    if key not in questions:
        raise ConfigError(f"{where}.question", f"names no question of the program: {key!r}")
    where = f"question_rules.{key}"
    known = {"question", "rule", "types", "weight", "hard", "mentor_question", "max_gap"}
    _only_known(where, data, known)
    rule = _one_of(f"{where}.rule", data.get("rule"), RULE_KINDS)
    question = questions[key]
    mentor_key = data.get("mentor_question", "")
    if rule == "wants":
        if mentor_key not in questions:
            raise ConfigError(
                f"{where}.mentor_question",
                "a wants rule pairs two questions: name the mentors' question (what they have)",
            )
        if not (question.asks_mentees and questions[mentor_key].asks_mentors):
            raise ConfigError(where, "the first question must ask mentees, the second mentors")
    elif mentor_key:
        raise ConfigError(f"{where}.mentor_question", "only a wants rule pairs two questions")
    elif question.asked_of != "both":
        raise ConfigError(where, f"a {rule} rule compares both sides: ask the question of both")
    for side in {key, mentor_key or key}:
        if questions[side].kind not in RULE_KINDS[rule].kinds:
            allowed = " or ".join(sorted(RULE_KINDS[rule].kinds))
            raise ConfigError(
                f"{where}.rule",
                f"{rule} needs a {allowed} question; {side} is {questions[side].kind}",
            )
    hard = data.get("hard", False)
    if not isinstance(hard, bool):
        raise ConfigError(f"{where}.hard", f"must be true or false, got {hard!r}")
    weight = data.get("weight", 0.0)
    ok = isinstance(weight, int | float) and not isinstance(weight, bool)
    if not ok or not math.isfinite(weight) or weight < 0:
        raise ConfigError(f"{where}.weight", f"must be a number >= 0, got {weight!r}")
    if hard == (weight > 0):
        raise ConfigError(where, "give either a weight above 0 (a criterion) or hard = true")
    max_gap = data.get("max_gap", 1)
    span = SCALE_POINTS[1] - SCALE_POINTS[0]
    if isinstance(max_gap, bool) or not isinstance(max_gap, int) or not 0 <= max_gap < span:
        raise ConfigError(f"{where}.max_gap", f"must be a whole number from 0 to {span - 1}")
    types = _types(f"{where}.types", data.get("types", [t.value for t in MentorType]))
    return QuestionRule(key, rule, types, float(weight), hard, mentor_key, max_gap)


def questions_from_mapping(
    data: Mapping[str, Any],
) -> tuple[tuple[Question, ...], tuple[QuestionRule, ...], list[ConfigError]]:
    """The questions and question rules of a config mapping, and every problem found.

    Parameters
    ----------
    data
        A config mapping; reads its ``questions`` and ``question_rules`` lists.

    Returns
    -------
    tuple
        The valid questions, the valid rules and a :class:`ConfigError` per problem, each
        naming the question (``questions.<key>.<field>``) and the fix.

    Examples
    --------
    >>> _, _, errors = questions_from_mapping(
    ...     {"questions": [{"key": "email", "kind": "text", "prompt": "?"}]}
    ... )
    >>> print(errors[0])
    config key 'questions.email': is a participant column or a criterion: choose another key
    """
    errors: list[ConfigError] = []
    questions: dict[str, Question] = {}
    listed = data.get("questions", [])
    if not isinstance(listed, list):
        return (), (), [ConfigError("questions", "must be a list of question tables")]
    if len(listed) > MAX_QUESTIONS:
        errors.append(ConfigError("questions", f"at most {MAX_QUESTIONS} questions"))
    for position, item in enumerate(listed[:MAX_QUESTIONS]):
        try:
            found = _question(position, item, set(questions))
            questions[found.key] = found
        except ConfigError as exc:
            errors.append(exc)
    rules: list[QuestionRule] = []
    listed_rules = data.get("question_rules", [])
    if not isinstance(listed_rules, list):
        listed_rules = []
        errors.append(ConfigError("question_rules", "must be a list of rule tables"))
    for position, item in enumerate(listed_rules):
        try:
            rule = _rule(position, item, questions)
        except ConfigError as exc:
            errors.append(exc)
            continue
        clash = [r for r in rules if r.question == rule.question and set(r.types) & set(rule.types)]
        if clash:
            errors.append(
                ConfigError(
                    f"question_rules.{rule.question}",
                    "has two rules for one mentor type: keep one per type",
                )
            )
            continue
        rules.append(rule)
    return tuple(questions.values()), tuple(rules), errors


# ---------------------------------------------------------------- answers
def parse_answer(question: Question, text: str) -> str | int | tuple[str, ...]:
    """A cell of a question's column as its answer ('' or () when empty).

    Raises ValueError with the fix (the allowed choices) when the cell is not an answer.

    >>> q = Question("team", "multiple", "Teams?", choices=("Red team", "Blue team"))
    >>> parse_answer(q, "blue team; RED TEAM")
    ('Red team', 'Blue team')
    >>> parse_answer(q, "green")
    Traceback (most recent call last):
    ...
    ValueError: unknown choice 'green' (choose from: Red team; Blue team)
    """
    text = text.strip()
    if question.kind == "text":
        return text
    if question.kind == "scale":
        if not text:
            return ""
        low, high = SCALE_POINTS
        if not re.fullmatch(r"\d+", text) or not low <= int(text) <= high:
            raise ValueError(
                f"{text!r} is not on the scale: write a whole number from {low} to {high}"
            )
        return int(text)
    words = [tidy(w) for w in re.split(r"[;|]", text) if tidy(w)]
    if question.kind == "tags":
        kept = {normalize(w): w for w in reversed(words)}
        return tuple(kept[k] for k in sorted(kept))
    by_word = {normalize(c): c for c in question.choices}
    unknown = [w for w in words if normalize(w) not in by_word]
    if unknown:
        shown = ", ".join(repr(w) for w in unknown)
        raise ValueError(f"unknown choice {shown} (choose from: {'; '.join(question.choices)})")
    chosen = sorted({by_word[normalize(w)] for w in words}, key=question.choices.index)
    if question.kind == "single":
        if len(chosen) > 1:
            raise ValueError(
                f"only one choice fits here (choose from: {'; '.join(question.choices)})"
            )
        return chosen[0] if chosen else ""
    return tuple(chosen)


# ---------------------------------------------------------------- the rule kinds
def _sets(pairs: Pairs, key: str) -> TagSets:
    found = pairs.cohort.answer_sets.get(key)
    if found is None:
        n = len(pairs.cohort)
        return TagSets(np.zeros((n, 1), dtype=np.uint64), np.zeros(n, dtype=np.int64))
    return found


def _scale(pairs: Pairs, key: str) -> np.ndarray:
    found = pairs.cohort.answer_scales.get(key)
    return np.full(len(pairs.cohort), np.nan) if found is None else found


def rule_value(pairs: Pairs, rule: QuestionRule) -> np.ndarray:
    """The criterion of ``rule`` on ``pairs``, in [0, 1] (0 where either has not answered).

    - ``same``, ``overlap``, ``wants``: the share of the mentee's answer (its choices or
      tags) found in the mentor's (for a single choice: 1 when equal, else 0);
    - ``different``: 1 when both answered and the answers differ;
    - ``scale``: 1 - points apart / 4.
    """
    if rule.rule == "scale":
        gap = np.abs(
            pairs.e(_scale(pairs, rule.question)) - pairs.m(_scale(pairs, rule.mentor_key))
        )
        span = SCALE_POINTS[1] - SCALE_POINTS[0]
        return np.nan_to_num(1.0 - gap / span, nan=0.0)
    mine, theirs = _sets(pairs, rule.question), _sets(pairs, rule.mentor_key)
    shared = pairs.overlap(mine, theirs)
    if rule.rule == "different":
        both = (pairs.e(mine.size) > 0) & (pairs.m(theirs.size) > 0)
        return (both & (shared == 0)).astype(np.float64)
    return shared / pairs.e(np.maximum(mine.size, 1))


def rule_blocks(pairs: Pairs, rule: QuestionRule) -> np.ndarray:
    """Where the hard version of ``rule`` blocks: no shared answer (``same``, ``overlap``,
    ``wants``), not both answered and different (``different``), or answers more than
    ``max_gap`` apart or not given (``scale``)."""
    if rule.rule == "scale":
        gap = np.abs(
            pairs.e(_scale(pairs, rule.question)) - pairs.m(_scale(pairs, rule.mentor_key))
        )
        with np.errstate(invalid="ignore"):
            return ~(gap <= rule.max_gap)
    return rule_value(pairs, rule) == 0


def rules_for(
    rules: Iterable[QuestionRule], mentor_type: MentorType, *, hard: bool
) -> tuple[QuestionRule, ...]:
    """The hard rules (or the criteria) of ``rules`` that apply to ``mentor_type``.

    >>> rule = QuestionRule("q", "overlap", (MentorType.EXPERTISE,), hard=True)
    >>> rules_for([rule], MentorType.EXPERTISE, hard=True) == (rule,)
    True
    """
    return tuple(r for r in rules if mentor_type in r.types and r.hard == hard)
