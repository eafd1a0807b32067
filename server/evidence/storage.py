"""Write-once evidence storage addressed by SHA-256: the interface and the local-disk backend.

Four areas per store: originals (never overwritten, never deleted), derived files (thumbnails,
previews; re-creatable), staging (the parts of unfinished tus uploads) and copies (archived case
files: frozen ones stay, unfrozen ones may be pruned, so they are kept apart from the originals).
Each received chunk becomes a part of its own, written while the request body arrives and before
any lock is taken; the upload's row records which parts count, in order. Staging lives in the
store itself, so any worker on any host can take the next chunk of an upload.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlparse

CHUNK = 1024 * 1024
HEX = frozenset("0123456789abcdef")
VARIANTS = frozenset({"thumbnail", "preview"})


def check_digest(sha256: str) -> str:
    """Return the digest if it is 64 lower-case hex characters, else raise ValueError."""
    if len(sha256) != 64 or not HEX.issuperset(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return sha256


def check_upload_id(upload_id: str) -> str:
    """Upload ids and part keys are UUID hex strings; nothing else reaches a path or key."""
    if len(upload_id) != 32 or not HEX.issuperset(upload_id):
        raise ValueError("not an upload id")
    return upload_id


class StagingLost(OSError):
    """A part the upload's record names is no longer staged (purged, or lost in a crash)."""


@dataclass(frozen=True)
class Part:
    """Staged bytes: one received chunk, or a whole assembled file."""

    key: str
    size: int
    sha256: str


class PartWriter(Protocol):
    """Takes the bytes of one part as they arrive."""

    def write(self, data: bytes) -> None:
        """Append bytes."""

    def finish(self, durable: bool = False) -> Part:
        """Close the part and describe it; `durable`: on stable storage before returning."""

    def abort(self) -> None:
        """Throw the part away."""


class EvidenceStore(Protocol):
    """Where evidence lives; originals are immutable once written."""

    def put(self, stream: BinaryIO) -> str:
        """Store a stream write-once; return its SHA-256 hex digest (its address)."""

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored original for reading (FileNotFoundError if absent)."""

    def exists(self, sha256: str) -> bool:
        """Whether an original is stored."""

    def put_copy(self, stream: BinaryIO) -> str:
        """Store an archived case file in the copies area (apart from the originals); return
        its SHA-256. Storing the same bytes again counts as storing them now (copies())."""

    def open_copy(self, sha256: str) -> BinaryIO:
        """Open an archived case file; one stored before copies had an area of their own is
        found among the originals (FileNotFoundError if neither holds it)."""

    def delete_copy(self, sha256: str) -> None:
        """Remove a copy from the copies area only, never an original (no error if absent):
        the caller has checked that no case names it (a copy that lost the race to be
        frozen, or one its builder never froze)."""

    def copies(self) -> Iterator[tuple[str, datetime]]:
        """Every copy in the copies area, and when it was last stored."""

    def put_derived(self, sha256: str, variant: str, data: bytes) -> None:
        """Store a derived file (thumbnail, preview) of an original."""

    def open_derived(self, sha256: str, variant: str) -> BinaryIO | None:
        """Open a derived file, or None if it was not made yet."""

    def new_part(self, upload_id: str) -> PartWriter:
        """Start a part of an upload."""

    def drop_part(self, upload_id: str, key: str) -> None:
        """Remove a part that did not count (e.g. it lost a race for its offset)."""

    def assemble(self, upload_id: str, parts: Sequence[Part]) -> Part:
        """One part holding the whole file (the only part itself when there is one);
        StagingLost if a part is missing."""

    def open_part(self, upload_id: str, part: Part) -> BinaryIO:
        """Read a part."""

    def install(self, upload_id: str, part: Part) -> bool:
        """Make an assembled part the original under its SHA-256 (durably); False if that
        original already existed. The upload's staging area is removed either way."""

    def discard(self, upload_id: str) -> None:
        """Remove an upload's whole staging area (no error if there is none)."""

    def staged(self) -> Iterator[tuple[str, datetime]]:
        """Every upload with staged parts, and when a part was last written."""

    def check_writable(self) -> None:
        """Raise OSError unless a write would succeed now."""


