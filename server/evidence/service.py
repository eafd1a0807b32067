"""Use cases of evidence: admit a finished upload, read metadata, stream originals (chain of
custody), derive thumbnails, check integrity; and lookups for the records that cite evidence.

Scope: evidence belongs to the districts holding it: that of each user who uploaded it, and
that of a record citing it by someone who could see it (`share`); users of those districts and
city-wide users see it, and so do the inspectors named officers of a record of such a district
that cites it (交叉检查: they read it as they read the record, and as their tablets pull it);
everyone else gets 404. (Records that cite evidence decide their own scope; this is the scope
of the evidence endpoints.)
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.policy import Actor, allowed, authorize, in_scope
from server.clock import SHANGHAI, utcnow
from server.errors import DomainError, NotFound, ServiceUnavailable
from server.evidence import images
from server.evidence.models import (
    FAILED,
    NOT_APPLICABLE,
    PENDING,
    READY,
    Evidence,
    EvidenceHolder,
    Upload,
)
from server.evidence.storage import CHUNK, EvidenceStore, Part, check_digest, store_from_url
from server.extensions import db
from server.fieldwork import citations
from server.uow import unit_of_work

log = logging.getLogger(__name__)

KINDS = ("photo", "signature", "audio", "video", "document")
IMAGE_KINDS = frozenset({"photo", "signature", "document"})
MEDIA_KINDS = frozenset({"audio", "video", "document"})
SIZES = {"thumbnail": images.THUMBNAIL_PX, "preview": images.PREVIEW_PX}
BATCH = 500


class Refused(DomainError):
    """The finished upload cannot become evidence (nothing is kept)."""


class EmptyFile(Refused):
    """A zero-byte file."""

    slug = "bad-request"


class UnsupportedFile(Refused):
    """Neither a decodable image nor an allowed media type."""

    slug = "unsupported-media-type"


class HashMismatch(Refused):
    """The bytes received do not have the SHA-256 declared at creation."""

    slug = "validation-error"


class TooManyPixels(Refused):
    """A decompression bomb, or an image beyond EVIDENCE_MAX_IMAGE_PIXELS."""

    slug = "validation-error"


@dataclass(frozen=True)
class Admission:
    """What a finished upload will be recorded as."""

    mime: str
    kind: str
    columns: dict[str, Any] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    derivation: str = NOT_APPLICABLE


@dataclass(frozen=True)
class IntegrityReport:
    """Originals re-hashed: how many, which differ from their address, which are missing."""

    checked: int
    mismatched: list[str]
    missing: list[str]

    @property
    def ok(self) -> bool:
        """No original changed or went missing."""
        return not self.mismatched and not self.missing


def current_store() -> EvidenceStore:
    """The configured evidence store."""
    return store_from_url(current_app.config["EVIDENCE_STORE"])


def _max_pixels() -> int:
    return int(current_app.config["EVIDENCE_MAX_IMAGE_PIXELS"])


def _undecoded_types() -> frozenset[str]:
    return frozenset(current_app.config["EVIDENCE_UNDECODED_TYPES"])


def _seekable(stream: BinaryIO) -> BinaryIO:
    """Pillow needs to seek; object-store bodies cannot, so they are read into memory."""
    if getattr(stream, "seekable", lambda: False)():
        return stream
    with stream:
        return io.BytesIO(stream.read())


def _image_admission(facts: images.ImageFacts, kind: str) -> Admission:
    exif = facts.exif
    flags = set(exif.flags)
    captured = exif.captured_at(SHANGHAI)
    if captured is not None and exif.captured_offset is None:
        flags.add("time_zone_assumed")
    if exif.gps is None and kind == "photo":
        flags.add("no_gps")
    offset = None
    if exif.captured_offset is not None:
        minutes = int(exif.captured_offset.total_seconds() // 60)
        offset = f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    columns = {
        "width": facts.width, "height": facts.height, "orientation": exif.orientation,
        "make": exif.make, "model": exif.model, "captured_offset": offset,
        "captured_at": captured, "gps_lat": exif.gps.lat if exif.gps else None,
        "gps_lon": exif.gps.lon if exif.gps else None,
        "gps_alt": exif.gps.alt if exif.gps else None}
    return Admission(facts.mime, kind, columns, tuple(sorted(flags)), PENDING)


def examine(stream: BinaryIO, declared_kind: str | None, declared_type: str | None) -> Admission:
    """Decide what a complete file is; raise Refused if it may not become evidence."""
    stream = _seekable(stream)
    head = stream.read(images.SNIFF_BYTES)
    if not head:
        raise EmptyFile("A zero-byte file is not evidence.")
    stream.seek(0)
    sniffed = images.sniff(head)
    facts = None
    if sniffed is None or sniffed.startswith("image/"):
        try:
            facts = images.inspect(stream, _max_pixels())
        except images.ImageTooLarge as error:
            raise TooManyPixels(f"Refused as a decompression bomb: {error}.",
                                errors={"file": [str(error)]}) from error
    if facts is not None or (sniffed or "").startswith("image/"):
        kind = declared_kind or "photo"
        if kind not in IMAGE_KINDS:
            raise UnsupportedFile(f"The content is an image, not {kind}.")
        if facts is None:  # an image by its signature that Pillow cannot even open
            return Admission(sniffed or "application/octet-stream", kind,
                             flags=("undecodable",), derivation=FAILED)
        return _image_admission(facts, kind)
    declared = (declared_type or "").lower()
    kind = declared_kind or {"audio": "audio", "video": "video"}.get(declared.split("/")[0],
                                                                    "document")
    if declared not in _undecoded_types() or kind not in MEDIA_KINDS:
        raise UnsupportedFile(
            "Not an image this server can read, and not a declared media type it accepts "
            f"(filetype {declared or 'not given'}; accepted: "
            f"{', '.join(sorted(_undecoded_types())) or 'none'}).")
    if not images.matches_declared(declared, sniffed):
        raise UnsupportedFile(f"The content is not {declared}.")
    return Admission(declared, kind)


def admit(session: Session, actor: Actor, upload: Upload, store: EvidenceStore,
          assembled: Part | None = None) -> Evidence:
    """Turn a complete upload into evidence inside the caller's transaction (with its audit);
    `assembled` is its parts already joined. StagingLost if a staged part has gone; Refused
    if the file may not become evidence."""
    upload_id = upload.id.hex
    whole = assembled or store.assemble(upload_id, [Part(p["key"], p["size"], p["sha256"])
                                                    for p in upload.parts])
    if whole.sha256 != upload.declared_sha256:
        raise HashMismatch(
            "The bytes received do not have the declared SHA-256; nothing was kept.",
            errors={"sha256": [f"declared {upload.declared_sha256}, received {whole.sha256} "
                               f"({whole.size} bytes)"]})
    with store.open_part(upload_id, whole) as staged:
        admission = examine(staged, upload.kind, upload.filetype)
    store.install(upload_id, whole)
    existing = session.get(Evidence, whole.sha256, with_for_update=True)
    if existing is not None:
        audit.record(actor, "evidence.duplicate", "evidence", existing.sha256,
                     {"upload": str(upload.id), "filename": upload.filename})
        _hold(session, existing.sha256, actor.scope)
        return existing
    evidence = Evidence(
        sha256=whole.sha256, size=whole.size, mime=admission.mime, kind=admission.kind,
        filename=upload.filename, uploaded_by=actor.user_id, district=actor.scope,
        device_id=actor.device_id, uploaded_at=utcnow(), flags=list(admission.flags),
        derivation=admission.derivation, **admission.columns)
    session.add(evidence)
    session.add(EvidenceHolder(sha256=evidence.sha256, district=actor.scope))
    audit.record(actor, "evidence.create", "evidence", evidence.sha256, {
        "size": evidence.size, "mime": evidence.mime, "kind": evidence.kind,
        "filename": evidence.filename, "upload": str(upload.id), "flags": evidence.flags})
    return evidence


def _hold(session: Session, sha256: str, district: str) -> bool:
    """Make the district a holder of the file unless it is one; whether it became one."""
    if session.get(EvidenceHolder, (sha256, district)) is not None:
        return False
    try:  # an ORM row: the records citing the file in this district sync again
        with session.begin_nested():
            session.add(EvidenceHolder(sha256=sha256, district=district))
    except IntegrityError:
        return False  # a concurrent upload or citation in this district added it
    return True


def share(actor: Actor, sha256s: Iterable[str], district: str) -> list[str]:
    """Inside the caller's transaction: a record of `district` cites these files by this
    actor, so the district comes to hold those the actor may already see (an inspector sent
    across cites their own photos: 交叉检查); a digest alone opens nothing. The digests
    shared, each with its audit entry."""
    if (not actor.city_wide and district == actor.scope) or not allowed(actor.role,
                                                                        "evidence.read"):
        return []  # what the actor sees their district holds already
    wanted = sorted(set(sha256s))
    seen: set[str] = set()
    for start in range(0, len(wanted), BATCH):
        seen |= {sha256 for sha256, holder in db.session.execute(select(
            EvidenceHolder.sha256, EvidenceHolder.district).where(
            EvidenceHolder.sha256.in_(wanted[start:start + BATCH]))) if in_scope(actor, holder)}
    shared = [sha256 for sha256 in wanted
              if sha256 in seen and _hold(db.session, sha256, district)]
    for sha256 in shared:
        audit.record(actor, "evidence.share", "evidence", sha256, {"district": district})
    return shared


def _visible(actor: Actor, sha256: str, action: str) -> Evidence:
    """The evidence if it exists in the actor's scope, else NotFound (also for bad digests)."""
    return visible_evidence(actor, [sha256], action)[sha256]


