"""The participant's own page, opened by their personal link (the intake form's link).

One blueprint, :data:`bp`, registered by the factory; its parts are nested blueprints
(endpoints ``participant.page.*``, the page itself, and ``participant.picks.*``, the
page where mentees pick mentors and mentors choose to be shown) and its
templates live in ``webapp/participant/templates/``. A package of its own rather than a
part of :mod:`webapp.people`: everything in ``people`` is an admin's work behind a log-in,
while this page is the participant's, without a log-in, the link being the key.
"""

from __future__ import annotations

from flask import Blueprint

from webapp.participant import page, pick_page

__all__ = ["bp"]

bp = Blueprint("participant", __name__, template_folder="templates")
bp.register_blueprint(page.bp)
bp.register_blueprint(pick_page.bp)
