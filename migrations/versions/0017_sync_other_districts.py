"""sync: further districts that pull a change-log row (every holder of an evidence file)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 09:00:00

An evidence file may be held by several districts (evidence_holders), but its change-log row
named only the first uploader's district, so the district-scoped users (supervisors) of the
other holders never pulled it although REST gives it to them. other_districts (",code,code,")
lists the holders besides `district`; it is empty for every other record. Existing rows get
it empty: run `flask sync rebuild` after upgrading, which rewrites the rows of evidence held
by several districts under new sequence numbers so those districts' tablets pull them.
"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_changes') as batch_op:
        batch_op.add_column(sa.Column('other_districts', sa.Text(), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('sync_changes') as batch_op:
        batch_op.drop_column('other_districts')
