"""Data rights of one participant: everything held about them as JSON, and erasure.

The export holds their profile (the canonical row: their own answers and the admin
notes), their invite links (without the secret, with any answers a program link keeps for
an admin to merge), every pair of every run that names them, the decisions on those
pairs, the audit events about them and the people who name them as their manager.

Erasure deletes the participant, their invite links (with any such answers), every pair,
open request and decision that names them, the program's warm state of its last run
(:mod:`webapp.warm_runs`, which holds the participants as that run read them), every
export file of the program's runs and every bulk decision queued on them
(:mod:`webapp.export_jobs`), and every unconfirmed upload that holds their e-mail in any
encoding (:func:`matcher.mentions`).
Their e-mail and name are replaced by ``[erased]`` in the program's audit events (each
event stays, marked redacted; the free-text reason of a decision about them goes whole),
in the error and figures of its runs, in the reasons and decision notes of other people's
pairs and in the names of uploaded files; by ``erased participant`` in the pairs a run
removed or left out (their number stays). The figures of the runs they were in are counted
again without them (:func:`webapp.runner.refigure`). Kept, and said so on the page: other
participants' ``exclude``, ``previous_partners`` and ``avoid`` lists, so "never pair
again" and "would rather not" still hold if the person is imported again (their e-mail
leaves the mentees' picks, ``preferred_mentors``), and others' ``manager_email`` naming
them, which is part of those people's reporting line: clearing it would let the matching
pair two of their reports with each other, so an admin changes it by editing or
re-importing those people. The erasure itself is logged with a keyed digest of the e-mail
only (:func:`erasure_digest`). Backups taken before the erasure still hold the person
(docs/web.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, flash, redirect, url_for
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from matcher import MatcherError, agree, mentions, plural
from webapp import audit, export_jobs, warm_runs
from webapp.audit import ERASED
from webapp.db import db
from webapp.digests import keyed_digest
from webapp.forms import EmptyForm
from webapp.lookups import get_participant, get_program
from webapp.mail.models import OutboxMessage
from webapp.mail.outbox import erase_messages, messages_about
from webapp.models import AuditEvent, ImportUpload, InviteToken, Participant, Program, utcnow
from webapp.pair_models import Checkin, NeverPair, Pair, PairStep
from webapp.roles import Need, needs
from webapp.rows import record_to_row
from webapp.run_models import (
    MatchRun,
    PairDecision,
    ProposedMatch,
    RunStatus,
    UnmatchedRequest,
)
from webapp.runner import program_people, refigure

bp = Blueprint(
    "privacy", __name__, url_prefix="/programs/<int:program_id>/participants/<int:participant_id>"
)


def _columns(record: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row's columns as JSON-ready values."""
    values = {}
    for column in type(record).__table__.columns:
        if column.key not in skip:
            value = getattr(record, column.key)
            values[column.key] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


def _naming(email: str, *columns: InstrumentedAttribute[str]) -> Any:
    """A condition: one of ``columns`` holds ``email``."""
    return or_(*(column == email for column in columns))


def _run_ids(program_id: int) -> Any:
    """The ids of the program's runs, as a subquery."""
    return select(MatchRun.id).where(MatchRun.program_id == program_id).scalar_subquery()


