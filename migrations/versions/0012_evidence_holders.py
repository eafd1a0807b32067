"""evidence holders: every district that uploaded a file may read it

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 05:10:00

The same bytes uploaded in two districts are one evidence row (content-addressed); before,
only the first uploader's district could read it, so the second uploader's own upload and the
case files citing it answered 404. Existing evidence gets its first uploader's district.
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence_holders',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('district', sa.String(length=6), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['evidence.sha256'],
                            name=op.f('fk_evidence_holders_sha256_evidence')),
    sa.PrimaryKeyConstraint('sha256', 'district', name=op.f('pk_evidence_holders'))
    )
    op.execute("INSERT INTO evidence_holders (sha256, district) "
               "SELECT sha256, district FROM evidence")


def downgrade():
    op.drop_table('evidence_holders')
