"""audit chain: a seal (HMAC under the audit key) on every entry and on the head

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 06:30:00

The chain's SHA-256 links are computed by a public algorithm: whoever could write to the
database could edit an entry, hash it and every later one again and move the head, and
`audit verify` passed. Each entry now carries HMAC-SHA256 of its hash under a key the
database does not hold (AUDIT_SEAL_KEY, else SECRET_KEY), and so does the head. The entries
written before this revision are sealed here as they stand, with the configured key: what
their hashes already showed (an edited entry) still shows; what was rewritten before the
upgrade cannot be told apart afterwards either (run `audit verify` before upgrading).
"""
from alembic import op
import sqlalchemy as sa

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

BATCH = 5000


def _key():
    from flask import current_app

    from server.audit.chain import seal_key

    config = current_app.config
    return seal_key(config.get('AUDIT_SEAL_KEY') or config['SECRET_KEY'])


def upgrade():
    with op.batch_alter_table('audit_entries') as batch_op:
        batch_op.add_column(sa.Column('seal', sa.String(length=64), nullable=True))
    with op.batch_alter_table('audit_head') as batch_op:
        batch_op.add_column(sa.Column('seal', sa.String(length=64), nullable=True))
    from server.audit.chain import entry_seal, head_seal

    key = _key()
    conn = op.get_bind()
    entries = sa.table('audit_entries', sa.column('seq', sa.BigInteger),
                       sa.column('hash', sa.String), sa.column('seal', sa.String))
    last = 0
    while True:
        rows = conn.execute(sa.select(entries.c.seq, entries.c.hash).where(
            entries.c.seq > last).order_by(entries.c.seq).limit(BATCH)).all()
        if not rows:
            break
        conn.execute(entries.update().where(entries.c.seq == sa.bindparam('s')).values(
            seal=sa.bindparam('v')), [{'s': seq, 'v': entry_seal(key, hash_)}
                                      for seq, hash_ in rows])
        last = rows[-1][0]
    head = sa.table('audit_head', sa.column('id', sa.Integer), sa.column('seq', sa.BigInteger),
                    sa.column('hash', sa.String), sa.column('seal', sa.String))
    for id_, seq, hash_ in conn.execute(sa.select(head.c.id, head.c.seq, head.c.hash)).all():
        if seq:
            conn.execute(head.update().where(head.c.id == id_).values(
                seal=head_seal(key, seq, hash_)))


def downgrade():
    with op.batch_alter_table('audit_head') as batch_op:
        batch_op.drop_column('seal')
    with op.batch_alter_table('audit_entries') as batch_op:
        batch_op.drop_column('seal')
