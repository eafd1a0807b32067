"""evidence citations: the records citing an evidence file, found by its digest

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 01:00:00

Which records cite a file was found by matching the digest in the JSON of every violation and
inspection (a full read of both tables at every upload, every evidence read across districts,
every change-log write of evidence). Each cited digest is now a row: a violation's evidence
items, an inspection's signature images (server.fieldwork.models.EvidenceCitation, kept in
step at every flush). Existing records are indexed here, a batch of records at a time.
"""
import json

from alembic import op
import sqlalchemy as sa

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

BATCH = 1000

citations = sa.table('evidence_citations', sa.column('sha256', sa.String),
                     sa.column('entity', sa.String), sa.column('record_id', sa.Uuid),
                     sa.column('district', sa.String))


def _document(value):
    """A JSON column's value: decoded by the driver (PostgreSQL's jsonb) or not (SQLite)."""
    return json.loads(value) if isinstance(value, str) else (value or [])


def _violation_cites(evidence):
    return {sha for sha in _document(evidence) if sha}


def _inspection_cites(signatures):
    return {s['evidence_sha256'] for s in _document(signatures)
            if isinstance(s, dict) and s.get('evidence_sha256')}


def _backfill(connection, name, field, entity, cites):
    """Index the citations of every record of a table, BATCH records at a time (by id)."""
    records = sa.table(name, sa.column('id', sa.Uuid), sa.column('district', sa.String),
                       sa.column(field))
    after = None
    while True:
        query = sa.select(records.c.id, records.c.district, records.c[field]) \
            .order_by(records.c.id).limit(BATCH)
        if after is not None:
            query = query.where(records.c.id > after)
        batch = connection.execute(query).all()
        if not batch:
            return
        rows = [{'sha256': sha, 'entity': entity, 'record_id': key, 'district': district}
                for key, district, document in batch for sha in sorted(cites(document))]
        if rows:
            connection.execute(citations.insert(), rows)
        after = batch[-1][0]


def upgrade():
    op.create_table('evidence_citations',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('district', sa.String(length=6), nullable=False),
    sa.PrimaryKeyConstraint('sha256', 'entity', 'record_id', name=op.f('pk_evidence_citations'))
    )
    op.create_index('ix_evidence_citations_record', 'evidence_citations',
                    ['entity', 'record_id'], unique=False)
    connection = op.get_bind()
    _backfill(connection, 'violations', 'evidence', 'violation', _violation_cites)
    _backfill(connection, 'inspections', 'signatures', 'inspection', _inspection_cites)


def downgrade():
    op.drop_index('ix_evidence_citations_record', table_name='evidence_citations')
    op.drop_table('evidence_citations')
