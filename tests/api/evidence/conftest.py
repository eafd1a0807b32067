"""Every evidence test runs twice: on the local-disk store and on an S3-compatible server
(moto's, started once per run on 127.0.0.1)."""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from flask import Flask
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[3]
PHOTOS = ROOT.parent / "shared" / "data" / "photos"
BUCKET = "evidence-test"
S3_SETTINGS = {"EVIDENCE_S3_ACCESS_KEY_ID": "testing", "EVIDENCE_S3_SECRET_ACCESS_KEY": "testing",
               "EVIDENCE_S3_REGION": "us-east-1", "EVIDENCE_S3_ADDRESSING_STYLE": "path"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A local S3-compatible server with an empty bucket."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing",
                 aws_secret_access_key="testing", region_name="us-east-1",
                 ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture(params=["file", "s3"], autouse=True)
def store_url(request: pytest.FixtureRequest, app: Flask, tmp_path: Path) -> str:
    """The evidence store of this run of the test: local disk or S3 (a fresh prefix)."""
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        app.config.update(S3_SETTINGS, EVIDENCE_S3_ENDPOINT_URL=endpoint)
        url = f"s3://{BUCKET}/run-{uuid.uuid4().hex}"
    else:
        url = f"file://{tmp_path / 'store'}"
    app.config["EVIDENCE_STORE"] = url
    return url


def sha256(data: bytes) -> str:
    """Hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


def metadata(**values: str) -> str:
    """An Upload-Metadata header."""
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


class Tus:
    """A minimal tus client over Flask's test client, for protocol-level tests."""

    def __init__(self, client, headers: dict[str, str]):
        self.client = client
        self.headers = {**headers, "Tus-Resumable": "1.0.0"}

    def create(self, length: int, sha: str | None, body: bytes | None = None,
               **meta: str) -> Any:
        """POST /uploads/ (with a first chunk if `body` is given)."""
        values = ({"sha256": sha} if sha else {}) | meta
        headers = {**self.headers, "Upload-Length": str(length),
                   "Upload-Metadata": metadata(**values)}
        if body is not None:
            headers["Content-Type"] = "application/offset+octet-stream"
        return self.client.post("/api/v1/uploads/", headers=headers, data=body)

    def patch(self, location: str, offset: int, data: bytes, **extra: str) -> Any:
        """PATCH a chunk at `offset`."""
        return self.client.patch(location, data=data, headers={
            **self.headers, "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream", **extra})

    def head(self, location: str) -> Any:
        """HEAD an upload."""
        return self.client.head(location, headers=self.headers)

    def upload(self, data: bytes, chunk: int = 64 * 1024, sha: str | None = None,
               **meta: str) -> Any:
        """Create and send a whole file; returns the last response."""
        created = self.create(len(data), sha or sha256(data), **meta)
        assert created.status_code == 201, created.get_json()
        location, offset, response = created.headers["Location"], 0, created
        while offset < len(data):
            response = self.patch(location, offset, data[offset:offset + chunk])
            if response.status_code != 204:
                return response
            offset = int(response.headers["Upload-Offset"])
        return response


@pytest.fixture
def inspector(login) -> dict[str, str]:
    """Authorization headers of an inspector of 310115 on tablet-1."""
    return login("inspector", "310115", device_id="tablet-1")


@pytest.fixture
def tus(client, inspector) -> Tus:
    """The inspector's tus client."""
    return Tus(client, inspector)


@pytest.fixture
def photo() -> Callable[[str], bytes]:
    """The bytes of a file in ../shared/data/photos."""
    return lambda name: (PHOTOS / name).read_bytes()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app behind a real HTTP server on 127.0.0.1 (threaded), stopped after the test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
