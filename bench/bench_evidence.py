"""Evidence: thumbnails with JPEG draft decoding vs a naive full decode; tus uploads through the
real HTTP server (gunicorn, as `make run` serves) vs hashing and writing the bytes directly."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[1]
MEGAPIXELS_12 = (4000, 3000)
# tus-android-client (tus-java-client) sends requests of up to 10 MB by default, so a 5 MB
# photo is one PATCH; SMALL_CHUNK is what a cautious client on a poor network would send.
TABLET_CHUNK = 10 * 1024 * 1024
SMALL_CHUNK = 2 * 1024 * 1024


def _photo(size: tuple[int, int], seed: int, quality: int) -> bytes:
    """A photo-like JPEG: smooth shading, detail and sensor noise (not a flat test card)."""
    width, height = size
    shade = Image.linear_gradient("L").resize(size)
    detail = Image.effect_mandelbrot(size, (-2.0 + seed * 0.01, -1.2, 1.0, 1.2), 80)
    noise = Image.effect_noise(size, 18 + seed % 5)
    radial = Image.radial_gradient("L").resize(size)
    image = Image.merge("RGB", (shade, detail, radial))
    image = Image.blend(image, Image.merge("RGB", (noise, noise, noise)), 0.25)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _naive_thumbnail(data: bytes) -> bytes:
    """Decode every pixel, turn upright, resize to 320 px, encode."""
    image = Image.open(io.BytesIO(data))
    image.load()
    image = ImageOps.exif_transpose(image)
    scale = 320 / max(image.size)
    small = image.resize((round(image.width * scale), round(image.height * scale)))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=85)
    return out.getvalue()


def thumbnail_entry(quick: bool) -> dict:
    """Thumbnails per second: the product's render() vs the naive path, same 12 MP JPEGs."""
    from server.evidence import images

    count, rounds = (2, 2) if quick else (6, 3)
    photos = [_photo(MEGAPIXELS_12, seed, 90) for seed in range(count)]
    limit = 89_478_485

    def product() -> None:
        for data in photos:
            images.render(io.BytesIO(data), images.THUMBNAIL_PX, limit)

    def naive() -> None:
        for data in photos:
            _naive_thumbnail(data)

    best_product = best_naive = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        product()
        best_product = min(best_product, time.perf_counter() - started)
        started = time.perf_counter()
        naive()
        best_naive = min(best_naive, time.perf_counter() - started)
    rate, baseline = count / best_product, count / best_naive
    mean_mb = sum(len(p) for p in photos) / count / 1e6
    return {"value": rate, "unit": "thumbnails/s", "baseline": baseline,
            "ratio": rate / baseline, "goal": 3.0, "higher_is_better": True,
            "detail": f"{count} generated 4000x3000 JPEGs (mean {mean_mb:.1f} MB), 320 px "
                      f"thumbnails, best of {rounds}; product = images.render (draft decode); "
                      "baseline = full decode + exif_transpose + resize + encode"}


