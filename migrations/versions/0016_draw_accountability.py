"""draw accountability: an open-task cap for the officers' pool; a redraw's stated reason

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 10:00:00

LAW.md §7: the officers who go are chosen at random. Draws now use sha256-rank/v2, which
picks each unit's officers at random from the eligible pool; the only workload rule left is
an optional cap stated in the plan: inspectors with more open tasks than max_open_tasks are
left out of the pool (and the cap is frozen in the draw's snapshot). Existing plans have no
cap; existing draws keep sha256-rank/v1 and still verify.

A new draw of a plan while an earlier draw still has units not visited needs a reason: the
draw keeps it (reason) with the earlier draws it was made over (supersedes, a JSON list of
draw ids), and both are published. Existing draws have neither (NULL).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plans') as batch_op:
        batch_op.add_column(sa.Column('max_open_tasks', sa.Integer(), nullable=True))
    with op.batch_alter_table('draws') as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('supersedes', sa.JSON().with_variant(
            postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))


def downgrade():
    with op.batch_alter_table('draws') as batch_op:
        batch_op.drop_column('supersedes')
        batch_op.drop_column('reason')
    with op.batch_alter_table('plans') as batch_op:
        batch_op.drop_column('max_open_tasks')
