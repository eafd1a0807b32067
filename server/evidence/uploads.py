"""Use cases of tus uploads: create, report the offset, take a chunk, terminate, purge.

An upload is bound to the user and device that created it; anyone else gets 404. A chunk is
written to a staged part as it arrives, with no database transaction open, so a slow tablet
never holds a lock; then, under the upload's row lock (the write lock on SQLite), the offset is
checked again and the part counted. That serializes concurrent PATCHes to one upload: the
loser's part is dropped and it gets 409.
"""

from __future__ import annotations

import hmac
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select
from werkzeug.exceptions import ClientDisconnected

from server.auth import service as auth
from server.auth.policy import Actor, authorize
from server.clock import utcnow
from server.errors import Conflict, DomainError, NotFound, Unauthorized, ValidationFailed
from server.evidence import admission, settings, tus
from server.evidence import service as evidence_service
from server.evidence.models import Upload
from server.evidence.storage import CHUNK, HEX, EvidenceStore, Part, StagingLost
from server.extensions import db
from server.fieldwork import citations
from server.uow import unit_of_work

log = logging.getLogger(__name__)

MAX_PARTS = 2000  # at 50 MB, chunks of 25 KB on average


class TooManyOpen(DomainError):
    """The user holds as many unfinished uploads as one may (TUS_MAX_OPEN_UPLOADS)."""

    slug = "rate-limited"


class TooLarge(DomainError):
    """More bytes than the upload's length or the server's maximum."""

    slug = "payload-too-large"


@dataclass(frozen=True)
class Declared:
    """What Upload-Metadata declares about the file."""

    sha256: str
    filename: str | None
    kind: str | None
    filetype: str | None


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed."""

    uploads: int
    orphaned_staging: int


def _ttl() -> timedelta:
    return timedelta(hours=current_app.config["TUS_EXPIRY_HOURS"])


def declared_from(header: str | None) -> Declared:
    """Validate Upload-Metadata: sha256 required; filename, kind, filetype optional."""
    try:
        values = tus.parse_metadata(header)
    except ValueError as error:
        raise DomainError(f"Upload-Metadata is malformed: {error}.") from error
    errors: dict[str, list[str]] = {}
    sha256 = (values.get("sha256") or "").strip().lower()
    if len(sha256) != 64 or not HEX.issuperset(sha256):
        errors["sha256"] = ["required: the SHA-256 of the whole file, 64 hex digits"]
    kind = values.get("kind") or None
    if kind is not None and kind not in admission.KINDS:
        errors["kind"] = [f"one of {', '.join(admission.KINDS)}"]
    filename = os.path.basename((values.get("filename") or "").replace("\\", "/")) or None
    if filename and len(filename) > 255:
        errors["filename"] = ["at most 255 characters"]
    filetype = (values.get("filetype") or "").split(";")[0].strip().lower() or None
    if filetype and len(filetype) > 100:
        errors["filetype"] = ["at most 100 characters"]
    if errors:
        raise ValidationFailed("Upload-Metadata is not valid.",
                               errors={f"Upload-Metadata.{k}": v for k, v in errors.items()})
    return Declared(sha256, filename, kind, filetype)


def _mib(size: int) -> str:
    """A byte count as people read it: '57.2 MiB'."""
    return f"{size / 2**20:.1f} MiB"


def _refuse_too_many_open(actor: Actor, now: datetime) -> None:
    """Each open upload may stage up to TUS_MAX_SIZE bytes until it expires: a user's open
    ones are bounded (TUS_MAX_OPEN_UPLOADS), so one account cannot fill the staging store."""
    limit = current_app.config["TUS_MAX_OPEN_UPLOADS"]
    held = db.session.scalar(select(func.count()).select_from(Upload).where(
        Upload.user_id == actor.user_id, Upload.completed_at.is_(None),
        Upload.refused.is_(None), Upload.expires_at > now)) or 0
    if held >= limit:
        raise TooManyOpen(f"You have {held} unfinished uploads (at most {limit}): finish "
                          "them, or wait until they expire, then start this one again.",
                          headers={"Retry-After": "60"})


def create_upload(actor: Actor, length: int | None, metadata: str | None) -> Upload:
    """Open an upload of `length` bytes (tus creation)."""
    authorize(actor, "evidence.upload")
    if length is None:
        raise DomainError("Upload-Length is required (Upload-Defer-Length is not supported).")
    if length == 0:
        raise admission.EmptyFile("A zero-byte file is not evidence.")
    limit = current_app.config["TUS_MAX_SIZE"]
    if length > limit:
        raise TooLarge(f"The file is {_mib(length)}; at most {_mib(limit)} is accepted "
                       f"(Upload-Length {length} exceeds Tus-Max-Size {limit}).")
    declared = declared_from(metadata)
    now = utcnow()
    _refuse_too_many_open(actor, now)
    with unit_of_work() as session:
        upload = Upload(id=uuid.uuid4(), user_id=actor.user_id, device_id=actor.device_id,
                        length=length, offset=0, parts=[], metadata_header=metadata or "",
                        filename=declared.filename, declared_sha256=declared.sha256,
                        kind=declared.kind, filetype=declared.filetype, created_at=now,
                        expires_at=now + _ttl())
        session.add(upload)
    return upload


def _bound(actor: Actor, upload_id: uuid.UUID, *, lock: bool = False) -> Upload:
    """The caller's own live upload (404 for anyone else's, 410 once refused or expired)."""
    upload = db.session.get(Upload, upload_id, with_for_update=lock)
    if upload is None or upload.user_id != actor.user_id or upload.device_id != actor.device_id:
        raise NotFound("No such upload.")
    authorize(actor, "evidence.upload")
    if upload.refused:
        raise tus.gone(f"This upload was refused: {upload.refused} Start a new upload.")
    if upload.completed_at is None and upload.expires_at <= utcnow():
        raise tus.gone("This upload expired; start a new upload.")
    return upload


def upload_status(actor: Actor, upload_id: uuid.UUID) -> Upload:
    """The upload's offset and length (tus HEAD)."""
    return _bound(actor, upload_id)


