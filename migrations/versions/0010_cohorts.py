"""cohorts: a program's series, number and dates; a participant's priority reason; the
job that starts the next cohort

Revision ID: 0010_cohorts
Revises: 0009_rematch
Create Date: 2026-12-06 09:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_cohorts"
down_revision = "0009_rematch"
branch_labels = None
depends_on = None

EMAIL = 320
PROGRAM_NAME = 200
PRIORITY_REASON = 60


def _job_columns() -> list[sa.Column]:
    """The columns of ``webapp.models.JobState``."""
    return [
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
    ]


def upgrade():
    with op.batch_alter_table("program", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("cohort_number", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ends_on", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            "fk_program_series_id_program", "program", ["series_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index(
            "ix_program_series_number", ["series_id", "cohort_number"], unique=True
        )
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "priority_reason",
                sa.String(length=PRIORITY_REASON),
                server_default="",
                nullable=False,
            )
        )
    op.create_table(
        "cohort_start",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=PROGRAM_NAME), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("carry", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=EMAIL), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("new_program_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        *_job_columns(),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["new_program_id"], ["program.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cohort_start_program_id", "cohort_start", ["program_id"])


def downgrade():
    op.drop_index("ix_cohort_start_program_id", table_name="cohort_start")
    op.drop_table("cohort_start")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("priority_reason")
    with op.batch_alter_table("program", schema=None) as batch_op:
        batch_op.drop_index("ix_program_series_number")
        batch_op.drop_constraint("fk_program_series_id_program", type_="foreignkey")
        batch_op.drop_column("ends_on")
        batch_op.drop_column("starts_on")
        batch_op.drop_column("cohort_number")
        batch_op.drop_column("series_id")
