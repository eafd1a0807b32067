"""users password_must_change: a password an administrator set is temporary

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 10:00:00

A password set by an administrator (account creation, reset) must be changed by its user at
their next sign-in before any token is issued (SECURITY.md, "Who manages accounts").
Existing accounts keep their passwords: they start with the flag cleared.
"""
from alembic import op
import sqlalchemy as sa

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('password_must_change', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('password_must_change')
