"""Write-once evidence storage addressed by SHA-256: the interface and the local-disk backend.

Three areas per store: originals (`put`/`open`, never overwritten), derived files (thumbnails,
previews; re-creatable) and staging (the bytes of unfinished tus uploads). Staging lives in the
store itself so that any worker on any host can take the next chunk of an upload.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
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
    """Upload ids are UUID hex strings; anything else never reaches a path or key."""
    if len(upload_id) != 32 or not HEX.issuperset(upload_id):
        raise ValueError("not an upload id")
    return upload_id


class StagingLost(OSError):
    """The staged bytes before the offset are gone (purged, or lost in a crash)."""


@dataclass(frozen=True)
class Promoted:
    """The outcome of moving staged bytes into the originals."""

    sha256: str
    size: int
    stored: bool  # False when the digest did not match or the original already existed


class EvidenceStore(Protocol):
    """Where evidence lives; originals are immutable once written."""

    def put(self, stream: BinaryIO) -> str:
        """Store a stream write-once; return its SHA-256 hex digest (its address)."""

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored original for reading (FileNotFoundError if absent)."""

    def exists(self, sha256: str) -> bool:
        """Whether an original is stored."""

    def put_derived(self, sha256: str, variant: str, data: bytes) -> None:
        """Store a derived file (thumbnail, preview) of an original."""

    def open_derived(self, sha256: str, variant: str) -> BinaryIO | None:
        """Open a derived file, or None if it was not made yet."""

    def stage(self, upload_id: str, offset: int, stream: BinaryIO) -> int:
        """Write an upload's bytes at `offset` (dropping anything staged beyond); return count.

        StagingLost if fewer than `offset` bytes are staged."""

    def open_staged(self, upload_id: str) -> BinaryIO:
        """Read an upload's staged bytes from the start."""

    def promote(self, upload_id: str, expected_sha256: str) -> Promoted:
        """Hash the staged bytes; if they match, make them the original (write-once) and drop
        them from staging; on a mismatch they stay staged for the caller to discard."""

    def discard(self, upload_id: str) -> None:
        """Remove an upload's staged bytes (no error if there are none)."""

    def staged(self) -> Iterator[tuple[str, datetime]]:
        """Every staged upload id with the time it was last written."""

    def check_writable(self) -> None:
        """Raise OSError unless a write would succeed now."""


def _fsync_dir(path: Path) -> None:
    """Make a rename or link durable (POSIX needs the directory synced too)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileSystemStore:
    """Objects as files under a root: ab/cd/abcd…; written to a temp file, fsynced, linked."""

    def __init__(self, root: Path):
        self.root = root
        self.staging_root = root / ".staging"
        self.derived_root = root / ".derived"

    def _path(self, sha256: str) -> Path:
        check_digest(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _staged_path(self, upload_id: str) -> Path:
        return self.staging_root / check_upload_id(upload_id)

    def _install(self, tmp: str, sha256: str) -> bool:
        """Link a complete, fsynced temp file to its address; never replace an original."""
        target = self._path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, 0o444)
        try:
            os.link(tmp, target)  # atomic create-if-absent: an existing original wins
        except FileExistsError:
            return False
        finally:
            os.unlink(tmp)
        _fsync_dir(target.parent)
        return True

    def put(self, stream: BinaryIO) -> str:
        """Store a stream write-once; an existing object is never overwritten."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            self._install(tmp, digest.hexdigest())
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return digest.hexdigest()

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored object."""
        return self._path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        """Whether an object is stored."""
        return self._path(sha256).exists()

    def put_derived(self, sha256: str, variant: str, data: bytes) -> None:
        """Write a derived file atomically (a reader sees the old state or the whole file)."""
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}")
        folder = self.derived_root / check_digest(sha256)[:2]
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, folder / f"{sha256}.{variant}.jpg")

    def open_derived(self, sha256: str, variant: str) -> BinaryIO | None:
        """Open a derived file if it exists."""
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}")
        try:
            return (self.derived_root / check_digest(sha256)[:2]
                    / f"{sha256}.{variant}.jpg").open("rb")
        except FileNotFoundError:
            return None

    def stage(self, upload_id: str, offset: int, stream: BinaryIO) -> int:
        """Write at `offset` and cut the file there: a crashed earlier attempt leaves no tail."""
        path = self._staged_path(upload_id)
        self.staging_root.mkdir(parents=True, exist_ok=True)
        if offset and (not path.exists() or path.stat().st_size < offset):
            raise StagingLost(f"upload {upload_id} has fewer than {offset} bytes staged")
        written = 0
        with open(path, "r+b" if path.exists() else "w+b") as out:
            out.seek(offset)
            while chunk := stream.read(CHUNK):
                out.write(chunk)
                written += len(chunk)
            out.truncate()
        return written

    def open_staged(self, upload_id: str) -> BinaryIO:
        """Read an upload's staged bytes."""
        return self._staged_path(upload_id).open("rb")

    def promote(self, upload_id: str, expected_sha256: str) -> Promoted:
        """fsync and hash the staged file; link it into place when the digest matches."""
        path = self._staged_path(upload_id)
        digest, size = hashlib.sha256(), 0
        with open(path, "rb") as staged:
            os.fsync(staged.fileno())
            while chunk := staged.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        sha256 = digest.hexdigest()
        if sha256 != expected_sha256:
            return Promoted(sha256, size, stored=False)
        # The staging area sits inside the root, so linking needs no copy.
        stored = self._install(str(path), sha256)
        return Promoted(sha256, size, stored)

    def discard(self, upload_id: str) -> None:
        """Remove staged bytes."""
        self._staged_path(upload_id).unlink(missing_ok=True)

    def staged(self) -> Iterator[tuple[str, datetime]]:
        """Staged upload ids and their last write."""
        if not self.staging_root.is_dir():
            return
        for entry in os.scandir(self.staging_root):
            if entry.is_file() and len(entry.name) == 32 and HEX.issuperset(entry.name):
                yield entry.name, datetime.fromtimestamp(entry.stat().st_mtime, UTC)

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
