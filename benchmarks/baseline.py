"""The baseline build that benchmarks compare this checkout with, side by side.

A baseline is a commit of this repository (by default :data:`BASELINE`, the build issue 20
timed at 42 s for 50,000 people), exported with ``git archive`` into a folder of the
system's temporary directory that is kept between runs (with its numba cache), and run
with this interpreter as ``python -m matcher.cli`` from that folder.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "a02fcd4"
#: Seconds issue 20 measured for 50,000 people on the baseline; a ratio times this is
#: the time the issue's machine would take.
ISSUE_SECONDS = 42.0


def export(revision: str) -> Path:
    """The source tree of ``revision``, exported once into a kept temporary folder."""
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{revision}^{{commit}}"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    folder = Path(tempfile.gettempdir()) / f"mentorloom-{sha[:12]}"
    if not (folder / "matcher").is_dir():
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", sha],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
    return folder


def outcome(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pairs with their scores, and the open requests, of a run's CSVs."""
    matches = pd.read_csv(out / "matches.csv")
    unmatched = pd.read_csv(out / "unmatched.csv")
    return (
        matches[["mentee_email", "mentor_email", "mentor_type", "score"]],
        unmatched[["mentee_email", "mentor_type"]],
    )


def same_outcome(ours: Path, theirs: Path) -> bool:
    """True when both runs chose the same pairs, scores and open requests (the reasons'
    wording may differ between builds).

    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "matches.csv").write_text(
    ...     "mentee_email,mentor_email,mentor_type,score,reasons\\na,b,expertise,1.5,x\\n"
    ... )
    >>> _ = (folder / "unmatched.csv").write_text("mentee_email,mentor_type,reason\\n")
    >>> same_outcome(folder, folder)
    True
    """
    return all(a.equals(b) for a, b in zip(outcome(ours), outcome(theirs), strict=True))
