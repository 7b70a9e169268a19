"""The Questions page of a program: its intake form's questions and their matching rules.

Program managers add, edit, reorder and remove questions, and give each matchable question
a rule per mentor type. Everything is saved in ``Program.config`` after the core checked
it, and audited. Answers follow the questions: editing a question keeps the answers that
still fit it (an answer naming a removed choice is dropped), and removing a question
deletes its answers (and the rules that name it). A question's key never changes, so
imports keep finding its column.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from matcher import (
    MentorType,
    Question,
    config_from_mapping,
    config_to_mapping,
    parse_answer,
    plural,
)
from webapp import audit
from webapp.admin.question_forms import QuestionForm, question_errors, rules_form
from webapp.db import db
from webapp.forms import EmptyForm
from webapp.lookups import get_program
from webapp.models import Participant, Program
from webapp.roles import Need, needs

bp = Blueprint("questions", __name__, url_prefix="/programs/<int:program_id>/questions")


def _lists(program: Program) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The stored questions and question rules of the program, as config entries."""
    config = program.config or {}
    return list(config.get("questions", [])), list(config.get("question_rules", []))


def _question(program: Program, key: str) -> Question:
    """The program's question ``key``, or 404."""
    found = config_from_mapping(program.config or {}).questions
    question = next((q for q in found if q.key == key), None)
    if question is None:
        abort(404, description="This program asks no such question.")
    return question


def _save(program: Program, questions: list[dict[str, Any]], rules: list[dict[str, Any]]) -> None:
    """Store the questions and rules in the program's config (already checked)."""
    mapping = {**(program.config or {}), "questions": questions, "question_rules": rules}
    program.config = config_to_mapping(config_from_mapping(mapping))


def _refit_answers(program: Program, question: Question | None, key: str) -> int:
    """Keep the stored answers to ``key`` that fit ``question`` (none when it is removed);
    how many were dropped."""
    query = select(Participant).where(Participant.program_id == program.id)
    dropped = 0
    for record in db.session.scalars(query):
        answers = dict(record.answers or {})
        if key not in answers:
            continue
        try:
            if question is None:
                raise ValueError(key)
            answers[key] = _cell(parse_answer(question, answers[key]))
        except ValueError:
            del answers[key]
            dropped += 1
        if answers != record.answers:
            record.answers = {k: v for k, v in answers.items() if v}
    return dropped


def _cell(answer: str | int | tuple[str, ...]) -> str:
    """An answer as its canonical cell."""
    return ";".join(answer) if isinstance(answer, tuple) else str(answer)


def _answer_counts(program: Program) -> dict[str, int]:
    """How many participants answered each question."""
    counts: dict[str, int] = {}
    query = select(Participant.answers).where(Participant.program_id == program.id)
    for answers in db.session.scalars(query):
        for key in answers or {}:
            counts[key] = counts.get(key, 0) + 1
    return counts


