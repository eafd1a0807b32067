"""Use cases of the case-file export: request it, build it in the background, read, download.

The ZIP (casefile_build) is written into a temporary file next to the final one and renamed
into place only when complete with its signed manifest.

An archived case's file is built once (queued by the archive step), stored content-addressed in
the evidence store and recorded on the case; every later export returns exactly that copy
(archived.py; LAW.md §6: nothing may be changed after archiving).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import or_, select, update

from server import clock
from server.audit import service as audit
from server.auth import service as auth
from server.auth.policy import Actor, authorize, unknown_record
from server.cases import archived, refusals, service
from server.cases.casefile_build import build_zip, fixed_data
from server.cases.models import Case, CaseExport
from server.errors import Conflict, DomainError, Gone, NotFound, Unauthorized
from server.extensions import db
from server.registry import service as registry
from server.uow import after_commit, unit_of_work

log = logging.getLogger(__name__)
CASEFILE_TITLE = "行政处罚案卷"  # what a download of the case file is titled after its number
STALE_AFTER = timedelta(minutes=10)


def export_dir() -> Path:
    """Where finished exports are kept (CASE_EXPORT_DIR, default instance/exports)."""
    path = Path(current_app.config.get("CASE_EXPORT_DIR")
                or Path(current_app.instance_path) / "exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def queue(actor: Actor, case: Case, purpose: str = "request") -> CaseExport:
    """Add an export of the case to the current unit of work (audited); `start` it after.
    The archive step's export carries the case file's data as it stands in that transaction:
    its copy, built after the commit, shows the case as archived (archived.py)."""
    row = CaseExport(case_id=case.id, district=case.district, status="queued", purpose=purpose,
                     progress=0.0, requested_by=actor.user_id, created_at=clock.utcnow(),
                     actor={"user_id": str(actor.user_id), "username": actor.username,
                            "role": actor.role, "scope": actor.scope},
                     fixed_data=fixed_data(actor, case) if purpose == "archive" else None)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "case.export", "case", case.id, {"export_id": str(row.id)} | (
        {"purpose": purpose} if purpose != "request" else {}))
    return row


def start(row: CaseExport) -> None:
    """Build the export in a background thread once committed; the scheduled job builds it
    if no thread does (off, or the process died)."""
    if current_app.config.get("CASE_EXPORT_THREAD", True):
        app = current_app._get_current_object()
        thread = threading.Thread(target=_run_in_app, args=(app, row.id), daemon=True,
                                  name=f"casefile-{row.id}")
        after_commit(thread.start)  # the thread must find the committed row


def request_export(actor: Actor, case_id: uuid.UUID) -> CaseExport:
    """Queue an export of the case file; a background thread starts on it at once."""
    case = service.get_case(actor, case_id)
    authorize(actor, "case.export", case.district)
    with unit_of_work():
        row = queue(actor, case)
    start(row)
    return row


def _run_in_app(app: Flask, export_id: uuid.UUID) -> None:
    with app.app_context():
        run_export(export_id)


def get_export(actor: Actor, export_id: uuid.UUID) -> CaseExport:
    """One export, visible to whoever may export its case."""
    row = db.session.get(CaseExport, export_id)
    if row is None:
        raise unknown_record()
    authorize(actor, "case.export", row.district)
    return row


def ttl() -> timedelta:
    """How long a finished export is kept (CASE_EXPORT_TTL_HOURS)."""
    return timedelta(hours=current_app.config["CASE_EXPORT_TTL_HOURS"])


def expires_at(row: CaseExport) -> datetime | None:
    """When a finished export's file is deleted."""
    return row.finished_at + ttl() if row.status in ("done", "expired") and row.finished_at \
        else None


def download_path(actor: Actor, export_id: uuid.UUID) -> tuple[Path, str, str]:
    """The finished file, the name a clerk reads (案号_当事人行政处罚案卷.zip) and an ASCII
    fallback made of the case's id."""
    row = get_export(actor, export_id)
    if row.status == "expired" or (row.status == "done" and expires_at(row) <= clock.utcnow()):
        raise Gone(**refusals.said("export.expired", {"expired_at": expires_at(row)}))
    if row.status != "done" or not row.file_name:
        raise Conflict(**refusals.said("export.not_ready", {"export_status": row.status}))
    path = export_dir() / row.file_name
    if not path.is_file():
        raise NotFound(**refusals.said("export.file_gone"))
    case = db.session.get(Case, row.case_id)  # the export's, read in the caller's scope
    party = registry.party_of(case.enterprise_id)
    return (path, f"{case.filing_number}_{party.name}{CASEFILE_TITLE}.zip",
            f"casefile_{case.id}.zip")


def _claim(export_id: uuid.UUID, now: datetime) -> bool:
    """Take the export (queued, or running without a heartbeat for a while) for this runner."""
    with unit_of_work() as session:
        claimed = session.execute(update(CaseExport).where(
            CaseExport.id == export_id,
            or_(CaseExport.status == "queued",
                (CaseExport.status == "running") & (CaseExport.heartbeat_at < now - STALE_AFTER)))
            .values(status="running", heartbeat_at=now, progress=0.0)).rowcount
    return claimed == 1


