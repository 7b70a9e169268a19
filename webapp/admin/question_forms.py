"""The forms of the Questions page: one question, and the matching rules of one question.

Both build the ``questions`` / ``question_rules`` entries of the program config and let
the core check them (:func:`matcher.config_errors`), so the page and a
TOML config accept the same questions; each problem is shown at its field with the fix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from matcher import (
    ASKED_OF,
    CHOICE_MAX_CHARS,
    MAX_CHOICES,
    QUESTION_HELP_MAX_CHARS,
    QUESTION_KEY_MAX_CHARS,
    QUESTION_KINDS,
    QUESTION_PROMPT_MAX_CHARS,
    RULE_KINDS,
    SCALE_POINTS,
    ConfigError,
    MentorType,
    Question,
    config_errors,
)
from webapp.forms import Bounded

#: Longest choices box: every choice at its limit, one a line.
CHOICES_MAX_CHARS = MAX_CHOICES * (CHOICE_MAX_CHARS + 1)
#: Who answers, as the form says it.
ASKED_WORDS = {"mentees": "Mentees", "mentors": "Mentors", "both": "Both mentees and mentors"}


class QuestionForm(FlaskForm):
    """One question of the intake form."""

    key = StringField(
        "Key",
        description=(
            "The CSV column its answers are imported from: lowercase letters, digits and _, "
            "starting with a letter. It cannot change once the question is saved."
        ),
        validators=[Bounded(QUESTION_KEY_MAX_CHARS)],
    )
    kind = RadioField(
        "Kind",
        choices=[SelectChoice(k, f"{k}: {words}") for k, words in QUESTION_KINDS.items()],
        default="single",
        validate_choice=False,
    )
    prompt = StringField(
        "Question",
        description="As the intake form asks it.",
        validators=[Bounded(QUESTION_PROMPT_MAX_CHARS)],
    )
    choices = TextAreaField(
        "Choices",
        description=(
            f"Single and multiple choice only: one choice a line, 2 to {MAX_CHOICES}, each "
            f"at most {CHOICE_MAX_CHARS} characters."
        ),
        validators=[Bounded(CHOICES_MAX_CHARS)],
    )
    asked_of = RadioField(
        "Who answers",
        choices=[SelectChoice(a, ASKED_WORDS[a]) for a in ASKED_OF],
        default="both",
        validate_choice=False,
    )
    required = BooleanField(
        "Required", description="The intake form and imports refuse an empty answer."
    )
    help = TextAreaField(
        "Help text",
        description="Shown under the question.",
        validators=[Bounded(QUESTION_HELP_MAX_CHARS)],
    )
    submit = SubmitField("Save question")

    def fill(self, question: Question) -> None:
        """Pre-fill the fields from a saved question."""
        self.key.data, self.kind.data, self.prompt.data = (
            question.key,
            question.kind,
            question.prompt,
        )
        self.choices.data = "\n".join(question.choices)
        self.asked_of.data, self.required.data = question.asked_of, question.required
        self.help.data = question.help

    def to_mapping(self) -> dict[str, Any]:
        """The question as the config writes it."""
        out: dict[str, Any] = {
            "key": (self.key.data or "").strip(),
            "kind": self.kind.data,
            "prompt": self.prompt.data or "",
            "asked_of": self.asked_of.data,
            "required": bool(self.required.data),
            "help": self.help.data or "",
        }
        lines = [line.strip() for line in (self.choices.data or "").splitlines() if line.strip()]
        if self.kind.data in ("single", "multiple") or lines:
            out["choices"] = lines
        return out

    def mark(self, errors: Sequence[ConfigError]) -> list[str]:
        """Show each error at the field it names; return those no field shows."""
        unplaced = []
        for error in errors:
            message = str(error).split(": ", 1)[-1]
            name = error.key.rsplit(".", 1)[-1]
            if name.startswith("key") or error.key.endswith("]"):
                name = "key"
            if name in self._fields and name not in ("submit", "csrf_token"):
                self[name].errors = [*self[name].errors, message]
            else:
                unplaced.append(message)
        return unplaced


def question_errors(
    questions: Sequence[Mapping[str, Any]], rules: Sequence[Mapping[str, Any]], key: str
) -> list[ConfigError]:
    """What the core finds wrong with ``questions`` and ``rules`` about question ``key``
    (and the list as a whole, like too many questions)."""
    data = {"questions": list(questions), "question_rules": list(rules)}
    errors = config_errors(data)
    ours = (f"questions.{key}", f"question_rules.{key}", "questions[")
    return [e for e in errors if e.key == "questions" or e.key.startswith(ours)]


def _rule_choices(question: Question) -> list[SelectChoice]:
    fits = [r for r, kind in RULE_KINDS.items() if question.kind in kind.kinds]
    return [
        SelectChoice("", "no rule"),
        *(SelectChoice(r, f"{r}: {RULE_KINDS[r].rewards}") for r in fits),
    ]


class RulesForm(FlaskForm):
    """The matching rules of one question, per mentor type (see :func:`rules_form`)."""

    submit = SubmitField("Save rules")
    question: Question

    def type_fields(self) -> list[tuple[MentorType, list[Field]]]:
        """Each mentor type with its fields: rule, weight, must share, paired question,
        largest gap."""
        return [
            (
                t,
                [
                    self[f"{t.value}_{name}"]
                    for name in ("rule", "weight", "hard", "mentor_question", "max_gap")
                ],
            )
            for t in MentorType
        ]

    def fill(self, rules: Sequence[Mapping[str, Any]]) -> None:
        """Pre-fill from the config's rules of the question."""
        for rule in rules:
            for t in rule.get("types", [m.value for m in MentorType]):
                self[f"{t}_rule"].data = rule["rule"]
                self[f"{t}_hard"].data = bool(rule.get("hard"))
                weight = rule.get("weight", 0)
                self[f"{t}_weight"].data = f"{weight:g}" if weight else ""
                self[f"{t}_mentor_question"].data = rule.get("mentor_question", "")
                self[f"{t}_max_gap"].data = str(rule.get("max_gap", 1))

    def to_rules(self) -> list[dict[str, Any]] | None:
        """One rule per mentor type that has one, or None after marking the fields the
        form itself can tell are wrong (a weight that is no number)."""
        rules, ok = [], True
        for t in MentorType:
            kind = self[f"{t.value}_rule"].data
            if not kind:
                continue
            rule: dict[str, Any] = {"question": self.question.key, "rule": kind, "types": [t.value]}
            if self[f"{t.value}_hard"].data:
                rule["hard"] = True
            else:
                field = self[f"{t.value}_weight"]
                try:
                    weight = float((field.data or "").strip())
                except ValueError:
                    weight = math.nan
                if not math.isfinite(weight) or weight <= 0:
                    field.errors = ["Write a weight above 0 (for example 10), or tick must share."]
                    ok = False
                    continue
                rule["weight"] = weight
            if kind == "wants":
                rule["mentor_question"] = self[f"{t.value}_mentor_question"].data or ""
            if kind == "scale" and "hard" in rule:
                gap = (self[f"{t.value}_max_gap"].data or "1").strip()
                rule["max_gap"] = int(gap) if gap.isdigit() else gap  # the core refuses text
            rules.append(rule)
        return rules if ok else None

    def mark(self, mentor_type: MentorType, errors: Sequence[ConfigError]) -> None:
        """Show the core's errors about the rule of ``mentor_type`` at its fields."""
        for error in errors:
            message = str(error).split(": ", 1)[-1]
            name = error.key.rsplit(".", 1)[-1]
            if name not in ("weight", "hard", "mentor_question", "max_gap"):
                name = "rule"
            field = self[f"{mentor_type.value}_{name}"]
            field.errors = [*field.errors, message]


