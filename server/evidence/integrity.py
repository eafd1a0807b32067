"""The integrity of the evidence store: every original re-hashed against its address."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import BinaryIO

from sqlalchemy import select

from server.audit import service as audit
from server.evidence.models import Evidence
from server.evidence.settings import BATCH, current_store
from server.evidence.storage import CHUNK, EvidenceStore
from server.extensions import db
from server.uow import unit_of_work

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntegrityReport:
    """Originals re-hashed: how many, which differ from their address, which are missing."""

    checked: int
    mismatched: list[str]
    missing: list[str]
    unverified: list[str] = field(default_factory=list)  # intact, but its signature fails

    @property
    def ok(self) -> bool:
        """No original changed, went missing or fails its signature."""
        return not self.mismatched and not self.missing and not self.unverified


def stored_digest(store: EvidenceStore, sha256: str, copy: BinaryIO | None = None, *,
                  case_file: bool = False) -> str | None:
    """The SHA-256 of the bytes the store holds at `sha256`'s address (`case_file`: among its
    archived case-file copies); None if it holds none. The bytes are also written to `copy`
    when one is given."""
    digest = hashlib.sha256()
    try:
        with (store.open_copy if case_file else store.open)(sha256) as original:
            while chunk := original.read(CHUNK):
                digest.update(chunk)
                if copy is not None:
                    copy.write(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def verify_evidence_integrity() -> IntegrityReport:
    """Re-hash every original against its address; the result is appended to the audit log."""
    store = current_store()
    checked, mismatched, missing = 0, [], []
    last = ""
    while True:
        batch = db.session.scalars(select(Evidence.sha256).where(Evidence.sha256 > last)
                                   .order_by(Evidence.sha256).limit(BATCH)).all()
        db.session.rollback()
        if not batch:
            break
        for sha256 in batch:
            checked += 1
            found = stored_digest(store, sha256)
            if found is None:
                missing.append(sha256)
            elif found != sha256:
                mismatched.append(sha256)
        last = batch[-1]
    report = IntegrityReport(checked, mismatched, missing)
    if not report.ok:
        log.error("evidence integrity: %d changed, %d missing", len(mismatched), len(missing))
    with unit_of_work():
        audit.record(None, "evidence.verify_integrity", "evidence", "*", {
            "checked": checked, "mismatched": mismatched, "missing": missing})
    return report