def person_data(program: Program, record: Participant) -> dict[str, Any]:
    """Everything the program holds about ``record``, as one JSON-ready mapping."""
    email = record.email
    runs = _run_ids(program.id)
    pairs = db.session.scalars(
        select(ProposedMatch)
        .where(ProposedMatch.run_id.in_(runs))
        .where(_naming(email, ProposedMatch.mentee_email, ProposedMatch.mentor_email))
        .order_by(ProposedMatch.run_id, ProposedMatch.id)
    )
    open_requests = db.session.scalars(
        select(UnmatchedRequest)
        .where(UnmatchedRequest.run_id.in_(runs), UnmatchedRequest.mentee_email == email)
        .order_by(UnmatchedRequest.id)
    )
    decisions = db.session.scalars(
        select(PairDecision)
        .where(PairDecision.program_id == program.id)
        .where(_naming(email, PairDecision.mentee_email, PairDecision.mentor_email))
        .order_by(PairDecision.id)
    )
    published = db.session.scalars(
        select(Pair)
        .where(Pair.program_id == program.id)
        .where(_naming(email, Pair.mentee_email, Pair.mentor_email))
        .order_by(Pair.id)
    ).all()
    pair_ids = [p.id for p in published]
    steps = db.session.scalars(
        select(PairStep).where(PairStep.pair_id.in_(pair_ids)).order_by(PairStep.id)
    )
    checkins = db.session.scalars(
        select(Checkin).where(Checkin.pair_id.in_(pair_ids)).order_by(Checkin.id)
    )
    links = db.session.scalars(
        select(InviteToken)
        .where(InviteToken.program_id == program.id)
        .where(or_(InviteToken.participant_id == record.id, InviteToken.email == email))
        .order_by(InviteToken.id)
    )
    emails = db.session.scalars(
        select(OutboxMessage)
        .where(messages_about(program.id, record.id, email))
        .order_by(OutboxMessage.id)
    )
    return {
        "exported_at": utcnow().isoformat(),
        "program": {"id": program.id, "name": program.name},
        "profile": record_to_row(record),
        "record": _columns(record, skip=("program_id",)),
        "invite_links": [_columns(t, skip=("token", "program_id")) for t in links],
        "emails": [_columns(m, skip=EMAIL_SECRETS) for m in emails],
        "matches": [_columns(p) for p in pairs],
        "open_requests": [_columns(r) for r in open_requests],
        "decisions": [_columns(d, skip=("program_id",)) for d in decisions],
        "published_pairs": [_columns(p, skip=("program_id",)) for p in published],
        "pair_steps": [_columns(s) for s in steps],
        "checkins": [_columns(c, skip=("program_id",)) for c in checkins],
        "audit": [_columns(e) for e in about(program.id, email)],
        "named_as_manager_by": [p.email for p in reports(program.id, email)],
    }


def reports(program_id: int, email: str) -> list[Participant]:
    """The program's participants who name ``email`` as their manager."""
    return list(
        db.session.scalars(
            select(Participant)
            .where(Participant.program_id == program_id, Participant.manager_email == email)
            .order_by(Participant.name, Participant.id)
        )
    )


def about(program_id: int, email: str) -> list[AuditEvent]:
    """The program's audit events made by ``email`` or naming it in their detail."""
    return [e for e in _events(program_id) if _is_about(e, email)]


def _events(program_id: int) -> list[AuditEvent]:
    """The program's audit events, oldest first."""
    query = select(AuditEvent).where(AuditEvent.program_id == program_id)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def _is_about(event: AuditEvent, email: str) -> bool:
    """True when ``event`` was made by ``email`` or names it in its detail."""
    return event.actor == email or _names(event.detail, email)


def _names(value: Any, email: str) -> bool:
    """True when a JSON-like value holds ``email`` anywhere (any case)."""
    return email in json.dumps(value, ensure_ascii=False, default=str).lower()


def erasure_digest(email: str) -> str:
    """What the record of an erasure keeps of the e-mail: a keyed digest
    (:func:`webapp.digests.keyed_digest`), the same for the same e-mail in any case, which
    nobody without the app's secret key can match to an e-mail, not even by hashing guesses.

    >>> from flask import Flask
    >>> app = Flask("example")
    >>> app.config["SECRET_KEY"] = "not the real key"
    >>> with app.app_context():
    ...     erasure_digest(" Ana@Example.org") == erasure_digest("ana@example.org")
    True
    """
    return keyed_digest(f"erasure:{email.strip().lower()}")


#: People named in the message that others still name an erased person as manager.
MANAGER_NAMES_SHOWN = 10
#: Detail values of an audit event that are free text an admin wrote about the pair.
FREE_TEXT = ("note",)
#: Stands for an erased person where a run names people in fields of their own (the
#: pairs it no longer proposes, the locks it left out, the mentors of its supply gaps).
ERASED_PERSON = "erased participant"
#: Columns of an e-mail the export leaves out: the bodies hold the personal link.
EMAIL_SECRETS = ("program_id", "text_body", "html_body")
#: Columns of a run that may name people; kept with their structure and counts.
RUN_TEXTS = ("error", "summary", "removed", "left_out")


