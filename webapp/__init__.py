"""mentorloom's web app: a Flask shell where program admins bring participants in.

The app holds no matching logic; it stores programs and participants and calls the
``matcher`` core to validate them. Build it with :func:`create_app`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, redirect, url_for
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from matcher import agree, plural
from webapp import (
    admin,
    backup,
    conflicts,
    errors,
    faults,
    matching,
    participant,
    people,
    query,
    ratelimit,
    roles,
    security,
    sso,
    worker,
)
from webapp.cli import register_commands
from webapp.db import csrf, db, login_manager, migrate
from webapp.mail import commands as mail_commands
from webapp.mail import pages as mail_pages
from webapp.roles import Need, needs
from webapp.settings import (
    INSTANCE_PATH_ENV,
    check_production,
    create_database_file,
    default_settings,
    load_environment,
)

__all__ = ["create_app"]


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the app.

    Settings come from :func:`webapp.settings.default_settings`, then from environment
    variables (``MENTORLOOM_*`` and ``DATABASE_URL``), then from ``test_config``. The
    instance folder (SQLite database, secret key) is ``MENTORLOOM_INSTANCE_PATH`` when set.
    """
    app = Flask(
        __name__,
        instance_path=os.environ.get(INSTANCE_PATH_ENV) or None,
        instance_relative_config=True,
    )
    # the instance folder holds the secret key and the SQLite database: owner only
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config.from_mapping(default_settings(app.instance_path))
    if test_config is None:
        load_environment(app)
    else:
        app.config.from_mapping(test_config)
    check_production(app.config)
    sso.check_settings(app.config)
    create_database_file(app.config["SQLALCHEMY_DATABASE_URI"])

    # inside ProxyFix, so that it sees the scheme the client used
    app.wsgi_app = security.SecureCookies(app.wsgi_app)  # type: ignore[method-assign]
    if proxies := app.config["BEHIND_PROXY"]:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    db.init_app(app)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIR"])
    csrf.init_app(app)
    login_manager.init_app(app)
    roles.register(app)
    sso.register(app)

    for blueprint in (admin.bp, people.bp, matching.bp, participant.bp, mail_pages.bp):
        app.register_blueprint(blueprint)
    errors.register(app)
    security.register(app)
    query.register(app)
    ratelimit.register(app)
    conflicts.register(app)
    faults.register(app)
    app.jinja_env.globals.update(size_text=errors.size_text, plural=plural, agree=agree)
    app.jinja_env.filters["plural"] = plural
    register_commands(app)
    app.cli.add_command(worker.worker_command)
    app.cli.add_command(mail_commands.send_mail_command)
    app.cli.add_command(mail_commands.read_bounces_command)
    app.cli.add_command(backup.backup_command)
    app.cli.add_command(backup.restore_command)

    @app.get("/")
    @needs(Need.PUBLIC)
    def index() -> Response:
        return redirect(url_for("admin.programs.index"))

    return app
