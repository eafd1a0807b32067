"""Case-file export helpers: an answer checked, the clock, one export run, the ZIP tampered
with and verified."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from PIL import Image
from pypdf import PdfReader


def ok(response, status: int = 200):
    assert response.status_code == status, response.get_json()
    return response


def export_zip(app, client, party, case) -> bytes:
    return export_download(app, client, party, case).data


def export_download(app, client, party, case):
    """The response of the finished export's download (built by the job)."""
    from server.cases import exports

    started = ok(client.post(f"/api/v1/cases/{case['id']}/exports", headers=party["legal"]),
                 202).get_json()
    assert (started["status"], started["progress"], started["download_url"]) == (
        "queued", 0.0, None)
    with app.app_context():
        assert exports.run_pending_exports(now()) == {"done": 1, "failed": 0,
                                                              "not claimed": 0}
    done = ok(client.get(f"/api/v1/exports/{started['id']}", headers=party["legal"])).get_json()
    assert done["status"] == "done" and done["progress"] == 1.0
    return ok(client.get(done["download_url"], headers=party["legal"]))


def catalogue_text(archive: zipfile.ZipFile) -> str:
    """The catalogue's text, its lines joined (a cell wraps a long name)."""
    body = archive.read("00_卷内目录.pdf")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages
                   ).replace("\n", "")


def unspaced(text: str) -> str:
    """Text without its spaces: a wrapped line may lose the space at its end."""
    return text.replace(" ", "")


def now():
    from server import clock

    return clock.utcnow()


def rewrite_zip(data: bytes, change) -> bytes:
    """A copy of the ZIP with `change(name, bytes)` applied to each member (None drops it)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = change(info.filename, source.read(info))
            if body is not None:
                target.writestr(info.filename, body)
    return out.getvalue()


def flip_byte(body: bytes) -> bytes:
    middle = len(body) // 2
    return body[:middle] + bytes([body[middle] ^ 0x01]) + body[middle + 1:]


def verify_casefile(runner, tmp_path: Path, data: bytes):
    path = tmp_path / "check.zip"
    path.write_bytes(data)
    return runner.invoke(args=["casefile", "verify", str(path)])


def jpeg(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 60, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


def late_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buffer, "JPEG")
    return buffer.getvalue()
