"""Managing the admins: who has access to what, invitations, role changes and removals.

The first admin comes from ``flask create-admin``; after that an owner invites admins by
e-mail (:func:`invite`): an :class:`~webapp.access_models.AdminInvite` keeps the hash of a
random token, the roles given and until when (``ADMIN_INVITE_DAYS``) the link works, and a
site e-mail (in no program's outbox) carries the link to ``/auth/welcome/<token>``. There
the invitee sets a password (:func:`accept_with_password`); with single sign-on, their first
sign-in with the invited address takes the invitation (:func:`accept_on_sso`). Either way
the link works once.

:func:`change_roles` and :func:`remove` end every session of the admin at once
(:func:`webapp.sessions.end_sessions`; a removal deletes the sessions with the admin), and
:func:`change_problem` keeps an owner from demoting or removing themselves and the last
owner from going. :func:`follow_sso_owner` makes an admin an owner, or no longer one, as the
identity provider's role claim says. Every change is audited under ``admins.*``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_login import current_user
from sqlalchemy import case, delete, func, or_, select, update

from webapp import audit, sso, two_factor
from webapp.access_models import AdminInvite, ProgramAccess
from webapp.admins import find_admin
from webapp.db import db
from webapp.mail.models import MailKind
from webapp.mail.outbox import queue_message
from webapp.models import NO_PASSWORD, AdminUser, Program
from webapp.roles import Role, grant
from webapp.session_models import AdminSession
from webapp.sessions import end_sessions, now, token_hash

#: Why the sessions of an admin whose roles changed ended (``admin_session.ended_why``).
ROLE_CHANGED = "role changed"
#: Closed invitations (used, revoked, expired) are deleted this long after, at the next one.
KEEP_CLOSED = timedelta(days=30)


@dataclass(frozen=True)
class AdminRow:
    """What the Admins page shows of one admin."""

    admin: AdminUser
    #: (program name, role), by program name.
    roles: list[tuple[str, Role]]
    #: How they sign in: ``password``, ``single sign-on`` or both.
    sign_in: str
    last_sign_in: datetime | None
    open_sessions: int
    #: Whether their password log-in asks a second factor (:mod:`webapp.two_factor`).
    two_factor_on: bool


def sign_in_ways(admin: AdminUser) -> str:
    """How ``admin`` signs in, in words.

    >>> sign_in_ways(AdminUser(password_hash="x", sso_subject="7"))
    'password, single sign-on'
    >>> sign_in_ways(AdminUser(password_hash="!no-password", sso_subject="7"))
    'single sign-on'
    """
    ways = []
    if admin.password_hash != NO_PASSWORD:
        ways.append("password")
    if admin.sso_subject:
        ways.append("single sign-on")
    return ", ".join(ways) or "none yet"


def program_names() -> dict[int, str]:
    """Every program's name by id, in the order of their names."""
    rows = db.session.execute(select(Program.id, Program.name).order_by(Program.name))
    return dict(rows.all())


def program_roles(admin: AdminUser) -> dict[int, Role]:
    """The admin's role in each program they have one in, by program id."""
    rows = db.session.execute(
        select(ProgramAccess.program_id, ProgramAccess.role).where(
            ProgramAccess.admin_id == admin.id
        )
    )
    return {program_id: Role(role) for program_id, role in rows}


