"""picks on the participant's page: the program's setting and what a mentor shows

Revision ID: 0019_picks
Revises: 0018_questions
Create Date: 2026-12-06 15:20:00

``pick_settings`` holds, per program, whether mentees may pick mentors on their page and
how many; a program without a row has picking off. ``participant.shown_to_pickers``,
``shows`` and ``bio`` are a mentor's choice to be suggested to mentees who pick, what they
see of the mentor besides the name, and a short bio.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_picks"
down_revision = "0018_questions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pick_settings",
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Boolean(), nullable=False),
        sa.Column("how_many", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("program_id"),
    )
    with op.batch_alter_table("participant") as batch:
        batch.add_column(
            sa.Column("shown_to_pickers", sa.Boolean(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("shows", sa.String(40), server_default="", nullable=False))
        batch.add_column(sa.Column("bio", sa.String(500), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("bio")
        batch.drop_column("shows")
        batch.drop_column("shown_to_pickers")
    op.drop_table("pick_settings")
