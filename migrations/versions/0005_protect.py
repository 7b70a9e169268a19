"""log-in failure counters, redaction of audit events

Revision ID: 0005_protect
Revises: 0004
Create Date: 2026-11-24 10:00:00

"""

import sqlalchemy as sa
from alembic import op

from webapp.audit import install_triggers

# revision identifiers, used by Alembic.
revision = "0005_protect"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_failure",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_failure")),
    )
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_failure_last_failed_at"), ["last_failed_at"], unique=False
        )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("redacted_at", sa.DateTime(), nullable=True))
    # the UPDATE trigger now lets a redaction through (see webapp.audit.triggers)
    install_triggers(op.get_bind())


def downgrade():
    bind = op.get_bind()
    # SQLite rebuilds the table to drop a column: drop the triggers first, put them back after
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("redacted_at")
    install_triggers(bind, redaction=False)
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failure_last_failed_at"))
    op.drop_table("login_failure")
