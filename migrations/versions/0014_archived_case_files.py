"""archived case files: the case file built once at archiving, kept in the evidence store

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 09:10:00

LAW.md §6: nothing may be changed after archiving. Before, every export of an archived case
rebuilt its file from live data (the party's register entry, users' names, evidence uploaded
later, the forms' wording). A case now records the SHA-256 of the ZIP stored at archiving; an
export says whether it is that copy, and whether the archive step queued it. Cases archived
before keep no copy (NULL): their first export builds it and freezes it.
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases') as batch_op:
        batch_op.add_column(sa.Column('archive_sha256', sa.String(length=64), nullable=True))
    with op.batch_alter_table('case_exports') as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=10), nullable=False,
                                      server_default='request'))
        batch_op.add_column(sa.Column('archive_sha256', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('case_exports') as batch_op:
        batch_op.drop_column('archive_sha256')
        batch_op.drop_column('purpose')
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_column('archive_sha256')
