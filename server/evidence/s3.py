"""The S3-compatible evidence backend (AWS S3, MinIO, Ceph RGW, OSS/COS in S3 mode) via boto3.

Keys under the prefix: `ab/cd/<sha256>` originals, `.derived/<sha256>.<variant>.jpg`, and
`.staging/<upload id>/<offset>` — one object per received chunk, since S3 objects cannot be
appended to; promotion reads the chunks in order.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from server.evidence.storage import (
    CHUNK,
    VARIANTS,
    Promoted,
    StagingLost,
    check_digest,
    check_upload_id,
)

SETTINGS = ("endpoint_url", "region", "access_key_id", "secret_access_key", "addressing_style")
OFFSET_DIGITS = 16


def settings_from_app() -> dict[str, str | None]:
    """EVIDENCE_S3_* from the running app's config (empty outside an app context)."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return {}
    config = current_app.config
    return {name: config.get(f"EVIDENCE_S3_{name.upper()}") for name in SETTINGS}


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


class _Chain(io.RawIOBase):
    """Several object bodies read one after the other as one stream."""

    def __init__(self, opener, keys: list[str]):
        self._opener, self._keys, self._body = opener, list(keys), None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self._body is None:
                if not self._keys:
                    return 0
                self._body = self._opener(self._keys.pop(0))
            data = self._body.read(len(buffer))
            if data:
                buffer[:len(data)] = data
                return len(data)
            self._body.close()
            self._body = None

    def close(self) -> None:
        if self._body is not None:
            self._body.close()
        super().close()


class S3Store:
    """Evidence in a bucket under a prefix; write-once by checking before writing."""

    def __init__(self, bucket: str, prefix: str, settings: dict[str, str | None]):
        if not bucket:
            raise ValueError("EVIDENCE_STORE s3:// needs a bucket name")
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        style = settings.get("addressing_style") or "auto"
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=settings.get("endpoint_url") or None,
            region_name=settings.get("region") or None,
            aws_access_key_id=settings.get("access_key_id") or None,
            aws_secret_access_key=settings.get("secret_access_key") or None,
            config=Config(s3={"addressing_style": style}, retries={"max_attempts": 3}))

    def _key(self, sha256: str) -> str:
        check_digest(sha256)
        return f"{self.prefix}{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def _derived_key(self, sha256: str, variant: str) -> str:
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}")
        return f"{self.prefix}.derived/{check_digest(sha256)}.{variant}.jpg"

    def _staging(self, upload_id: str) -> str:
        return f"{self.prefix}.staging/{check_upload_id(upload_id)}/"

    def _body(self, key: str) -> BinaryIO:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _missing(error):
                return None
            raise

    def _list(self, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            yield from page.get("Contents", [])

    def put(self, stream: BinaryIO) -> str:
        """Hash a stream into a spool, then upload it under its digest unless present."""
        digest = hashlib.sha256()
        spool = io.BytesIO()
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            spool.write(chunk)
        sha256 = digest.hexdigest()
        if self._head(self._key(sha256)) is None:
            spool.seek(0)
            self.client.upload_fileobj(spool, self.bucket, self._key(sha256))
        return sha256

    def open(self, sha256: str) -> BinaryIO:
        """Stream an original."""
        try:
            return self._body(self._key(sha256))
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(sha256) from error
            raise

    def exists(self, sha256: str) -> bool:
        """Whether an original is stored."""
        return self._head(self._key(sha256)) is not None

    def put_derived(self, sha256: str, variant: str, data: bytes) -> None:
        """Store a derived JPEG."""
        self.client.put_object(Bucket=self.bucket, Key=self._derived_key(sha256, variant),
                               Body=data, ContentType="image/jpeg")

    def open_derived(self, sha256: str, variant: str) -> BinaryIO | None:
        """Stream a derived file if it exists."""
        try:
            return self._body(self._derived_key(sha256, variant))
        except ClientError as error:
            if _missing(error):
                return None
            raise

    def _chunks(self, upload_id: str) -> list[tuple[int, str, int]]:
        """(offset, key, size) of the staged chunk objects, in offset order."""
        base = self._staging(upload_id)
        found = []
        for item in self._list(base):
            name = item["Key"][len(base):]
            if name.isdigit():
                found.append((int(name), item["Key"], item["Size"]))
        return sorted(found)

    def stage(self, upload_id: str, offset: int, stream: BinaryIO) -> int:
        """One object per chunk, keyed by its offset; stale chunks beyond it are dropped."""
        data = stream.read()
        base = self._staging(upload_id)
        end = 0
        for start, key, size in self._chunks(upload_id):
            if start > offset:
                self.client.delete_object(Bucket=self.bucket, Key=key)
            elif start == end and start < offset:
                end = start + size
        if end < offset:
            raise StagingLost(f"upload {upload_id} has fewer than {offset} bytes staged")
        self.client.put_object(Bucket=self.bucket, Key=f"{base}{offset:0{OFFSET_DIGITS}d}",
                               Body=data)
        return len(data)

    def open_staged(self, upload_id: str) -> BinaryIO:
        """The staged chunks as one stream; they must tile the upload from offset 0."""
        keys, expected = [], 0
        for start, key, size in self._chunks(upload_id):
            if start != expected:
                raise OSError(f"staged chunks of {upload_id} have a gap at {expected}")
            keys.append(key)
            expected += size
        return io.BufferedReader(_Chain(self._body, keys), CHUNK)

    def promote(self, upload_id: str, expected_sha256: str) -> Promoted:
        """Hash the staged chunks; on a match upload them as the original (if not present)."""
        digest, size = hashlib.sha256(), 0
        with self.open_staged(upload_id) as staged:
            while chunk := staged.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        sha256 = digest.hexdigest()
        if sha256 != expected_sha256:
            return Promoted(sha256, size, stored=False)
        stored = False
        if self._head(self._key(sha256)) is None:
            with self.open_staged(upload_id) as staged:
                self.client.upload_fileobj(staged, self.bucket, self._key(sha256))
            stored = True
        self.discard(upload_id)
        return Promoted(sha256, size, stored)

    def discard(self, upload_id: str) -> None:
        """Delete every staged chunk of an upload."""
        for _, key, _ in self._chunks(upload_id):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def staged(self) -> Iterator[tuple[str, datetime]]:
        """Staged upload ids with their latest chunk time."""
        latest: dict[str, datetime] = {}
        base = f"{self.prefix}.staging/"
        for item in self._list(base):
            upload_id = item["Key"][len(base):].split("/", 1)[0]
            seen = latest.get(upload_id)
            latest[upload_id] = max(seen, item["LastModified"]) if seen else item["LastModified"]
        yield from latest.items()

    def check_writable(self) -> None:
        """Put and delete a probe object; any S3 failure is an OSError to the caller."""
        key = f"{self.prefix}.probe/{uuid.uuid4().hex}"
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=b"")
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as error:
            raise OSError(f"S3 store not writable: {error}") from error
