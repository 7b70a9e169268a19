"""e-mail: the outbox of every message, the jobs delivering it, when a link was opened

Revision ID: 0006_outbox
Revises: 0005_jobs
Create Date: 2026-12-06 06:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_outbox"
down_revision = "0005_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invite_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_at", sa.DateTime(), nullable=True))
    op.create_table(
        "mail_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("queue_job_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["program.id"],
            name=op.f("fk_mail_delivery_program_id_program"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_delivery")),
    )
    with op.batch_alter_table("mail_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mail_delivery_program_id"), ["program_id"], unique=False
        )

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("to", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("claim", sa.String(length=32), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("queued_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_outbox_message_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["program.id"],
            name=op.f("fk_outbox_message_program_id_program"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_message_id")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_message_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_message_program_id"), ["program_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_program_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_participant_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_kind"))
        batch_op.drop_index("ix_outbox_message_due")

    op.drop_table("outbox_message")
    with op.batch_alter_table("mail_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_delivery_program_id"))

    op.drop_table("mail_delivery")
    with op.batch_alter_table("invite_token", schema=None) as batch_op:
        batch_op.drop_column("opened_at")