def scrubber(email: str, name: str, whole: str = ERASED) -> Callable[[Any], Any]:
    """A function that replaces ``email`` and ``name`` (whole words, any case) by
    ``[erased]`` in every text of a JSON-like value; a text that is nothing but one of
    them becomes ``whole``.

    >>> scrub = scrubber("ana@example.org", "Ana Lima")
    >>> scrub({"note": "ANA@example.org: ana lima is on leave", "n": [1, "Anali"]})
    {'note': '[erased]: [erased] is on leave', 'n': [1, 'Anali']}
    >>> scrubber("ana@example.org", "Ana Lima", ERASED_PERSON)(["ana lima", "Ana Lima's"])
    ['erased participant', "[erased]'s"]
    """
    words = [re.escape(email)]
    if name.strip():
        words.append(rf"(?<!\w){re.escape(name.strip())}(?!\w)")
    pattern = re.compile("|".join(words), re.IGNORECASE)
    alone = {text.strip().casefold() for text in (email, name) if text.strip()}

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return whole if value.strip().casefold() in alone else pattern.sub(ERASED, value)
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [scrub(item) for item in value]
        return value

    return scrub


def _redact_events(program_id: int, email: str, scrub: Callable[[Any], Any]) -> int:
    """Redact ``email`` (and the name ``scrub`` knows) from the program's audit events;
    the number of events changed."""
    changed = 0
    for event in _events(program_id):
        detail = scrub(event.detail)
        if _is_about(event, email):
            detail.update({key: ERASED for key in FREE_TEXT if detail.get(key)})
        actor = ERASED if event.actor == email else scrub(event.actor)
        if detail != event.detail or actor != event.actor:
            audit.redact(event, actor, detail)
            changed += 1
    return changed


def _scrub_texts(program_id: int, record: Participant, scrub: Callable[[Any], Any]) -> None:
    """Redact ``record``'s e-mail and name from the texts stored about others: the reasons
    of pairs and open requests, the names of uploaded files, and the notes of decisions
    (whose time stays)."""
    runs = _run_ids(program_id)
    texts = (
        (ProposedMatch.reasons, ProposedMatch.run_id.in_(runs), {}),
        (UnmatchedRequest.reason, UnmatchedRequest.run_id.in_(runs), {}),
        (ImportUpload.filename, ImportUpload.program_id == program_id, {}),
        (
            PairDecision.note,
            PairDecision.program_id == program_id,
            {"decided_at": PairDecision.decided_at},
        ),
    )
    words = [text for text in (record.email, record.name) if text.strip()]
    for column, in_program, keep in texts:
        model = column.class_
        naming = or_(*(column.icontains(word, autoescape=True) for word in words))
        found = db.session.execute(select(model.id, column).where(in_program, naming)).all()
        for row_id, text in found:
            if (scrubbed := scrub(text)) != text:
                db.session.execute(
                    update(model)
                    .where(model.id == row_id)
                    .values({column.key: scrubbed, **keep})
                    .execution_options(synchronize_session=False)
                )


def _drop_picks(program_id: int, email: str) -> None:
    """Take ``email`` out of the program's mentees' picks (``preferred_mentors``): a wish
    for a mentor who is gone; the later picks move up."""
    found = db.session.scalars(
        select(Participant).where(
            Participant.program_id == program_id,
            Participant.preferred_mentors.icontains(email, autoescape=True),
        )
    )
    for person in found:
        picks = [e for e in person.preferred_mentors.split(";") if e and e != email]
        person.preferred_mentors = ";".join(picks)


def _refigure_runs(program_id: int, since: datetime) -> None:
    """Count again the figures of the program's finished runs started ``since`` (when the
    erased person joined), each from the participants who were in the program when it
    started. Stored data or a config the core refuses leaves the figures of that run and
    the later ones as they are (redacted)."""
    runs = db.session.scalars(
        select(MatchRun)
        .where(MatchRun.program_id == program_id, MatchRun.status == RunStatus.DONE)
        .order_by(MatchRun.id)
    )
    started = {run: run.started_at or run.created_at for run in runs}
    if not (runs_since := [run for run, at in started.items() if at >= since]):
        return
    joined = dict(
        db.session.execute(
            select(Participant.email, Participant.created_at).where(
                Participant.program_id == program_id
            )
        ).all()
    )
    with suppress(MatcherError):  # stored data or a run's config the core refuses
        people = program_people(program_id)
        for run in runs_since:
            refigure(run, [p for p in people if joined.get(p.email, since) <= started[run]])


