"""published pairs and their answers, never-pair rows, answer settings, publish jobs

Revision ID: 0007_pairs
Revises: 0006_outbox
Create Date: 2026-12-06 06:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_pairs"
down_revision = "0006_outbox"
branch_labels = None
depends_on = None

EMAIL = 320
REASON = 500


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
    op.create_table(
        "pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("mentee_email", sa.String(length=EMAIL), nullable=False),
        sa.Column("mentor_email", sa.String(length=EMAIL), nullable=False),
        sa.Column("mentor_type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=EMAIL), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("mentee_answer", sa.String(length=10), nullable=True),
        sa.Column("mentee_answered_at", sa.DateTime(), nullable=True),
        sa.Column("mentee_reason", sa.String(length=REASON), nullable=False),
        sa.Column("mentor_answer", sa.String(length=10), nullable=True),
        sa.Column("mentor_answered_at", sa.DateTime(), nullable=True),
        sa.Column("mentor_reason", sa.String(length=REASON), nullable=False),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
        sa.Column("settled_by", sa.String(length=EMAIL), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["match_run.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_pair_triple",
        "pair",
        ["program_id", "mentee_email", "mentor_email", "mentor_type"],
        unique=True,
    )
    op.create_index("ix_pair_mentor", "pair", ["program_id", "mentor_email"])
    op.create_index("ix_pair_status", "pair", ["program_id", "status", "deadline"])
    op.create_table(
        "never_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("first_email", sa.String(length=EMAIL), nullable=False),
        sa.Column("second_email", sa.String(length=EMAIL), nullable=False),
        sa.Column("why", sa.String(length=40), nullable=False),
        sa.Column("note", sa.String(length=REASON), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=EMAIL), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_never_pair_two",
        "never_pair",
        ["program_id", "first_email", "second_email"],
        unique=True,
    )
    op.create_table(
        "answer_policy",
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("must_accept", sa.String(length=10), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("silence", sa.String(length=10), nullable=False),
        sa.Column("contact", sa.String(length=EMAIL), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("program_id"),
    )
    op.create_table(
        "publish_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("mentor_type", sa.String(length=20), nullable=False),
        sa.Column("pair_ids", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=EMAIL), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        *_job_columns(),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["match_run.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_publish_job_program_id", "publish_job", ["program_id"])


def downgrade():
    op.drop_index("ix_publish_job_program_id", table_name="publish_job")
    op.drop_table("publish_job")
    op.drop_table("answer_policy")
    op.drop_index("ix_never_pair_two", table_name="never_pair")
    op.drop_table("never_pair")
    op.drop_index("ix_pair_status", table_name="pair")
    op.drop_index("ix_pair_mentor", table_name="pair")
    op.drop_index("ix_pair_triple", table_name="pair")
    op.drop_table("pair")
