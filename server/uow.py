"""Unit of work: services own the transaction; it commits once or rolls back.

Inside a request that carries an Idempotency-Key (server.idempotency) the request itself owns
the transaction, so that the response is stored in the same commit: a unit of work is then a
savepoint, and work that must follow the commit (`after_commit`) waits for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from server.extensions import db

DEFERRED_COMMIT = "deferred_commit"  # session.info key: callbacks waiting for the request commit


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Yield the session; commit on success, roll back on any error."""
    session = db.session
    if DEFERRED_COMMIT in session.info:
        with session.begin_nested():
            yield session
        return
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current work is committed (now, unless the request commits)."""
    pending = db.session.info.get(DEFERRED_COMMIT)
    if pending is None:
        callback()
    else:
        pending.append(callback)
