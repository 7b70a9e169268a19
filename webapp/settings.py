"""Settings of the web app: defaults, and what the environment may override.

Every ``MENTORLOOM_<NAME>`` environment variable sets the config key ``<NAME>``
(values are read as JSON when they parse, so ``MENTORLOOM_PAGE_SIZE=50`` is a number);
``DATABASE_URL`` picks the database. The README lists them all.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url

ENV_PREFIX = "MENTORLOOM"
INSTANCE_PATH_ENV = "MENTORLOOM_INSTANCE_PATH"
MEGABYTE = 1024 * 1024
PRODUCTION = "production"
#: Secret keys seen in examples and tutorials; production refuses them.
DEFAULT_SECRET_KEYS = frozenset(
    {"dev", "development", "secret", "secret-key", "change-me", "changeme", "test", "key"}
)
MIN_SECRET_KEY_LENGTH = 32


def default_settings(instance_path: str) -> dict[str, Any]:
    """Return the settings used when nothing overrides them."""
    database = Path(instance_path) / "mentorloom.sqlite3"
    return {
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "MAX_CONTENT_LENGTH": 16 * MEGABYTE,
        "PAGE_SIZE": 25,
        "INVITE_DAYS": 60,
        "BEHIND_PROXY": 0,
        "MIGRATIONS_DIR": str(Path(__file__).resolve().parent.parent / "migrations"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # "production" makes the app refuse an empty, default or short SECRET_KEY
        "ENV": "development",
        # requests per window of seconds from one address (see webapp.ratelimit)
        "RATE_LIMITS": {"login": [20, 60], "intake": [60, 60]},
        # e-mails a program link sends one address per window of seconds; asking more
        # sends nothing more (see webapp.people.link_requests)
        "LINK_MAILS": [3, 3600],
        "WTF_CSRF_TIME_LIMIT": None,
        # background jobs (match runs, imports) go to this RQ queue when REDIS_URL is set,
        # else to a thread of the web process (see webapp.jobs)
        "REDIS_URL": "",
        "RQ_QUEUE": "mentorloom",
        # seconds between two heartbeats of a working job; a job whose last heartbeat is
        # older than JOB_DEAD_AFTER seconds lost its worker and is failed
        "JOB_BEAT_SECONDS": 2,
        # false: without REDIS_URL a job runs inside the request that starts it (tests)
        "JOBS_ASYNC": True,
        "JOB_DEAD_AFTER": 45,
        # longest a job may take on the RQ queue before RQ stops it (seconds)
        "JOB_TIMEOUT": 3600,
        "REVIEW_PAGE_SIZE": 50,
        # a run's export file (made by a background job) is kept in the database this
        # many hours after it was made, then deleted (see webapp.export_jobs)
        "EXPORT_KEEP_HOURS": 24,
        # e-mail (see webapp.mail): without SMTP_URL messages are written as .eml files
        # into instance/outbox/; SMTP_URL is smtp://user:pass@host:587 or smtps://...:465
        "SMTP_URL": "",
        "MAIL_FROM": "mentorloom@localhost",
        "MAIL_SMTP_TIMEOUT": 30,
        # seconds to wait before each retry of a failed message; after the last, give up
        "MAIL_RETRY_SECONDS": [60, 300, 1800, 7200, 21600],
        # a delivery job holds a message it sends this long (then another may claim it)
        "MAIL_CLAIM_SECONDS": 300,
        # bounces (see webapp.mail.bounces): the envelope sender bounce reports go to
        # (empty: MAIL_FROM), the mailbox they are read from (imaps://, imap://,
        # maildir://; empty: not read), and how long after sending a job reads it again
        "BOUNCE_ADDRESS": "",
        "BOUNCE_MAILBOX": "",
        "BOUNCE_CHECK_SECONDS": 900,
        # single sign-on with the company's identity provider (see webapp.sso): on when
        # OIDC_ISSUER is set; OIDC_ALLOWED_DOMAINS is a comma list of e-mail domains;
        # OIDC_ROLES maps values of the claim OIDC_ROLE_CLAIM to role names; OIDC_LEEWAY
        # is the clock skew (seconds) allowed when checking the ID token's times
        "OIDC_ISSUER": "",
        "OIDC_CLIENT_ID": "",
        "OIDC_CLIENT_SECRET": "",
        "OIDC_NAME": "your company account",
        "OIDC_ALLOWED_DOMAINS": "",
        "OIDC_SCOPE": "openid email profile",
        "OIDC_ROLE_CLAIM": "",
        "OIDC_ROLES": {},
        "OIDC_LEEWAY": 60,
        # false (with single sign-on set up): the log-in page has no password form and
        # refuses passwords; `flask create-admin` still makes or resets a password admin
        "PASSWORD_LOGIN": True,
        # admin sessions (see webapp.sessions): logged out after this many idle minutes,
        # and this many hours after log-in whatever they did
        "SESSION_IDLE_MINUTES": 60,
        "SESSION_MAX_HOURS": 12,
        # an e-mailed password-reset link works once, this many minutes
        "PASSWORD_RESET_MINUTES": 30,
        # true (recommended in production): an owner must have two-factor authentication;
        # one without it enrols at their next password log-in (see webapp.two_factor)
        "OWNERS_NEED_TWO_FACTOR": False,
        # an owner's e-mailed invitation of a new admin works once, this many days
        "ADMIN_INVITE_DAYS": 7,
    }


def database_url(url: str) -> str:
    """Point PostgreSQL URLs at the psycopg 3 driver; leave others as they are.

    >>> database_url("postgres://postgres@127.0.0.1:5432/test")
    'postgresql+psycopg://postgres@127.0.0.1:5432/test'
    >>> database_url("sqlite:////tmp/x.db")
    'sqlite:////tmp/x.db'
    """
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def create_private(path: Path, *, replace: bool = False) -> None:
    """Create ``path`` readable and writable by its owner only (mode 0600).

    An existing file is left as it is, unless ``replace``: then it is emptied and made
    owner-only too. Files are created this way, not chmod-ed afterwards, so that nobody
    can open them in between.
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    try:
        descriptor = os.open(path, flags, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)


