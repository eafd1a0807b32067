"""Unit of work: services own the transaction; it commits once or rolls back.

Inside `batch()` (one transaction for many use cases, e.g. a sync push) every unit of work
becomes a savepoint instead, and the batch commits once at the end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from server.extensions import db

BATCH = "uow_batch"


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Yield the session; commit on success, roll back on any error."""
    session = db.session
    if session.info.get(BATCH):
        with session.begin_nested():
            yield session
        return
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


@contextmanager
def batch() -> Iterator[Session]:
    """One transaction around many units of work (each a savepoint); commit at the end."""
    session = db.session
    session.info[BATCH] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(BATCH, None)


@contextmanager
def savepoint() -> Iterator[Session]:
    """A savepoint inside the current transaction: rolled back alone on any error."""
    session = db.session
    with session.begin_nested():
        yield session