def _check_offset(upload: Upload, offset: int) -> None:
    if offset != upload.offset:
        raise Conflict(f"Upload-Offset {offset} does not match the upload's offset "
                       f"{upload.offset}; ask with HEAD and resume from there.",
                       upload_offset=upload.offset)


def _receive(store: EvidenceStore, upload_id: uuid.UUID, body: BinaryIO, room: int,
             checksum: tuple[str, bytes] | None) -> Part | None:
    """Write the body (at most `room` bytes) into a new part as it arrives; None if empty.

    A body cut short is kept as far as it came (tus: resume where it broke), unless it had a
    checksum, which it then cannot match (460)."""
    writer = store.new_part(upload_id.hex)
    hasher = tus.CHECKSUMS[checksum[0]]() if checksum else None
    received, interrupted = 0, False
    try:
        while True:
            try:
                chunk = body.read(min(CHUNK, room - received + 1))
            except (ClientDisconnected, OSError):
                interrupted = True
                break
            if not chunk:
                break
            received += len(chunk)
            if received > room:
                raise TooLarge(f"The chunk goes beyond the upload's length ({room} bytes left).")
            writer.write(chunk)
            if hasher is not None:
                hasher.update(chunk)
        if checksum and (interrupted or not hmac.compare_digest(hasher.digest(), checksum[1])):
            raise tus.checksum_mismatch(checksum[0])
    except BaseException:
        writer.abort()
        raise
    if interrupted:
        log.info("upload %s: connection lost after %d bytes; kept them", upload_id, received)
    if not received:
        writer.abort()
        return None
    # The last chunk is synced now, not while the row lock (on SQLite: the database) is held.
    return writer.finish(durable=received == room)


