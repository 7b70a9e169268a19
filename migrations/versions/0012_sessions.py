"""server-side admin sessions, password-reset links, site e-mails

Revision ID: 0012_sessions
Revises: 0011_priority
Create Date: 2026-12-06 10:10:00

``admin_session`` keeps each log-in (the hash of its id; when it was last seen, ended and
why); ``password_reset`` each e-mailed reset link (the hash of its token, until when it
works, when it was used). ``outbox_message.program_id`` and ``mail_delivery.program_id``
become nullable: a site e-mail (a password reset) belongs to no program. On SQLite that
change copies both tables (batch mode); existing rows keep their program.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_sessions"
down_revision = "0011_priority"
branch_labels = None
depends_on = None


def _token_table(name, *columns):
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["admin_id"],
            ["admin_user.id"],
            name=op.f(f"fk_{name}_admin_id_admin_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("token_hash", name=op.f(f"uq_{name}_token_hash")),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{name}_admin_id"), ["admin_id"], unique=False)


def upgrade():
    _token_table(
        "admin_session",
        sa.Column("how", sa.String(length=20), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_why", sa.String(length=60), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
    )
    _token_table(
        "password_reset",
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
    )
    for table in ("outbox_message", "mail_delivery"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("program_id", existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM outbox_message WHERE program_id IS NULL")
    op.execute("DELETE FROM mail_delivery WHERE program_id IS NULL")
    for table in ("mail_delivery", "outbox_message"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("program_id", existing_type=sa.Integer(), nullable=False)
    for table in ("password_reset", "admin_session"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_admin_id"))
        op.drop_table(table)