def _fsync_dir(path: Path) -> None:
    """Make a rename or link durable (POSIX needs the directory synced too)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _FilePart:
    """A part written straight to its file, hashed on the way."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.key = uuid.uuid4().hex
        self.path = folder / self.key
        self.file = self.path.open("xb")
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.digest.update(data)
        self.size += len(data)

    def finish(self, durable: bool = False) -> Part:
        if durable:
            self.file.flush()
            os.fsync(self.file.fileno())
        self.file.close()
        return Part(self.key, self.size, self.digest.hexdigest())

    def abort(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


class FileSystemStore:
    """Objects as files under a root: ab/cd/abcd…; fsynced, then hard-linked into place."""

    def __init__(self, root: Path):
        self.root = root
        self.staging_root = root / ".staging"
        self.derived_root = root / ".derived"
        self.copies_root = root / ".casefiles"

    def _path(self, sha256: str) -> Path:
        check_digest(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _staging(self, upload_id: str) -> Path:
        return self.staging_root / check_upload_id(upload_id)

    def _part_path(self, upload_id: str, key: str) -> Path:
        return self._staging(upload_id) / check_upload_id(key)

    def _copy_path(self, sha256: str) -> Path:
        check_digest(sha256)
        return self.copies_root / sha256[:2] / sha256[2:4] / sha256

    def _link(self, source: Path, target: Path) -> bool:
        """fsync a complete file and link it to its address; an existing object wins."""
        with source.open("rb") as complete:
            os.fsync(complete.fileno())
        source.chmod(0o444)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)  # atomic create-if-absent
        except FileExistsError:
            return False
        _fsync_dir(target.parent)
        return True

    def _put(self, stream: BinaryIO, address) -> tuple[str, bool]:
        """Write a stream to a temporary file, then link it to `address(sha256)`; returns the
        digest and whether it was new."""
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.root, prefix=".incoming-") as tmp:
            part = _FilePart(Path(tmp))
            while chunk := stream.read(CHUNK):
                part.write(chunk)
            described = part.finish()
            new = self._link(part.path, address(described.sha256))
        return described.sha256, new

    def put(self, stream: BinaryIO) -> str:
        """Store a stream write-once; an existing object is never overwritten."""
        return self._put(stream, self._path)[0]

    def put_copy(self, stream: BinaryIO) -> str:
        """Store a case file among the copies; the same bytes again refresh its time."""
        sha256, new = self._put(stream, self._copy_path)
        if not new:
            os.utime(self._copy_path(sha256))
        return sha256

    def open_copy(self, sha256: str) -> BinaryIO:
        """Open a copy, else an original of that digest (a copy stored before the area)."""
        try:
            return self._copy_path(sha256).open("rb")
        except FileNotFoundError:
            return self.open(sha256)

    def delete_copy(self, sha256: str) -> None:
        """Unlink a copy's file, durably; the originals are another folder."""
        path = self._copy_path(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        _fsync_dir(path.parent)

    def copies(self) -> Iterator[tuple[str, datetime]]:
        """The copies' files and their modification times."""
        if not self.copies_root.is_dir():
            return
        for path in self.copies_root.glob("??/??/*"):
            if len(path.name) == 64 and HEX.issuperset(path.name):
                try:
                    yield path.name, datetime.fromtimestamp(path.stat().st_mtime, UTC)
                except FileNotFoundError:  # deleted while we looked
                    continue

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored object."""
        return self._path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        """Whether an object is stored."""
        return self._path(sha256).exists()

    def _derived_path(self, sha256: str, variant: str) -> Path:
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}")
        return self.derived_root / check_digest(sha256)[:2] / f"{sha256}.{variant}.jpg"

    def put_derived(self, sha256: str, variant: str, data: bytes) -> None:
        """Write a derived file atomically (a reader sees no file or the whole file)."""
        path = self._derived_path(sha256, variant)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)

    def open_derived(self, sha256: str, variant: str) -> BinaryIO | None:
        """Open a derived file if it exists."""
        try:
            return self._derived_path(sha256, variant).open("rb")
        except FileNotFoundError:
            return None

    def new_part(self, upload_id: str) -> PartWriter:
        """A part file in the upload's staging folder."""
        return _FilePart(self._staging(upload_id))

    def drop_part(self, upload_id: str, key: str) -> None:
        """Remove a part file."""
        self._part_path(upload_id, key).unlink(missing_ok=True)

    def assemble(self, upload_id: str, parts: Sequence[Part]) -> Part:
        """Concatenate the parts into a new one (a single part is used as it is)."""
        for part in parts:
            if not self._part_path(upload_id, part.key).exists():
                raise StagingLost(f"part {part.key} of upload {upload_id} is gone")
        if len(parts) == 1:
            return parts[0]
        whole = _FilePart(self._staging(upload_id))
        try:
            for part in parts:
                with self._part_path(upload_id, part.key).open("rb") as source:
                    while chunk := source.read(CHUNK):
                        whole.write(chunk)
        except FileNotFoundError as error:
            whole.abort()
            raise StagingLost(f"a part of upload {upload_id} is gone") from error
        return whole.finish(durable=True)

    def open_part(self, upload_id: str, part: Part) -> BinaryIO:
        """Open a part file."""
        try:
            return self._part_path(upload_id, part.key).open("rb")
        except FileNotFoundError as error:
            raise StagingLost(f"part {part.key} of upload {upload_id} is gone") from error

    def install(self, upload_id: str, part: Part) -> bool:
        """Link the assembled part into place without copying (staging is inside the root)."""
        stored = self._link(self._part_path(upload_id, part.key), self._path(part.sha256))
        self.discard(upload_id)
        return stored

    def discard(self, upload_id: str) -> None:
        """Remove the upload's staging folder."""
        shutil.rmtree(self._staging(upload_id), ignore_errors=True)

    def staged(self) -> Iterator[tuple[str, datetime]]:
        """Staging folders and their latest write."""
        if not self.staging_root.is_dir():
            return
        for entry in os.scandir(self.staging_root):
            if entry.is_dir() and len(entry.name) == 32 and HEX.issuperset(entry.name):
                try:
                    latest = max([entry.stat().st_mtime,
                                  *(part.stat().st_mtime for part in os.scandir(entry.path))])
                except FileNotFoundError:  # removed while we looked: nothing to report
                    continue
                yield entry.name, datetime.fromtimestamp(latest, UTC)

    def check_writable(self) -> None:
        """Create and remove a probe file."""
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".probe-"):
            pass


_STORES: dict[tuple, EvidenceStore] = {}


def store_from_url(url: str, s3_settings: dict[str, str | None] | None = None) -> EvidenceStore:
    """The store named by EVIDENCE_STORE: file:///path or s3://bucket/prefix (cached per URL).

    S3 endpoint and credentials come from `s3_settings`, else from the running app's config
    (EVIDENCE_S3_*), else from boto3's own environment chain.
    """
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return FileSystemStore(Path(parsed.netloc + parsed.path))
    if parsed.scheme == "s3":
        from server.evidence.s3 import S3Store, settings_from_app

        settings = s3_settings if s3_settings is not None else settings_from_app()
        key = (url, tuple(sorted(settings.items())))
        if key not in _STORES:
            _STORES[key] = S3Store(parsed.netloc, parsed.path.strip("/"), settings)
        return _STORES[key]
    raise ValueError(f"unsupported EVIDENCE_STORE scheme {parsed.scheme!r} "
                     "(use file:// or s3://)")
