"""Data rights of one participant: everything held about them as JSON, and erasure.

The export holds their profile (the canonical row: their own answers and the admin
notes), their invite links (without the secret, with any answers a program link keeps
for a merge), every pair of every run that names them, the decisions on those pairs and
the audit events about them.

Erasure deletes the participant, their invite links (and so any answers a program link
keeps for a merge), every pair, open request and decision
that names them, and unconfirmed uploads that contain their e-mail. Other participants'
``exclude`` and ``previous_partners`` lists are left as they are, so "never pair again"
still holds if the person is imported again. The audit trail is append-only: the events
about them stay as the record of who decided what, and the erasure itself is logged with
a hash of the e-mail only.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, flash, redirect, url_for
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from webapp import audit
from webapp.auth import admin_only
from webapp.db import db
from webapp.forms import EmptyForm
from webapp.models import AuditEvent, ImportUpload, InviteToken, Participant, Program, utcnow
from webapp.participants import get_participant
from webapp.programs import get_program
from webapp.rows import record_to_row
from webapp.run_models import MatchRun, PairDecision, ProposedMatch, UnmatchedRequest

bp = Blueprint(
    "privacy", __name__, url_prefix="/programs/<int:program_id>/participants/<int:participant_id>"
)
admin_only(bp)


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
    links = db.session.scalars(
        select(InviteToken)
        .where(InviteToken.program_id == program.id)
        .where(or_(InviteToken.participant_id == record.id, InviteToken.email == email))
        .order_by(InviteToken.id)
    )
    return {
        "exported_at": utcnow().isoformat(),
        "program": {"id": program.id, "name": program.name},
        "profile": record_to_row(record),
        "record": _columns(record, skip=("program_id",)),
        "invite_links": [_columns(t, skip=("token", "program_id")) for t in links],
        "matches": [_columns(p) for p in pairs],
        "open_requests": [_columns(r) for r in open_requests],
        "decisions": [_columns(d, skip=("program_id",)) for d in decisions],
        "audit": [_columns(e) for e in about(program.id, email)],
    }


def about(program_id: int, email: str) -> list[AuditEvent]:
    """The program's audit events made by ``email`` or naming it in their detail."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.program_id == program_id).order_by(AuditEvent.id)
    )
    return [e for e in events if e.actor == email or email in json.dumps(e.detail).lower()]


def email_hash(email: str) -> str:
    """The SHA-256 of an e-mail, logged for an erasure instead of the e-mail.

    >>> email_hash("Ana@Example.org")[:12]
    '86b9260a115c'
    """
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def erase(program: Program, record: Participant) -> dict[str, int]:
    """Delete ``record`` and everything that names them (the caller commits); the counts."""
    email = record.email
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
    }
    for name, statement in statements.items():
        counts[name] = db.session.execute(
            statement.execution_options(synchronize_session=False)
        ).rowcount
    uploads = db.session.scalars(
        select(ImportUpload).where(
            ImportUpload.program_id == program.id, ImportUpload.imported_at.is_(None)
        )
    )
    counts["uploads"] = 0
    for upload in uploads:
        if email.encode() in upload.content.lower():
            db.session.delete(upload)
            counts["uploads"] += 1
    for run in db.session.scalars(select(MatchRun).where(MatchRun.program_id == program.id)):
        kept = [pair for pair in run.removed or [] if email not in json.dumps(pair).lower()]
        if len(kept) != len(run.removed or []):
            run.removed = kept
    db.session.delete(record)
    audit.record("participant.erase", program.id, email_sha256=email_hash(email), **counts)
    return counts


@bp.get("/export.json")
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
def erase_person(program_id: int, participant_id: int) -> Response:
    """Erase one participant and everything that names them."""
    program = get_program(program_id)
    record = get_participant(program.id, participant_id)
    if not EmptyForm().validate_on_submit():
        return redirect(
            url_for("participants.show", program_id=program.id, participant_id=record.id)
        )
    name = record.name
    counts = erase(program, record)
    db.session.commit()
    flash(
        f"{name} erased, with {counts['matches']} pair(s), {counts['decisions']} decision(s) "
        f"and {counts['invite_links']} invite link(s). Others' “never pair” lists are kept."
    )
    return redirect(url_for("participants.index", program_id=program.id))
