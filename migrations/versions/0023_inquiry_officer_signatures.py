"""inquiry records: the signatures of the officers who asked and of the recorder

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 04:00:00

An inquiry record (调查询问笔录) is signed by the person questioned, each officer who asked and
the recorder (LAW.md §6); it held the interviewee's signature only. Each officer's signature
(user_id, name, evidence_sha256 of the uploaded image, signed_at) and the recorder's are now
kept. Records are final and the images of existing ones were never recorded: they keep NULL,
and the case file names those signatures as not recorded.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def _json():
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), 'postgresql')


def upgrade():
    with op.batch_alter_table('case_inquiries') as batch_op:
        batch_op.add_column(sa.Column('officer_signatures', _json(), nullable=True))
        batch_op.add_column(sa.Column('recorder_signature', _json(), nullable=True))


def downgrade():
    with op.batch_alter_table('case_inquiries') as batch_op:
        batch_op.drop_column('recorder_signature')
        batch_op.drop_column('officer_signatures')
