"""Derived images of evidence: the thumbnail made off the upload path (or at the first read),
and thumbnails and previews made once and then kept."""

from __future__ import annotations

from sqlalchemy import select

from server.audit import service as audit
from server.errors import NotFound
from server.evidence import images
from server.evidence.models import FAILED, PENDING, READY, Evidence
from server.evidence.settings import current_store, max_pixels
from server.extensions import db
from server.uow import unit_of_work

SIZES = {"thumbnail": images.THUMBNAIL_PX, "preview": images.PREVIEW_PX}


def ensure_derived(sha256: str) -> Evidence | None:
    """Make the thumbnail of pending evidence, or flag it `undecodable`; idempotent."""
    evidence = db.session.get(Evidence, sha256)
    if evidence is None or evidence.derivation != PENDING:
        return evidence
    db.session.rollback()  # hold no lock while decoding
    store = current_store()
    try:
        with store.open(sha256) as original:
            data = images.render(images.seekable(original), images.THUMBNAIL_PX, max_pixels())
        store.put_derived(sha256, "thumbnail", data)
        outcome, problem = READY, None
    except (images.Undecodable, images.ImageTooLarge) as error:
        outcome, problem = FAILED, str(error)
    with unit_of_work() as session:
        evidence = session.get(Evidence, sha256, with_for_update=True)
        if evidence.derivation == PENDING:
            evidence.derivation = outcome
            if outcome == FAILED:
                evidence.flags = sorted({*evidence.flags, "undecodable"})
            audit.record(None, "evidence.derive", "evidence", sha256,
                         {"outcome": outcome, "problem": problem})
    return evidence


def derive_pending(limit: int = 100) -> int:
    """Derive evidence left pending (e.g. a worker stopped after the upload); returns count."""
    shas = db.session.scalars(select(Evidence.sha256).where(Evidence.derivation == PENDING)
                              .order_by(Evidence.uploaded_at).limit(limit)).all()
    for sha256 in shas:
        ensure_derived(sha256)
    return len(shas)


def derived_of(evidence: Evidence, variant: str) -> bytes:
    """The derived JPEG of evidence the caller has already read through get_evidence(s)."""
    sha256 = evidence.sha256
    if evidence.derivation != READY:
        reason = " (the image cannot be decoded)" if evidence.derivation == FAILED else ""
        raise NotFound(f"This evidence has no {variant}{reason}.")
    store = current_store()
    kept = store.open_derived(sha256, variant)
    if kept is not None:
        with kept:
            return kept.read()
    db.session.rollback()  # hold no lock while decoding
    try:
        with store.open(sha256) as original:
            data = images.render(images.seekable(original), SIZES[variant], max_pixels())
    except (images.Undecodable, images.ImageTooLarge) as error:
        raise NotFound(f"This evidence has no {variant}: {error}.") from error
    store.put_derived(sha256, variant, data)
    return data