def create_database_file(url: str) -> None:
    """Create the file of a SQLite database URL owner-only, if it does not exist yet.

    SQLite would create it with the umask (usually 0644); its ``-wal`` and ``-shm`` files
    take the mode of the database file. Other URLs are left alone.

    >>> create_database_file("postgresql+psycopg://u@h/d")
    """
    parsed = make_url(url)
    plain_file = parsed.database not in (None, "", ":memory:") and not parsed.query.get("uri")
    if parsed.get_backend_name() != "sqlite" or not plain_file:
        return
    path = Path(parsed.database)
    if path.parent.is_dir():
        create_private(path)


def instance_secret_key(instance_path: str) -> str:
    """Return the secret key kept in the instance folder, creating it on first use.

    Every worker of one installation then signs sessions with the same key; the file is
    written whole under a temporary name and linked into place, so workers starting
    together agree on one key.
    """
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        draft = path.with_name(f".secret_key.{os.getpid()}")
        create_private(draft, replace=True)
        draft.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="utf-8").strip()


def load_environment(app: Flask) -> None:
    """Apply ``MENTORLOOM_*`` and ``DATABASE_URL`` from the environment to ``app``."""
    app.config.from_prefixed_env(ENV_PREFIX)
    if url := os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url(url)
    if url := os.environ.get("REDIS_URL"):
        app.config["REDIS_URL"] = url
    if not app.config["SECRET_KEY"] and app.config["ENV"] != PRODUCTION:
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)


class InsecureSettingsError(RuntimeError):
    """The app was asked to run in production with settings that are not safe there."""


def check_production(config: Mapping[str, Any]) -> None:
    """Refuse production (``ENV`` is ``production``) with a weak ``SECRET_KEY``.

    A production key must be set explicitly (``MENTORLOOM_SECRET_KEY``), must not be a
    well-known default and must have at least :data:`MIN_SECRET_KEY_LENGTH` characters.

    >>> check_production({"ENV": "development", "SECRET_KEY": ""})
    >>> try:
    ...     check_production({"ENV": "production", "SECRET_KEY": "dev"})
    ... except InsecureSettingsError as error:
    ...     print(str(error)[:60])
    MENTORLOOM_ENV is production but MENTORLOOM_SECRET_KEY is em
    """
    if config.get("ENV") != PRODUCTION:
        return
    key = str(config.get("SECRET_KEY") or "")
    if key.strip().lower() in DEFAULT_SECRET_KEYS or len(key) < MIN_SECRET_KEY_LENGTH:
        raise InsecureSettingsError(
            "MENTORLOOM_ENV is production but MENTORLOOM_SECRET_KEY is empty, a default or "
            f"shorter than {MIN_SECRET_KEY_LENGTH} characters; set it to a long random "
            'value, e.g. python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