def rules_form(question: Question, others: Sequence[Question]) -> type[RulesForm]:
    """The rules form class of ``question``; ``others``: the program's other questions
    (a wants rule pairs the question with one asked of mentors)."""
    paired = [SelectChoice("", "—")] + [
        SelectChoice(q.key, q.prompt) for q in others if q.asks_mentors and q.matchable
    ]
    span = SCALE_POINTS[1] - SCALE_POINTS[0]
    fields: dict[str, Any] = {"question": question}
    for t in MentorType:
        fields[f"{t.value}_rule"] = SelectField(
            "Rule", choices=_rule_choices(question), default="", validate_choice=False
        )
        fields[f"{t.value}_weight"] = StringField(
            "Weight",
            description="Points in the type's weighted mean, like the other criteria.",
            render_kw={"inputmode": "decimal"},
            validators=[Bounded(20)],
        )
        fields[f"{t.value}_hard"] = BooleanField(
            "Must share (a hard rule)",
            description="Never propose a pair the rule does not hold for.",
        )
        fields[f"{t.value}_mentor_question"] = SelectField(
            "Mentors' question (wants only)", choices=paired, default="", validate_choice=False
        )
        fields[f"{t.value}_max_gap"] = SelectField(
            "Most points apart (scale, must share only)",
            choices=[SelectChoice(str(g), str(g)) for g in range(span)],
            default="1",
            validate_choice=False,
        )
    return type("QuestionRulesForm", (RulesForm,), fields)
