"""sync conflicts: when the tablet recorded the conflicting edit (its clock)

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 06:30:00

A supervisor deciding a conflict needs to know when each side was recorded. The server's side is
in the audit trail (the entry that made the version the tablet conflicted with); the tablet's
own time (`recorded_at` of the mutation) was not kept once the mutation settled. It is kept on
the conflict now; conflicts recorded before keep NULL (the console then shows when the server
received the edit).
"""
from alembic import op
import sqlalchemy as sa

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_conflicts') as batch_op:
        batch_op.add_column(sa.Column('tablet_recorded_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('sync_conflicts') as batch_op:
        batch_op.drop_column('tablet_recorded_at')
