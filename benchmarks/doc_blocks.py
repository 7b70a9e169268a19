"""Blocks of ``docs/performance.md`` that a benchmark rewrites, leaving the rest as it is.

``benchmarks/run.py`` rewrites the file above the line :data:`MARKER` and keeps what
follows it; other benchmarks keep their tables in sections below that line, each table
between ``<!-- NAME: LABEL -->`` and ``<!-- /NAME: LABEL -->``.
"""

from __future__ import annotations

import re
from pathlib import Path

MARKER = "<!-- analysis: kept by benchmarks/run.py -->"


def write_block(doc: Path, name: str, heading: str, label: str, text: str) -> None:
    """Put ``text`` in the block ``name: label`` of the section ``heading`` of ``doc``.

    The section goes after :data:`MARKER`, at the end of the file when it is new; a new
    block goes at the end of its section. Only that block changes.

    >>> import tempfile
    >>> doc = Path(tempfile.mkdtemp()) / "performance.md"
    >>> _ = doc.write_text(f"# Performance\\n\\n{MARKER}\\n", encoding="utf-8")
    >>> write_block(doc, "demo", "## Demo", "after", "| a |")
    >>> write_block(doc, "demo", "## Demo", "after", "| b |")
    >>> print(doc.read_text(encoding="utf-8").split(MARKER)[1].strip())
    ## Demo
    <BLANKLINE>
    <!-- demo: after -->
    | b |
    <!-- /demo: after -->
    """
    content = doc.read_text(encoding="utf-8")
    start, end = f"<!-- {name}: {label} -->", f"<!-- /{name}: {label} -->"
    block = f"{start}\n{text}\n{end}"
    if start in content:
        pattern = re.escape(start) + r".*?" + re.escape(end)
        content = re.sub(pattern, lambda _: block, content, count=1, flags=re.S)
    elif heading in content:
        after = content.index(heading) + len(heading)
        following = re.search(r"^## ", content[after:], flags=re.M)
        at = after + following.start() if following else len(content)
        content = f"{content[:at].rstrip()}\n\n{block}\n\n{content[at:].lstrip()}".rstrip()
        content += "\n"
    else:
        if MARKER not in content:
            raise SystemExit(f"{doc} has no line {MARKER}")
        content = f"{content.rstrip()}\n\n{heading}\n\n{block}\n"
    doc.write_text(content, encoding="utf-8")
