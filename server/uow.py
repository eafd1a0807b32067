"""Unit of work: services own the transaction; it commits once or rolls back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from server.extensions import db


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Yield the session; commit on success, roll back on any error."""
    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
