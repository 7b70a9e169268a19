"""background jobs: heartbeats, queue ids, one active run per program, upload jobs

Revision ID: 0005_jobs
Revises: 0005_review
Create Date: 2026-12-06 00:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_jobs"
down_revision = "0005_review"
branch_labels = None
depends_on = None

ACTIVE_RUN_WHERE = sa.text("status IN ('queued', 'running')")


def _add_job_columns(table: str) -> None:
    """Heartbeat and queue id of ``webapp.models.JobState`` on ``table``; a row's
    heartbeat starts as the last time anything happened to it."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("queue_job_id", sa.String(length=64), server_default="", nullable=False)
        )
    op.execute(f"UPDATE {table} SET heartbeat_at = COALESCE(finished_at, started_at, created_at)")
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column("heartbeat_at", existing_type=sa.DateTime(), nullable=False)


def _add_upload_jobs() -> None:
    """The other job columns on ``import_upload``: an imported file's job is its import,
    done; a file waiting for confirmation was checked in its request before the upgrade,
    and is checked again when uploaded again."""
    with op.batch_alter_table("import_upload", schema=None) as batch_op:
        for name, kind, default in (
            ("status", sa.String(length=10), "done"),
            ("step", sa.String(length=40), ""),
            ("done", sa.Integer(), "0"),
            ("total", sa.Integer(), "0"),
            ("error", sa.Text(), ""),
            ("task", sa.String(length=10), "import"),
            ("requested_by", sa.String(length=320), ""),
        ):
            batch_op.add_column(sa.Column(name, kind, server_default=default, nullable=False))
        batch_op.add_column(sa.Column("started_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("preview", sa.JSON(), nullable=True))
    op.execute("UPDATE import_upload SET finished_at = imported_at")
    op.execute(
        "UPDATE import_upload SET task = 'preview', status = 'failed', error = 'it was "
        "checked before mentorloom was upgraded; upload the file again.' "
        "WHERE imported_at IS NULL"
    )
    _add_job_columns("import_upload")


def upgrade():
    _add_upload_jobs()
    _add_job_columns("match_run")
    # a program with several active runs (the race this index closes) keeps the newest
    op.execute(
        "UPDATE match_run SET status = 'failed', "
        "error = 'another run of the program was started after it; start the run again.' "
        "WHERE status IN ('queued', 'running') AND id < "
        "(SELECT MAX(newer.id) FROM match_run AS newer WHERE newer.program_id = "
        "match_run.program_id AND newer.status IN ('queued', 'running'))"
    )
    op.create_index(
        "ix_match_run_one_active",
        "match_run",
        ["program_id"],
        unique=True,
        sqlite_where=ACTIVE_RUN_WHERE,
        postgresql_where=ACTIVE_RUN_WHERE,
    )


def downgrade():
    op.drop_index("ix_match_run_one_active", table_name="match_run")
    with op.batch_alter_table("match_run", schema=None) as batch_op:
        batch_op.drop_column("queue_job_id")
        batch_op.drop_column("heartbeat_at")
    with op.batch_alter_table("import_upload", schema=None) as batch_op:
        for name in (
            "queue_job_id",
            "heartbeat_at",
            "preview",
            "finished_at",
            "started_at",
            "requested_by",
            "task",
            "error",
            "total",
            "done",
            "step",
            "status",
        ):
            batch_op.drop_column(name)
