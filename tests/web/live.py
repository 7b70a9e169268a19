"""The app as in production, served on 127.0.0.1 for the browser tests.

:func:`live_app` sets what production has and the test client does not (CSRF on, no
``SERVER_NAME``, the upload limit); :func:`serve` runs an app with werkzeug's threaded
server on a free port of 127.0.0.1 for as long as its ``with`` block lasts.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from tests.web.helpers import make_app
from webapp.db import db

UPLOAD_LIMIT = 200 * 1024


def live_app(db_url: str, **overrides: object) -> Flask:
    """An app on ``db_url`` set as in production: CSRF on, no ``SERVER_NAME``, uploads up
    to :data:`UPLOAD_LIMIT` (``overrides`` win)."""
    settings: dict[str, object] = {
        "SERVER_NAME": None,
        "WTF_CSRF_ENABLED": True,
        "TESTING": False,
        "MAX_CONTENT_LENGTH": UPLOAD_LIMIT,
    }
    return make_app(db_url, **{**settings, **overrides})


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve ``app`` (werkzeug, threaded) on a free port of 127.0.0.1; yields its base URL.

    On leaving, the server stops and the app's database connections are closed.
    """
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join()
        httpd.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
