"""The app factory, its settings and the database connection."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, make_app
from webapp import create_app
from webapp.db import db
from webapp.settings import database_url, default_settings


@pytest.fixture(autouse=True)
def instance(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Keep the instance folder of these apps out of the repository."""
    monkeypatch.setenv("MENTORLOOM_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_defaults_use_sqlite_in_the_instance_folder(
    monkeypatch: pytest.MonkeyPatch, instance: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "x"})
    assert app.instance_path == str(instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance}/mentorloom.sqlite3"
    assert not app.testing


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("MENTORLOOM_PAGE_SIZE", "7")
    monkeypatch.setenv("MENTORLOOM_MAX_CONTENT_LENGTH", "1000")
    monkeypatch.setenv("MENTORLOOM_SECRET_KEY", "from-env")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    assert app.config["PAGE_SIZE"] == 7
    assert app.config["MAX_CONTENT_LENGTH"] == 1000
    assert app.config["SECRET_KEY"] == "from-env"


def test_secret_key_is_kept_in_the_instance_folder(
    monkeypatch: pytest.MonkeyPatch, instance: Path
) -> None:
    monkeypatch.delenv("MENTORLOOM_SECRET_KEY", raising=False)
    first = create_app().config["SECRET_KEY"]
    assert len(first) > 40
    assert create_app().config["SECRET_KEY"] == first
    assert (instance / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_fresh_instance_folder_is_owner_only(
    monkeypatch: pytest.MonkeyPatch, instance: Path
) -> None:
    """Item 20: the SQLite database and its -wal and -shm files were created 0644."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    previous = os.umask(0o022)
    try:
        app = create_app({"SECRET_KEY": "x"})
        with app.app_context():
            db.create_all()
            with db.engine.connect() as connection:
                connection.execute(sa.text("SELECT count(*) FROM program"))
                files = {p.name: p.stat().st_mode & 0o777 for p in instance.iterdir()}
            db.engine.dispose()
    finally:
        os.umask(previous)
    assert instance.stat().st_mode & 0o777 == 0o700
    assert files == dict.fromkeys(
        ["mentorloom.sqlite3", "mentorloom.sqlite3-wal", "mentorloom.sqlite3-shm"], 0o600
    )


def test_database_url_picks_psycopg() -> None:
    assert database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert database_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"


def test_sqlite_has_foreign_keys_and_wal(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        db.engine.dispose()


def test_root_redirects_to_programs(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.endswith("/programs/")


def test_unknown_page_is_friendly(client: FlaskClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert b"Not Found" in response.data
    assert b"Back to the start page" in response.data


def test_behind_a_proxy_links_use_the_forwarded_host(
    app: Flask, db_url: str, program_id: int
) -> None:
    proxied = make_app(db_url, BEHIND_PROXY=1, SERVER_NAME=None)
    client = proxied.test_client()
    headers = {"X-Forwarded-Host": "mentors.example.org", "X-Forwarded-Proto": "https"}
    login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    assert client.post("/auth/login", data=login, headers=headers).status_code == 302
    client.post(f"/programs/{program_id}/invites/program", headers=headers)
    page = client.get(f"/programs/{program_id}/invites/", headers=headers).get_data(as_text=True)
    assert 'value="https://mentors.example.org/intake/' in page
    with proxied.app_context():
        db.engine.dispose()


def test_readme_documents_every_setting() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    own = set(default_settings("/x")) - {
        "SQLALCHEMY_DATABASE_URI",  # set by DATABASE_URL
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "WTF_CSRF_TIME_LIMIT",
    }
    for name in [*sorted(own), "INSTANCE_PATH"]:
        assert f"`MENTORLOOM_{name}`" in readme, name
    assert "`DATABASE_URL`" in readme


def test_pages_keep_links_to_themselves(client: FlaskClient) -> None:
    response = client.get("/auth/login")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
