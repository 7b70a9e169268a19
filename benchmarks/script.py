"""How to run the ``mentorloom`` command from any shell: the console script beside the
running Python (a virtualenv's ``bin/``, found even when the virtualenv is not activated),
else the one on ``PATH``, else ``python -m matcher.cli``."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def mentorloom_command() -> list[str]:
    """The command line that runs ``mentorloom`` with this interpreter's install.

    >>> mentorloom_command()[-1].endswith(("mentorloom", "matcher.cli"))
    True
    """
    beside = Path(sys.executable).with_name("mentorloom")
    installed = str(beside) if beside.exists() else shutil.which("mentorloom")
    return [installed] if installed else [sys.executable, "-m", "matcher.cli"]
