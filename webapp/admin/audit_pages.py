"""The audit pages: a program's History (its events, filtered by kind, paged) and the
site-wide Sign-ins, each with its CSV export. Who may read them is
:func:`webapp.audit_log.may_read_audit`, checked by every route here.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, abort, render_template, request, stream_with_context
from flask_login import current_user
from sqlalchemy import Select, select
from werkzeug.wrappers import Response

from webapp import audit
from webapp.audit_log import (
    address,
    csv_chunks,
    details_text,
    known_filter,
    may_read_audit,
    program_events,
    sign_in_events,
    what,
)
from webapp.audit_words import PROGRAM_KINDS, sign_in_actions
from webapp.db import db
from webapp.lookups import get_program
from webapp.models import AuditEvent, Program, utcnow
from webapp.query import paginate
from webapp.roles import Need, needs
from webapp.run_models import MatchRun

bp = Blueprint("audit", __name__)

#: Events on one page of the History and Sign-ins pages.
PER_PAGE = 50


def _readable(program: Program | None) -> None:
    """Answer 403 unless the admin may read this audit (see ``may_read_audit``)."""
    if not may_read_audit(current_user, program):
        abort(403, description="You may not read this audit log.")


def _filter(name: str, choices: Mapping[str, object]) -> str:
    """The query-string filter ``name``: empty or one of ``choices``, else 400."""
    value = request.args.get(name, "").strip()
    if not known_filter(value, choices):
        known = ", ".join(choices)
        abort(400, description=f"The filter '{name}' must be empty or one of: {known}.")
    return value


def _download(query: Select[tuple[AuditEvent]], name: str) -> Response:
    """Stream the CSV export of ``query``'s events as the file ``name``."""
    return Response(
        stream_with_context(csv_chunks(query)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}-{utcnow():%Y%m%d}.csv"'},
    )


@bp.get("/programs/<int:program_id>/history")
@needs(Need.AUDIT)
def history(program_id: int) -> str:
    """The program's audit trail, newest first, paged, filtered by kind; runs named by
    their number."""
    program = get_program(program_id)
    _readable(program)
    kind = _filter("kind", PROGRAM_KINDS)
    page = paginate(program_events(program.id, kind), PER_PAGE)
    runs = select(MatchRun.id, MatchRun.number).where(MatchRun.program_id == program.id)
    run_numbers = dict(db.session.execute(runs).all())
    return render_template(
        "audit/history.html",
        program=program,
        page=page,
        kind=kind,
        kinds=PROGRAM_KINDS,
        rows=[_row(e, run_numbers) for e in page.items],
    )


@bp.get("/programs/<int:program_id>/history.csv")
@needs(Need.AUDIT)
def history_csv(program_id: int) -> Response:
    """The program's audit trail (of the kind chosen) as CSV, newest first."""
    program = get_program(program_id)
    _readable(program)
    kind = _filter("kind", PROGRAM_KINDS)
    audit.record("audit.export", program.id, kind=kind or "all")
    db.session.commit()
    return _download(program_events(program.id, kind), f"audit-program-{program.id}")


@bp.get("/sign-ins/")
@needs(Need.SITE)
def sign_ins() -> str:
    """Every sign-in event of the site (log-in, failure, log-out, SSO), newest first."""
    _readable(None)
    actions = sign_in_actions()
    action = _filter("action", actions)
    page = paginate(sign_in_events(action), PER_PAGE)
    return render_template(
        "audit/sign_ins.html",
        page=page,
        action=action,
        actions=actions,
        rows=[_row(e, {}) for e in page.items],
    )


@bp.get("/sign-ins.csv")
@needs(Need.SITE)
def sign_ins_csv() -> Response:
    """The sign-in events (of the action chosen) as CSV, newest first."""
    _readable(None)
    action = _filter("action", sign_in_actions())
    return _download(sign_in_events(action), "sign-ins")


def _row(event: AuditEvent, run_numbers: Mapping[int, int]) -> dict[str, object]:
    """What a page shows of one event."""
    return {
        "event": event,
        "what": what(event),
        "details": details_text(event.detail or {}, run_numbers),
        "address": address(event),
    }
