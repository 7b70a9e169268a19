"""exports and bulk decisions as background jobs: their tables

Revision ID: 0020_export_jobs
Revises: 0019_picks
Create Date: 2026-12-06 18:10:00

``export_job`` holds a run's download file (the approved pairs as CSV, the introduction
notes as a zip) made by a background job, with its bytes until it expires;
``bulk_decision`` a confirmed bulk decision that a background job applies.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_export_jobs"
down_revision = "0019_picks"
branch_labels = None
depends_on = None

EMAIL = 320


def _job_table(name: str, *columns: sa.Column) -> None:
    """Create the job table ``name``: its id, program and run, ``columns``, then the
    columns of ``webapp.models.JobState``; indexed by program."""
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        *columns,
        sa.Column("requested_by", sa.String(length=EMAIL), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("queue_job_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["match_run.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(f"ix_{name}_program_id", name, ["program_id"])


def upgrade():
    _job_table(
        "export_job",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=100), nullable=False),
        sa.Column("mimetype", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
    )
    _job_table(
        "bulk_decision",
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("never", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("pairs", sa.JSON(), nullable=False),
        sa.Column("back", sa.Text(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
    )


def downgrade():
    for name in ("bulk_decision", "export_job"):
        op.drop_index(f"ix_{name}_program_id", table_name=name)
        op.drop_table(name)