def receive_chunk(actor: Actor, upload_id: uuid.UUID, offset: int, body: BinaryIO,
                  content_length: int | None, checksum: tuple[str, bytes] | None) -> Upload:
    """Take the bytes at `offset` (tus PATCH); at the last byte the file becomes evidence."""
    upload = _bound(actor, upload_id)
    _check_offset(upload, offset)
    room = upload.length - upload.offset
    if content_length is not None and content_length > room:
        raise TooLarge(f"The chunk of {content_length} bytes goes beyond the upload's length "
                       f"({room} bytes left).")
    if len(upload.parts) >= MAX_PARTS:
        raise DomainError(f"This upload already has {MAX_PARTS} chunks; send larger chunks.")
    counted = [Part(p["key"], p["size"], p["sha256"]) for p in upload.parts]
    db.session.rollback()  # no transaction (and no SQLite write lock) while the body arrives
    store = settings.current_store()
    part = _receive(store, upload_id, body, room, checksum)
    whole = None
    try:
        if part is not None and part.size == room:
            # The last chunk: join the parts now rather than under the lock. Should another
            # request take this offset first, the offset check below refuses this one.
            try:
                whole = store.assemble(upload_id.hex, [*counted, part])
            except StagingLost:
                whole = None  # admit() finds the loss again under the lock and records it
        return _append(actor, upload_id, offset, part, whole, store)
    except BaseException:
        for unused in {part, whole} - {None}:
            store.drop_part(upload_id.hex, unused.key)
        raise


def _append(actor: Actor, upload_id: uuid.UUID, offset: int, part: Part | None,
            whole: Part | None, store: EvidenceStore) -> Upload:
    """Under the upload's row lock: check the offset again, count the part, maybe finish."""
    refusal: Exception | None = None
    with unit_of_work() as session:
        upload = _bound(actor, upload_id, lock=True)
        if not auth.signed_in(actor):  # revoked (a lost tablet) while the bytes arrived
            raise Unauthorized("The access token was revoked, or expired, while this chunk "
                               "arrived; it was not kept.")
        _check_offset(upload, offset)
        if part is not None:
            upload.parts = [*upload.parts, {"key": part.key, "offset": offset,
                                            "size": part.size, "sha256": part.sha256}]
            upload.offset = offset + part.size
        now = utcnow()
        upload.expires_at = now + _ttl()
        if upload.offset == upload.length and upload.completed_at is None:
            try:
                evidence = admission.admit(session, actor, upload, store, whole)
            except StagingLost as error:
                upload.refused = "its staged bytes were lost."
                refusal = tus.gone(f"Bytes of this upload were lost ({error}); start again.")
            except admission.Refused as error:
                upload.refused = error.detail
                refusal = error
            else:
                upload.completed_at, upload.evidence_sha256 = now, evidence.sha256
                for district in citations.districts_citing(evidence.sha256, actor.user_id):
                    evidence_service.share(actor, [evidence.sha256], district)
    if refusal is not None:
        store.discard(upload_id.hex)
        log.warning("upload %s refused: %s", upload_id, refusal)
        raise refusal
    return upload


def terminate_upload(actor: Actor, upload_id: uuid.UUID) -> None:
    """Abandon an upload and free its bytes (tus termination); evidence already made stays."""
    with unit_of_work() as session:
        upload = db.session.get(Upload, upload_id, with_for_update=True)
        if (upload is None or upload.user_id != actor.user_id
                or upload.device_id != actor.device_id):
            raise NotFound("No such upload.")
        authorize(actor, "evidence.upload")
        session.delete(upload)
    settings.current_store().discard(upload_id.hex)


def purge_expired_uploads(now: datetime) -> PurgeReport:
    """Scheduled job: drop uploads past their expiry (and their bytes), and staged bytes that
    no upload owns any more (left by a crash between the two)."""
    store = settings.current_store()
    with unit_of_work() as session:
        expired = session.scalars(select(Upload).where(Upload.expires_at <= now)
                                  .with_for_update()).all()
        ids = [upload.id.hex for upload in expired]
        for upload in expired:
            session.delete(upload)
    for upload_id in ids:
        store.discard(upload_id)
    live = {u.hex for u in db.session.scalars(select(Upload.id))}
    db.session.rollback()
    orphans = [upload_id for upload_id, written in store.staged()
               if upload_id not in live and written <= now - _ttl()]
    for upload_id in orphans:
        store.discard(upload_id)
    return PurgeReport(len(ids), len(orphans))
