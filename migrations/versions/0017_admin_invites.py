"""admin invitations: an owner's e-mailed invitation of a new admin

Revision ID: 0017_admin_invites
Revises: 0016_two_factor
Create Date: 2026-12-06 12:20:00

``admin_invite`` keeps each invitation: the hash of its token, the address, the roles the
invitee gets (owner, or a role per program as JSON), who invited them, until when the link
works and when it was used or revoked.

The audit triggers are installed again to let one more change through: removing an admin
sets ``admin_id`` of their events to NULL (the foreign key's ``ON DELETE SET NULL``, which
the triggers refused), nothing else. The downgrade installs them as they were.
"""

import sqlalchemy as sa
from alembic import op

from webapp.audit import install_triggers

# revision identifiers, used by Alembic.
revision = "0017_admin_invites"
down_revision = "0016_two_factor"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "admin_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("is_owner", sa.Boolean(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("invited_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_invite")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_admin_invite_token_hash")),
    )
    op.create_index("ix_admin_invite_email", "admin_invite", ["email"])
    install_triggers(op.get_bind())


def downgrade():
    install_triggers(op.get_bind(), unlink=False)
    op.drop_index("ix_admin_invite_email", table_name="admin_invite")
    op.drop_table("admin_invite")
