"""Program configuration: objective, thresholds, hard-rule switches and score weights.

A program config is a TOML file; every key is optional and has a documented default
(:func:`default_config_toml` prints them all with their help). Unknown keys and values of
the wrong type raise :class:`~matcher.errors.ConfigError` naming the key.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from matcher.errors import ConfigError
from matcher.limits import MAX_SUGGESTIONS
from matcher.questions import (
    Question,
    QuestionRule,
    question_to_mapping,
    questions_from_mapping,
)
from matcher.schema import MentorType

Objective = Literal["coverage", "quality", "fairness"]
OBJECTIVES: tuple[str, ...] = ("coverage", "quality", "fairness")
"""The values of the ``objective`` setting (see :data:`SETTINGS`)."""


@dataclass(frozen=True)
class Setting:
    """One top-level config key: its default, accepted type and a one-line help."""

    key: str
    default: Any
    kind: type
    help: str
    minimum: float | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "objective",
        "coverage",
        str,
        "coverage: fill the most requests, then the best total score; "
        "quality: the best total score; fairness: as many as coverage, then the best lowest score",
    ),
    Setting("min_score", 0.0, float, "pairs scoring below this (0-100) are never proposed", 0),
    Setting(
        "sponsor_level_gap",
        2,
        int,
        "a sponsor's level must exceed the mentee's by at least this much",
        0,
    ),
    Setting(
        "block_same_manager",
        True,
        bool,
        "never pair teammates (people with the same direct manager)",
    ),
    Setting(
        "block_boss_peers",
        False,
        bool,
        "never pair a mentee with a peer of their own manager (same manager as the manager)",
    ),
    Setting(
        "max_timezone_gap_hours",
        None,
        float,
        "when set, pairs whose UTC offsets differ by more hours are blocked (false = off)",
        0,
    ),
    Setting(
        "priority_bonus",
        1.0,
        float,
        "points added to the score of every pair of a mentee with priority (left unmatched "
        "last cohort): any bonus above 0 fills them first among equals; 0 = off",
        0,
    ),
    Setting(
        "avoid_penalty",
        None,
        float,
        "false: a mentor is never matched with a mentee on their avoid list (a hard rule); "
        "a number: such a pair loses that many points instead",
        0,
    ),
    Setting(
        "only_picks",
        False,
        bool,
        "a mentee who picked mentors of a type (preferred_mentors) gets one of those picks",
    ),
    Setting(
        "suggestions",
        5,
        int,
        "how many feasible mentors per type a mentee is suggested to pick from",
        1,
    ),
    Setting(
        "seniority_span",
        4,
        int,
        "level difference that earns a mentor the full seniority (or level-gap) criterion",
        1,
    ),
    Setting(
        "timezone_span_hours",
        12.0,
        float,
        "time-zone difference (hours) at which the time-zone closeness criterion reaches 0",
        1,
    ),
)
"""Every top-level config key, in the order ``config --defaults`` writes them."""

MAX_PRIORITY_BONUS = 10.0
"""The largest ``priority_bonus``: a pair's score with the bonus stays at most 110 points."""

CRITERIA_HELP: dict[str, str] = {
    "goals": "share of the mentee's goals the mentor lists as strengths",
    "seniority": "how far the mentor's level is above the mentee's",
    "level_gap": "how far the sponsor's level exceeds the required sponsor gap",
    "outside_department": "the mentor works in another department (objective advice)",
    "outside_organization": "the mentor works in another organization",
    "target_department": "the mentor works in the department the mentee wants to move to",
    "generation_gap": "how many generations apart the two are",
    "expertise": "share of the wanted expertise the mentor has",
    "timezone": "closeness of the two time zones",
    "picks": "the mentee picked the mentor: full for the 1st pick, 1/k for the k-th "
    "(counted when someone in the cohort picked)",
}
"""What each scoring criterion rewards, in one line."""

