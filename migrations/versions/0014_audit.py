"""audit event index: a program's events newest first

Revision ID: 0014_audit
Revises: 0013_oidc
Create Date: 2026-12-06 10:05:00

``ix_audit_event_program_time`` (program, time, id) lets a program's History page and its
CSV export read the events newest first, a page or a chunk at a time, without sorting the
program's whole log. Only an index is created (``op.create_index``, never a batch copy of
the table, which would drop the append-only triggers on SQLite).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_audit"
down_revision = "0013_oidc"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_audit_event_program_time", "audit_event", ["program_id", "created_at", "id"]
    )


def downgrade():
    op.drop_index("ix_audit_event_program_time", table_name="audit_event")
