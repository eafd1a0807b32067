"""Use cases of the case-file export: request it, build it in the background, read, download.

The ZIP is streamed member by member into a temporary file next to the final one (memory stays
bounded by one chunk and one document), hashed as it is written, and renamed into place only
when complete with its signed manifest.

An archived case's file is built once (queued by the archive step), stored content-addressed in
the evidence store and recorded on the case; every later export returns exactly that copy
(LAW.md §6: nothing may be changed after archiving).
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import os
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from flask import Flask, current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from server import clock
from server.audit import service as audit
from server.auth import service as auth
from server.auth.policy import Actor, authorize
from server.cases import casefile, contact_sheet, documents, forms, history_doc, render, service
from server.cases.casefile_keys import current as current_key
from server.cases.models import Case, CaseExport
from server.errors import Conflict, Gone, NotFound, Unauthorized
from server.evidence import service as evidence
from server.extensions import db
from server.fieldwork import violations
from server.uow import after_commit, unit_of_work

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=10)
DOC_WEIGHT = 256 * 1024  # progress units a document counts for, next to evidence bytes


def signing_key() -> tuple[bytes, str]:
    """The current manifest key (CASEFILE_SIGNING_KEY, else derived from SECRET_KEY) and its
    id; retired keys only verify (casefile_keys.py)."""
    key = current_key(current_app.config)
    return key.value, key.key_id


def export_dir() -> Path:
    """Where finished exports are kept (CASE_EXPORT_DIR, default instance/exports)."""
    path = Path(current_app.config.get("CASE_EXPORT_DIR")
                or Path(current_app.instance_path) / "exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def queue(actor: Actor, case: Case, purpose: str = "request") -> CaseExport:
    """Add an export of the case to the current unit of work (audited); `start` it after."""
    row = CaseExport(case_id=case.id, district=case.district, status="queued", purpose=purpose,
                     progress=0.0, requested_by=actor.user_id, created_at=clock.utcnow(),
                     actor={"user_id": str(actor.user_id), "username": actor.username,
                            "role": actor.role, "scope": actor.scope})
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
        raise NotFound("No such export.")
    authorize(actor, "case.export", row.district)
    return row


def ttl() -> timedelta:
    """How long a finished export is kept (CASE_EXPORT_TTL_HOURS)."""
    return timedelta(hours=current_app.config["CASE_EXPORT_TTL_HOURS"])


def expires_at(row: CaseExport) -> datetime | None:
    """When a finished export's file is deleted."""
    return row.finished_at + ttl() if row.status in ("done", "expired") and row.finished_at \
        else None


def download_path(actor: Actor, export_id: uuid.UUID) -> tuple[Path, str]:
    """The finished file and its download name."""
    row = get_export(actor, export_id)
    if row.status == "expired" or (row.status == "done" and expires_at(row) <= clock.utcnow()):
        raise Gone(f"The export expired at {expires_at(row).isoformat()} and its file was "
                   "deleted; request a new export of the case.")
    if row.status != "done" or not row.file_name:
        raise Conflict(f"The export is {row.status}; nothing to download yet.")
    path = export_dir() / row.file_name
    if not path.is_file():
        raise NotFound("The export file is no longer kept.")
    return path, row.file_name


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


def _missing_evidence(actor: Actor, case) -> list[str]:
    """The case's cited evidence digests its district does not (yet) hold (a digest cited
    from another district's file is not that file)."""
    cited: list[str] = []
    for link in service.case_links(case):
        cited += list(violations.get_violation(actor, link.violation_id).evidence or [])
    return evidence.missing_evidence(cited, case.district)


def _stated(item: dict[str, Any]) -> dict[str, Any]:
    """What the manifest states of an original besides its digest (LAW.md §6)."""
    return {"captured_at": item["captured_at_iso"], "position": item["position"],
            "maker": item["maker"], "method": item["method"], "proves": item["proves"],
            "flags": item["flags"]}


