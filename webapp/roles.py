"""Who may do what: the four roles, what each route needs, and the one gate every request
passes.

An **owner** may do everything in every program and manage the admins. Everyone else has a
role per program (a :class:`~webapp.access_models.ProgramAccess` row): a **program manager**
runs the program (participants, imports, settings, runs, decisions, publishing, exports,
erasure, its history), a **reviewer** reads the people and decides on pairs, a **viewer**
sees the dashboard and outcome figures only, never personal data. Without a role a program
does not exist for the admin (404).

Every view says what it needs with :func:`needs`; :func:`register` installs the gate that
reads it before every request. A view without a need is refused (403), so a new route is
closed until someone decides who may open it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.access_models import ProgramAccess
from webapp.db import db, login_manager
from webapp.models import AdminUser

__all__ = [
    "ALLOWED",
    "PROGRAM_NEEDS",
    "PROGRAM_ROLES",
    "Need",
    "Role",
    "can",
    "grant",
    "may",
    "needs",
    "register",
    "role_in",
    "roles_of",
]


class Role(StrEnum):
    """An admin's role: site-wide (owner) or in one program (the others)."""

    OWNER = "owner"
    MANAGER = "manager"
    REVIEWER = "reviewer"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        """The role in words.

        >>> Role.MANAGER.label
        'program manager'
        """
        return "program manager" if self is Role.MANAGER else self.value


#: The roles an owner can give in one program, most rights first.
PROGRAM_ROLES = (Role.MANAGER, Role.REVIEWER, Role.VIEWER)


class Need(StrEnum):
    """What a route needs of the person asking."""

    #: Anyone, without logging in: the log-in pages, the intake form, a participant's page.
    PUBLIC = "public"
    #: Any admin: their account and the list of their programs.
    SIGNED_IN = "signed in"
    #: Owners: new programs, the admins, the site's sign-ins.
    SITE = "site"
    #: A program's dashboard and outcome figures, without personal data.
    FIGURES = "figures"
    #: A program's people, runs, matches and published pairs.
    READ = "read"
    #: Approving, rejecting and locking pairs.
    DECIDE = "decide"
    #: Participants, imports, invitations, e-mail, settings, runs, publishing, exports, erasure.
    MANAGE = "manage"
    #: A program's history (the audit log).
    AUDIT = "audit"


#: The needs that are about one program: their routes carry ``program_id``.
PROGRAM_NEEDS = frozenset({Need.FIGURES, Need.READ, Need.DECIDE, Need.MANAGE, Need.AUDIT})

#: What each role may do in a program it has (owners: in every program, and the site).
ALLOWED: dict[Role, frozenset[Need]] = {
    Role.OWNER: PROGRAM_NEEDS | {Need.SITE},
    Role.MANAGER: PROGRAM_NEEDS,
    Role.REVIEWER: frozenset({Need.FIGURES, Need.READ, Need.DECIDE}),
    Role.VIEWER: frozenset({Need.FIGURES}),
}

#: The attribute :func:`needs` sets on a view.
NEED_ATTRIBUTE = "mentorloom_need"

View = TypeVar("View", bound=Callable[..., Any])


def needs(need: Need) -> Callable[[View], View]:
    """Declare what a view needs; the gate of :func:`register` checks it.

    >>> @needs(Need.READ)
    ... def page(program_id): ...
    >>> page.mentorloom_need
    <Need.READ: 'read'>
    """

    def declare(view: View) -> View:
        setattr(view, NEED_ATTRIBUTE, need)
        return view

    return declare


def role_in(admin: AdminUser, program_id: int) -> Role | None:
    """The admin's role in the program: owner for owners, else their stored role or None.

    Read once per request and program (kept in :data:`flask.g`).
    """
    if admin.is_owner:
        return Role.OWNER
    known: dict[tuple[int, int], Role | None] = g.setdefault("mentorloom_roles", {})
    key = (admin.id, program_id)
    if key not in known:
        stored = db.session.scalar(
            select(ProgramAccess.role).where(
                ProgramAccess.admin_id == admin.id, ProgramAccess.program_id == program_id
            )
        )
        known[key] = Role(stored) if stored else None
    return known[key]


def may(admin: Any, need: Need, program_id: int | None = None) -> bool:
    """True when ``admin`` (an :class:`AdminUser`, or Flask-Login's anonymous user) may do
    what ``need`` says, in the program ``program_id`` for a program need."""
    if need is Need.PUBLIC:
        return True
    if not admin.is_authenticated:
        return False
    if need is Need.SIGNED_IN:
        return True
    if need is Need.SITE:
        return bool(admin.is_owner)
    if program_id is None:
        return False
    role = role_in(admin, program_id)
    return role is not None and need in ALLOWED[role]


def roles_of(admin: AdminUser) -> dict[int, Role]:
    """The programs the admin has a role in, with the role (owners: none, they have all)."""
    rows = db.session.execute(
        select(ProgramAccess.program_id, ProgramAccess.role).where(
            ProgramAccess.admin_id == admin.id
        )
    )
    return {program_id: Role(role) for program_id, role in rows}


def can(need: str, program_id: int | None = None) -> bool:
    """Whether the current admin may do what ``need`` names (a :class:`Need` value), in
    the program of the current page (or ``program_id``): templates show only the links and
    buttons it allows (``{% if can("manage") %}``).

    >>> from flask import Flask
    >>> with Flask(__name__).test_request_context("/"):
    ...     can("public")
    True
    """
    if program_id is None:
        program_id = (request.view_args or {}).get("program_id")
    return may(current_user, Need(need), program_id)


def grant(admin: AdminUser, program_id: int, role: Role, by: str = "") -> ProgramAccess:
    """Give ``admin`` the ``role`` in the program (replacing the role they had); the caller
    commits. Owners need no grant."""
    if role not in PROGRAM_ROLES:
        raise ValueError(f"{role} is not a program role")
    access = db.session.scalar(
        select(ProgramAccess).where(
            ProgramAccess.admin_id == admin.id, ProgramAccess.program_id == program_id
        )
    ) or ProgramAccess(admin_id=admin.id, program_id=program_id)
    access.role = role.value
    access.granted_by = by
    db.session.add(access)
    g.pop("mentorloom_roles", None)
    return access


def register(app: Flask) -> None:
    """Install the gate: before every request, check what the view needs.

    No rule: 403. Not logged in: the log-in page. A program the admin has no role in: 404,
    as if it did not exist. A role that does not allow it: 403, saying the role.
    """

    app.add_template_global(can, "can")

    @app.before_request
    def _gate() -> Response | None:
        if request.endpoint is None or request.endpoint == "static":
            return None  # no route (404) or a static file
        view = current_app.view_functions[request.endpoint]
        need = getattr(view, NEED_ATTRIBUTE, None)
        if need is None:
            current_app.logger.error("route %s declares no need: refused", request.endpoint)
            abort(403, description="Nobody may open this page yet.")
        if need is Need.PUBLIC:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if need not in PROGRAM_NEEDS:
            if not may(current_user, need):
                abort(403, description="Only an owner may do this.")
            return None
        program_id = (request.view_args or {}).get("program_id")
        if program_id is None:
            raise LookupError(f"{request.endpoint} needs {need} but has no program_id")
        role = role_in(current_user, program_id)
        if role is None:
            abort(404, description="There is no such program.")
        if need not in ALLOWED[role]:
            abort(
                403,
                description=f"Your role in this program ({role.label}) does not allow this. "
                "An owner can change your role.",
            )
        return None
