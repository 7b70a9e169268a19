"""The admin's own pages: signing in and out (with a password or the company's identity
provider), their account, programs, their settings and cohorts, and the audit pages
(History, Sign-ins).

One blueprint, :data:`bp`, registered by the factory; its parts are nested blueprints
(endpoints ``admin.auth.*``, ``admin.two_factor_login.*``, ``admin.oidc.*``,
``admin.account.*``, ``admin.two_factor.*``, ``admin.programs.*``,
``admin.answer_policy.*``, ``admin.cohorts.*``, ``admin.audit.*``) and its templates live in
``webapp/admin/templates/``.
"""

from __future__ import annotations

from flask import Blueprint

from webapp.admin import (
    account,
    answer_policy,
    audit_pages,
    auth,
    cohorts,
    oidc,
    programs,
    two_factor_login,
    two_factor_pages,
)

__all__ = ["bp"]

bp = Blueprint("admin", __name__, template_folder="templates")
for part in (
    auth,
    two_factor_login,
    oidc,
    account,
    two_factor_pages,
    programs,
    answer_policy,
    cohorts,
    audit_pages,
):
    bp.register_blueprint(part.bp)
