"""Accessibility checks of browser pages with axe-core (WCAG 2.0 and 2.1, levels A and AA).

axe-core comes from the npm registry: ``scripts/test.sh`` installs the pinned version
into ``.cache/axe`` (``npm install --prefix .cache/axe axe-core@AXE_VERSION``). Without it
a check fails in CI (``CI=true``) and skips the test elsewhere, saying how to install it.

The script is evaluated in the page through the DevTools protocol rather than added as a
``<script>`` tag: the app's Content Security Policy refuses inline scripts, and the
browser tests keep that policy on.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE_VERSION = "4.14.1"
AXE_SCRIPT = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
#: Checks of one page at most, when a navigation interrupts one (see axe_violations).
TRIES = 3
INSTALL = f"npm install --prefix .cache/axe axe-core@{AXE_VERSION} (scripts/test.sh does)"


@cache
def axe_source(script: Path = AXE_SCRIPT) -> str:
    """The text of axe.min.js of version ``AXE_VERSION``; fails in CI and skips elsewhere
    when it is not installed, or another version is."""
    package = script.parent / "package.json"
    found = json.loads(package.read_text(encoding="utf-8"))["version"] if package.exists() else None
    if found != AXE_VERSION or not script.exists():
        message = f"axe-core {AXE_VERSION} is not at {script} (found: {found}): {INSTALL}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return script.read_text(encoding="utf-8")


def describe(violations: list[dict[str, Any]]) -> str:
    """One readable block per violated rule: id, impact, help, link and each element.

    Examples
    --------
    >>> print(
    ...     describe(
    ...         [
    ...             {
    ...                 "id": "label",
    ...                 "impact": "critical",
    ...                 "help": "Form elements must have labels",
    ...                 "helpUrl": "https://dequeuniversity.com/rules/axe/4.14/label",
    ...                 "nodes": [
    ...                     {"target": ["#q"], "failureSummary": "Fix any of the following: ..."}
    ...                 ],
    ...             }
    ...         ]
    ...     )
    ... )
    label (critical): Form elements must have labels
      https://dequeuniversity.com/rules/axe/4.14/label
      - #q: Fix any of the following: ...
    """
    blocks = []
    for rule in violations:
        lines = [f"{rule['id']} ({rule['impact']}): {rule['help']}", f"  {rule['helpUrl']}"]
        for node in rule["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"  - {target}: {summary}")
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now; the violations.

    A click that leads to another page may still be navigating when this is called: a
    check that the navigation interrupted (its document gone) waits for the new page to
    load and runs again, up to :data:`TRIES` checks in all.
    """
    for _ in range(TRIES - 1):
        try:
            return _run_axe(page)
        except PlaywrightError:
            page.wait_for_load_state()
    return _run_axe(page)


def _run_axe(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then((r) => r.violations)",
        list(WCAG_TAGS),
    )


def assert_accessible(page: Page) -> None:
    """Fail with a readable list of violations unless the page passes every WCAG 2.0/2.1
    A and AA rule of axe-core.

    The check sees the page as it is (its viewport, what is open or hidden): call it after
    each step that changes what is shown.
    """
    violations = axe_violations(page)
    where = f"{page.url} at {page.viewport_size['width']} px" if page.viewport_size else page.url
    assert not violations, f"axe-core found violations on {where}:\n{describe(violations)}"
