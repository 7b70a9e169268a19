"""open requests keep the mentee's department (for the open-requests CSV)

Revision ID: 0005_explain
Revises: 0005_protect
Create Date: 2026-11-24 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_explain"
down_revision = "0005_protect"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("unmatched_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mentee_department", sa.String(length=200), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("unmatched_request", schema=None) as batch_op:
        batch_op.drop_column("mentee_department")
