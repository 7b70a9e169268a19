"""Personal links: making one, opening one, and the record a personal link opens.

The intake form (:mod:`webapp.people.intake`) and the participant's own page
(:mod:`webapp.participant`) open the same links by the same rules, and publishing
(:mod:`webapp.publishing`) finds or makes the link an introduction e-mail carries and
writes its address from a background job (:func:`site_link`).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from webapp.db import db
from webapp.models import InviteToken, LinkKind, Participant, Program, utcnow

__all__ = ["closed_reason", "link_for", "new_token", "opened_record", "site_link"]


def new_token(
    program: Program, kind: LinkKind, *, participant: Participant | None = None, email: str = ""
) -> InviteToken:
    """Add a fresh, unguessable invite link to the session (the caller commits)."""
    days = current_app.config["INVITE_DAYS"]
    token = InviteToken(
        token=secrets.token_urlsafe(32),
        kind=kind,
        program=program,
        participant=participant,
        email=participant.email if participant else email,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    return token


def closed_reason(token: InviteToken | None, now: datetime) -> str | None:
    """Why ``token`` opens nothing (``unknown``, ``revoked``, ``expired``), or None.

    >>> closed_reason(None, utcnow())
    'unknown'
    """
    if token is None:
        return "unknown"
    if token.revoked_at is not None:
        return "revoked"
    if not token.is_usable(now):
        return "expired"
    return None


def opened_record(token: InviteToken) -> Participant | None:
    """The record a personal link opens: for an admin's link, its e-mail's (also when the
    person was imported after the link was made); for a program link's, the one its own
    form created."""
    if token.kind != LinkKind.PERSON or token.participant is not None:
        return token.participant
    return db.session.scalar(
        select(Participant).where(
            Participant.program_id == token.program_id, Participant.email == token.email
        )
    )


def link_for(participant: Participant, until: datetime) -> InviteToken:
    """A personal link of ``participant`` usable until ``until``: their newest admin's
    link that lasts that long, else a new one (added to the session; the caller commits).
    """
    found = db.session.scalar(
        select(InviteToken)
        .where(
            InviteToken.participant_id == participant.id,
            InviteToken.kind == LinkKind.PERSON,
            InviteToken.revoked_at.is_(None),
            InviteToken.expires_at > until,
        )
        .order_by(InviteToken.expires_at.desc())
        .limit(1)
    )
    return found or new_token(participant.program, LinkKind.PERSON, participant=participant)


def site_link(base_url: str, endpoint: str, **values: str) -> str:
    """The absolute address of ``endpoint`` on the site at ``base_url`` (the address an
    admin's request came to), built outside any request (a background job).

    >>> from flask import Flask
    >>> app = Flask(__name__)
    >>> app.add_url_rule("/me/<token_text>", "page", lambda token_text: "")
    >>> with app.app_context():
    ...     site_link("https://m.example.org/loom/", "page", token_text="abc")
    'https://m.example.org/loom/me/abc'
    """
    parts = urlsplit(base_url)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
