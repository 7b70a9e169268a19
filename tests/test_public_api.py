"""matcher's public surface, pinned: the exact ``__all__``, each name importable and documented.

In the style of httpx's ``tests/test_exported_members.py``: every public name of the
package is in ``__all__`` and nothing else is, so a name added to or dropped from the API
is a deliberate edit of :data:`PUBLIC` below. The web app imports nothing else
(``tests/test_boundaries.py``).
"""

from __future__ import annotations

import ast
import types
from functools import cache
from pathlib import Path

import pytest

import matcher

PACKAGE = Path(matcher.__file__).parent

PUBLIC = [
    "ANSWER_LIMITS",
    "ASKED_OF",
    "BIO_MAX_CHARS",
    "BONUS_CRITERIA",
    "CHOICE_MAX_CHARS",
    "COLUMNS",
    "COLUMN_LIMITS",
    "CONTROL_CHARACTERS",
    "CRITERIA_HELP",
    "DEFAULT_WEIGHTS",
    "EMAIL_MAX_CHARS",
    "FILE_NAME_MAX_CHARS",
    "GOALS",
    "MATCH_COLUMNS",
    "MAX_CHOICES",
    "MAX_PICKS",
    "MAX_QUESTIONS",
    "MAX_SUGGESTIONS",
    "MAX_WHOLE_NUMBER",
    "MENTOR_NOUN",
    "MENTOR_TYPE_HELP",
    "OBJECTIVES",
    "PICK_COLUMNS",
    "PROGRAM_NAME_MAX_CHARS",
    "QUESTION_HELP_MAX_CHARS",
    "QUESTION_KEY_MAX_CHARS",
    "QUESTION_KINDS",
    "QUESTION_PROMPT_MAX_CHARS",
    "RULE_KINDS",
    "SCALE_POINTS",
    "SETTINGS",
    "UNMATCHED_COLUMNS",
    "Answers",
    "Cohort",
    "ConfigError",
    "Decision",
    "Generation",
    "IntakeError",
    "IntakeResult",
    "Issue",
    "MatcherError",
    "MeetingMode",
    "MenteeExplanation",
    "MentorType",
    "PairAssessment",
    "Participant",
    "PicksReport",
    "ProgramConfig",
    "Proposal",
    "Question",
    "QuestionRule",
    "Role",
    "RowTable",
    "Setting",
    "SolveError",
    "StaleLock",
    "Summary",
    "WarmState",
    "agree",
    "assess_pair",
    "blocking_pairs",
    "check_proposal",
    "config_errors",
    "config_from_mapping",
    "config_to_mapping",
    "default_config_toml",
    "encode",
    "engine_digest",
    "explain_mentee",
    "explain_stored_mentee",
    "first_agenda",
    "generate_cohort",
    "ignored_columns",
    "load_cached_kernels",
    "load_config",
    "load_decisions",
    "load_participants",
    "mentions",
    "mentor_fits",
    "missing_offers",
    "normalize",
    "ordinal",
    "parse_answer",
    "parse_decisions",
    "parse_participants",
    "participant_reasons",
    "pick_rank",
    "picks_report",
    "plural",
    "propose",
    "question_to_mapping",
    "read_rows",
    "rerun",
    "stale_locks",
    "suggestions",
    "summarize",
    "supply_gaps",
    "to_csv_bytes",
    "without_gc",
]


def _casing(name: str) -> tuple[int, str]:
    """Ruff's isort-style order: CONSTANTS, then CamelCase, then the rest, each by name."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_the_pinned_list_in_isort_order() -> None:
    assert matcher.__all__ == PUBLIC
    assert sorted(PUBLIC, key=_casing) == PUBLIC


def test_every_public_name_of_the_package_is_exported() -> None:
    members = [
        name
        for name, value in vars(matcher).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    ]
    assert sorted(members, key=_casing) == matcher.__all__


@pytest.mark.parametrize("name", PUBLIC)
def test_every_exported_name_imports_from_the_package(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from matcher import {name}", namespace)
    assert namespace[name] is getattr(matcher, name)


@cache
def _source(module: str) -> tuple[ast.Module, list[str]]:
    """The parsed top level and the lines of a module of the package."""
    path = PACKAGE.joinpath(*(module.split(".")[1:] or ["__init__"])).with_suffix(".py")
    text = path.read_text(encoding="utf-8")
    return ast.parse(text), text.splitlines()


def _bound(node: ast.stmt, name: str) -> bool:
    """Whether a top-level statement defines or assigns ``name``."""
    if isinstance(node, ast.ClassDef | ast.FunctionDef):
        return node.name == name
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return any(isinstance(t, ast.Name) and t.id == name for t in targets)


def _definition(module: str, name: str) -> tuple[str, int]:
    """The module that defines ``name`` (following ``from matcher.x import name``) and the
    index of the top-level statement that binds it there."""
    body = _source(module)[0].body
    for index, node in enumerate(body):
        if _bound(node, name):
            return module, index
        if (
            isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("matcher")
            and any((alias.asname or alias.name) == name for alias in node.names)
        ):
            return _definition(node.module or "", name)
    raise AssertionError(f"{name} is not defined in {module}")


def _documented(module: str, index: int) -> bool:
    """A class or function with a docstring, or a constant with a docstring after it or a
    ``#:`` comment before it."""
    tree, lines = _source(module)
    node = tree.body[index]
    if isinstance(node, ast.ClassDef | ast.FunctionDef):
        return bool(ast.get_docstring(node))
    after = tree.body[index + 1] if index + 1 < len(tree.body) else None
    if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
        return isinstance(after.value.value, str) and bool(after.value.value.strip())
    return node.lineno >= 2 and lines[node.lineno - 2].lstrip().startswith("#:")


@pytest.mark.parametrize("name", PUBLIC)
def test_every_exported_name_is_documented_where_it_is_defined(name: str) -> None:
    module, index = _definition("matcher", name)
    assert _documented(module, index), f"{name} has no docstring in {module}"
