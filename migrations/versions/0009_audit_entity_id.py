"""audit: entity ids up to 200 characters (a sync record id, e.g. an evidence link's)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 17:05:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('entity_id', existing_type=sa.String(length=64),
                              type_=sa.String(length=200), existing_nullable=False)


def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('entity_id', existing_type=sa.String(length=200),
                              type_=sa.String(length=64), existing_nullable=False)
