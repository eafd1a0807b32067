"""The S3-compatible evidence backend (AWS S3, MinIO, Ceph RGW, OSS/COS in S3 mode) via boto3.

Keys under the prefix: `ab/cd/<sha256>` originals, `.derived/<sha256>.<variant>.jpg`, and
`.staging/<upload id>/<part key>` — one object per received chunk (S3 objects cannot be
appended to); several parts are assembled into one object, which is then copied into place
server-side.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from server.evidence.storage import (
    CHUNK,
    HEX,
    VARIANTS,
    Part,
    PartWriter,
    StagingLost,
    check_digest,
    check_upload_id,
)

# A large file (an archived case file with its photos) goes up in 8 MB parts, one in memory.
ONE_PART_AT_A_TIME = TransferConfig(use_threads=False)
SETTINGS = ("endpoint_url", "region", "access_key_id", "secret_access_key", "addressing_style")


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
    """Several object bodies read one after the other as one stream, hashed on the way."""

    def __init__(self, opener, keys: list[str]):
        self._opener, self._keys, self._body = opener, list(keys), None
        self.digest, self.size = hashlib.sha256(), 0

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
                self.digest.update(data)
                self.size += len(data)
                return len(data)
            self._body.close()
            self._body = None

    def close(self) -> None:
        if self._body is not None:
            self._body.close()
        super().close()


class _ObjectPart:
    """A part buffered in memory (at most one request body) and put as one object."""

    def __init__(self, store: S3Store, upload_id: str):
        self.store, self.upload_id = store, upload_id
        self.key = uuid.uuid4().hex
        self.buffer, self.digest = io.BytesIO(), hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.buffer.write(data)
        self.digest.update(data)

    def finish(self, durable: bool = False) -> Part:
        size = self.buffer.tell()  # a PUT is durable once S3 answers
        self.buffer.seek(0)
        self.store.client.put_object(Bucket=self.store.bucket, Body=self.buffer,
                                     Key=self.store._part_key(self.upload_id, self.key))
        return Part(self.key, size, self.digest.hexdigest())

    def abort(self) -> None:
        self.buffer = io.BytesIO()


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

    def _copy_key(self, sha256: str) -> str:
        check_digest(sha256)
        return f"{self.prefix}.casefiles/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def _derived_key(self, sha256: str, variant: str) -> str:
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}")
        return f"{self.prefix}.derived/{check_digest(sha256)}.{variant}.jpg"

    def _staging(self, upload_id: str) -> str:
        return f"{self.prefix}.staging/{check_upload_id(upload_id)}/"

    def _part_key(self, upload_id: str, key: str) -> str:
        return self._staging(upload_id) + check_upload_id(key)

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

    def _upload(self, stream: BinaryIO, key_of, always: bool) -> str:
        """Upload a stream under `key_of(its digest)` unless present (`always`: also then).
        A file (seekable) is hashed, then uploaded in parts one at a time, so memory stays
        bounded by a part; any other stream is hashed into memory first."""
        if stream.seekable():
            start, digest = stream.tell(), hashlib.sha256()
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
            sha256 = digest.hexdigest()
            if always or self._head(key_of(sha256)) is None:
                stream.seek(start)
                self.client.upload_fileobj(stream, self.bucket, key_of(sha256),
                                           Config=ONE_PART_AT_A_TIME)
            return sha256
        part = _ObjectPart(self, uuid.uuid4().hex)
        while chunk := stream.read(CHUNK):
            part.write(chunk)
        sha256 = part.digest.hexdigest()
        if always or self._head(key_of(sha256)) is None:
            part.buffer.seek(0)
            self.client.upload_fileobj(part.buffer, self.bucket, key_of(sha256))
        return sha256

    def put(self, stream: BinaryIO) -> str:
        """Upload a stream under its digest unless present (write-once)."""
        return self._upload(stream, self._key, always=False)

    def put_copy(self, stream: BinaryIO) -> str:
        """Upload a case file among the copies, again if present (its time starts anew)."""
        return self._upload(stream, self._copy_key, always=True)

    def open_copy(self, sha256: str) -> BinaryIO:
        """Stream a copy, else an original of that digest (a copy stored before the area)."""
        try:
            return self._body(self._copy_key(sha256))
        except ClientError as error:
            if not _missing(error):
                raise
        return self.open(sha256)

    def delete_copy(self, sha256: str) -> None:
        """Delete a copy's object (S3 answers alike whether it was there or not); only keys
        under the copies prefix are ever deleted, never an original's."""
        self.client.delete_object(Bucket=self.bucket, Key=self._copy_key(sha256))

    def copies(self) -> Iterator[tuple[str, datetime]]:
        """The copies' objects and when each was last written."""
        for item in self._list(f"{self.prefix}.casefiles/"):
            name = item["Key"].rsplit("/", 1)[-1]
            if len(name) == 64 and HEX.issuperset(name):
                yield name, item["LastModified"]

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

    def new_part(self, upload_id: str) -> PartWriter:
        """A part put as one object when finished."""
        check_upload_id(upload_id)
        return _ObjectPart(self, upload_id)

    def drop_part(self, upload_id: str, key: str) -> None:
        """Delete a part object."""
        self.client.delete_object(Bucket=self.bucket, Key=self._part_key(upload_id, key))

    def assemble(self, upload_id: str, parts: Sequence[Part]) -> Part:
        """Concatenate the parts into a new part object (a single part is used as it is)."""
        keys = [self._part_key(upload_id, part.key) for part in parts]
        for key in keys:
            if self._head(key) is None:
                raise StagingLost(f"{key} is gone")
        if len(parts) == 1:
            return parts[0]
        whole = uuid.uuid4().hex
        chain = _Chain(self._body, keys)
        with io.BufferedReader(chain, CHUNK) as stream:
            self.client.upload_fileobj(stream, self.bucket, self._part_key(upload_id, whole))
        return Part(whole, chain.size, chain.digest.hexdigest())

    def open_part(self, upload_id: str, part: Part) -> BinaryIO:
        """Stream a part."""
        try:
            return self._body(self._part_key(upload_id, part.key))
        except ClientError as error:
            if _missing(error):
                raise StagingLost(f"part {part.key} of upload {upload_id} is gone") from error
            raise

    def install(self, upload_id: str, part: Part) -> bool:
        """Copy the assembled part into place inside S3, unless the original exists."""
        stored = False
        if self._head(self._key(part.sha256)) is None:
            self.client.copy(CopySource={"Bucket": self.bucket,
                                         "Key": self._part_key(upload_id, part.key)},
                             Bucket=self.bucket, Key=self._key(part.sha256))
            stored = True
        self.discard(upload_id)
        return stored

    def discard(self, upload_id: str) -> None:
        """Delete every staged object of an upload."""
        for item in list(self._list(self._staging(upload_id))):
            self.client.delete_object(Bucket=self.bucket, Key=item["Key"])

    def staged(self) -> Iterator[tuple[str, datetime]]:
        """Uploads with staged objects, and their latest write."""
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
