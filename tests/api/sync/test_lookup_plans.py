"""A push's look-ups of many keys in tables that grow are planned for the table as it is:
their keys are written into the statement, so no plan made while the table was small is
reused once it has grown (server/uow.py among), and they find what IN would find."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from server.extensions import db
from server.jobs import JobRun
from server.sync.models import SyncChange
from server.uow import among, find


def _change(entity_id: str, seq: int) -> SyncChange:
    return SyncChange(entity="evidence", entity_id=entity_id, seq=seq, op="upsert", version=1,
                      everyone=False, district="310115", users="", other_districts="",
                      past_districts="", past_users="", data="{}")


def test_among_finds_what_in_finds_with_quotes_and_uuids(app):
    with app.app_context():
        keys = ["plain", "it's", "back\\slash", str(uuid.uuid4())]
        db.session.add_all(_change(key, n) for n, key in enumerate(keys, start=1))
        db.session.commit()
        asked = [*keys[1:], "absent", "' OR '1'='1"]
        found = set(db.session.scalars(select(SyncChange.entity_id).where(
            among(SyncChange.entity_id, asked))))
        assert found == set(keys[1:])
        assert db.session.scalars(select(SyncChange.entity_id).where(
            among(SyncChange.entity_id, []))).all() == []


def test_the_keys_are_written_into_the_statement_not_bound(app):
    with app.app_context():
        key = uuid.uuid4()
        statement = select(SyncChange.seq).where(among(SyncChange.entity_id, [str(key)]))
        compiled = statement.compile(db.engine, compile_kwargs={"render_postcompile": True})
        assert str(key) in str(compiled) and not compiled.params



def _run() -> JobRun:
    return JobRun(id=uuid.uuid4(), job_id="test", runner="pytest", outcome="ok", counts={},
                  started_at=datetime.now(UTC))


def test_find_sees_a_record_added_and_not_flushed_until_it_is_rolled_back(app):
    with app.app_context():
        run = _run()
        db.session.add(run)
        with db.session.no_autoflush:
            assert find(JobRun, run.id) is run  # pending: not in the database yet
        db.session.rollback()
        assert find(JobRun, run.id) is None


def test_find_sees_a_flushed_record_and_forgets_what_the_session_let_go(app):
    with app.app_context():
        kept, dropped = _run(), _run()
        db.session.add_all([kept, dropped])
        db.session.expunge(dropped)
        assert find(JobRun, dropped.id) is None
        db.session.flush()
        assert find(JobRun, kept.id) is kept
        db.session.commit()
        assert find(JobRun, kept.id) is kept
