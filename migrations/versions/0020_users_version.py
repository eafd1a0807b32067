"""users version: optimistic locking for account changes

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 19:30:00

Administrators now change accounts over the API (PATCH /api/v1/users/<id>), which sends the
version it read, like every other record. Existing accounts start at version 1.
"""
from alembic import op
import sqlalchemy as sa

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('version')
