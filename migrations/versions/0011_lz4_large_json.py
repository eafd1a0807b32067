"""PostgreSQL: lz4 for the large JSON values every sync push writes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 03:05:00

A violation's decision (its explanation in Chinese and English) and its change-log row are
each about 8 KB of JSON, so PostgreSQL compresses them out of line (TOAST). Its default method,
pglz, cost a quarter of the database time of a sync push; lz4 compresses them about as well in
a fraction of the time (bench_sync's push, 3,000 mutations in process: 2.0 s → 1.6 s of
statements). PostgreSQL 14+ built with lz4 (Debian's, the official images) only; elsewhere and
on SQLite this changes nothing. Values already stored keep their method until rewritten.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

COLUMNS = (("violation_decisions", "result"), ("sync_changes", "data"))


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or bind.dialect.server_version_info < (14,):
        return False
    return bool(bind.scalar(sa.text(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")))


def upgrade():
    if _lz4_available():
        for table, column in COLUMNS:
            op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET COMPRESSION lz4')


def downgrade():
    if _lz4_available():
        for table, column in COLUMNS:
            op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET COMPRESSION DEFAULT')
