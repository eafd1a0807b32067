"""case records: inquiry records (调查询问笔录) and statements/defence (陈述申辩)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 15:50:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _json():
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('case_inquiries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('interviewee', _json(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('officers', _json(), nullable=False),
    sa.Column('recorder', _json(), nullable=False),
    sa.Column('qa', _json(), nullable=False),
    sa.Column('signature', _json(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_inquiries_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_case_inquiries_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_inquiries')),
    sa.UniqueConstraint('case_id', 'seq', name='uq_case_inquiries_case_seq')
    )
    op.create_table('case_statements',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('form', sa.String(length=10), nullable=False),
    sa.Column('made_by', sa.String(length=60), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('adopted', sa.String(length=10), nullable=False),
    sa.Column('reasoning', sa.Text(), nullable=False),
    sa.Column('reviewed_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_statements_case_id_cases')),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_case_statements_reviewed_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_statements')),
    sa.UniqueConstraint('case_id', 'seq', name='uq_case_statements_case_seq')
    )


def downgrade():
    op.drop_table('case_statements')
    op.drop_table('case_inquiries')
