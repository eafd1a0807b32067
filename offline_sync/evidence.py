"""Evidence on the tablet: SHA-256 at capture, then a resumable tus upload with tuspy.

tuspy (the tus project's Python client) does the protocol: creation, chunked PATCH, HEAD to
find the offset, metadata encoding. Here it gets timeouts (tuspy sets none), the upload URL kept
in the tablet's store (so an upload resumes after a crash), a fingerprint that is the SHA-256,
and an outer retry loop with full-jitter backoff that resumes from the server's offset.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import requests
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError, TusUploadFailed
from tusclient.fingerprint.interface import Fingerprint
from tusclient.request import TusRequest
from tusclient.uploader import Uploader

from offline_sync.errors import NotEvidence, Offline, Refused, Unauthorized, describe
from offline_sync.http import UPLOADS, Api, full_jitter
from offline_sync.store import EvidenceItem, Store, now_iso

CHUNK = 256 * 1024
READ_BLOCK = 1024 * 1024
FINAL_REFUSALS = frozenset({400, 413, 415, 422})  # the file itself is not acceptable evidence
RESTART = frozenset({404, 410})  # the upload is gone on the server: start a new one
# What the server needs declared for files it does not decode (its default allow-list), not
# left to the host's mime.types; other names go by mimetypes.
FIELD_TYPES = {".pdf": "application/pdf", ".m4a": "audio/mp4", ".mp3": "audio/mpeg",
               ".aac": "audio/aac", ".amr": "audio/amr", ".mp4": "video/mp4"}


def filetype(filename: str | None) -> str | None:
    """The MIME type a file's name announces (the server needs it for anything not an image)."""
    if not filename:
        return None
    return FIELD_TYPES.get(Path(filename).suffix.lower()) or mimetypes.guess_type(filename)[0]


def capture(store: Store, source: str | Path, folder: str | Path, kind: str = "photo",
            inspection_id: str | None = None) -> EvidenceItem:
    """Copy a file into the tablet's evidence folder, hashing it on the way (one pass).

    The copy is named by its SHA-256 and fsync'd before the store knows it, so what is
    uploaded later is exactly what was hashed at capture, kept for the record it was captured
    for (`inspection_id`, when known). NotEvidence for an empty file."""
    source, folder = Path(source), Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    hasher, size = hashlib.sha256(), 0
    with open(source, "rb") as src, tempfile.NamedTemporaryFile(
            dir=folder, prefix=".capture-", delete=False) as tmp:
        while block := src.read(READ_BLOCK):
            hasher.update(block)
            tmp.write(block)
            size += len(block)
        tmp.flush()
        os.fsync(tmp.fileno())
    if size == 0:  # the server would refuse it; said now, while it can be taken again
        os.unlink(tmp.name)
        raise NotEvidence(f"{source.name} is empty (0 bytes): no photo or file to keep "
                          "(the server refuses an empty file); take it again")
    digest = hasher.hexdigest()
    target = folder / digest
    if target.exists():
        os.unlink(tmp.name)
    else:
        os.replace(tmp.name, target)
    return store.add_evidence(EvidenceItem(digest, str(target), size, source.name, kind,
                                           now_iso(), "pending", None, inspection_id))


class Sha256Fingerprint(Fingerprint):
    """The upload-URL key of a file is its SHA-256 (known since capture)."""

    def __init__(self, sha256: str):
        self.sha256 = sha256

    def get_fingerprint(self, fs: IO) -> str:
        """The SHA-256 computed at capture."""
        return f"sha256:{self.sha256}"


class _TimedRequest(TusRequest):
    """tuspy's PATCH, sent through a session with a timeout."""

    def __init__(self, uploader: TimedUploader):
        super().__init__(uploader)
        self._session, self._timeout = uploader.session, uploader.timeout

    def perform(self) -> None:
        """Send one chunk from the uploader's offset."""
        try:
            chunk = self.file.read(self._content_length)
            self.add_checksum(chunk)
            response = self._session.patch(self._url, data=chunk, headers=self._request_headers,
                                           timeout=self._timeout)
            self.status_code = response.status_code
            self.response_content = response.content
            self.response_headers = {k.lower(): v for k, v in response.headers.items()}
        except requests.RequestException as error:
            raise TusUploadFailed(error) from error
        finally:
            self.file.close()


class TimedUploader(Uploader):
    """tuspy's Uploader with timeouts; creation goes through the retrying API session with
    an Idempotency-Key, HEAD and PATCH through a plain session (never blindly re-sent)."""

    def __init__(self, *args: Any, api: Api, **kwargs: Any):
        self.api, self.session = api, requests.Session()
        self.timeout = api.policy.timeout
        super().__init__(*args, **kwargs)

    def create_url(self) -> str:
        """POST /uploads/ (tus creation); the Location of the new upload."""
        headers = {**self.get_url_creation_headers(), "Idempotency-Key": str(uuid.uuid4())}
        try:
            response = self.api.session.post(self.client.url, headers=headers,
                                             timeout=self.timeout)
        except requests.RequestException as error:
            raise TusCommunicationError(str(error)) from error
        location = response.headers.get("location")
        if response.status_code != 201 or location is None:
            raise TusCommunicationError(None, response.status_code, response.content)
        return requests.compat.urljoin(self.client.url, location)

    def get_offset(self) -> int:
        """HEAD: how many bytes the server holds."""
        try:
            response = self.session.head(self.url, headers=self.get_headers(),
                                         timeout=self.timeout)
        except requests.RequestException as error:
            raise TusCommunicationError(str(error)) from error
        offset = response.headers.get("upload-offset")
        if offset is None:
            raise TusCommunicationError(None, response.status_code, response.content)
        return int(offset)

    def _do_request(self) -> None:
        self.request = _TimedRequest(self)
        self.request.perform()
        if not 200 <= (self.request.status_code or 0) < 300:
            raise TusUploadFailed("", self.request.status_code, self.request.response_content)

    def close(self) -> None:
        """Release the session."""
        self.session.close()


