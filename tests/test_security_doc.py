"""docs/security.md names the tests that prove each line: every test and test file it names
exists, so a renamed or deleted test cannot leave a claim without its proof."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECURITY = ROOT / "docs" / "security.md"


def defined_tests() -> set[str]:
    """The name of every test function under ``tests/``."""
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        names |= set(re.findall(r"^\s*def (test_\w+)", path.read_text(), re.MULTILINE))
    return names


def test_every_test_the_security_page_names_exists() -> None:
    text = SECURITY.read_text()
    named = set(re.findall(r"\b(test_\w+)\b(?!\.py)", text))
    files = set(re.findall(r"\b(tests/[\w/]+\.py)\b", text))
    assert len(named) >= 30 and files, "the page should name its tests"
    assert sorted(named - defined_tests()) == []
    assert sorted(f for f in files if not (ROOT / f).is_file()) == []
