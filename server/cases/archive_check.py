"""The nightly check of archived case files: each stored copy still hashes to the SHA-256
recorded on its case (LAW.md §6: nothing is changed after archiving) and its signature still
verifies under a key the server knows, so damage, or a retired signing key dropped from the
configuration, is found before someone needs the file, not when they export it."""

from __future__ import annotations

import logging
import tempfile

from flask import current_app
from sqlalchemy import select

from server.audit import service as audit
from server.cases import casefile
from server.cases.casefile_keys import keyring, verifiers
from server.cases.models import Case
from server.evidence.integrity import IntegrityReport, stored_digest
from server.evidence.settings import current_store
from server.extensions import db
from server.uow import unit_of_work

BATCH = 500
log = logging.getLogger(__name__)


def verify_archived_copies() -> IntegrityReport:
    """Re-hash every archived case's stored file; the result is appended to the audit log."""
    store = current_store()
    keys = verifiers(keyring(current_app.config))  # casefile/v2 and v1 copies alike
    checked, mismatched, missing, unverified = 0, [], [], []
    last = ""
    while True:
        rows = db.session.execute(select(Case.archive_sha256, Case.filing_number).where(
            Case.archive_sha256.is_not(None), Case.archive_sha256 > last)
            .order_by(Case.archive_sha256).limit(BATCH)).all()
        db.session.rollback()
        if not rows:
            break
        for sha256, number in rows:
            checked += 1
            with tempfile.NamedTemporaryFile(suffix=".zip") as copy:
                found = stored_digest(store, sha256, copy, case_file=True)
                copy.flush()
                if found is None:
                    missing.append(f"{number} {sha256}")
                elif found != sha256:
                    mismatched.append(f"{number} {sha256}")
                elif problems := casefile.verify(copy.name, keys).problems:
                    unverified.append(f"{number} {sha256}: {'; '.join(problems)}")
        last = rows[-1][0]
    report = IntegrityReport(checked, mismatched, missing, unverified)
    if not report.ok:
        log.error("archived case files: %d changed, %d missing, %d failing their signature",
                  len(mismatched), len(missing), len(unverified))
    with unit_of_work():
        audit.record(None, "case.verify_archived_copies", "case", "*", {
            "checked": checked, "mismatched": mismatched, "missing": missing,
            "unverified": unverified})
    return report
