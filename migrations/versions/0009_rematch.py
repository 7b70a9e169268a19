"""rematch runs (kind, the requests they fill) and "never pair these two" rejections

Revision ID: 0009_rematch
Revises: 0008_lifecycle
Create Date: 2026-12-06 09:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_rematch"
down_revision = "0008_lifecycle"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("match_run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=10), server_default="full", nullable=False)
        )
        batch_op.add_column(sa.Column("fill", sa.JSON(), server_default="[]", nullable=False))
    with op.batch_alter_table("pair_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("never", sa.Boolean(), server_default="0", nullable=False))
    with op.batch_alter_table("never_pair", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejection_id", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("never_pair", schema=None) as batch_op:
        batch_op.drop_column("rejection_id")
    with op.batch_alter_table("pair_decision", schema=None) as batch_op:
        batch_op.drop_column("never")
    with op.batch_alter_table("match_run", schema=None) as batch_op:
        batch_op.drop_column("fill")
        batch_op.drop_column("kind")
