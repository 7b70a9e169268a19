"""The admin's own pages: signing in and out, their account, programs, their settings
and cohorts.

One blueprint, :data:`bp`, registered by the factory; its parts are nested blueprints
(endpoints ``admin.auth.*``, ``admin.account.*``, ``admin.programs.*``, ``admin.answer_policy.*``,
``admin.cohorts.*``) and its templates live in ``webapp/admin/templates/``.
"""

from __future__ import annotations

from flask import Blueprint

from webapp.admin import account, answer_policy, auth, cohorts, programs

__all__ = ["bp"]

bp = Blueprint("admin", __name__, template_folder="templates")
for part in (auth, account, programs, answer_policy, cohorts):
    bp.register_blueprint(part.bp)
