"""Charts drawn on the server as inline SVG: no script, no library, readable without colour.

Every chart is an ``<svg role="img">`` with a title naming what it shows and each value
written beside its bar; colours come from classes in ``static/style.css``.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

#: Layout of the horizontal bar charts, in SVG user units.
LABEL_WIDTH = 170
BAR_WIDTH = 260
VALUE_WIDTH = 150
ROW_HEIGHT = 26
BAR_HEIGHT = 16


def _svg(title: str, width: int, height: int, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _bars(title: str, rows: Sequence[tuple[str, float, str]]) -> Markup:
    """Horizontal bars: one (label, share from 0 to 1, value text) per row."""
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    body = []
    for i, (label, share, text) in enumerate(rows):
        y = i * ROW_HEIGHT
        body.append(
            f'<text x="0" y="{y + 13}" class="label">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 1}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}"'
            ' class="track"/>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 1}" width="{round(BAR_WIDTH * share, 1)}"'
            f' height="{BAR_HEIGHT}" class="bar"/>'
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 13}" class="value">'
            f"{escape(text)}</text>"
        )
    return _svg(title, width, max(len(rows), 1) * ROW_HEIGHT, "".join(body))


def part_bars(title: str, rows: Sequence[tuple[str, float, float]]) -> Markup:
    """Bars of ``part`` out of ``whole`` per label, e.g. requests filled per type.

    >>> svg = part_bars("Filled", [("sponsorship", 3, 4)])
    >>> 'width="195.0"' in svg and "3 of 4 (75%)" in svg
    True
    """
    return _bars(
        title,
        [
            (
                label,
                part / whole if whole else 0.0,
                f"{part:g} of {whole:g}" + (f" ({part / whole:.0%})" if whole else ""),
            )
            for label, part, whole in rows
        ],
    )


def count_bars(title: str, rows: Sequence[tuple[str, int]]) -> Markup:
    """Bars of counts per label, scaled to the largest.

    >>> "Mentees" in count_bars("People", [("Mentees", 4), ("Mentors", 2)])
    True
    """
    top = max((count for _, count in rows), default=0)
    return _bars(title, [(label, count / top if top else 0.0, str(count)) for label, count in rows])


def histogram(title: str, counts: Sequence[int], labels: Sequence[str]) -> Markup:
    """Vertical bars of counts over bins, each labelled below and counted above.

    >>> 'class="bar"' in histogram("Scores", [1, 0, 2], ["0", "10", "20"])
    True
    """
    column, height, top = 56, 120, max(counts, default=0) or 1
    body = []
    for i, (count, label) in enumerate(zip(counts, labels, strict=True)):
        x = i * column
        bar = round(height * count / top, 1)
        middle = x + column / 2
        body.append(
            f'<rect x="{x + 4}" y="{20 + height - bar}" width="{column - 8}" height="{bar}"'
            ' class="bar"/>'
            f'<text x="{middle}" y="{14 + height - bar}" class="value middle">{count}</text>'
            f'<text x="{middle}" y="{height + 36}" class="label middle">{escape(label)}</text>'
        )
    return _svg(title, column * len(counts), height + 44, "".join(body))


def criterion_bar(points: float, most: float) -> Markup:
    """A small bar of the points a criterion earned out of the most it could earn.

    >>> 'width="30.0"' in criterion_bar(5, 10)
    True
    """
    width = 60
    filled = round(width * points / most, 1) if most else 0
    return Markup(
        f'<svg class="mini" width="{width}" height="10" viewBox="0 0 {width} 10"'
        ' aria-hidden="true">'
        f'<rect width="{width}" height="10" class="track"/>'
        f'<rect width="{filled}" height="10" class="bar"/></svg>'
    )
