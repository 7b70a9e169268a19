"""The web app with match runs that wait, for tests that kill the process running one.

``create_app()`` is :func:`webapp.create_app` with the core calls of a run wrapped
(``propose``, and ``rerun``, the warm start of a full run): they write the id of the process
running them to ``$SLOW_JOBS_DIR/pid``, then wait while the file ``$SLOW_JOBS_DIR/hold``
exists. gunicorn serves it as
``tests.web.slow_jobs:create_app()``; the RQ worker runs as
``flask --app tests.web.slow_jobs:create_app worker``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from flask import Flask

import webapp
import webapp.runner

_ENGINE = {name: getattr(webapp.runner, name) for name in ("propose", "rerun")}


def _hold() -> None:
    """Write this process's id, then wait while the hold file exists."""
    folder = Path(os.environ["SLOW_JOBS_DIR"])
    draft = folder / f"pid.{os.getpid()}"
    draft.write_text(str(os.getpid()))
    draft.rename(folder / "pid")
    while (folder / "hold").exists():
        time.sleep(0.05)


def _waiting(name: str) -> Any:
    """The runner's engine call ``name``, held first."""

    def call(*args: Any, **kwargs: Any) -> Any:
        _hold()
        return _ENGINE[name](*args, **kwargs)

    return call


def create_app() -> Flask:
    """The app of the environment, whose runs wait while the hold file exists."""
    for name in _ENGINE:
        setattr(webapp.runner, name, _waiting(name))
    return webapp.create_app()
