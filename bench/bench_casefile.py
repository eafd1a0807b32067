"""Case-file export (500 photos, ~1 GB) vs writing the same originals into a stored ZIP.

The export runs in a child process so that its peak RSS is its own; the baseline is Python's
zipfile with ZIP_STORED over the same files, in another child process.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHOTO_BYTES = 2 * 1024 * 1024


def _config(tmp: Path) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
            "EVIDENCE_STORE": f"file://{tmp / 'evidence'}", "CASE_EXPORT_DIR": str(tmp / "out"),
            "CASE_EXPORT_THREAD": False, "SECRET_KEY": "bench",
            "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}}


def _photo(index: int) -> bytes:
    """A decodable JPEG padded to PHOTO_BYTES (cameras write large files; the tail is opaque)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (index % 256, 90, 160)).save(buffer, "JPEG")
    head = buffer.getvalue()
    return head + os.urandom(PHOTO_BYTES - len(head))


def _seed(app, photos: int) -> tuple[uuid.UUID, list[str]]:
    """One enterprise, an inspection, a violation citing `photos` photos, a case; its export."""
    from flask_migrate import upgrade

    from schemas.enterprise import EnterpriseCreateSchema
    from schemas.fieldwork import InspectionCreateSchema, ViolationCreateSchema
    from server import clock
    from server.auth import service as auth
    from server.cases import exports, filing
    from server.demo.generator import generate_enterprises
    from server.evidence.models import READY, Evidence, EvidenceHolder
    from server.evidence.service import derived_image
    from server.evidence.settings import current_store
    from server.extensions import db
    from server.fieldwork import inspections, violations
    from server.registry import districts
    from server.registry import service as registry

    with app.app_context():
        upgrade(revision="heads")
        districts.load_default_if_empty()
        people = [auth.create_user(f"{role}{n}", role, "310115", "bench-password-1",
                                   certificate_no=f"沪环执{n:06d}",
                                   certificate_expires=clock.today_shanghai() + timedelta(365))
                  for n, role in enumerate(("inspector", "inspector", "legal", "supervisor"))]
        inspector, _second, legal, supervisor = (auth.system_actor(u) for u in people)
        record = next(r for r in generate_enterprises(districts.boundaries().districts, 1)
                      if r["district"] == "310115")
        enterprise = registry.register_enterprise(supervisor,
                                                  EnterpriseCreateSchema().load(record))
        store, digests = current_store(), []
        for index in range(photos):
            data = _photo(index)
            digest = store.put(io.BytesIO(data))
            db.session.add(Evidence(sha256=digest, size=len(data), mime="image/jpeg",
                                    kind="photo", uploaded_by=people[0].id, district="310115",
                                    flags=[], derivation=READY))
            db.session.add(EvidenceHolder(sha256=digest, district="310115"))  # as an upload
            digests.append(digest)
        db.session.commit()
        inspection, _ = inspections.open_inspection(supervisor, InspectionCreateSchema().load({
            "id": str(uuid.uuid4()), "enterprise_id": str(enterprise.id),
            "inspector_ids": [str(people[0].id), str(people[1].id)],
            "started_at": clock.utcnow().isoformat(), "findings": "基准测试"}))
        found = [violations.record_violation(supervisor, ViolationCreateSchema().load({
            "id": str(uuid.uuid4()), "inspection_id": str(inspection.id), "code": "AIR_VOC",
            "occurred_on": clock.today_shanghai().isoformat(), "description": "基准",
            "facts": {"harmful_consequence": True}, "evidence": digests[start:start + 200]}))[0]
            for start in range(0, len(digests), 200)]  # a violation cites ≤ 200 items
        for digest in digests:  # the evidence job derives thumbnails when photos arrive
            derived_image(legal, digest, "thumbnail")
        case = filing.file_case(legal, {"violation_ids": [v.id for v in found]})
        export = exports.request_export(legal, case.id)
        return export.id, [store._path(d).as_posix() for d in digests]


def _peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM; ru_maxrss would include the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def export_child(tmp: str, export_id: str) -> None:
    """In a child process: build the export; print seconds and peak RSS. The process is
    settled as gunicorn.conf.py settles a worker, whose thread runs exports in production."""
    from server import create_app
    from server.cases import exports
    from server.heap import settle

    app = create_app(_config(Path(tmp)))
    settle()
    with app.app_context():
        started = time.perf_counter()
        status = exports.run_export(uuid.UUID(export_id))
        seconds = time.perf_counter() - started
    print(json.dumps({"status": status, "seconds": seconds, "peak_rss_mb": _peak_rss_mb()}))


def zip_child(paths_file: str, target: str) -> None:
    """In a child process: the same originals into a ZIP_STORED file; print seconds."""
    paths = json.loads(Path(paths_file).read_text())
    started = time.perf_counter()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as out:
        for path in paths:
            out.write(path, arcname=f"evidence/{Path(path).name}.jpg")
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mb": _peak_rss_mb()}))


def _child(function: str, *args: str) -> dict:
    code = f"import bench.bench_casefile as b; b.{function}(*{list(args)!r})"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True, timeout=3600)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(quick: bool) -> dict:
    """Seconds to export a case of N photos against zipfile storing the same files."""
    from server import create_app

    photos = 50 if quick else 500
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(_config(Path(tmp)))
        export_id, paths = _seed(app, photos)
        paths_file = Path(tmp) / "paths.json"
        paths_file.write_text(json.dumps(paths))
        baseline = _child("zip_child", str(paths_file), str(Path(tmp) / "baseline.zip"))
        (Path(tmp) / "baseline.zip").unlink()
        exported = _child("export_child", tmp, str(export_id))
        assert exported["status"] == "done", exported
        archive = next((Path(tmp) / "out").glob("casefile_*.zip"))
        size = archive.stat().st_size
        with zipfile.ZipFile(archive) as check:
            first = next(n for n in check.namelist() if "_证据/" in n)
            digest = hashlib.sha256(check.read(first)).hexdigest()
            assert first.endswith(f"{digest}.jpg")  # byte-identical original
    ratio = baseline["seconds"] / exported["seconds"]
    return {"casefile_export_vs_zip_store": {
        "value": exported["seconds"], "unit": "s", "baseline": baseline["seconds"],
        "ratio": ratio, "goal": 0.7, "higher_is_better": True,
        "peak_rss_mb": round(exported["peak_rss_mb"], 1),
        "baseline_peak_rss_mb": round(baseline["peak_rss_mb"], 1),
        "detail": f"{photos} photos of {PHOTO_BYTES // 2**20} MiB ({size / 2**30:.2f} GiB ZIP) "
                  "with documents, contact sheet and signed manifest, SQLite, file store; "
                  "ratio = zipfile ZIP_STORED seconds / export seconds; peak RSS of the "
                  "exporting process (goal < 200 MB)"}}
