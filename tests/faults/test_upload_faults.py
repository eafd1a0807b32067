"""Evidence uploads under process faults: a worker killed mid-PATCH, the store running out of
space. After each the tablet's tus client resumes and the evidence is whole, once."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from tusclient import client as tus_client

from .conftest import Gunicorn

PHOTOS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "photos"


def _token(server: Gunicorn, make_user, device: str) -> dict[str, str]:
    user, password = make_user("inspector", "310115")
    response = requests.post(f"{server.url}/api/v1/auth/token", timeout=10, json={
        "username": user.username, "password": password, "device_id": device})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _photo_bytes(repeat: int = 1) -> bytes:
    """A real photo; `repeat` > 1 appends copies of its bytes to make a longer transfer."""
    data = (PHOTOS / "nikon_d70s_87_OSError.jpg").read_bytes()
    return data * repeat


def _create(server: Gunicorn, headers: dict[str, str], data: bytes) -> str:
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in {
        "filename": "现场.jpg", "sha256": hashlib.sha256(data).hexdigest()}.items())
    response = requests.post(f"{server.url}/api/v1/uploads/", timeout=10, headers={
        **headers, "Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)),
        "Upload-Metadata": meta})
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def _start_patch(server: Gunicorn, headers: dict[str, str], location: str, data: bytes,
                 sent: int) -> socket.socket:
    """Open a PATCH of all of `data` and send only its first `sent` bytes (the rest never)."""
    path = urlparse(location).path if location.startswith("http") else location
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    head = "".join(f"{k}: {v}\r\n" for k, v in {
        **headers, "Host": f"127.0.0.1:{server.port}", "Tus-Resumable": "1.0.0",
        "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream",
        "Content-Length": str(len(data))}.items())
    sock.sendall(f"PATCH {path} HTTP/1.1\r\n{head}\r\n".encode() + data[:sent])
    return sock


def _no_answer(sock: socket.socket) -> bool:
    """True when the peer closed or reset the connection without an HTTP answer."""
    sock.settimeout(10)
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True
    finally:
        sock.close()


def _resume(server: Gunicorn, headers: dict[str, str], location: str, data: bytes) -> None:
    """The stock tuspy client asks HEAD for the offset and sends the rest."""
    url = location if location.startswith("http") else f"{server.url}{location}"
    client = tus_client.TusClient(f"{server.url}/api/v1/uploads/", headers=headers)
    uploader = client.uploader(file_stream=io.BytesIO(data), url=url, chunk_size=256 * 1024)
    uploader.upload()


def _evidence(server: Gunicorn, headers: dict[str, str], data: bytes) -> requests.Response:
    return requests.get(f"{server.url}/api/v1/evidence/{hashlib.sha256(data).hexdigest()}",
                        headers=headers, timeout=10)


def _evidence_rows(app, data: bytes) -> int:
    from sqlalchemy import func, select

    from server.evidence.models import Evidence
    from server.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Evidence).where(
            Evidence.sha256 == hashlib.sha256(data).hexdigest()))


def test_a_worker_killed_mid_patch_loses_nothing_and_the_upload_resumes(gunicorn, make_user,
                                                                        app):
    headers = _token(gunicorn, make_user, "tablet-kill")
    data = _photo_bytes(repeat=4)
    location = _create(gunicorn, headers, data)
    sock = _start_patch(gunicorn, headers, location, data, sent=len(data) // 3)
    worker = gunicorn.worker_serving(sock.getsockname()[1])
    gunicorn.kill_worker(worker)
    assert _no_answer(sock)  # the connection died with the worker

    gunicorn.wait_for_workers()

    assert _evidence(gunicorn, headers, data).status_code == 404  # nothing partial is evidence
    _resume(gunicorn, headers, location, data)

    assert _evidence(gunicorn, headers, data).status_code == 200
    original = requests.get(f"{gunicorn.url}/api/v1/evidence/"
                            f"{hashlib.sha256(data).hexdigest()}/original",
                            headers=headers, timeout=30)
    assert original.content == data
    assert _evidence_rows(app, data) == 1


def _can_mount() -> bool:
    if os.geteuid() != 0:
        return False
    probe = Path("/tmp") / f"tmpfs-probe-{os.getpid()}"
    probe.mkdir(exist_ok=True)
    try:
        return subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe)],
                              capture_output=True).returncode == 0 and subprocess.run(
            ["umount", str(probe)]).returncode == 0
    finally:
        probe.rmdir()


@pytest.fixture
def small_store(tmp_path: Path):
    """A 4 MiB tmpfs for the evidence store (a real ENOSPC), unmounted afterwards."""
    if not _can_mount():
        pytest.skip("mounting a tmpfs needs root with CAP_SYS_ADMIN; this machine refuses it")
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_evidence_store_answers_507_and_the_upload_completes_once_there_is_room(
        app, database_url, make_user, small_store, tmp_path):
    filler = small_store / "filler"
    filler.write_bytes(b"\0" * (3 * 1024 * 1024 + 512 * 1024))  # leaves 0.5 MiB
    server = Gunicorn(database_url, f"file://{small_store / 'evidence'}",
                      tmp_path / "gunicorn.log")
    server.start()
    try:
        headers = _token(server, make_user, "tablet-full")
        data = _photo_bytes(repeat=2)  # 1.7 MiB: does not fit
        location = _create(server, headers, data)
        patch = requests.patch(f"{server.url}{urlparse(location).path}", data=data, timeout=30,
                               headers={**headers, "Tus-Resumable": "1.0.0",
                                        "Upload-Offset": "0",
                                        "Content-Type": "application/offset+octet-stream"})
        assert patch.status_code == 507, patch.text
        assert patch.headers["Content-Type"].startswith("application/problem+json")
        assert patch.json()["status"] == 507
        head = requests.head(f"{server.url}{urlparse(location).path}", timeout=10,
                             headers={**headers, "Tus-Resumable": "1.0.0"})
        assert head.headers["Upload-Offset"] == "0"  # nothing half-written was counted
        assert _evidence(server, headers, data).status_code == 404

        filler.unlink()  # the operator makes room
        _resume(server, headers, location, data)
        original = requests.get(f"{server.url}/api/v1/evidence/"
                                f"{hashlib.sha256(data).hexdigest()}/original",
                                headers=headers, timeout=30)
        assert original.content == data
        assert _evidence_rows(app, data) == 1
    finally:
        server.stop()