class _Writer:
    """Writes members into the ZIP while hashing them; remembers what the manifest lists."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive, self.files = archive, []

    def write(self, member: casefile.Member, chunks: Iterator[bytes], *,
              known_sha256: str | None = None, **extra: Any) -> int:
        """Store one member; an original's digest is its content address, not re-hashed."""
        digest, size = (None if known_sha256 else hashlib.sha256()), 0
        info = zipfile.ZipInfo(member.name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        with self.archive.open(info, "w", force_zip64=True) as out:
            for chunk in chunks:
                if digest is not None:
                    digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        self.files.append({"name": member.name,
                           "sha256": known_sha256 or digest.hexdigest(), "size": size,
                           "role": member.role, "volume": member.volume,
                           "title": member.title, **extra})
        return size


def _stream(source: BinaryIO) -> Iterator[bytes]:
    with source:
        while chunk := source.read(casefile.CHUNK):
            yield chunk


def _release_originals(actor: Actor, case, sha256s: list[str]) -> list[int]:
    """Chain of custody: one audit entry per original exported, in a single transaction
    (what evidence.open_original records per file); returns the sizes."""
    # get_evidence may finish a pending thumbnail in its own transaction: read first
    records = list(evidence.get_evidences(actor, sha256s).values())
    with unit_of_work():
        evidence.visible_evidence(actor, sha256s, "evidence.view_original")
        for record in records:
            audit.record(actor, "evidence.export_original", "evidence", record.sha256,
                         {"size": record.size, "mime": record.mime, "case_id": str(case.id)})
    return [record.size for record in records]


def build_zip(actor: Actor, case_id: uuid.UUID, target: Path,
              report=lambda fraction: None) -> dict[str, Any]:
    """Write the case file to `target`; returns the signed manifest."""
    case = service.get_case(actor, case_id)
    data = documents.document_data(actor, case)
    form_names = [f for f in forms.FORMS if forms.available(f, case.state, data)]
    stated = {item["sha256"]: item for item in data["evidence"]}
    present, missing = list(stated), _missing_evidence(actor, case)
    facts = evidence.evidence_facts(present)
    ext = {s: mimetypes.guess_extension(facts[s].mime) or ".bin" for s in present}
    members = casefile.plan(form_names, [(s, ext[s]) for s in present], with_history=True)
    total = sum(_release_originals(actor, case, present)) + \
        DOC_WEIGHT * (len(members) - len(present))
    store = evidence.current_store()
    done = 0
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        writer = _Writer(archive)
        for member in members:
            if member.role == "catalogue":
                body = render.to_pdf(history_doc.catalogue(case, members, data["authority"]))
            elif member.role == "history":
                body = render.to_pdf(history_doc.history(case, service.history(case),
                                                         data["authority"]))
            elif member.role == "contact_sheet":
                first = member.part * casefile.PHOTOS_PER_SHEET
                body = contact_sheet.build(
                    actor, [stated[s] for s in present[first:first + casefile.PHOTOS_PER_SHEET]])
            elif member.role == "evidence":
                sha256 = member.name.rsplit("/", 1)[1].split(".")[0]
                stream = store.open(sha256)
                # The store is addressed by SHA-256: the manifest states the digest the
                # bytes must have, so a damaged original fails verification, never passes.
                done += writer.write(member, _stream(stream), known_sha256=sha256,
                                     mime=facts[sha256].mime, **_stated(stated[sha256]))
                report(done / total)
                continue
            else:
                body = render.to_pdf(forms.documents(member.role, data))
            writer.write(member, iter((body,)))
            done += DOC_WEIGHT
            report(done / total)
        key, key_id = signing_key()
        manifest = casefile.sign({
            "format": casefile.FORMAT, "case_id": str(case.id),
            "filing_number": case.filing_number, "decision_number": case.decision_number,
            "state": case.state, "created_at": clock.utcnow().isoformat(),
            "created_by": actor.username, "missing_evidence": missing,
            "files": writer.files}, key, key_id)
        body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        archive.writestr(casefile.MANIFEST, body)
    return manifest | {"sha256": hashlib.sha256(body).hexdigest()}


class ArchiveDamaged(OSError):
    """The stored copy of an archived case file is missing or does not match its SHA-256."""


def _archived_copy(actor: Actor, row: CaseExport, case: Case, target: Path,
                   report=lambda fraction: None) -> dict[str, Any]:
    """Write the archived case's stored file to `target`. The first export finding none (the
    one the archive step queued; for a case archived before files were stored, the first
    export after) builds it, stores it and freezes it; every later one copies it unchanged."""
    frozen = case.archive_sha256
    if frozen is None:
        build_zip(actor, case.id, target, report)  # audits the originals it releases
        db.session.rollback()  # hold no transaction (on SQLite: the write lock) while storing
        with target.open("rb") as built:
            ours = evidence.current_store().put(built)
        frozen = _freeze(actor, row, case, ours, target.stat().st_size)
        if frozen == ours:
            return _described(target, frozen)[0]
    digest = hashlib.sha256()
    try:
        with evidence.current_store().open(frozen) as stored, target.open("wb") as out:
            while chunk := stored.read(casefile.CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except FileNotFoundError as error:
        raise ArchiveDamaged(f"the archived case file {frozen} is missing from the evidence "
                             "store") from error
    if digest.hexdigest() != frozen:
        raise ArchiveDamaged(f"the stored archived case file {frozen} does not match its "
                             f"SHA-256 (found {digest.hexdigest()})")
    values, originals = _described(target, frozen)
    _release_originals(actor, case, originals)
    return values


def _described(path: Path, archive_sha256: str) -> tuple[dict[str, Any], list[str]]:
    """An archived copy's export columns, and the originals its manifest lists."""
    with zipfile.ZipFile(path) as archive:
        body = archive.read(casefile.MANIFEST)
        members = len(archive.namelist())
    originals = [f["sha256"] for f in json.loads(body)["files"] if f["role"] == "evidence"]
    return {"sha256": hashlib.sha256(body).hexdigest(), "members": members,
            "archive_sha256": archive_sha256}, originals


def _why_not_at_archiving(session: Session, case: Case) -> str:
    """Why the copy of an archived case was not built by the export its archive step queued."""
    queued = session.execute(select(CaseExport.status, CaseExport.error).where(
        CaseExport.case_id == case.id, CaseExport.purpose == "archive").limit(1)).first()
    if queued is None:
        return "archived before case files were stored at archiving: "
    if queued.status == "failed":
        return f"the build queued at archiving failed ({queued.error}): "
    return "an export finished before the build queued at archiving: "


def _freeze(actor: Actor, row: CaseExport, case: Case, sha256: str, size: int) -> str:
    """Record the stored file as the case's archived copy unless one already is (another
    runner was first); returns the copy that holds. Set once, never changed."""
    with unit_of_work() as session:
        won = session.execute(update(Case).where(
            Case.id == case.id, Case.state == "archived", Case.archive_sha256.is_(None))
            .values(archive_sha256=sha256)
            .execution_options(synchronize_session=False)).rowcount == 1
        if won:  # built by the archive step's own export, or else by a later one
            details = {"sha256": sha256, "size": size, "export_id": str(row.id),
                       "archived_on": case.archived_on.isoformat() if case.archived_on else None,
                       "built": "at_archiving" if row.purpose == "archive" else "first_export"}
            if row.purpose != "archive":
                details["note"] = _why_not_at_archiving(session, case) + \
                    "built from the data at this first export, frozen from now on"
            audit.record(actor, "case.archive_copy", "case", case.id, details)
        held = session.scalar(select(Case.archive_sha256).where(Case.id == case.id))
    return held


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
            values = _archived_copy(actor, row, case, partial, _Throttled(export_id))
        else:
            manifest = build_zip(actor, row.case_id, partial, _Throttled(export_id))
            values = {"sha256": manifest["sha256"], "members": len(manifest["files"]) + 1}
        os.replace(partial, folder / name)
        values |= {"status": "done", "progress": 1.0, "file_name": name,
                   "size": (folder / name).stat().st_size}
    except Exception as error:  # recorded on the export; the job itself must not die
        log.exception("case-file export %s failed", export_id)
        db.session.rollback()
        partial.unlink(missing_ok=True)
        values = {"status": "failed", "error": f"{type(error).__name__}: {error}"[:2000]}
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
