"""participant priority: left unmatched last cohort

Revision ID: 0011_priority
Revises: 0010_cohorts
Create Date: 2026-12-06 09:15:00

``participant.priority`` marks a person the program gives priority (left unmatched last
cohort); the program's ``priority_bonus`` then favours their requests. It starts false for
every existing record. The column is only added (never retyped): on SQLite a retype copies
the table.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_priority"
down_revision = "0010_cohorts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Boolean(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("priority")
