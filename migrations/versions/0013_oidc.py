"""single sign-on: the identity provider's account and role on an admin

Revision ID: 0013_oidc
Revises: 0012_sessions
Create Date: 2026-12-06 10:00:00

``admin_user.sso_issuer`` and ``sso_subject`` link an admin to an account of the company's
identity provider (OpenID Connect), one admin per account (a unique pair); ``sso_role`` is
the role name the provider's role claim mapped to at the latest sign-on. All three start
empty for every existing admin, who keep logging in with their password.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_oidc"
down_revision = "0012_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("admin_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sso_issuer", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("sso_subject", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("sso_role", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_admin_user_sso", ["sso_issuer", "sso_subject"])


def downgrade():
    with op.batch_alter_table("admin_user", schema=None) as batch_op:
        batch_op.drop_constraint("uq_admin_user_sso", type_="unique")
        batch_op.drop_column("sso_role")
        batch_op.drop_column("sso_subject")
        batch_op.drop_column("sso_issuer")
