"""roles: owners, and an admin's role per program

Revision ID: 0015_roles
Revises: 0014_audit
Create Date: 2026-12-06 12:10:00

``admin_user.is_owner`` marks the owners (everything, every program, the admins);
``program_access`` gives everyone else a role per program (manager, reviewer, viewer). Every
admin that exists before this migration could do everything, so each becomes an owner:
nobody loses access by upgrading, and owners then give narrower roles.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_roles"
down_revision = "0014_audit"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("admin_user") as batch:
        batch.add_column(
            sa.Column("is_owner", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(sa.text("UPDATE admin_user SET is_owner = :yes").bindparams(yes=True))
    op.create_table(
        "program_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("granted_by", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(["admin_id"], ["admin_user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("program_id", "admin_id", name="uq_program_access"),
    )
    op.create_index("ix_program_access_admin_id", "program_access", ["admin_id"])
    op.create_index("ix_program_access_program_id", "program_access", ["program_id"])


def downgrade():
    op.drop_index("ix_program_access_program_id", table_name="program_access")
    op.drop_index("ix_program_access_admin_id", table_name="program_access")
    op.drop_table("program_access")
    with op.batch_alter_table("admin_user") as batch:
        batch.drop_column("is_owner")
