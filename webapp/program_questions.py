"""A program's questions as the core reads them from its stored config.

The questions and their rules live in ``Program.config`` (``config_to_mapping`` JSON);
every way a participant's row is validated reads the questions from here, so the CSV
import, the intake form, the admin's edit and a match run read the same answers.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import replace
from typing import Any

from matcher import Question, config_from_mapping
from webapp.db import db
from webapp.models import Program


def program_questions(program_id: int) -> tuple[Question, ...]:
    """The questions of a program's intake form, in the order it asks them (none when
    the program is unknown)."""
    program = db.session.get(Program, program_id)
    return config_from_mapping(program.config or {}).questions if program else ()


def optional_unless(questions: Sequence[Question], keys: Container[str]) -> tuple[Question, ...]:
    """``questions``, each required only when its key is in ``keys``.

    A match run reads stored answers with no question required (a question made required
    after people answered must not stop the matching), and an import requires only the
    questions whose column the file has.

    >>> q = Question("energy", "scale", "How much time?", required=True)
    >>> [x.required for x in optional_unless([q], ()) + optional_unless([q], {"energy"})]
    [False, True]
    """
    return tuple(q if q.key in keys else replace(q, required=False) for q in questions)


def criterion_names(config: Mapping[str, Any]) -> dict[str, str]:
    """The prompt of each question of a stored config, by key: the name a question's
    criterion shows in a score's breakdown.

    >>> criterion_names({"questions": [{"key": "team", "prompt": "Which team?"}]})
    {'team': 'Which team?'}
    """
    return {q["key"]: q["prompt"] for q in config.get("questions", [])}
