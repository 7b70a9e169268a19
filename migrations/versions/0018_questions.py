"""program questions and picks: each participant's answers and picks

Revision ID: 0018_questions
Revises: 0017_admin_invites
Create Date: 2026-12-06 13:10:00

``participant.answers`` keeps a person's answers to the program's questions (JSON: the
question's key -> the answer's canonical cell); ``preferred_mentors`` and ``avoid`` their
picks (canonical ";" lists of e-mails). The questions and their rules live in
``program.config``, which needs no new column.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_questions"
down_revision = "0017_admin_invites"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("answers", sa.JSON(), server_default="{}", nullable=False))
        batch.add_column(
            sa.Column("preferred_mentors", sa.Text(), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("avoid", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("avoid")
        batch.drop_column("preferred_mentors")
        batch.drop_column("answers")
