"""case_statements notice: the notice (1 for the first, n for the n-th) a statement answers

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 18:40:00

A re-notice (重新告知) gives a case more than one notice; a statement (陈述、申辩) answers one
of them and is received within that notice's period, and the decision's refusal to go above
the notice counts the statements made on the latest one. The statements recorded before this
revision answered the notice in force when they were recorded: the latest notice given on or
before the day each was received (steps.notified and its earlier_notices), 1 in a case
notified once. Downgrading drops the column.
"""
import json

from alembic import op
import sqlalchemy as sa

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

cases = sa.table('cases', sa.column('id', sa.Uuid), sa.column('steps'))  # JSON text or already decoded
statements = sa.table('case_statements', sa.column('id', sa.Uuid),
                      sa.column('case_id', sa.Uuid), sa.column('received_on', sa.Date),
                      sa.column('notice', sa.Integer))


def _notice_days(steps) -> list[str]:
    steps = json.loads(steps) if isinstance(steps, str) else steps or {}
    current = steps.get('notified') or {}
    earlier = current.get('earlier_notices') or []
    return [str(n.get('on')) for n in [*earlier, current]]


def upgrade():
    with op.batch_alter_table('case_statements') as batch_op:
        batch_op.add_column(sa.Column('notice', sa.Integer(), nullable=False,
                                      server_default='1'))
    bind = op.get_bind()
    renoticed = sa.select(cases.c.id, cases.c.steps).where(cases.c.id.in_(
        sa.select(statements.c.case_id)))
    for case_id, steps in bind.execute(renoticed).all():
        days = _notice_days(steps)
        if len(days) < 2:
            continue  # notified once: every statement answered notice 1
        for statement_id, received in bind.execute(sa.select(
                statements.c.id, statements.c.received_on)
                .where(statements.c.case_id == case_id)).all():
            notice = max((n for n, on in enumerate(days, start=1)
                          if on <= received.isoformat()), default=1)
            bind.execute(statements.update().where(statements.c.id == statement_id)
                         .values(notice=notice))


def downgrade():
    with op.batch_alter_table('case_statements') as batch_op:
        batch_op.drop_column('notice')
