"""run numbers per program, and the locks a run left out

Revision ID: 0005_review
Revises: 0005_intake
Create Date: 2026-11-24 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_review"
down_revision = "0005_intake"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("match_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("left_out", sa.JSON(), server_default="[]", nullable=False))
    # existing runs are numbered 1, 2, ... per program in the order they were made
    op.execute(
        "UPDATE match_run SET number = (SELECT count(*) FROM match_run AS earlier "
        "WHERE earlier.program_id = match_run.program_id AND earlier.id <= match_run.id)"
    )
    with op.batch_alter_table("match_run", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index("ix_match_run_program_number", ["program_id", "number"], unique=True)


def downgrade():
    with op.batch_alter_table("match_run", schema=None) as batch_op:
        batch_op.drop_index("ix_match_run_program_number")
        batch_op.drop_column("left_out")
        batch_op.drop_column("number")
