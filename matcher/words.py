"""Words that agree with their numbers: the one plural helper of the core's sentences, the
command line and the web pages (no heavy imports, so the command line starts fast)."""

from __future__ import annotations

__all__ = ["agree", "plural"]


def agree(count: float, one: str, many: str | None = None) -> str:
    """The form of a word that agrees with ``count``: ``one`` for 1, else ``many``
    (``one`` with an "s" when not given).

    >>> agree(1, "row"), agree(0, "row"), agree(2, "person", "people"), agree(1, "needs", "need")
    ('row', 'rows', 'people', 'needs')
    """
    return one if count == 1 else many or f"{one}s"


def plural(count: float, one: str, many: str | None = None) -> str:
    """A count and the word that agrees with it (see :func:`agree`); a fraction as short
    as it goes.

    >>> plural(1, "place"), plural(3, "place"), plural(0, "hour"), plural(1.0, "hour")
    ('1 place', '3 places', '0 hours', '1 hour')
    >>> plural(2.5, "hour"), plural(12000, "pair"), plural(1, "person", "people")
    ('2.5 hours', '12000 pairs', '1 person')
    """
    number = f"{count:g}" if isinstance(count, float) else str(count)
    return f"{number} {agree(count, one, many)}"
