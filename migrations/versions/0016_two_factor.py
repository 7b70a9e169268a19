"""two-factor authentication: an admin's sealed TOTP secret and their recovery codes

Revision ID: 0016_two_factor
Revises: 0015_roles
Create Date: 2026-12-06 12:30:00

``admin_user`` gains ``totp_secret`` (the authenticator app's secret, sealed with Fernet
under a key derived from ``SECRET_KEY``), ``totp_enrolled_at`` (set: two-factor is on) and
``totp_last_step`` (the time step of the last accepted code, so none is accepted twice);
all three empty for every existing admin, who have two-factor off. ``recovery_code`` keeps
the SHA-256 of each recovery code and when it was used.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_two_factor"
down_revision = "0015_roles"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("admin_user") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("totp_enrolled_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["admin_id"],
            ["admin_user.id"],
            name=op.f("fk_recovery_code_admin_id_admin_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_recovery_code_code_hash")),
    )
    op.create_index(op.f("ix_recovery_code_admin_id"), "recovery_code", ["admin_id"])


def downgrade():
    op.drop_index(op.f("ix_recovery_code_admin_id"), table_name="recovery_code")
    op.drop_table("recovery_code")
    with op.batch_alter_table("admin_user") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enrolled_at")
        batch.drop_column("totp_secret")