def erase(program: Program, record: Participant) -> dict[str, int]:
    """Delete ``record`` and everything that names them, redact them from the audit trail
    (the caller commits); the counts."""
    email = record.email
    scrub = scrubber(email, record.name)
    runs = _run_ids(program.id)
    counts: dict[str, int] = {}
    statements = {
        "matches": delete(ProposedMatch).where(
            ProposedMatch.run_id.in_(runs),
            _naming(email, ProposedMatch.mentee_email, ProposedMatch.mentor_email),
        ),
        "open_requests": delete(UnmatchedRequest).where(
            UnmatchedRequest.run_id.in_(runs), UnmatchedRequest.mentee_email == email
        ),
        "decisions": delete(PairDecision).where(
            PairDecision.program_id == program.id,
            _naming(email, PairDecision.mentee_email, PairDecision.mentor_email),
        ),
        "invite_links": delete(InviteToken).where(
            InviteToken.program_id == program.id,
            or_(InviteToken.participant_id == record.id, InviteToken.email == email),
        ),
        "published_pairs": delete(Pair).where(
            Pair.program_id == program.id, _naming(email, Pair.mentee_email, Pair.mentor_email)
        ),
        "never_pairs": delete(NeverPair).where(
            NeverPair.program_id == program.id,
            _naming(email, NeverPair.first_email, NeverPair.second_email),
        ),
    }
    for name, statement in statements.items():
        counts[name] = db.session.execute(
            statement.execution_options(synchronize_session=False)
        ).rowcount
    counts["emails"] = erase_messages(program.id, record.id, email)
    uploads = db.session.scalars(
        select(ImportUpload).where(
            ImportUpload.program_id == program.id, ImportUpload.imported_at.is_(None)
        )
    )
    counts["uploads"] = 0
    for upload in uploads:
        if mentions(upload.content, email):
            db.session.delete(upload)
            counts["uploads"] += 1
    redact_run = scrubber(email, record.name, ERASED_PERSON)
    for run in db.session.scalars(select(MatchRun).where(MatchRun.program_id == program.id)):
        for column in RUN_TEXTS:
            if (redacted := redact_run(getattr(run, column))) != getattr(run, column):
                setattr(run, column, redacted)
    _scrub_texts(program.id, record, scrub)
    _drop_picks(program.id, email)
    warm_runs.forget(program.id)
    counts["exports"] = export_jobs.forget(program.id)
    counts["audit_events"] = _redact_events(program.id, email, scrub)
    db.session.delete(record)
    db.session.flush()
    _refigure_runs(program.id, since=record.created_at)
    audit.record("participant.erase", program.id, email_digest=erasure_digest(email), **counts)
    return counts


@bp.get("/export.json")
@needs(Need.MANAGE)
def export(program_id: int, participant_id: int) -> Response:
    """Download everything held about one participant as JSON."""
    program = get_program(program_id)
    record = get_participant(program.id, participant_id)
    data = person_data(program, record)
    audit.record("participant.export", program.id, email=record.email)
    db.session.commit()
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False, default=str),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="participant-{record.id}.json"'},
    )


@bp.post("/erase")
@needs(Need.MANAGE)
def erase_person(program_id: int, participant_id: int) -> Response:
    """Erase one participant and everything that names them."""
    program = get_program(program_id)
    record = get_participant(program.id, participant_id)
    if not EmptyForm().validate_on_submit():
        return redirect(
            url_for("people.participants.show", program_id=program.id, participant_id=record.id)
        )
    name, reporting = record.name, [p.name for p in reports(program.id, record.email)]
    counts = erase(program, record)
    db.session.commit()
    events = counts["audit_events"]
    flash(
        f"{name} erased, with {plural(counts['matches'], 'pair')}, "
        f"{plural(counts['decisions'], 'decision')}, "
        f"{plural(counts['invite_links'], 'invite link')}, "
        f"{plural(counts['emails'], 'e-mail')} and "
        f"{plural(counts['uploads'], 'unconfirmed upload')}; "
        f"{plural(events, 'history event')} now {agree(events, 'says', 'say')} {ERASED} "
        "instead. Others' “never pair” lists are kept."
    )
    if reporting:
        count = len(reporting)
        who = f"{plural(count, 'person', 'people')} still {agree(count, 'names', 'name')}"
        more = ", …" if len(reporting) > MANAGER_NAMES_SHOWN else ""
        flash(
            f"{who} {name} as their manager ({', '.join(reporting[:MANAGER_NAMES_SHOWN])}{more}): "
            "kept, so that people with the same manager are still never paired with each "
            "other. Edit them, or import their new manager, to change it."
        )
    return redirect(url_for("people.participants.index", program_id=program.id))
