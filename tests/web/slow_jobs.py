"""The web app with match runs that wait, for tests that kill the process running one.

``create_app()`` is :func:`webapp.create_app` with the core's ``propose`` wrapped: it
writes the id of the process running it to ``$SLOW_JOBS_DIR/pid``, then waits while the
file ``$SLOW_JOBS_DIR/hold`` exists. gunicorn serves it as
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

_propose = webapp.runner.propose


def _waiting_propose(*args: Any, **kwargs: Any) -> Any:
    folder = Path(os.environ["SLOW_JOBS_DIR"])
    draft = folder / f"pid.{os.getpid()}"
    draft.write_text(str(os.getpid()))
    draft.rename(folder / "pid")
    while (folder / "hold").exists():
        time.sleep(0.05)
    return _propose(*args, **kwargs)


def create_app() -> Flask:
    """The app of the environment, whose runs wait while the hold file exists."""
    webapp.runner.propose = _waiting_propose
    return webapp.create_app()