def visible_evidence(actor: Actor, sha256s: Iterable[str],
                     action: str = "evidence.read") -> dict[str, Evidence]:
    """Each named evidence record, if every one exists in a district of the actor's scope
    holding it; NotFound otherwise (also for bad digests). Two queries per BATCH digests."""
    wanted = list(dict.fromkeys(sha256s))
    try:
        for sha256 in wanted:
            check_digest(sha256)
    except ValueError:
        raise NotFound("No such evidence.") from None
    found: dict[str, Evidence] = {}
    holders: dict[str, list[str]] = {}
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start:start + BATCH]
        found |= {row.sha256: row for row in db.session.scalars(
            select(Evidence).where(Evidence.sha256.in_(chunk)))}
        for sha256, district in db.session.execute(select(
                EvidenceHolder.sha256, EvidenceHolder.district).where(
                EvidenceHolder.sha256.in_(chunk))):
            holders.setdefault(sha256, []).append(district)
    for sha256 in wanted:
        evidence = found.get(sha256)
        if evidence is None:
            raise NotFound("No such evidence.")
        held = holders.get(sha256, [])
        district = next((d for d in held if in_scope(actor, d)), None)
        if district is None and _officer_citing(actor, sha256, held):
            authorize(actor, action)
        else:
            authorize(actor, action, district or evidence.district)
    return {sha256: found[sha256] for sha256 in wanted}