def _progress(export_id: uuid.UUID, value: float) -> None:
    with unit_of_work() as session:
        session.execute(update(CaseExport).where(CaseExport.id == export_id).values(
            progress=min(value, 0.99), heartbeat_at=clock.utcnow()))


class _Throttled:
    """Progress written at most once a second (each write is a short transaction)."""

    def __init__(self, export_id: uuid.UUID):
        self.export_id, self.last = export_id, 0.0

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last >= 1.0:
            self.last = now
            _progress(self.export_id, fraction)


EXPORT_FAILED = "The export could not be built; the failure was logged as error {error_id}."


def failure(error: Exception, error_id: uuid.UUID) -> str:
    """What a failed export tells its users: a refusal's own sentence; for anything else an
    error id to quote, while the server's log keeps the details (paths, internal errors)."""
    if isinstance(error, DomainError):
        return error.detail[:2000]
    return EXPORT_FAILED.format(error_id=error_id)


def run_export(export_id: uuid.UUID) -> str:
    """Build one export if this runner can claim it; the file appears only when complete."""
    now = clock.utcnow()
    if not _claim(export_id, now):
        return "not claimed"
    row = db.session.get(CaseExport, export_id)
    db.session.refresh(row)
    # Built as the requester is now: a user disabled since the request reads no originals.
    actor = auth.active_actor(uuid.UUID(row.actor["user_id"]))
    folder = export_dir()
    name = f"casefile_{row.case_id}_{row.id}.zip"
    partial = folder / f".{name}.partial"
    try:
        if actor is None:
            raise Unauthorized("The account that requested the export has been disabled.")
        case = service.get_case(actor, row.case_id)
        if case.state == "archived":
            values = archived.write_copy(actor, row, case, partial, _Throttled(export_id))
        else:
            manifest = build_zip(actor, row.case_id, partial, _Throttled(export_id))
            values = {"sha256": manifest["sha256"], "members": manifest["members"]}
        os.replace(partial, folder / name)
        values |= {"status": "done", "progress": 1.0, "file_name": name,
                   "size": (folder / name).stat().st_size}
    except Exception as error:  # recorded on the export; the job itself must not die
        error_id = uuid.uuid4()
        log.exception("case-file export %s failed (error %s)", export_id, error_id)
        db.session.rollback()
        partial.unlink(missing_ok=True)
        values = {"status": "failed", "error": failure(error, error_id)}
    with unit_of_work() as session:
        session.execute(update(CaseExport).where(CaseExport.id == export_id).values(
            finished_at=clock.utcnow(), heartbeat_at=clock.utcnow(), **values))
    return values["status"]


def run_pending_exports(now: datetime) -> dict[str, int]:
    """The scheduled job: build queued exports and take over ones whose runner vanished."""
    ids = db.session.scalars(select(CaseExport.id).where(or_(
        CaseExport.status == "queued",
        (CaseExport.status == "running") & (CaseExport.heartbeat_at < now - STALE_AFTER)))
        .order_by(CaseExport.created_at).limit(20)).all()
    db.session.rollback()
    counts = {"done": 0, "failed": 0, "not claimed": 0}
    for export_id in ids:
        counts[run_export(export_id)] += 1
    return counts


def expire_exports(now: datetime) -> dict[str, int]:
    """The scheduled job: delete finished ZIPs past their expiry and mark the exports expired."""
    cutoff = now - ttl()
    ids = db.session.scalars(select(CaseExport.id).where(
        CaseExport.status == "done", CaseExport.finished_at <= cutoff)).all()
    db.session.rollback()
    folder, counts = export_dir(), {"expired": 0, "files_deleted": 0}
    for export_id in ids:
        with unit_of_work() as session:
            row = session.get(CaseExport, export_id, with_for_update=True)
            if row is None or row.status != "done":
                continue  # another runner took it
            if row.file_name and (folder / row.file_name).is_file():
                (folder / row.file_name).unlink()
                counts["files_deleted"] += 1
            row.status = "expired"
            counts["expired"] += 1
            audit.record(None, "case.export_expired", "case", row.case_id,
                         {"export_id": str(row.id), "file_name": row.file_name,
                          "finished_at": row.finished_at.isoformat()})
    return counts


def as_dict(row: CaseExport) -> dict[str, Any]:
    """The export as the API shows it."""
    url = f"/api/v1/exports/{row.id}/download" if row.status == "done" else None
    return {"id": row.id, "case_id": row.case_id, "status": row.status,
            "purpose": row.purpose, "progress": round(row.progress, 3), "download_url": url,
            "size": row.size, "manifest_sha256": row.sha256, "members": row.members,
            "archived_copy": row.archive_sha256 is not None,
            "archive_sha256": row.archive_sha256, "error": row.error,
            "created_at": row.created_at, "finished_at": row.finished_at,
            "expires_at": expires_at(row)}
