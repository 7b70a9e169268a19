"""Opening a participant's personal link: the usable link and its person's record, or
the page that says why the link opens nothing (for every page of the participant)."""

from __future__ import annotations

from typing import NoReturn

from flask import abort, make_response, render_template
from sqlalchemy import select

from webapp.db import db
from webapp.links import closed_reason, opened_record
from webapp.models import InviteToken, LinkKind, Participant, utcnow

__all__ = ["closed", "open_link"]


def closed(reason: str, status: int) -> NoReturn:
    """Answer with the page that says why the link opens nothing, and nothing else."""
    abort(make_response(render_template("participant/closed.html", reason=reason), status))


def open_link(token_text: str) -> tuple[InviteToken, Participant | None]:
    """The usable personal link and its person's record (None before they sent the form);
    any other link ends the request with a page that says why."""
    token = db.session.scalar(select(InviteToken).where(InviteToken.token == token_text))
    if token is None or not token.is_personal:
        closed("unknown", 404)
    if (reason := closed_reason(token, utcnow())) is not None:
        closed(reason, 410)
    record = opened_record(token)
    if token.kind == LinkKind.SELF and record is not None and not record.self_registered:
        closed("merged", 410)
    return token, record
