"""Files received whole in one request (the images of a console form) kept as evidence the
way a finished tus upload is: staged in the evidence store, examined, installed under their
SHA-256 and recorded with the actor's district as holder and their audit
(admission.admit_staged). A file too large, empty or not an image is refused, naming its
input; then none is kept."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from server.auth.policy import Actor, authorize
from server.errors import ValidationFailed
from server.evidence import admission, settings
from server.evidence.storage import CHUNK, EvidenceStore, Part
from server.messages import Catalogue, Message
from server.uow import unit_of_work

CATALOGUE = Catalogue({
    "received.refused": "Some files cannot be kept as evidence; none was kept.",
    "received_field.empty": "the file is empty",
    "received_field.too_large": "the file is larger than {limit_mib} MiB",
    "received_field.not_image": "not an image this server can read (JPEG, PNG, HEIF…)",
    "received_field.pixels": "the image has too many pixels",
})
said = CATALOGUE.said


@dataclass(frozen=True)
class Received:
    """A file as the form sent it: its input's name, its bytes, the name it had."""

    name: str
    stream: BinaryIO
    filename: str | None


def _stage(store: EvidenceStore, staging_id: str, stream: BinaryIO,
           limit: int) -> tuple[Part | None, Message | None]:
    """Copy the file into the store's staging area, at most `limit` bytes."""
    writer = store.new_part(staging_id)
    size = 0
    try:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                writer.abort()
                return None, said("received_field.too_large", limit_mib=f"{limit / 2**20:g}")
            writer.write(chunk)
    except BaseException:
        writer.abort()
        raise
    if size == 0:
        writer.abort()
        return None, said("received_field.empty")
    return writer.finish(durable=True), None


def _examined(store: EvidenceStore, staging_id: str, part: Part, kind: str) -> Message | None:
    """Why the staged file cannot be evidence of `kind`, or None."""
    try:
        with store.open_part(staging_id, part) as staged:
            found = admission.examine(staged, kind, None)
    except admission.TooManyPixels:
        return said("received_field.pixels")
    except admission.Refused:
        return said("received_field.not_image")
    return None if found.mime.startswith("image/") else said("received_field.not_image")


def keep_images(actor: Actor, files: Sequence[Received], kind: str, limit: int,
                source: str) -> dict[str, str]:
    """Keep each file as image evidence of `kind` (all or none, in one unit of work): the
    SHA-256 of each by its input's name; the same bytes twice are kept once."""
    authorize(actor, "evidence.upload")
    store = settings.current_store()
    staging_ids = {received.name: uuid.uuid4().hex for received in files}
    staged: dict[str, Part] = {}
    notes: dict[str, Message] = {}
    try:
        for received in files:
            staging_id = staging_ids[received.name]
            part, note = _stage(store, staging_id, received.stream, limit)
            note = note or _examined(store, staging_id, part, kind)
            if note is not None:
                notes[received.name] = note
            else:
                staged[received.name] = part
        if notes:
            raise CATALOGUE.refused(ValidationFailed, said("received.refused"), notes)
        kept: set[str] = set()  # the SHA-256 of each file admitted
        with unit_of_work() as session:
            for received in files:
                part = staged[received.name]
                if part.sha256 not in kept:
                    kept.add(part.sha256)
                    admission.admit_staged(
                        session, actor, store, staging_ids[received.name], part, kind=kind,
                        filetype=None, filename=received.filename, source={"form": source}
                    )
        return {received.name: staged[received.name].sha256 for received in files}
    finally:
        for staging_id in staging_ids.values():
            store.discard(staging_id)
