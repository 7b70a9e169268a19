"""admin notes apart from the participant's own notes; program-link registrations

Revision ID: 0005_intake
Revises: 0005_explain
Create Date: 2026-11-25 10:00:00

``participant.notes`` becomes the person's own words, shown to them on their intake
link; ``participant.admin_notes`` holds what only admins see. Every note stored before
this revision was written or imported by admins' tools and shown to admins, so it moves
to ``admin_notes`` (no participant ever sees it) and ``notes`` starts empty.

``participant.self_registered`` marks a record created through a program link and not yet
merged by an admin. It starts false for every existing record: a program link made
before this revision no longer opens the record it created (it says to ask the program
team for a personal link), so nothing an admin imported into such a record stays open to
whoever typed the e-mail. ``invite_token.pending_row`` keeps the answers of a program
link whose e-mail was already in the program until an admin merges or drops them.

Columns are only added and dropped (never retyped): on SQLite a retype copies the table,
and dropping ``participant`` with foreign keys on would delete its invite links.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_intake"
down_revision = "0005_explain"
branch_labels = None
depends_on = None

ADDED = (
    ("participant", sa.Column("admin_notes", sa.Text(), server_default="", nullable=False)),
    ("participant", sa.Column("self_registered", sa.Boolean(), server_default="0", nullable=False)),
    ("invite_token", sa.Column("pending_row", sa.JSON(), nullable=True)),
)


def upgrade():
    for table, column in ADDED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(column)
    op.execute("UPDATE participant SET admin_notes = notes, notes = '' WHERE notes != ''")


def downgrade():
    op.execute(
        sa.text(
            "UPDATE participant SET notes = CASE WHEN notes = '' THEN admin_notes "
            "ELSE admin_notes || :gap || notes END WHERE admin_notes != ''"
        ).bindparams(gap="\n\n")
    )
    for table, column in reversed(ADDED):
        op.drop_column(table, column.name)