def _officer_citing(actor: Actor, sha256: str, districts: list[str]) -> bool:
    """Whether the actor is an inspector named an officer of a record of these districts (the
    holders) that cites the file, whatever the record's district (inspections.authorize_on).
    Only asked when no holder is in the actor's scope: it scans the citing records."""
    user = str(actor.user_id)
    return actor.role == "inspector" and any(
        user in citations.officers(record)
        for record in citations.records_citing(sha256, districts))


def ensure_derived(sha256: str) -> Evidence | None:
    """Make the thumbnail of pending evidence, or flag it `undecodable`; idempotent."""
    evidence = db.session.get(Evidence, sha256)
    if evidence is None or evidence.derivation != PENDING:
        return evidence
    db.session.rollback()  # hold no lock while decoding
    store = current_store()
    try:
        with store.open(sha256) as original:
            data = images.render(_seekable(original), images.THUMBNAIL_PX, _max_pixels())
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


def get_evidence(actor: Actor, sha256: str) -> Evidence:
    """Metadata of one piece of evidence in scope (derived facts complete)."""
    return get_evidences(actor, [sha256])[sha256]


def get_evidences(actor: Actor, sha256s: Iterable[str]) -> dict[str, Evidence]:
    """Metadata of the named evidence, all in scope (else NotFound), derived facts complete."""
    records = visible_evidence(actor, sha256s)
    for sha256, record in records.items():
        if record.derivation == PENDING:
            records[sha256] = ensure_derived(sha256)
    return records