DEFAULT_WEIGHTS: dict[MentorType, dict[str, float]] = {
    MentorType.DEVELOPMENTAL: {
        "goals": 40.0,
        "seniority": 15.0,
        "outside_department": 20.0,
        "outside_organization": 0.0,
        "target_department": 10.0,
        "timezone": 15.0,
        "picks": 25.0,
    },
    MentorType.SPONSORSHIP: {
        "level_gap": 40.0,
        "target_department": 35.0,
        "goals": 10.0,
        "outside_department": 0.0,
        "outside_organization": 0.0,
        "timezone": 15.0,
        "picks": 25.0,
    },
    MentorType.GENERATIONAL: {
        "generation_gap": 40.0,
        "goals": 30.0,
        "outside_department": 15.0,
        "outside_organization": 0.0,
        "timezone": 15.0,
        "picks": 25.0,
    },
    MentorType.EXPERTISE: {
        "expertise": 60.0,
        "goals": 15.0,
        "outside_department": 10.0,
        "outside_organization": 0.0,
        "timezone": 15.0,
        "picks": 25.0,
    },
}
"""Per mentor type, the weight of each scoring criterion by default: the weights other than
``picks`` add up to 100; ``picks`` (25) counts only in a cohort where someone picked, and
then makes the total 125, so a 1st pick is worth 25/125 = 20 points of the 0-100 score."""

PICKS = "picks"
"""The criterion of a mentee's picks (``preferred_mentors``)."""
AVOIDED = "avoided"
"""The penalty criterion of a mentor's avoid list, when ``avoid_penalty`` is set."""


def _default_weights() -> dict[MentorType, dict[str, float]]:
    return {t: dict(w) for t, w in DEFAULT_WEIGHTS.items()}


@dataclass(frozen=True)
class ProgramConfig:
    """Everything a program can tune. Build it with :func:`load_config` or
    :func:`config_from_mapping`; construct it directly for the defaults.

    >>> cfg = ProgramConfig()
    >>> cfg.objective, cfg.sponsor_level_gap, cfg.weights[MentorType.EXPERTISE]["expertise"]
    ('coverage', 2, 60.0)
    """

    objective: Objective = "coverage"
    min_score: float = 0.0
    sponsor_level_gap: int = 2
    block_same_manager: bool = True
    block_boss_peers: bool = False
    max_timezone_gap_hours: float | None = None
    priority_bonus: float = 1.0
    avoid_penalty: float | None = None
    only_picks: bool = False
    suggestions: int = 5
    seniority_span: int = 4
    timezone_span_hours: float = 12.0
    weights: dict[MentorType, dict[str, float]] = field(default_factory=_default_weights)
    outside_organization_types: tuple[MentorType, ...] = ()
    """The types for which the mentor must belong to another organization (a hard rule)."""
    questions: tuple[Question, ...] = ()
    question_rules: tuple[QuestionRule, ...] = ()

    def question(self, key: str) -> Question:
        """The program question with this key.

        >>> ProgramConfig(questions=(Question("q", "text", "Why?"),)).question("q").prompt
        'Why?'
        """
        return next(q for q in self.questions if q.key == key)

    def type_weights(self, mentor_type: MentorType) -> dict[str, float]:
        """Every criterion's weight for ``mentor_type``: the built-in criteria, then the
        question criteria (named by question key), then ``picks``.

        >>> rule = QuestionRule("q", "overlap", (MentorType.EXPERTISE,), 10.0)
        >>> list(ProgramConfig(question_rules=(rule,)).type_weights(MentorType.EXPERTISE))[-2:]
        ['q', 'picks']
        """
        weights = dict(self.weights[mentor_type])
        picks = weights.pop(PICKS, 0.0)
        for rule in self.question_rules:
            if mentor_type in rule.types and not rule.hard:
                weights[rule.question] = rule.weight
        weights[PICKS] = picks
        return weights


