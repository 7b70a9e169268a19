"""Bringing people in: participants, CSV imports, invite links, the intake form,
program-link registrations, and a person's data (export, erasure).

One blueprint, :data:`bp`, registered by the factory; its parts are nested blueprints
(endpoints ``people.participants.*``, ``people.intake.*``, …) and its templates live in
``webapp/people/templates/``.
"""

from __future__ import annotations

from flask import Blueprint

from webapp.people import imports, intake, invites, participants, privacy, registrations

__all__ = ["bp"]

bp = Blueprint("people", __name__, template_folder="templates")
for part in (participants, privacy, imports, invites, registrations, intake):
    bp.register_blueprint(part.bp)
