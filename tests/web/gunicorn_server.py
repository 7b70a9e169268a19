"""Start the web app under a real gunicorn on 127.0.0.1 for concurrency and load runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

SECRET = "concurrency-test-secret-key-of-enough-length"


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


ROOT = Path(__file__).resolve().parents[2]


def app_environment(database_url: str, instance: Path, **settings: str) -> dict[str, str]:
    """The environment of a web app process (gunicorn or worker) on ``database_url``."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "MENTORLOOM_INSTANCE_PATH": str(instance),
        "MENTORLOOM_SECRET_KEY": SECRET,
        "MENTORLOOM_WTF_CSRF_ENABLED": "false",
        "MENTORLOOM_RATE_LIMITS": '{"login": [1000, 60], "intake": [1000, 60]}',
        "REDIS_URL": "",
        **settings,
    }


@contextmanager
def gunicorn(
    database_url: str,
    instance: Path,
    *,
    workers: int = 4,
    threads: int = 4,
    app: str = "webapp:create_app()",
    preload: bool = False,
    **settings: str,
) -> Iterator[str]:
    """Serve ``app`` on ``database_url`` (more environment in ``settings``); yield its base
    URL, then stop it. With ``preload``, the app is made once and the workers are forked
    from it (they start in a moment, also when one is killed and replaced)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--threads={threads}",
        "--log-level=warning",
        # a worker that boots slowly on a busy machine is not killed for it (default 30 s)
        "--timeout=120",
        *(["--preload"] if preload else []),
        app,
    ]
    env = app_environment(database_url, instance, **settings)
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/auth/login", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def admin_session(base: str, email: str, password: str) -> requests.Session:
    """A logged-in admin's session."""
    session = requests.Session()
    response = session.post(
        f"{base}/auth/login", data={"email": email, "password": password}, allow_redirects=False
    )
    assert response.status_code == 302, response.text
    return session