def _check_value(setting: Setting, value: Any) -> Any:
    key = setting.key
    if setting.key in ("max_timezone_gap_hours", "avoid_penalty") and value is False:
        return None
    if setting.kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, f"must be true or false, got {value!r}")
        return value
    if setting.kind is str:
        if not isinstance(value, str) or value not in OBJECTIVES:
            raise ConfigError(key, f"must be one of {', '.join(OBJECTIVES)}, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(key, f"must be a number, got {value!r}")
    if setting.kind is int and not float(value).is_integer():
        raise ConfigError(key, f"must be a whole number, got {value!r}")
    if not math.isfinite(value):
        raise ConfigError(key, f"must be a finite number, got {value!r}")
    if setting.minimum is not None and value < setting.minimum:
        raise ConfigError(key, f"must be at least {setting.minimum:g}, got {value!r}")
    if key == "min_score" and value > 100:
        raise ConfigError(key, f"must be at most 100, got {value!r}")
    if key == "avoid_penalty" and value > 100:
        raise ConfigError(key, f"must be at most 100, got {value!r}")
    if key == "suggestions" and value > MAX_SUGGESTIONS:
        raise ConfigError(key, f"must be at most {MAX_SUGGESTIONS}, got {value!r}")
    if key == "priority_bonus" and value > MAX_PRIORITY_BONUS:
        raise ConfigError(key, f"must be at most {MAX_PRIORITY_BONUS:g}, got {value!r}")
    return setting.kind(value)


def _check_weights(data: Any, errors: list[ConfigError]) -> dict[MentorType, dict[str, float]]:
    """The weights of a ``[weights]`` table; each bad type or criterion goes to ``errors``."""
    if not isinstance(data, Mapping):
        raise ConfigError("weights", "must be a table of mentor types")
    weights = _default_weights()
    for type_name, table in data.items():
        try:
            mentor_type = MentorType(type_name)
        except ValueError:
            valid = ", ".join(t.value for t in MentorType)
            errors.append(ConfigError(f"weights.{type_name}", f"unknown mentor type; use {valid}"))
            continue
        if not isinstance(table, Mapping):
            errors.append(
                ConfigError(f"weights.{type_name}", "must be a table of criterion = weight")
            )
            continue
        for criterion, value in table.items():
            key = f"weights.{type_name}.{criterion}"
            if criterion not in weights[mentor_type]:
                valid = ", ".join(sorted(weights[mentor_type]))
                errors.append(ConfigError(key, f"unknown criterion for {type_name}; use {valid}"))
                continue
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not ok or not math.isfinite(value) or value < 0:
                errors.append(ConfigError(key, f"must be a number >= 0, got {value!r}"))
                continue
            weights[mentor_type][criterion] = float(value)
    return weights


def _check_types(key: str, value: Any) -> tuple[MentorType, ...]:
    valid = ", ".join(t.value for t in MentorType)
    if not isinstance(value, list | tuple):
        raise ConfigError(key, f"must be a list of mentor types ({valid})")
    try:
        found = {MentorType(v) for v in value}
    except ValueError:
        raise ConfigError(key, f"unknown mentor type in {list(value)!r}; use {valid}") from None
    return tuple(t for t in MentorType if t in found)


_LISTS = ("weights", "outside_organization_types", "questions", "question_rules")


def _read(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[ConfigError]]:
    """The checked values of a config mapping, and every problem found (one per bad key)."""
    by_key = {s.key: s for s in SETTINGS}
    values: dict[str, Any] = {}
    errors: list[ConfigError] = []
    for key, value in data.items():
        try:
            if key == "weights":
                values["weights"] = _check_weights(value, errors)
            elif key == "outside_organization_types":
                values[key] = _check_types(key, value)
            elif key in by_key:
                values[key] = _check_value(by_key[key], value)
            elif key not in ("questions", "question_rules"):
                valid = ", ".join([*by_key, *_LISTS])
                raise ConfigError(key, f"unknown key; valid keys are {valid}")
        except ConfigError as exc:
            errors.append(exc)
    questions, rules, found = questions_from_mapping(data)
    errors += found
    values.update(questions=questions, question_rules=rules)
    weights = values.get("weights", DEFAULT_WEIGHTS)
    for mentor_type in MentorType:
        scored = {k: w for k, w in weights[mentor_type].items() if k != PICKS}
        scored.update({r.question: r.weight for r in rules if mentor_type in r.types})
        if sum(scored.values()) <= 0:
            errors.append(
                ConfigError(
                    f"weights.{mentor_type.value}",
                    "at least one weight must be above 0 (besides picks, which counts only "
                    "when someone picked)",
                )
            )
    return values, errors


def config_errors(data: Mapping[str, Any]) -> list[ConfigError]:
    """Every problem of a config mapping at once: one :class:`ConfigError` per bad key.

    Parameters
    ----------
    data
        Keys as in the TOML file (see :func:`config_from_mapping`).

    Returns
    -------
    list of ConfigError
        In the order of ``data``; empty when :func:`config_from_mapping` accepts it.

    Examples
    --------
    >>> found = config_errors({"min_score": 150, "weights": {"expertise": {"goals": -1}}})
    >>> for error in found:
    ...     print(error)
    config key 'min_score': must be at most 100, got 150
    config key 'weights.expertise.goals': must be a number >= 0, got -1
    >>> config_errors({"objective": "quality"})
    []
    """
    return _read(data)[1]


def config_from_mapping(data: Mapping[str, Any]) -> ProgramConfig:
    """Build a validated config from a mapping (parsed TOML, a web form, JSON).

    Parameters
    ----------
    data
        Keys as in the TOML file; missing keys take their defaults.

    Returns
    -------
    ProgramConfig

    Raises
    ------
    ConfigError
        For an unknown key or a value of the wrong type or range, naming the key (the
        first of :func:`config_errors`).

    Examples
    --------
    >>> config_from_mapping({"objective": "fairness", "min_score": 20}).min_score
    20.0
    >>> config_from_mapping({"objectiv": "quality"})
    Traceback (most recent call last):
    ...
    matcher.errors.ConfigError: config key 'objectiv': unknown key; valid keys are ...
    """
    values, errors = _read(data)
    if errors:
        raise errors[0]
    return ProgramConfig(**values)


def load_config(path: str | Path | None) -> ProgramConfig:
    """Read a program config from a TOML file (``None`` gives the defaults).

    >>> load_config(None) == ProgramConfig()
    True
    """
    if path is None:
        return ProgramConfig()
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError("file", f"cannot read {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("file", f"{path} is not valid TOML: {exc}") from None
    return config_from_mapping(data)


def config_to_mapping(config: ProgramConfig) -> dict[str, Any]:
    """Return a plain, JSON-ready dict that :func:`config_from_mapping` reads back.

    >>> config_from_mapping(config_to_mapping(ProgramConfig())) == ProgramConfig()
    True
    """
    out: dict[str, Any] = {}
    for f in fields(config):
        value = getattr(config, f.name)
        if f.name == "weights":
            value = {t.value: dict(w) for t, w in value.items()}
        elif f.name == "outside_organization_types":
            value = [t.value for t in value]
        elif f.name == "questions":
            value = [question_to_mapping(q) for q in value]
        elif f.name == "question_rules":
            value = [rule.to_mapping() for rule in value]
        elif value is None:
            value = False
        out[f.name] = value
    return out


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def default_config_toml() -> str:
    """Return the default program config as TOML with a comment on every key.

    >>> text = default_config_toml()
    >>> config_from_mapping(tomllib.loads(text)) == ProgramConfig()
    True
    """
    lines = ["# mentorloom program config: every key is optional; shown with its default.", ""]
    for s in SETTINGS:
        lines.append(f"# {s.help}")
        lines.append(f"{s.key} = {_toml_value(s.default)}")
        lines.append("")
    lines.append("# Mentor types for which the mentor must belong to another organization.")
    lines.append("outside_organization_types = []")
    lines.append("")
    lines.append("# Score weights per mentor type: each criterion is scored 0-1, the score is the")
    lines.append("# weighted mean scaled to 0-100. A weight of 0 switches a criterion off.")
    for mentor_type, weights in DEFAULT_WEIGHTS.items():
        lines.append("")
        lines.append(f"[weights.{mentor_type.value}]")
        for criterion, weight in weights.items():
            lines.append(f"{criterion} = {weight!r}  # {CRITERIA_HELP[criterion]}")
    lines += ["", *QUESTIONS_EXAMPLE]
    return "\n".join(lines) + "\n"


QUESTIONS_EXAMPLE: tuple[str, ...] = (
    "# Program questions (none by default): each asked on the intake form and read from the",
    "# CSV column named by its key. kind: single, multiple, tags, scale (1-5) or text (never",
    "# matched on); asked_of: mentees, mentors or both. Each question rule matches answers for",
    "# some mentor types: rule = same, different, overlap, wants (mentee's question vs",
    "# mentor_question) or scale; a criterion with a weight, or hard = true (must hold).",
    "# [[questions]]",
    '# key = "life_stage"',
    '# kind = "multiple"',
    '# prompt = "What would you like to talk about?"',
    '# asked_of = "both"',
    "# required = false",
    '# help = "Pick any that apply."',
    '# choices = ["parenting while working", "caring for a parent"]',
    "#",
    "# [[question_rules]]",
    '# question = "life_stage"',
    '# rule = "overlap"',
    '# types = ["developmental", "generational"]',
    "# weight = 10.0",
)
