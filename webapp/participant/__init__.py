"""The participant's own page, opened by their personal link (the intake form's link).

One blueprint, :data:`bp` (endpoints ``participant.show`` and ``participant.answer``),
with its templates in ``webapp/participant/templates/``. A package of its own rather than
a part of :mod:`webapp.people`: everything in ``people`` is an admin's work, while this
page is the participant's, without a log-in, the link being the key.
"""

from __future__ import annotations

from webapp.participant.page import bp

__all__ = ["bp"]
