"""The sweep of archived-copy files no case names: a builder that died between storing its
copy and freezing it (or a loser that died before deleting its own) leaves one in the store's
copies area. After a grace period (ARCHIVE_COPY_GRACE_HOURS, far longer than a build and its
freeze take) such a copy is deleted. Only the copies area is swept: evidence originals are
never deleted, and a copy a case names (frozen) is never deleted."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from server.audit import service as audit
from server.cases.models import Case
from server.evidence.settings import current_store
from server.extensions import db
from server.uow import unit_of_work

BATCH = 500


def grace() -> timedelta:
    """How long a stored copy may wait for its freeze before it counts as abandoned."""
    return timedelta(hours=current_app.config["ARCHIVE_COPY_GRACE_HOURS"])


def _named_now(sha256: str) -> bool:
    """Asked again right before the delete: a builder stalled past the grace may have frozen
    this copy since the chunk's names were read (archived._kept stores it again otherwise)."""
    named = db.session.scalar(select(Case.id).where(Case.archive_sha256 == sha256).limit(1))
    db.session.rollback()
    return named is not None


def sweep_unfrozen_copies(now: datetime) -> dict[str, int]:
    """The scheduled job: delete the copies stored before the grace that no case names;
    the deleted digests are appended to the audit log."""
    store, cutoff = current_store(), now - grace()
    old = sorted(sha256 for sha256, stored_at in store.copies() if stored_at <= cutoff)
    deleted: list[str] = []
    kept = 0
    for start in range(0, len(old), BATCH):
        chunk = old[start:start + BATCH]
        named = set(db.session.scalars(select(Case.archive_sha256).where(
            Case.archive_sha256.in_(chunk))))
        db.session.rollback()
        for sha256 in chunk:
            if sha256 in named or _named_now(sha256):
                kept += 1
            else:
                store.delete_copy(sha256)
                deleted.append(sha256)
    if deleted:
        with unit_of_work():
            audit.record(None, "case.sweep_unfrozen_copies", "case", "*", {
                "deleted": deleted, "grace_hours": current_app.config[
                    "ARCHIVE_COPY_GRACE_HOURS"]})
    return {"deleted": len(deleted), "kept_frozen": kept}
