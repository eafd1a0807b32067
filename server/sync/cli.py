"""CLI: `flask sync rebuild` writes every synced record into the change log (for data that
existed before the log did, e.g. right after migration 0007, or was logged with fewer scope
keys, e.g. evidence held by several districts right after migration 0017, or inspectors,
logged as the officers tablets name since that entity exists)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from server.auth.models import User
from server.evidence.models import Evidence
from server.extensions import db
from server.fieldwork.models import Inspection, Violation
from server.planning.models import Task
from server.registry.models import Enterprise
from server.sync import changelog

sync_cli = AppGroup("sync", help="Tablet sync: the change log.")
SOURCES = (("enterprise", Enterprise.id), ("task", Task.id), ("inspection", Inspection.id),
           ("violation", Violation.id), ("evidence", Evidence.sha256), ("officer", User.id))
BATCH = 1000


def rebuild() -> int:
    """Log the current state of every record whose log row is missing or stale."""
    written = 0
    for entity, column in SOURCES:
        keys = [str(k) for k in db.session.scalars(select(column).order_by(column))]
        for start in range(0, len(keys), BATCH):
            with db.session.no_autoflush:
                written += changelog.write_changes(
                    db.session, {(entity, k): False for k in keys[start:start + BATCH]})
            db.session.commit()
    return written


@sync_cli.command("rebuild")
def rebuild_command() -> None:
    """Write every synced record's current state into the change log (idempotent)."""
    click.echo(f"change log: {rebuild()} rows written")
