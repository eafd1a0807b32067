"""cases next_due_on: a scheduled hearing is the next deadline of cases stored before it was

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 06:30:00

A case's hearing day (听证, 处罚法 第64条) became one of its deadlines, open until the case is
decided; next_due_on (the earliest open deadline, stored at every change of the case) is
recomputed only when a case changes, so a case already waiting for its hearing kept the
decision deadline as its next one in the API's case and case list and was left out of the
due list. Every other deadline was already counted in the stored date, so the earliest open
one is the earlier of it and the hearing day. No schema change; downgrading keeps the dates.
"""
from alembic import op
import sqlalchemy as sa

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

cases = sa.table('cases', sa.column('state', sa.String), sa.column('hearing_on', sa.Date),
                 sa.column('decided_on', sa.Date), sa.column('next_due_on', sa.Date))


def upgrade():
    op.get_bind().execute(
        cases.update()
        .where(cases.c.hearing_on.is_not(None), cases.c.decided_on.is_(None),
               cases.c.state.not_in(('closed', 'archived')),
               sa.or_(cases.c.next_due_on.is_(None), cases.c.next_due_on > cases.c.hearing_on))
        .values(next_due_on=cases.c.hearing_on))


def downgrade():
    pass  # the hearing stays the next deadline: the code of 0023 computes it so too
