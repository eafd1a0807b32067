"""The stock tuspy client against the app behind a real HTTP server on 127.0.0.1; raw sockets
for what no polite client does (cut connections, two PATCHes racing)."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import time
from urllib.parse import urlparse

import pytest
import requests
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError
from tusclient.uploader import Uploader

from .conftest import PHOTOS, metadata, sha256

TABLET_CHUNK = 16 * 1024


def _uploader(live_server: str, headers: dict[str, str], name: str, **options) -> Uploader:
    data = (PHOTOS / name).read_bytes()
    metadata = {"filename": name, "sha256": options.pop("sha", None) or sha256(data)}
    client = tus_client.TusClient(f"{live_server}/api/v1/uploads/", headers=headers)
    return client.uploader(str(PHOTOS / name), chunk_size=options.pop("chunk_size", TABLET_CHUNK),
                           metadata=metadata, **options)


def _evidence(live_server: str, headers: dict[str, str], sha: str) -> requests.Response:
    return requests.get(f"{live_server}/api/v1/evidence/{sha}", headers=headers, timeout=10)


@pytest.mark.parametrize("name", ["DSCN0010.jpg", "nikon_d70s_87_OSError.jpg",
                                  "samplefilehub.heif", "pillow_exif.png", "portrait_8.jpg"])
def test_tuspy_uploads_a_real_photo_with_checksums(live_server, inspector, name):
    data = (PHOTOS / name).read_bytes()
    _uploader(live_server, inspector, name, upload_checksum=True).upload()
    response = _evidence(live_server, inspector, sha256(data))
    assert response.status_code == 200
    assert response.json()["size"] == len(data) and response.json()["filename"] == name
    original = requests.get(f"{live_server}/api/v1/evidence/{sha256(data)}/original",
                            headers=inspector, timeout=10)
    assert original.content == data


def test_an_upload_interrupted_half_way_resumes_where_it_broke(live_server, inspector):
    name = "nikon_d70s_87_OSError.jpg"
    size = (PHOTOS / name).stat().st_size
    first = _uploader(live_server, inspector, name)
    first.upload(stop_at=size // 2)  # the tablet loses its network here
    assert _evidence(live_server, inspector, sha256((PHOTOS / name).read_bytes())
                     ).status_code == 404
    resumed = _uploader(live_server, inspector, name, url=first.url)
    assert resumed.offset == size // 2  # asked the server with HEAD
    resumed.upload()
    assert _evidence(live_server, inspector, sha256((PHOTOS / name).read_bytes())
                     ).status_code == 200


def test_a_half_finished_upload_is_not_evidence(live_server, inspector, app):
    name = "DSCN0042.jpg"
    digest = sha256((PHOTOS / name).read_bytes())
    _uploader(live_server, inspector, name).upload(stop_at=20_000)
    assert _evidence(live_server, inspector, digest).status_code == 404
    from server.evidence import service

    with app.app_context():
        assert service.missing_evidence([digest]) == [digest]
        assert service.evidence_facts([digest]) == {}


def test_tuspy_at_a_wrong_offset_gets_409(live_server, inspector):
    uploader = _uploader(live_server, inspector, "DSCN0025.jpg")
    uploader.upload(stop_at=2 * TABLET_CHUNK)
    uploader.offset = TABLET_CHUNK  # the client lost track of what arrived
    with pytest.raises(TusCommunicationError) as failure:
        uploader.upload_chunk()
    assert failure.value.status_code == 409
    assert uploader.get_offset() == 2 * TABLET_CHUNK


def test_tuspy_with_a_wrong_declared_hash_is_refused(live_server, inspector):
    data = (PHOTOS / "Canon_40D.jpg").read_bytes()
    wrong = hashlib.sha256(data + b"!").hexdigest()
    with pytest.raises(TusCommunicationError) as failure:
        _uploader(live_server, inspector, "Canon_40D.jpg", sha=wrong).upload()
    assert failure.value.status_code == 422
    assert _evidence(live_server, inspector, sha256(data)).status_code == 404
    assert _evidence(live_server, inspector, wrong).status_code == 404


class _CorruptingUploader(Uploader):
    """A client whose chunk checksums are wrong (as if bits flipped on the way)."""

    CHECKSUM_ALGORITHM_PAIR = ("sha1", lambda chunk: hashlib.sha1(chunk + b"flipped"))


def test_tuspy_chunk_with_a_wrong_checksum_gets_460_and_is_discarded(live_server, inspector):
    good = _uploader(live_server, inspector, "Nikon_D70.jpg")
    bad = _CorruptingUploader(str(PHOTOS / "Nikon_D70.jpg"), url=None, client=good.client,
                              chunk_size=TABLET_CHUNK, metadata=good.metadata,
                              upload_checksum=True)
    with pytest.raises(TusCommunicationError) as failure:
        bad.upload()
    assert failure.value.status_code == 460
    assert bad.get_offset() == 0


def _raw(live_server: str, method: str, path: str, headers: dict[str, str]) -> socket.socket:
    """Open a connection and send a request head; the caller sends the body."""
    url = urlparse(live_server)
    connection = socket.create_connection((url.hostname, url.port), timeout=10)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {url.netloc}", "Connection: close",
             *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    connection.sendall("\r\n".join(lines).encode())
    return connection


def _reply(connection: socket.socket) -> tuple[int, dict[str, str]]:
    """Read one response (head, then Content-Length bytes of body)."""
    raw = b""
    while b"\r\n\r\n" not in raw and (chunk := connection.recv(65536)):
        raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    while len(body) < int(headers.get("Content-Length", 0)):
        body += connection.recv(65536)
    connection.close()
    return int(lines[0].split(" ")[1]), headers


def _create(live_server: str, headers: dict[str, str], data: bytes) -> str:
    response = requests.post(f"{live_server}/api/v1/uploads/", timeout=10, headers={
        **headers, "Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)),
        "Upload-Metadata": metadata(sha256=sha256(data))})
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def _head_offset(live_server: str, headers: dict[str, str], location: str) -> int:
    response = requests.head(f"{live_server}{location}", timeout=10,
                             headers={**headers, "Tus-Resumable": "1.0.0"})
    return int(response.headers["Upload-Offset"])


def _patch_head(inspector, offset: int, length: int, **extra: str) -> dict[str, str]:
    return {**inspector, "Tus-Resumable": "1.0.0", "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream", "Content-Length": str(length),
            **extra}


def test_a_cut_connection_keeps_the_bytes_that_arrived(live_server, inspector):
    data = (PHOTOS / "DSCN0010.jpg").read_bytes()
    location = _create(live_server, inspector, data)
    connection = _raw(live_server, "PATCH", location, _patch_head(inspector, 0, len(data)))
    connection.sendall(data[:60_000])
    connection.shutdown(socket.SHUT_WR)  # the network drops mid-chunk
    _reply(connection)
    assert _head_offset(live_server, inspector, location) == 60_000


def test_a_cut_connection_with_a_checksum_keeps_nothing(live_server, inspector):
    data = (PHOTOS / "DSCN0010.jpg").read_bytes()
    location = _create(live_server, inspector, data)
    digest = base64.b64encode(hashlib.sha1(data).digest()).decode()
    connection = _raw(live_server, "PATCH", location, _patch_head(
        inspector, 0, len(data), **{"Upload-Checksum": f"sha1 {digest}"}))
    connection.sendall(data[:60_000])
    connection.shutdown(socket.SHUT_WR)
    _reply(connection)
    assert _head_offset(live_server, inspector, location) == 0


def test_two_patches_racing_at_one_offset_are_serialized(live_server, inspector, app):
    data = (PHOTOS / "DSCN0025.jpg").read_bytes()
    location = _create(live_server, inspector, data)
    half = len(data) // 2
    # Both requests pass the first offset check and wait for their bodies, which then arrive
    # interleaved: only the check under the row lock can stop the second one.
    racers = [_raw(live_server, "PATCH", location, _patch_head(inspector, 0, half))
              for _ in range(2)]
    time.sleep(0.5)
    for start in range(0, half, 8192):
        for connection in racers:
            connection.sendall(data[start:min(start + 8192, half)])
    results = []
    threads = [threading.Thread(target=lambda c=c: results.append(_reply(c))) for c in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in results) == [204, 409]
    assert _head_offset(live_server, inspector, location) == half
    finish = requests.patch(f"{live_server}{location}", data=data[half:], timeout=10,
                            headers=_patch_head(inspector, half, len(data) - half))
    assert finish.status_code == 204
    evidence = _evidence(live_server, inspector, sha256(data))
    assert evidence.status_code == 200, json.dumps(evidence.json())
