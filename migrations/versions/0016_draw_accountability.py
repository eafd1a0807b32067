"""draw accountability: plans may cap open tasks for the officers' pool (sha256-rank/v2)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 10:00:00

LAW.md §7: the officers who go are chosen at random. Draws now use sha256-rank/v2, which
picks each unit's officers at random from the eligible pool; the only workload rule left is
an optional cap stated in the plan: inspectors with more open tasks than max_open_tasks are
left out of the pool (and the cap is frozen in the draw's snapshot). Existing plans have no
cap; existing draws keep sha256-rank/v1 and still verify.
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plans') as batch_op:
        batch_op.add_column(sa.Column('max_open_tasks', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('plans') as batch_op:
        batch_op.drop_column('max_open_tasks')
