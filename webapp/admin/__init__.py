"""The admin's own pages: signing in and out, programs and their settings.

One blueprint, :data:`bp`, registered by the factory; its parts are nested blueprints
(endpoints ``admin.auth.*``, ``admin.programs.*``, ``admin.answer_policy.*``) and its
templates live in ``webapp/admin/templates/``.
"""

from __future__ import annotations

from flask import Blueprint

from webapp.admin import answer_policy, auth, programs

__all__ = ["bp"]

bp = Blueprint("admin", __name__, template_folder="templates")
for part in (auth, programs, answer_policy):
    bp.register_blueprint(part.bp)
