"""Unit of work: services own the transaction; it commits once or rolls back.

Inside `batch()` (one transaction for many use cases, e.g. a sync push) every unit of work
becomes a savepoint instead, and the batch commits once at the end. Inside a request that
carries an Idempotency-Key (server.idempotency) the request itself owns the transaction, so
that the response is stored in the same commit: a unit of work is then a savepoint too, and
work that must follow the commit (`after_commit`) waits for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, bindparam, event, inspect, select
from sqlalchemy.orm import Session, SessionTransaction

from server.extensions import db

BATCH = "uow_batch"
KEPT = "uow_batch_objects"
FRESH_SAVEPOINT = "uow_fresh_savepoint"
SHARED_SAVEPOINT = "uow_shared_savepoint"
DEFERRED_COMMIT = "deferred_commit"  # session.info key: callbacks waiting for the request commit
MEMO = "uow_transaction_memo"
LOCKED = "uow_locked_rows"  # (model, key) of rows this transaction locked (find(lock=True))
PENDING = "uow_pending"  # {model: {id(object): object}} added to the session and not flushed


def once_per_transaction(key: str, compute: Callable[[], Any]) -> Any:
    """`compute()` the first time `key` is asked in the current transaction, then its answer
    until the transaction ends: e.g. a cache's freshness stamp, asked once by a sync push of
    hundreds of mutations instead of once per mutation."""
    memo = db.session.info.setdefault(MEMO, {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget_in_transaction(key: str) -> None:
    """The transaction changed what `key` answered: ask again next time."""
    db.session.info.get(MEMO, {}).pop(key, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_memo(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and not transaction.nested:
        session.info.pop(MEMO, None)
        session.info.pop(LOCKED, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_locks(session: Session, previous: SessionTransaction) -> None:
    """A rollback may have released row locks taken in a savepoint: lock again next time."""
    session.info.pop(LOCKED, None)


@event.listens_for(Session, "loaded_as_persistent")
@event.listens_for(Session, "pending_to_persistent")
def _keep(session: Session, instance: Any) -> None:
    # The identity map holds objects weakly: inside a batch, the enterprise or officer that
    # mutation 1 loaded would be collected and fetched again by mutation 2. Holding them until
    # the batch ends turns those repeated gets into identity-map hits.
    kept = session.info.get(KEPT)
    if kept is not None:
        kept.append(instance)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Yield the session; commit on success, roll back on any error."""
    session = db.session
    if session.info.get(SHARED_SAVEPOINT) or session.info.pop(FRESH_SAVEPOINT, False):
        # Inside all_or_nothing(), or the first unit of work in a fresh savepoint(): that
        # savepoint already makes it atomic, and they roll back together (push ends the
        # mutation, or the run of mutations, on any error).
        yield session
        return
    if session.info.get(BATCH) or DEFERRED_COMMIT in session.info:
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
    session.info[KEPT] = []
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(BATCH, None)
        session.info.pop(KEPT, None)


@contextmanager
def savepoint() -> Iterator[Session]:
    """A savepoint inside the current transaction: rolled back alone on any error.

    Any error inside must leave the savepoint (code inside must not catch a failed unit of
    work and go on): its first unit of work shares the savepoint instead of nesting one."""
    session = db.session
    with session.begin_nested():
        session.info[FRESH_SAVEPOINT] = True
        try:
            yield session
        finally:
            session.info.pop(FRESH_SAVEPOINT, None)


@contextmanager
def all_or_nothing() -> Iterator[Session]:
    """One savepoint shared by every unit of work inside (none nests its own): any error
    rolls all of them back together. A sync push applies a run of mutations this way and,
    when one of them fails, applies the run again one savepoint per mutation."""
    session = db.session
    with session.begin_nested():
        session.info[SHARED_SAVEPOINT] = True
        try:
            yield session
            session.flush()  # a refusal by the database belongs to the run
        finally:
            session.info.pop(SHARED_SAVEPOINT, None)


def find(model: type[Any], key: Any, *, lock: bool = False) -> Any:
    """The `model` object with primary key `key`, or None: session.get, which also finds one
    added in this transaction and not flushed yet (all_or_nothing() flushes its run of
    mutations once), instead of flushing everything to look for it in the database.

    `lock` locks its row (SELECT … FOR UPDATE) once per transaction: a sync push editing a
    record several times reads it under lock once."""
    for pending in db.session.info.get(PENDING, {}).get(model, {}).values():
        if pending.id == key and inspect(pending).pending:
            return pending
    if not lock:
        return db.session.get(model, key)
    locked = db.session.info.setdefault(LOCKED, set())
    if (model, key) in locked:
        return db.session.get(model, key)  # nobody else can have changed it since
    found = db.session.get(model, key, with_for_update=True, populate_existing=True)
    if found is not None:
        locked.add((model, key))
    return found


def among(column: Any, values: Any) -> ColumnElement[bool]:
    """`column IN (values)` with the values written into the statement, for a look-up of
    many keys in a table that grows (a push's records, its mutation log, the change log).

    Bound as parameters, the statement's text is the same each time, and PostgreSQL's driver
    prepares it after five runs: the plan is then made once, for the table as it was (a seq
    scan while it held a few rows, or an index on its first column only), and kept until the
    next ANALYZE. On a fresh database a sync push's look-ups grew from 1 ms to 100 ms each
    over 10,000 mutations that way. Written in, each run is planned for its keys and the
    table as it is now. The values are escaped by SQLAlchemy's literal rendering."""
    return column.in_(bindparam(None, list(values), expanding=True, literal_execute=True,
                                type_=column.type))


# find() looks among the objects of its model added and not flushed, not among all of them:
# a sync push's run holds its hundreds of new records (and their decisions and audit entries)
# unflushed, and walking session.new (a set built afresh at each call) for each of its many
# look-ups was a few percent of the push (callgrind).
@event.listens_for(Session, "transient_to_pending")
def _note_pending(session: Session, instance: Any) -> None:
    session.info.setdefault(PENDING, {}).setdefault(type(instance), {})[id(instance)] = instance


@event.listens_for(Session, "pending_to_persistent")
@event.listens_for(Session, "pending_to_transient")
def _forget_pending(session: Session, instance: Any) -> None:
    session.info.get(PENDING, {}).get(type(instance), {}).pop(id(instance), None)


@event.listens_for(Session, "after_transaction_end")
def _forget_all_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # nothing stays pending past its transaction
        session.info.pop(PENDING, None)


def lock_all(model: type[Any], keys: set[Any]) -> list[Any]:
    """Lock the rows of these keys that exist, in key order and in one query; find(lock=True)
    then reads them from the session (a sync push locks the records a run edits)."""
    if not keys:
        return []
    rows = list(db.session.scalars(select(model).where(among(model.id, keys)).order_by(model.id)
                                   .with_for_update()
                                   .execution_options(populate_existing=True)))
    db.session.info.setdefault(LOCKED, set()).update((model, row.id) for row in rows)
    return rows


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current work is committed (now, unless the request commits)."""
    pending = db.session.info.get(DEFERRED_COMMIT)
    if pending is None:
        callback()
    else:
        pending.append(callback)
