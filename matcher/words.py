"""Words that agree with their numbers, shared by the core's sentences, the command line
and the web pages (no heavy imports, so the command line starts fast)."""

from __future__ import annotations


def plural(count: int, word: str) -> str:
    """A count and a noun that agrees with it.

    >>> plural(1, "place"), plural(3, "place"), plural(0, "hour")
    ('1 place', '3 places', '0 hours')
    """
    return f"{count} {word}" + ("" if count == 1 else "s")
