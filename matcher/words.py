"""Words that agree with their numbers, shared by the core's sentences, the command line
and the web pages (no heavy imports, so the command line starts fast)."""

from __future__ import annotations


def plural(count: float, word: str) -> str:
    """A count and a noun that agrees with it (a fraction as short as it goes).

    >>> plural(1, "place"), plural(3, "place"), plural(0, "hour"), plural(1.0, "hour")
    ('1 place', '3 places', '0 hours', '1 hour')
    >>> plural(2.5, "hour"), plural(12000, "pair")
    ('2.5 hours', '12000 pairs')
    """
    number = f"{count:g}" if isinstance(count, float) else str(count)
    return f"{number} {word}" + ("" if count == 1 else "s")