def admin_rows() -> list[AdminRow]:
    """Every admin, by e-mail, with their roles, how they sign in, their last sign-in (of
    the sessions kept: :data:`webapp.sessions.KEEP_ENDED`) and their open sessions (three
    queries, whatever the number of admins)."""
    config = current_app.config
    at = now()
    is_open = (
        AdminSession.ended_at.is_(None)
        & (AdminSession.last_seen_at > at - timedelta(minutes=config["SESSION_IDLE_MINUTES"]))
        & (AdminSession.created_at > at - timedelta(hours=config["SESSION_MAX_HOURS"]))
    )
    sessions = db.session.execute(
        select(
            AdminSession.admin_id,
            func.max(AdminSession.created_at),
            func.sum(case((is_open, 1), else_=0)),
        ).group_by(AdminSession.admin_id)
    )
    seen = {admin_id: (last, int(count or 0)) for admin_id, last, count in sessions}
    access = db.session.execute(
        select(ProgramAccess.admin_id, Program.name, ProgramAccess.role)
        .join(Program, Program.id == ProgramAccess.program_id)
        .order_by(Program.name)
    )
    roles: dict[int, list[tuple[str, Role]]] = {}
    for admin_id, name, role in access:
        roles.setdefault(admin_id, []).append((name, Role(role)))
    admins = db.session.scalars(select(AdminUser).order_by(AdminUser.email))
    return [
        AdminRow(
            admin,
            roles.get(admin.id, []),
            sign_in_ways(admin),
            *seen.get(admin.id, (None, 0)),
            two_factor.is_on(admin),
        )
        for admin in admins
    ]


def access_words(is_owner: bool, roles: Mapping[int, Role], names: Mapping[int, str]) -> str:
    """The access of an admin or an invitation, in words (``names``: program names by id).

    >>> access_words(True, {}, {})
    'an owner (every program, and the admins)'
    >>> access_words(False, {2: Role.REVIEWER, 1: Role.MANAGER}, {1: "Spring", 2: "Autumn"})
    'program manager of Spring, reviewer of Autumn'
    >>> access_words(False, {}, {})
    'no role in any program yet'
    """
    if is_owner:
        return "an owner (every program, and the admins)"
    given = [f"{roles[pid].label} of {name}" for pid, name in names.items() if pid in roles]
    return ", ".join(given) or "no role in any program yet"


def invite_roles(invitation: AdminInvite) -> dict[int, Role]:
    """The program roles an invitation gives, by program id (programs since deleted left
    out by the caller through :func:`program_names`)."""
    return {int(pid): Role(role) for pid, role in (invitation.roles or {}).items()}


def pending_invites() -> list[AdminInvite]:
    """The invitations neither used nor revoked, newest first (expired ones too: an owner
    may send them again), but for addresses that have become an admin's meanwhile (by
    single sign-on or ``flask create-admin``)."""
    query = (
        select(AdminInvite)
        .where(
            AdminInvite.used_at.is_(None),
            AdminInvite.revoked_at.is_(None),
            AdminInvite.email.not_in(select(AdminUser.email)),
        )
        .order_by(AdminInvite.created_at.desc(), AdminInvite.id.desc())
    )
    return list(db.session.scalars(query))


def _open_invite(email: str) -> AdminInvite | None:
    """The pending invitation of ``email`` (expired or not), if any."""
    query = select(AdminInvite).where(
        AdminInvite.email == email.strip().lower(),
        AdminInvite.used_at.is_(None),
        AdminInvite.revoked_at.is_(None),
    )
    return db.session.scalars(query).first()


def invite_problem(email: str) -> str | None:
    """Why ``email`` cannot be invited (it is an admin's, or invited already), if so.

    The words say what to do instead; the caller shows them next to the e-mail field.
    """
    if find_admin(email) is not None:
        return (
            "This address already belongs to an admin: change their roles on their page "
            "in the list of admins instead."
        )
    if _open_invite(email) is not None:
        return (
            "This address is invited already: send the invitation again, or revoke it, "
            "from the list of pending invitations."
        )
    return None


def _send(invitation: AdminInvite, link_for: str) -> None:
    """Give the invitation a new token and expiry, and queue its e-mail (commits)."""
    token = secrets.token_urlsafe(32)
    config = current_app.config
    invitation.token_hash = token_hash(token)
    invitation.expires_at = now() + timedelta(days=config["ADMIN_INVITE_DAYS"])
    names = program_names()
    queue_message(
        None,
        to=invitation.email,
        kind=MailKind.ADMIN_INVITE,
        template="admin_invite",
        context={
            "email": invitation.email,
            "invited_by": invitation.invited_by,
            "access": access_words(invitation.is_owner, invite_roles(invitation), names),
            "expires_on": f"{invitation.expires_at:%d %B %Y, %H:%M} UTC",
            "link": link_for.format(token=token),
            "password_login": sso.password_login(config),
            "sso_name": config["OIDC_NAME"],
        },
        queued_by=current_user.email,
    )