def _files(folder: Path, count: int, size: int, first: int = 0) -> list[Path]:
    """`count` distinct JPEG files of about `size` bytes (one photo, a numbered comment each)."""
    quality, base = 90, b""
    while len(base) < size and quality <= 100:
        base = _photo(MEGAPIXELS_12, 1, quality)
        quality += 1
    base = base[:2] + b"\xff\xfe\x00\x12" + b"-" * 16 + base[2:]  # COM segment to number
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(first, first + count):
        data = bytearray(base)
        data[6:22] = f"photo {number:010d}".encode()
        path = folder / f"photo{number:06d}.jpg"
        path.write_bytes(bytes(data))
        paths.append(path)
    return paths


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _prepare(workdir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Migrate a fresh SQLite database, create an inspector; (server env, auth headers)."""
    from flask_migrate import upgrade

    from server import create_app
    from server.auth import service
    from server.extensions import db
    from server.registry import districts

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
           "EVIDENCE_STORE": f"file://{workdir / 'store'}", "SECRET_KEY": secrets.token_hex(16),
           "SCHEDULER": "off", "LOG_LEVEL": "WARNING"}
    # gunicorn gets the same SECRET_KEY: the audit entries made here are sealed under it
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
                      "EVIDENCE_STORE": env["EVIDENCE_STORE"], "SECRET_KEY": env["SECRET_KEY"],
                      "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}})
    password = secrets.token_urlsafe(16)
    with app.app_context():
        upgrade(revision="heads")
        districts.load_default_if_empty()
        service.create_user("bench", "inspector", "310115", password,
                            certificate_no="沪环执000001",
                            certificate_expires=date.today() + timedelta(days=365))
        token = service.issue_token("bench", password, "tablet").access_token
        db.engine.dispose()
    return env, {"Authorization": f"Bearer {token}"}


def _serve(env: dict[str, str], port: int, log: Path, workers: int = 2,
           access_log: Path | None = None) -> subprocess.Popen:
    """gunicorn as `make run` starts it; returns once /healthz answers. `access_log`: a
    file for one line per request, `METHOD PATH STATUS MICROSECONDS` (loadgen.server_times)."""
    import requests

    access = [] if access_log is None else [
        "--access-logfile", str(access_log), "--access-logformat", "%(m)s %(U)s %(s)s %(D)s"]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
         str(workers), "--log-level", "warning", *access, "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        for _ in range(300):
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).ok:
                    return server
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start: {log.read_text()[-2000:]}")
    except BaseException:
        server.kill()
        server.wait()
        raise


def _raw_write(paths: list[Path], target: Path) -> float:
    """Hash and write each file durably (fsync), as the store does; seconds taken."""
    target.mkdir()
    started = time.perf_counter()
    for path in paths:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        with open(target / digest, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    return time.perf_counter() - started


def _tus_upload(paths: list[Path], url: str, headers: dict[str, str], tablets: int,
                chunk: int) -> float:
    """Upload the files from `tablets` concurrent tuspy clients (sha256 computed at capture,
    so before the clock starts; sha1 chunk checksums on); seconds taken."""
    from tusclient import client as tus_client

    digests = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}

    def send(path: Path) -> None:
        client = tus_client.TusClient(url, headers=headers)
        client.uploader(str(path), chunk_size=chunk, upload_checksum=True,
                        metadata={"filename": path.name, "sha256": digests[path]}).upload()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=tablets) as pool:
        list(pool.map(send, paths))
    return time.perf_counter() - started


# (name, concurrent tablets, chunk size, share of the files); the first is the headline.
SETUPS = (("tablets", 4, TABLET_CHUNK, 1.0), ("one_tablet", 1, TABLET_CHUNK, 0.25),
          ("one_tablet_2mb_chunks", 1, SMALL_CHUNK, 0.25))


def upload_entry(quick: bool) -> dict:
    """MB/s: tus through gunicorn vs sha256 + write + fsync of the same files; every round
    measures all setups and the baseline back to back (this machine is shared and noisy)."""
    import requests

    count, rounds, size = (8, 1, 5_000_000) if quick else (100, 3, 5_000_000)
    best = {name: float("inf") for name, *_ in SETUPS}
    best_raw, serial = float("inf"), 0
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env, headers = _prepare(workdir)
        port = _free_port()
        server = _serve(env, port, workdir / "gunicorn.log")
        url = f"http://127.0.0.1:{port}/api/v1/uploads/"
        try:
            for number in range(rounds):
                for name, tablets, chunk, share in SETUPS:
                    paths = _files(workdir / f"{name}{number}", max(4, round(count * share)),
                                   size, serial)
                    serial += len(paths)
                    megabytes = sum(p.stat().st_size for p in paths) / 1e6
                    if name == SETUPS[0][0]:
                        best_raw = min(best_raw, _raw_write(paths, workdir / f"raw{number}")
                                       / megabytes)
                    seconds = _tus_upload(paths, url, headers, tablets, chunk)
                    best[name] = min(best[name], seconds / megabytes)
                    last = hashlib.sha256(paths[-1].read_bytes()).hexdigest()
                    check = requests.get(f"http://127.0.0.1:{port}/api/v1/evidence/{last}",
                                         headers=headers, timeout=30)
                    assert check.status_code == 200, check.text
                    for path in paths:
                        path.unlink()
        finally:
            server.terminate()
            server.wait(timeout=30)
    rate, baseline = 1 / best["tablets"], 1 / best_raw
    entry = {"value": rate, "unit": "MB/s", "baseline": baseline, "ratio": rate / baseline,
             "goal": 0.5, "higher_is_better": True}
    for name, *_ in SETUPS[1:]:
        entry[f"{name}_mb_per_s"] = 1 / best[name]
        entry[f"{name}_ratio"] = best_raw / best[name]
    entry["detail"] = (
        f"{count} JPEGs of ~{size / 1e6:.0f} MB per round, best of {rounds} rounds; 4 tuspy "
        f"clients at once sending {TABLET_CHUNK >> 20} MB requests (tus-android-client's "
        "default) with sha1 checksums; gunicorn 2 workers x 4 threads, SQLite, local-disk "
        "store; thumbnails are made later (derive_pending job or first read) and measured by "
        "thumbnail_vs_full_decode. Baseline: sha256 + write + fsync per file in one thread. "
        "Also one client alone, and one client in 2 MB chunks.")
    return entry


def run(quick: bool) -> dict:
    """Both evidence benchmarks."""
    return {"thumbnail_vs_full_decode": thumbnail_entry(quick),
            "upload_vs_raw_write": upload_entry(quick)}
