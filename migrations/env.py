"""Alembic environment: runs migrations on the Flask app's database (Flask-Migrate)."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy.engine import Connection

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def run_migrations_offline() -> None:
    """Write the SQL for the migrations instead of running them."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a connection of the app's engine."""

    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    with target_db.engine.connect() as connection, _foreign_keys_off(connection):
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


@contextmanager
def _foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Run SQLite migrations with foreign keys off, then check them.

    Alembic's batch mode changes a SQLite table by copying it and dropping the original;
    with foreign keys on, that DROP deletes every row that refers to the table through
    ``ON DELETE CASCADE`` (a run's pairs, a participant's invite links). The keys are
    checked once the migrations are done, and switched on again for the pooled connection.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside any transaction
    connection.commit()
    try:
        yield
    finally:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
    if broken:
        raise RuntimeError(f"the migration left rows whose foreign keys are broken: {broken}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