def _roles_json(roles: Mapping[int, Role]) -> dict[str, str]:
    return {str(pid): role.value for pid, role in sorted(roles.items())}


def _forget_closed_invites() -> None:
    """Delete the invitations used, revoked or expired more than :data:`KEEP_CLOSED` ago:
    only hashes and roles, but nothing to keep them for (the audit log keeps each)."""
    before = now() - KEEP_CLOSED
    db.session.execute(
        delete(AdminInvite)
        .where(
            or_(
                AdminInvite.used_at < before,
                AdminInvite.revoked_at < before,
                AdminInvite.expires_at < before,
            )
        )
        .execution_options(synchronize_session=False)
    )


def invite(email: str, is_owner: bool, roles: Mapping[int, Role], link_for: str) -> AdminInvite:
    """Invite ``email`` as an owner or with ``roles`` (a role per program id), e-mail the
    link (``link_for``: the welcome page's URL with ``{token}`` in it), audit; commits.

    The caller has checked :func:`invite_problem`.
    """
    _forget_closed_invites()
    given = {} if is_owner else dict(roles)
    invitation = AdminInvite(
        email=email.strip().lower(),
        is_owner=is_owner,
        roles=_roles_json(given),
        invited_by=current_user.email,
        created_at=now(),
    )
    audit.record("admins.invite", None, email=invitation.email, owner=is_owner, roles=_named(given))
    db.session.add(invitation)
    _send(invitation, link_for)
    return invitation


def resend(invitation: AdminInvite, link_for: str) -> None:
    """Send a pending invitation again: a new link (the old one stops working) valid
    ``ADMIN_INVITE_DAYS`` from now; audited; commits."""
    audit.record("admins.invite_resent", None, email=invitation.email)
    _send(invitation, link_for)


def revoke(invitation: AdminInvite) -> None:
    """Revoke a pending invitation: its link stops working; audited; the caller commits."""
    invitation.revoked_at = now()
    audit.record("admins.invite_revoked", None, email=invitation.email)


def valid_invite(token: str) -> AdminInvite | None:
    """The invitation of ``token`` while it works: not used, revoked nor expired."""
    invitation = db.session.scalar(
        select(AdminInvite).where(AdminInvite.token_hash == token_hash(token))
    )
    if invitation is None or invitation.used_at is not None or invitation.revoked_at is not None:
        return None
    return invitation if invitation.expires_at > now() else None


def _claim(invitation: AdminInvite) -> bool:
    """Mark the invitation used, unless another request did first."""
    claimed = db.session.execute(
        update(AdminInvite)
        .where(
            AdminInvite.id == invitation.id,
            AdminInvite.used_at.is_(None),
            AdminInvite.revoked_at.is_(None),
        )
        .values(used_at=now())
        .execution_options(synchronize_session=False)
    ).rowcount
    return claimed == 1


def _give(admin: AdminUser, invitation: AdminInvite, how: str) -> None:
    """Give ``admin`` the invitation's roles and audit that they joined."""
    admin.is_owner = admin.is_owner or invitation.is_owner
    db.session.flush()
    names = program_names()
    roles = {pid: role for pid, role in invite_roles(invitation).items() if pid in names}
    for program_id, role in roles.items():
        grant(admin, program_id, role, by=invitation.invited_by)
    audit.record(
        "admins.joined",
        None,
        actor=admin.email,
        how=how,
        invited_by=invitation.invited_by,
        owner=invitation.is_owner,
        roles=_named(roles),
    )


def accept_with_password(invitation: AdminInvite, password: str) -> AdminUser | None:
    """Make the invited admin with ``password`` (checked by the caller) and their roles;
    the link is used. None (nothing changed) when another request used it first or the
    address became an admin's meanwhile. The caller starts their session, which commits.
    """
    if find_admin(invitation.email) is not None or not _claim(invitation):
        db.session.rollback()
        return None
    admin = AdminUser(email=invitation.email, is_owner=False)
    admin.set_password(password)
    db.session.add(admin)
    _give(admin, invitation, "password")
    return admin