class EvidenceUploader:
    """Uploads a tablet's pending evidence, resuming across cuts, restarts and crashes."""

    def __init__(self, store: Store, api: Api, chunk_size: int = CHUNK,
                 sleep: Callable[[float], None] = time.sleep):
        self.store, self.api, self.chunk_size, self.sleep = store, api, chunk_size, sleep

    def end_abandoned(self) -> int:
        """End on the server the uploads begun of files the tablet no longer sends (tus
        termination), so their parts do not wait there for their expiry; each is forgotten
        once ended (or gone already). Without a connection the rest wait for the next push;
        a refusal keeps that one for the next push (it expires on the server meanwhile, then
        answers 404 or 410). How many were ended."""
        ended = 0
        for url in self.store.abandoned_uploads():
            try:
                self.api.terminate_upload(url)
            except Offline:
                break
            except Unauthorized:
                raise
            except Refused:
                continue
            self.store.forget_abandoned(url)
            ended += 1
        return ended

    def upload(self, item: EvidenceItem, progress: Callable[[int], None] | None = None) -> str:
        """Upload one file until the server holds it; 'uploaded' or 'refused' (kept in the
        store with the reason). Offline if the retry budget ran out."""
        failures, reached = 0, [-1]

        def track(offset: int) -> None:
            if offset > reached[0]:
                reached[0] = offset
            if progress:
                progress(offset)

        while True:
            before = reached[0]
            try:
                if self.api.evidence_exists(item.sha256):
                    return self._done(item)
                self._send(item, track)
                if self.api.evidence_exists(item.sha256):
                    return self._done(item)
                raise TusCommunicationError("all bytes sent but the server has no evidence")
            except TusCommunicationError as error:
                status = error.status_code
                if status == 401:
                    raise Unauthorized(401, {"detail": str(error)}) from error
                if status in FINAL_REFUSALS:
                    detail = _problem_detail(error.response_content) or str(error)
                    self.store.mark_evidence(item.sha256, "refused", detail)
                    self.store.remove_item(f"sha256:{item.sha256}")
                    return "refused"
                if status in RESTART:
                    self.store.remove_item(f"sha256:{item.sha256}")
                failures = 1 if reached[0] > before else failures + 1  # progress resets it
                if failures > self.api.policy.retries:
                    raise Offline(f"upload of {item.sha256[:12]}: {error}") from error
                self.sleep(full_jitter(failures, self.api.policy.backoff_base,
                                       self.api.policy.backoff_cap))
            except Offline:
                failures += 1
                if failures > self.api.policy.retries:
                    raise
                self.sleep(full_jitter(failures, self.api.policy.backoff_base,
                                       self.api.policy.backoff_cap))

    def _send(self, item: EvidenceItem, progress: Callable[[int], None] | None) -> None:
        client = tus_client.TusClient(self.api.url(UPLOADS),
                                      headers=self.api.auth_headers)
        declared = filetype(item.filename)
        metadata = {"sha256": item.sha256, "kind": item.kind,
                    **({"filename": item.filename} if item.filename else {}),
                    **({"filetype": declared} if declared else {})}
        uploader = TimedUploader(item.path, client=client, chunk_size=self.chunk_size,
                                 metadata=metadata, store_url=True, url_storage=self.store,
                                 fingerprinter=Sha256Fingerprint(item.sha256), api=self.api)
        try:
            if not uploader.url:
                uploader.set_url(uploader.create_url())
                uploader.offset = 0
            if progress:
                progress(uploader.offset)
            uploader.stop_at = item.size
            while uploader.offset < item.size:
                try:
                    uploader.upload_chunk()
                except TusUploadFailed as error:
                    if error.status_code != 409:  # 409: someone else's offset; ask and go on
                        raise
                    uploader.offset = uploader.get_offset()
                if progress:
                    progress(uploader.offset)
        finally:
            uploader.close()

    def _done(self, item: EvidenceItem) -> str:
        self.store.mark_evidence(item.sha256, "uploaded")
        self.store.remove_item(f"sha256:{item.sha256}")
        return "uploaded"


def _problem_detail(content: Any) -> str | None:
    """The detail of a problem+json body tuspy kept as bytes."""
    try:
        body = json.loads(content or b"")
    except (ValueError, TypeError):
        return None
    return describe(body) if isinstance(body, dict) else None

