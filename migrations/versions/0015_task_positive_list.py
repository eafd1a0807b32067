"""task positive list: a task says whether its unit was on the positive list when drawn

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 14:00:00

LAW.md §7: positive-list (正面清单) units are supervised mainly off-site. A plan may include
them on site; the task sent to such a unit now says it is a listed unit, so the inspectors
know. A drawn off-site review was only ever made for a listed unit, so those are marked; other
existing tasks are not (their draws' snapshots did not record the list for units on site).
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks') as batch_op:
        batch_op.add_column(sa.Column('positive_list', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute("UPDATE tasks SET positive_list = TRUE "
               "WHERE kind = 'offsite_review' AND draw_id IS NOT NULL")


def downgrade():
    with op.batch_alter_table('tasks') as batch_op:
        batch_op.drop_column('positive_list')
