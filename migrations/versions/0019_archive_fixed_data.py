"""archive fixed data: the case file's data as it stood at the archive commit

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 09:00:00

The copy of an archived case's file is built after the archive step commits (seconds later;
up to a minute after a crash), and was built from the data of that moment: a change to the
party's register entry, a cited photo arriving, a maker's name in between was in the copy.
The export the archive step queues now carries the data the documents are set from, taken
in the archive transaction (JSON text); the copy is built from it. Cases archived before have
none (NULL): their copy, if not built yet, is built from the data at its first export.
"""
from alembic import op
import sqlalchemy as sa

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_exports') as batch_op:
        batch_op.add_column(sa.Column('fixed_data', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('case_exports') as batch_op:
        batch_op.drop_column('fixed_data')
