"""Matching a program: runs, the review of a proposal and its decisions (one by one, in
bulk, by hand, left-out locks), exports, the run's dashboard, publishing approved pairs,
the requests that need a rematch, the published pairs' life, and the outcomes per cohort.

One blueprint, :data:`bp`, registered by the factory; its parts are nested blueprints
(endpoints ``matching.review.*``, ``matching.runs.*``, …) and its templates live in
``webapp/matching/templates/``.
"""

from __future__ import annotations

from flask import Blueprint

from webapp.matching import (
    bulk,
    dashboard,
    exports,
    left_out,
    manual,
    outcomes,
    pairs,
    publish,
    review,
    runs,
)

__all__ = ["bp"]

bp = Blueprint("matching", __name__, template_folder="templates")
for part in (runs, review, bulk, manual, left_out, exports, dashboard, publish, pairs, outcomes):
    bp.register_blueprint(part.bp)