@bp.get("/")
@needs(Need.MANAGE)
def index(program_id: int) -> str:
    """The program's questions, in the order the intake form asks them, with their rules."""
    program = get_program(program_id)
    config = config_from_mapping(program.config or {})
    questions, rules = config.questions, config.question_rules
    return render_template(
        "questions/index.html",
        program=program,
        questions=questions,
        rules={q.key: [r for r in rules if r.question == q.key] for q in questions},
        counts=_answer_counts(program),
        form=EmptyForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@needs(Need.MANAGE)
def create(program_id: int) -> str | Response:
    """Add a question at the end of the intake form."""
    program = get_program(program_id)
    form = QuestionForm()
    unplaced: list[str] = []
    if form.validate_on_submit():
        questions, rules = _lists(program)
        entry = form.to_mapping()
        errors = question_errors([*questions, entry], rules, entry["key"])
        unplaced = form.mark(errors)
        if not errors:
            _save(program, [*questions, entry], rules)
            audit.record("question.add", program.id, key=entry["key"], prompt=entry["prompt"])
            db.session.commit()
            flash(f"Question {entry['key']} added. Give it a matching rule if it should count.")
            return redirect(url_for(".index", program_id=program.id))
    return render_template(
        "questions/form.html", program=program, form=form, question=None, unplaced=unplaced
    )


@bp.route("/<key>/edit", methods=["GET", "POST"])
@needs(Need.MANAGE)
def edit(program_id: int, key: str) -> str | Response:
    """Change a question (not its key); answers that no longer fit it are dropped."""
    program = get_program(program_id)
    question = _question(program, key)
    form = QuestionForm()
    unplaced: list[str] = []
    if not form.is_submitted():
        form.fill(question)
    elif form.validate():
        form.key.data = key
        questions, rules = _lists(program)
        entry = form.to_mapping()
        changed = [entry if q.get("key") == key else q for q in questions]
        errors = question_errors(changed, rules, key)
        unplaced = form.mark(errors)
        if not errors:
            _save(program, changed, rules)
            dropped = _refit_answers(program, _question(program, key), key)
            audit.record("question.edit", program.id, key=key, dropped_answers=dropped)
            db.session.commit()
            flash(f"Question {key} saved.")
            if dropped:
                flash(f"{plural(dropped, 'answer')} no longer fit the question and were dropped.")
            return redirect(url_for(".index", program_id=program.id))
    form.key.data = key
    return render_template(
        "questions/form.html", program=program, form=form, question=question, unplaced=unplaced
    )


@bp.post("/<key>/remove")
@needs(Need.MANAGE)
def remove(program_id: int, key: str) -> Response:
    """Remove a question, the rules that name it and every answer to it."""
    program = get_program(program_id)
    _question(program, key)
    if EmptyForm().validate_on_submit():
        questions, rules = _lists(program)
        kept = [r for r in rules if key not in (r.get("question"), r.get("mentor_question"))]
        _save(program, [q for q in questions if q.get("key") != key], kept)
        dropped = _refit_answers(program, None, key)
        audit.record("question.remove", program.id, key=key, dropped_answers=dropped)
        db.session.commit()
        flash(f"Question {key} removed, with {plural(dropped, 'answer')} to it.")
    return redirect(url_for(".index", program_id=program.id))


@bp.post("/<key>/move")
@needs(Need.MANAGE)
def move(program_id: int, key: str) -> Response:
    """Move a question one place up or down the intake form."""
    program = get_program(program_id)
    _question(program, key)
    if EmptyForm().validate_on_submit():
        questions, rules = _lists(program)
        at = next(i for i, q in enumerate(questions) if q.get("key") == key)
        to = at - 1 if request.form.get("direction") == "up" else at + 1
        if 0 <= to < len(questions):
            questions[at], questions[to] = questions[to], questions[at]
            _save(program, questions, rules)
            audit.record("question.move", program.id, key=key, position=to + 1)
            db.session.commit()
    return redirect(url_for(".index", program_id=program.id))


@bp.route("/<key>/rules", methods=["GET", "POST"])
@needs(Need.MANAGE)
def rules(program_id: int, key: str) -> str | Response:
    """The question's matching rule for each mentor type: a weighted criterion or a hard
    rule."""
    program = get_program(program_id)
    question = _question(program, key)
    questions, stored = _lists(program)
    others = [q for q in config_from_mapping(program.config or {}).questions if q.key != key]
    form = rules_form(question, others)()
    if not form.is_submitted():
        form.fill([r for r in stored if r.get("question") == key])
    elif form.validate() and (mine := form.to_rules()) is not None:
        kept = [r for r in stored if r.get("question") != key]
        failed = False
        for rule in mine:
            errors = question_errors(questions, [rule], key)
            form.mark(MentorType(rule["types"][0]), errors)
            failed = failed or bool(errors)
        if not failed:
            _save(program, questions, [*kept, *mine])
            audit.record("question.rules", program.id, key=key, rules=mine)
            db.session.commit()
            flash(f"Rules of {key} saved.")
            return redirect(url_for(".index", program_id=program.id))
    return render_template("questions/rules.html", program=program, form=form, question=question)
