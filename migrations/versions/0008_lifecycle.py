"""a pair's life: its steps, the end reason, first-meeting check-ins and their settings

Revision ID: 0008_lifecycle
Revises: 0008_bounces
Create Date: 2026-12-06 09:15:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_lifecycle"
down_revision = "0008_bounces"
branch_labels = None
depends_on = None

EMAIL = 320
REASON = 500


def upgrade():
    with op.batch_alter_table("pair") as batch:
        batch.add_column(
            sa.Column("end_reason", sa.String(length=20), nullable=False, server_default="")
        )
    with op.batch_alter_table("answer_policy") as batch:
        batch.add_column(
            sa.Column("checkin_days", sa.Integer(), nullable=False, server_default="21")
        )
        batch.add_column(
            sa.Column("checkin_ends", sa.String(length=10), nullable=False, server_default="either")
        )
    op.create_table(
        "pair_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("moved_at", sa.DateTime(), nullable=False),
        sa.Column("moved_by", sa.String(length=EMAIL), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=REASON), nullable=False),
        sa.ForeignKeyConstraint(["pair_id"], ["pair.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pair_step_pair_id", "pair_step", ["pair_id"])
    # The steps of pairs published before: published, then how they were settled.
    op.execute(
        "INSERT INTO pair_step (pair_id, status, moved_at, moved_by, reason, note) "
        "SELECT id, 'published', published_at, published_by, '', '' FROM pair"
    )
    op.execute(
        "INSERT INTO pair_step (pair_id, status, moved_at, moved_by, reason, note) "
        "SELECT id, status, settled_at, settled_by, '', '' FROM pair "
        "WHERE settled_at IS NOT NULL"
    )
    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=6), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("answer", sa.String(length=10), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("comment", sa.String(length=REASON), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pair_id"], ["pair.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_checkin_program_id", "checkin", ["program_id"])
    op.create_index("ix_checkin_once", "checkin", ["pair_id", "side", "round"], unique=True)


def downgrade():
    op.drop_index("ix_checkin_once", table_name="checkin")
    op.drop_index("ix_checkin_program_id", table_name="checkin")
    op.drop_table("checkin")
    op.drop_index("ix_pair_step_pair_id", table_name="pair_step")
    op.drop_table("pair_step")
    with op.batch_alter_table("answer_policy") as batch:
        batch.drop_column("checkin_ends")
        batch.drop_column("checkin_days")
    with op.batch_alter_table("pair") as batch:
        batch.drop_column("end_reason")
