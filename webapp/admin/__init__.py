"""The admin's own pages: signing in and out (with a password or the company's identity
provider), the welcome page of an invited admin, their account, programs, their settings,
questions and cohorts, the audit pages (History, Sign-ins) and, for owners, the Admins pages.

One blueprint, :data:`bp`, registered by the factory; its parts are nested blueprints
(endpoints ``admin.auth.*``, ``admin.two_factor_login.*``, ``admin.oidc.*``,
``admin.welcome.*``, ``admin.account.*``, ``admin.two_factor.*``, ``admin.programs.*``,
``admin.questions.*``, ``admin.answer_policy.*``, ``admin.picks_settings.*``,
``admin.cohorts.*``, ``admin.audit.*``, ``admin.admins.*``)
and its templates live in ``webapp/admin/templates/``.
"""

from __future__ import annotations

from flask import Blueprint

from webapp.admin import (
    account,
    admins,
    answer_policy,
    audit_pages,
    auth,
    cohorts,
    oidc,
    picks_settings,
    programs,
    questions,
    two_factor_login,
    two_factor_pages,
    welcome,
)

__all__ = ["bp"]

bp = Blueprint("admin", __name__, template_folder="templates")
for part in (
    auth,
    two_factor_login,
    oidc,
    welcome,
    account,
    two_factor_pages,
    programs,
    questions,
    answer_policy,
    picks_settings,
    cohorts,
    audit_pages,
    admins,
):
    bp.register_blueprint(part.bp)