def open_original(actor: Actor, sha256: str, purpose: str = "view") -> tuple[Evidence, BinaryIO]:
    """The untouched bytes; the audit entry (chain of custody) commits before they flow."""
    if purpose not in ("view", "export"):
        raise ValueError(f"unknown purpose {purpose!r}")
    evidence = _visible(actor, sha256, "evidence.view_original")
    try:
        stream = current_store().open(sha256)
    except FileNotFoundError:
        log.error("evidence %s has a record but no original in the store", sha256)
        raise ServiceUnavailable("The original is missing from the evidence store; the "
                                 "integrity check will report it.") from None
    try:
        with unit_of_work():
            audit.record(actor, f"evidence.{purpose}_original", "evidence", sha256,
                         {"size": evidence.size, "mime": evidence.mime})
    except BaseException:
        stream.close()
        raise
    return evidence, stream


def derived_image(actor: Actor, sha256: str, variant: str) -> bytes:
    """A derived JPEG (thumbnail 320 px, preview 1280 px), made once and then kept."""
    return derived_of(get_evidence(actor, sha256), variant)


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
            data = images.render(_seekable(original), SIZES[variant], _max_pixels())
    except (images.Undecodable, images.ImageTooLarge) as error:
        raise NotFound(f"This evidence has no {variant}: {error}.") from error
    store.put_derived(sha256, variant, data)
    return data


def stored_digest(store: EvidenceStore, sha256: str) -> str | None:
    """The SHA-256 of the bytes the store holds at `sha256`'s address; None if it holds none."""
    digest = hashlib.sha256()
    try:
        with store.open(sha256) as original:
            while chunk := original.read(CHUNK):
                digest.update(chunk)
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


@dataclass(frozen=True)
class EvidenceFacts:
    """What records citing evidence need to know about it."""

    sha256: str
    kind: str
    mime: str
    captured_at: datetime | None
    lat: float | None
    lon: float | None
    alt: float | None
    flags: tuple[str, ...]
    uploaded_by: Any
    device_id: str | None
    district: str
    make: str | None = None
    model: str | None = None


def evidence_facts(sha256s: Iterable[str], district: str | None = None
                   ) -> dict[str, EvidenceFacts]:
    """Facts of the named evidence that exists (positions, capture times, flags); given the
    district of the record citing it, only of evidence that district holds.

    A record may cite any digest, so a record's readers learn nothing of another district's
    file from its citation. Safe inside the caller's transaction: it only reads. The flag
    `undecodable` can still be added to a photo whose thumbnail is pending; position and
    times never change.
    """
    wanted = sorted({s for s in sha256s})
    found: dict[str, EvidenceFacts] = {}
    for start in range(0, len(wanted), BATCH):
        query = select(Evidence).where(Evidence.sha256.in_(wanted[start:start + BATCH]))
        if district is not None:
            query = query.where(Evidence.sha256.in_(select(EvidenceHolder.sha256).where(
                EvidenceHolder.district == district)))
        rows = db.session.scalars(query).all()
        for row in rows:
            found[row.sha256] = EvidenceFacts(
                row.sha256, row.kind, row.mime, row.captured_at, row.gps_lat, row.gps_lon,
                row.gps_alt, tuple(row.flags), row.uploaded_by, row.device_id, row.district,
                row.make, row.model)
    return found


def missing_evidence(sha256s: Iterable[str], district: str | None = None) -> list[str]:
    """Which of the named digests are not (yet) evidence — e.g. still uploading — or, given
    a district, not evidence that district holds."""
    wanted = {s for s in sha256s}
    return sorted(wanted - set(evidence_facts(wanted, district)))
