"""The participant's own page, opened by their personal link (the intake form's link).

One blueprint, :data:`bp`, registered by the factory; its part is a nested blueprint
(endpoints ``participant.page.show`` and ``participant.page.answer_pair``) and its
templates live in ``webapp/participant/templates/``. A package of its own rather than a
part of :mod:`webapp.people`: everything in ``people`` is an admin's work behind a log-in,
while this page is the participant's, without a log-in, the link being the key.
"""

from __future__ import annotations

from flask import Blueprint

from webapp.participant import page

__all__ = ["bp"]

bp = Blueprint("participant", __name__, template_folder="templates")
bp.register_blueprint(page.bp)
