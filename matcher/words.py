"""Words that agree with a count: the one plural helper of the core, the CLI and the web app."""

from __future__ import annotations

__all__ = ["agree", "plural"]


def agree(count: int, one: str, many: str | None = None) -> str:
    """The form of a word that agrees with ``count``: ``one`` for 1, else ``many``
    (``one`` with an "s" when not given).

    >>> agree(1, "row"), agree(0, "row"), agree(2, "person", "people"), agree(1, "needs", "need")
    ('row', 'rows', 'people', 'needs')
    """
    return one if count == 1 else many or f"{one}s"


def plural(count: int, one: str, many: str | None = None) -> str:
    """A count and the word that agrees with it (see :func:`agree`).

    >>> plural(1, "place"), plural(3, "place"), plural(1, "person", "people")
    ('1 place', '3 places', '1 person')
    """
    return f"{count} {agree(count, one, many)}"
