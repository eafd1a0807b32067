"""The archived copy of a case file (LAW.md §6: nothing may be changed after archiving).

An archived case's file is built once (queued by the archive step), stored content-addressed
among the evidence store's copies (apart from the originals) and recorded on the case
(`archive_sha256`); every later export returns exactly that copy. A copy no case names (its
builder lost the race to freeze, or died first) is deleted: by the loser at once, else by the
sweep (archive_sweep.py) after a grace period.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.policy import Actor
from server.cases import casefile
from server.cases.archive_sweep import grace
from server.cases.casefile_build import build_zip, note_release, originals_of, release_originals
from server.cases.models import Case, CaseExport
from server.evidence import service as evidence
from server.extensions import db
from server.uow import unit_of_work

log = logging.getLogger(__name__)


class ArchiveDamaged(OSError):
    """The stored copy of an archived case file is missing or does not match its SHA-256."""


def write_copy(actor: Actor, row: CaseExport, case: Case, target: Path,
               report=lambda fraction: None) -> dict[str, Any]:
    """Write the archived case's stored file to `target`. The first export finding none (the
    one the archive step queued; for a case archived before files were stored, the first
    export after) builds it from the data fixed at archiving, stores it among the store's
    copies and freezes it, auditing the originals it releases in the freezing transaction;
    every later one copies it unchanged and audits the originals it delivers once."""
    frozen = case.archive_sha256
    if frozen is None:
        fixed = _fixed_at_archiving(case)
        build_zip(actor, case.id, target, report, fixed=fixed, release=False)
        values, originals = _described(target)
        records = originals_of(actor, originals)
        db.session.rollback()  # hold no transaction (on SQLite: the write lock) while storing
        started, ours = time.monotonic(), _store(target)
        if _elapsed(started) > grace() / 2:  # stalled: stored again, the sweep's clock anew
            _store(target)
        frozen = _freeze(actor, row, case, ours, target.stat().st_size, fixed is not None,
                         (originals, records))
        if frozen == ours:
            _kept(ours, target)
            return values | {"archive_sha256": frozen}
        _discard(ours)  # another runner froze its copy first: this file is nobody's
    digest = hashlib.sha256()
    try:
        with evidence.current_store().open_copy(frozen) as stored, target.open("wb") as out:
            while chunk := stored.read(casefile.CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except FileNotFoundError as error:
        raise ArchiveDamaged(f"the archived case file {frozen} is missing from the evidence "
                             "store") from error
    if digest.hexdigest() != frozen:
        raise ArchiveDamaged(f"the stored archived case file {frozen} does not match its "
                             f"SHA-256 (found {digest.hexdigest()})")
    values, originals = _described(target)
    if _froze_it(row, frozen):  # its runner died after freezing: released with the freeze
        return values | {"archive_sha256": frozen}
    release_originals(actor, case, originals, export_id=row.id)
    return values | {"archive_sha256": frozen}


def _store(target: Path) -> str:
    """Store a built case file among the copies (again: its time starts anew); its SHA-256."""
    with target.open("rb") as built:
        return evidence.current_store().put_copy(built)


def _elapsed(started: float) -> timedelta:
    """How long since `started` (time.monotonic())."""
    return timedelta(seconds=time.monotonic() - started)


def _kept(sha256: str, target: Path) -> None:
    """After the freeze: the copy is still stored. A builder stalled past the grace between
    storing and freezing may have had its copy swept as nobody's meanwhile; it still holds
    the file, so it stores it again (the same bytes, the same digest)."""
    try:
        evidence.current_store().open_copy(sha256).close()
    except FileNotFoundError:
        log.warning("the archived copy %s was swept before its freeze; stored again", sha256)
        _store(target)


def _froze_it(row: CaseExport, frozen: str) -> bool:
    """Whether this export froze the copy (the freeze marks it; its runner may have died)."""
    marked = db.session.scalar(select(CaseExport.archive_sha256).where(CaseExport.id == row.id))
    db.session.rollback()
    return marked == frozen


def _fixed_at_archiving(case: Case) -> str | None:
    """The data the archive step fixed for the case's file (None: archived before it did)."""
    return db.session.scalar(select(CaseExport.fixed_data).where(
        CaseExport.case_id == case.id, CaseExport.purpose == "archive",
        CaseExport.fixed_data.is_not(None)).limit(1))


def _discard(sha256: str) -> None:
    """Delete a stored copy that lost the race to be frozen, unless a case names those bytes.
    Only the store's copies are ever deleted: an original with the same bytes stays."""
    named = db.session.scalar(select(Case.id).where(Case.archive_sha256 == sha256).limit(1))
    db.session.rollback()
    if named is None:
        evidence.current_store().delete_copy(sha256)


def _described(path: Path) -> tuple[dict[str, Any], list[str]]:
    """A case file's export columns (manifest digest, members), and the originals it lists
    (evidence and signature images; copies built before the file held the latter list none)."""
    with zipfile.ZipFile(path) as archive:
        body = archive.read(casefile.MANIFEST)
        members = len(archive.namelist())
    originals = list(dict.fromkeys(f["sha256"] for f in json.loads(body)["files"]
                                   if f["role"] in ("evidence", "signature")))
    return {"sha256": hashlib.sha256(body).hexdigest(), "members": members}, originals


def _why_not_at_archiving(session: Session, case: Case) -> str:
    """Why the copy of an archived case was not built by the export its archive step queued."""
    queued = session.execute(select(CaseExport.status, CaseExport.error).where(
        CaseExport.case_id == case.id, CaseExport.purpose == "archive").limit(1)).first()
    if queued is None:
        return "archived before case files were stored at archiving: "
    if queued.status == "failed":
        return f"the build queued at archiving failed ({queued.error}): "
    return "an export finished before the build queued at archiving: "


def _freeze(actor: Actor, row: CaseExport, case: Case, sha256: str, size: int,
            as_archived: bool, released: tuple[list[str], list]) -> str:
    """Record the stored file as the case's archived copy unless one already is (another
    runner was first); returns the copy that holds. Set once, never changed. `as_archived`:
    built from the data fixed at archiving (else from the data at this build). The winner
    audits the copy and the originals its export releases (`released`: their digests and
    records) in the same transaction, and marks its export as the one that froze it."""
    with unit_of_work() as session:
        won = session.execute(update(Case).where(
            Case.id == case.id, Case.state == "archived", Case.archive_sha256.is_(None))
            .values(archive_sha256=sha256)
            .execution_options(synchronize_session=False)).rowcount == 1
        if won:  # built by the archive step's own export, or else by a later one
            session.execute(update(CaseExport).where(CaseExport.id == row.id)
                            .values(archive_sha256=sha256)
                            .execution_options(synchronize_session=False))
            details = {"sha256": sha256, "size": size, "export_id": str(row.id),
                       "archived_on": case.archived_on.isoformat() if case.archived_on else None,
                       "built": "at_archiving" if row.purpose == "archive" else "first_export",
                       "data": "as_archived" if as_archived else "at_this_build"}
            if row.purpose != "archive":
                details["note"] = _why_not_at_archiving(session, case) + (
                    "built at this first export from the case as it stood when archived"
                    if as_archived else "built from the data at this first export") + \
                    ", frozen from now on"
            audit.record(actor, "case.archive_copy", "case", case.id, details)
            note_release(actor, case, *released, export_id=row.id)
        held = session.scalar(select(Case.archive_sha256).where(Case.id == case.id))
    return held
