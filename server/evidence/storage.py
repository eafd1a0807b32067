"""Write-once evidence storage addressed by SHA-256; the local-disk backend."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlparse

CHUNK = 1024 * 1024


class EvidenceStore(Protocol):
    """Where evidence originals live; objects are immutable once written."""

    def put(self, stream: BinaryIO) -> str:
        """Store a stream; return its SHA-256 hex digest (its address)."""

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored object for reading."""

    def exists(self, sha256: str) -> bool:
        """Whether an object is stored."""

    def check_writable(self) -> None:
        """Raise OSError unless a write would succeed now."""


class FileSystemStore:
    """Objects as files under a root: ab/cd/abcd…; written to a temp file, then renamed."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

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
            target = self._path(digest.hexdigest())
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                os.unlink(tmp)
            else:
                os.replace(tmp, target)
                target.chmod(0o444)
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

    def check_writable(self) -> None:
        """Create and remove a probe file."""
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".probe-"):
            pass


def store_from_url(url: str) -> EvidenceStore:
    """Build the store named by EVIDENCE_STORE (file:///path)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return FileSystemStore(Path(parsed.netloc + parsed.path))
    raise ValueError(f"unsupported EVIDENCE_STORE scheme {parsed.scheme!r} (use file://)")
