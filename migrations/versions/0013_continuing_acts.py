"""continuing acts: a violation may be a continuing act, with the day it ended

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 10:40:00

处罚法 第36条: the limitation period of a continuing or repeated act runs from the day it ended.
Before, a violation could only be a one-off act, so an act going on for more than two years was
decided time-barred. Existing violations are one-off acts (continuing false, no end).
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('violations') as batch_op:
        batch_op.add_column(sa.Column('continuing', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('violations') as batch_op:
        batch_op.drop_column('ended_on')
        batch_op.drop_column('continuing')
