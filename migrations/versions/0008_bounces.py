"""e-mail bounces: when a bounce report came back, and what a delivery job read of them

Revision ID: 0008_bounces
Revises: 0007_pairs
Create Date: 2026-12-06 09:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_bounces"
down_revision = "0007_pairs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bounced_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("mail_delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bounced", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("bounce_note", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("mail_delivery", schema=None) as batch_op:
        batch_op.drop_column("bounce_note")
        batch_op.drop_column("bounced")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("bounced_at")
