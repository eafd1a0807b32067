"""The cursor never skips a change that commits late: many writers, one reader pulling in a
loop, every change seen exactly once (PostgreSQL: real concurrent transactions)."""

from __future__ import annotations

import os
import random
import threading
import time
import uuid

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

WRITERS, PER_WRITER = 8, 25


@pytest.mark.postgres_only
@pytest.mark.skipif(os.environ.get("TEST_DATABASE") != "postgresql",
                    reason="concurrent commits need PostgreSQL")
def test_a_reader_pulling_during_concurrent_commits_sees_every_change_exactly_once(app):
    from server.auth.policy import Actor
    from server.extensions import db
    from server.registry.credit_code import make_credit_code
    from server.registry.models import Enterprise
    from server.sync import pull as pulling

    reader = Actor(uuid.uuid4(), "reader", "supervisor", "310115")
    created: list[str] = []
    errors: list[str] = []
    done = threading.Event()
    start = threading.Barrier(WRITERS + 1)

    def linger(_session) -> None:  # runs after the sequence numbers are taken
        time.sleep(random.uniform(0, 0.02))

    def write(number: int) -> None:
        with app.app_context():
            start.wait()
            for serial in range(PER_WRITER):
                try:
                    row = Enterprise(credit_code=make_credit_code("310115",
                                                                  number * 1000 + serial),
                                     name=f"并发{number}-{serial}", district="310115",
                                     permit_class="key")
                    db.session.add(row)
                    db.session.flush()
                    time.sleep(random.uniform(0, 0.01))
                    db.session.commit()
                    created.append(str(row.id))
                except Exception as error:  # the assertion below names any failure
                    db.session.rollback()
                    errors.append(repr(error))
            db.session.remove()

    seen: list[str] = []

    def read() -> None:
        with app.app_context():
            start.wait()
            cursor, idle = "", 0
            while idle < 3:
                page = pulling.pull(reader, cursor, 7)
                cursor = page.next_cursor
                seen.extend(key for entity, key, *_ in page.changes if entity == "enterprise")
                if done.is_set() and not page.has_more and not page.changes:
                    idle += 1
                time.sleep(random.uniform(0, 0.005))
            db.session.remove()

    event.listen(Session, "before_commit", linger)
    try:
        threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
        reading = threading.Thread(target=read)
        for thread in threads:
            thread.start()
        reading.start()
        for thread in threads:
            thread.join()
        done.set()
        reading.join(timeout=120)
    finally:
        event.remove(Session, "before_commit", linger)
    assert errors == []
    assert len(created) == WRITERS * PER_WRITER
    assert len(seen) == len(set(seen)), "a change was delivered twice"
    assert set(seen) == set(created), f"{len(set(created) - set(seen))} changes were skipped"
