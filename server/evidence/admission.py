"""Admitting a finished upload as evidence: what the file is (an image read for its EXIF
facts, or a declared media type), and its record; or why it may not become evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.policy import Actor
from server.clock import SHANGHAI, utcnow
from server.errors import DomainError
from server.evidence import images, service
from server.evidence.models import FAILED, NOT_APPLICABLE, PENDING, Evidence, EvidenceHolder, Upload
from server.evidence.settings import max_pixels, undecoded_types
from server.evidence.storage import EvidenceStore, Part

KINDS = ("photo", "signature", "audio", "video", "document")
IMAGE_KINDS = frozenset({"photo", "signature", "document"})
MEDIA_KINDS = frozenset({"audio", "video", "document"})


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
    stream = images.seekable(stream)
    head = stream.read(images.SNIFF_BYTES)
    if not head:
        raise EmptyFile("A zero-byte file is not evidence.")
    stream.seek(0)
    sniffed = images.sniff(head)
    facts = None
    if sniffed is None or sniffed.startswith("image/"):
        try:
            facts = images.inspect(stream, max_pixels())
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
    if declared not in undecoded_types() or kind not in MEDIA_KINDS:
        raise UnsupportedFile(
            "Not an image this server can read, and not a declared media type it accepts "
            f"(filetype {declared or 'not given'}; accepted: "
            f"{', '.join(sorted(undecoded_types())) or 'none'}).")
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
    return admit_staged(session, actor, store, upload_id, whole, kind=upload.kind,
                        filetype=upload.filetype, filename=upload.filename,
                        source={"upload": str(upload.id)})


def admit_staged(session: Session, actor: Actor, store: EvidenceStore, staging_id: str,
                 whole: Part, *, kind: str | None, filetype: str | None, filename: str | None,
                 source: dict[str, str]) -> Evidence:
    """Turn a whole file staged under `staging_id` into evidence inside the caller's
    transaction: examined, installed under its SHA-256, recorded with the actor's district as
    holder and audited (`source` says where it came from); an original already kept is held
    by the district too. Refused if the file may not become evidence."""
    with store.open_part(staging_id, whole) as staged:
        admission = examine(staged, kind, filetype)
    store.install(staging_id, whole)
    existing = session.get(Evidence, whole.sha256, with_for_update=True)
    if existing is not None:
        audit.record(actor, "evidence.duplicate", "evidence", existing.sha256,
                     {**source, "filename": filename})
        service.hold(session, existing.sha256, actor.scope)
        return existing
    evidence = Evidence(
        sha256=whole.sha256, size=whole.size, mime=admission.mime, kind=admission.kind,
        filename=filename, uploaded_by=actor.user_id, district=actor.scope,
        device_id=actor.device_id, uploaded_at=utcnow(), flags=list(admission.flags),
        derivation=admission.derivation, **admission.columns)
    session.add(evidence)
    session.add(EvidenceHolder(sha256=evidence.sha256, district=actor.scope))
    audit.record(actor, "evidence.create", "evidence", evidence.sha256, {
        "size": evidence.size, "mime": evidence.mime, "kind": evidence.kind,
        "filename": evidence.filename, **source, "flags": evidence.flags})
    return evidence
