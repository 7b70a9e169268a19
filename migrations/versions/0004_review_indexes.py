"""indexes of the review table: sort orders, groupings and department filter

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:55:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: As ``webapp.run_models.REVIEW_INDEXES`` was at this revision.
REVIEW_INDEXES = {
    "mentee_name": ("mentee_name", "mentee_email", "score", "id"),
    "mentor_name": ("mentor_name", "mentor_email", "score", "id"),
    "type_score": ("mentor_type", "score", "id"),
    "mentee_department": ("mentee_department",),
    "mentor_department": ("mentor_department",),
}


def upgrade():
    with op.batch_alter_table("proposed_match", schema=None) as batch_op:
        for name, columns in REVIEW_INDEXES.items():
            batch_op.create_index(f"ix_proposed_match_run_{name}", ["run_id", *columns])


def downgrade():
    with op.batch_alter_table("proposed_match", schema=None) as batch_op:
        for name in reversed(REVIEW_INDEXES):
            batch_op.drop_index(f"ix_proposed_match_run_{name}")