def accept_on_sso(admin: AdminUser) -> bool:
    """Give an admin signing in with single sign-on the roles of a working invitation of
    their address, if there is one (the link is then used); the caller commits."""
    query = select(AdminInvite).where(
        AdminInvite.email == admin.email,
        AdminInvite.used_at.is_(None),
        AdminInvite.revoked_at.is_(None),
        AdminInvite.expires_at > now(),
    )
    invitation = db.session.scalars(query.order_by(AdminInvite.id.desc())).first()
    if invitation is None or not _claim(invitation):
        return False
    _give(admin, invitation, "oidc")
    return True


def owners() -> int:
    """How many owners there are."""
    return db.session.scalar(select(func.count()).where(AdminUser.is_owner.is_(True))) or 0


def change_problem(actor: AdminUser, target: AdminUser, *, stays_owner: bool) -> str | None:
    """Why ``actor`` may not change ``target``'s roles (``stays_owner``: whether the target
    is an owner afterwards; False for a removal), if so.

    Nobody changes their own roles or removes themselves, and the last owner stays one.
    """
    if actor.id == target.id:
        return (
            "You cannot change your own roles or remove yourself: another owner can. "
            "Make someone else an owner first if there is no other."
        )
    if target.is_owner and not stays_owner and owners() <= 1:
        return f"{target.email} is the last owner: make someone else an owner first."
    return None


def _named(roles: Mapping[int, Role]) -> dict[str, str]:
    """Program roles keyed by program name, for the audit."""
    names = program_names()
    return {names.get(pid, f"program {pid}"): role.value for pid, role in sorted(roles.items())}


def change_roles(target: AdminUser, is_owner: bool, roles: Mapping[int, Role]) -> bool:
    """Make ``target`` an owner or not and give exactly ``roles`` (a role per program id,
    the others none); end every session of theirs at once and audit before and after;
    the caller commits. False when nothing changed (no session ends)."""
    before_roles = program_roles(target)
    if is_owner == target.is_owner and dict(roles) == before_roles:
        return False
    before: dict[str, Any] = {"owner": target.is_owner, "roles": _named(before_roles)}
    target.is_owner = is_owner
    db.session.execute(
        delete(ProgramAccess).where(
            ProgramAccess.admin_id == target.id,
            ProgramAccess.program_id.not_in(list(roles)),
        )
    )
    for program_id, role in roles.items():
        if before_roles.get(program_id) != role:
            grant(target, program_id, role, by=current_user.email)
    ended = end_sessions(target, ROLE_CHANGED)
    after = {"owner": is_owner, "roles": _named(roles)}
    audit.record(
        "admins.roles", None, admin=target.email, before=before, after=after, sessions_ended=ended
    )
    return True


def remove(target: AdminUser) -> None:
    """Delete ``target``: their roles, sessions and reset links go with them (the
    database cascades), so their browsers are logged out at the next request; audited;
    the caller commits. The audit keeps their events (without the link to the admin)."""
    ended = end_sessions(target, "admin removed")
    audit.record(
        "admins.remove",
        None,
        admin=target.email,
        owner=target.is_owner,
        roles=_named(program_roles(target)),
        sessions_ended=ended,
    )
    db.session.delete(target)


def follow_sso_owner(admin: AdminUser, role: str | None) -> bool:
    """With a role claim set up (``MENTORLOOM_OIDC_ROLE_CLAIM``), make ``admin`` an owner
    when the claim maps to ``owner``, and no longer one when it does not: a role change,
    so their other sessions end and it is audited. True when it changed; the caller
    commits. Program roles are given in the app, never by the claim."""
    if not current_app.config.get("OIDC_ROLE_CLAIM"):
        return False
    owner = role == Role.OWNER.value
    if admin.is_owner == owner:
        return False
    admin.is_owner = owner
    ended = end_sessions(admin, ROLE_CHANGED)
    audit.record(
        "admins.sso_owner",
        None,
        actor=admin.email,
        admin=admin.email,
        owner=owner,
        claim=role or "",
        sessions_ended=ended,
    )
    return True
