"""Sync through a real HTTP server (werkzeug on 127.0.0.1) against the database alone:
push of inspection/violation mutations vs Core executemany of the same rows, and a pull of a
district vs a raw select + JSON encoding. SQLite always; PostgreSQL too when
BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set — that database is emptied first."""

from __future__ import annotations

import gc
import os
import secrets
import statistics
import tempfile
import threading
import time
import tracemalloc
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine, select, text

DISTRICT = "310115"
PER_INSPECTION = 4  # violations per inspection record
RAW_ROUNDS = 5  # the baseline's rounds (median)
FAST_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def _databases(tmp: Path) -> list[tuple[str, str]]:
    found = [("sqlite", f"sqlite:///{tmp / 'bench.db'}")]
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if url:
        from server.config import normalise_database_url

        url = normalise_database_url(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        found.append(("postgresql", url))
    return found


def _app(url: str, tmp: Path):
    from flask_migrate import upgrade

    from server import create_app
    from server.registry import districts

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "EVIDENCE_STORE": f"file://{tmp}/ev",
                      "PASSWORD_HASH": FAST_HASH, "SECRET_KEY": secrets.token_hex(16),
                      "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade(revision="heads")
        districts.load_default_if_empty()
    return app


def _inspectors(app) -> tuple[list[str], dict[str, str]]:
    from server.auth import service

    password = secrets.token_urlsafe(12)
    expires = date.today() + timedelta(days=365)
    with app.app_context():
        ids = [str(service.create_user(f"bench{n}", "inspector", DISTRICT, password,
                                       certificate_no=f"沪环执00000{n}",
                                       certificate_expires=expires).id) for n in (1, 2)]
        token = service.issue_token("bench1", password, "bench-tablet").access_token
    return ids, {"Authorization": f"Bearer {token}"}


def _enterprises(app, count: int) -> list[str]:
    from schemas.enterprise import EnterpriseCreateSchema
    from server.demo.generator import generate_enterprises
    from server.extensions import db
    from server.registry import districts
    from server.registry.models import Enterprise
    from server.registry.service import validate_fields

    with app.app_context():
        outline = districts.boundaries().districts[DISTRICT]
        schema, ids = EnterpriseCreateSchema(), []
        records = generate_enterprises({DISTRICT: outline}, count)
        for start in range(0, len(records), 2000):
            for record in records[start:start + 2000]:
                data = schema.load(record)
                _errors, derived = validate_fields(data)
                row = Enterprise(**data, **derived)
                db.session.add(row)
                ids.append(row)
            db.session.commit()
        return [str(row.id) for row in ids]


class _Server:
    """The app on werkzeug's threaded server in this process (tracemalloc sees both sides),
    its heap settled as gunicorn.conf.py settles a worker's."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Server:
        from server.heap import settle

        self.threshold = gc.get_threshold()
        settle()
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        gc.unfreeze()  # the baselines run as a plain process would, not as the server's worker
        gc.set_threshold(*self.threshold)


def _mutations(enterprises: list[str], officers: list[str], count: int) -> list[dict]:
    """Groups of one inspection create and PER_INSPECTION violation creates; each group on a
    later day at its enterprise, so no violation re-decides earlier ones."""
    out, group = [], 0
    while len(out) < count:
        day = datetime(2022, 1, 3, 1, 30, tzinfo=UTC) + timedelta(days=group // len(enterprises))
        inspection = str(uuid.uuid4())
        out.append({"mutation_id": str(uuid.uuid4()), "entity": "inspection", "op": "create",
                    "id": inspection, "fields": {
                        "enterprise_id": enterprises[group % len(enterprises)],
                        "inspector_ids": officers, "started_at": day.isoformat(),
                        "checkin": {"lat": 31.2, "lon": 121.5, "accuracy_m": 8},
                        "checklist": [{"item": "VOC-01", "answer": "no", "note": "门窗敞开"}],
                        "findings": "喷漆车间门窗敞开作业"}})
        for number in range(PER_INSPECTION):
            out.append({"mutation_id": str(uuid.uuid4()), "entity": "violation",
                        "op": "create", "id": str(uuid.uuid4()), "fields": {
                            "inspection_id": inspection,
                            "code": ("AIR_VOC", "AIR_DUST")[number % 2],
                            "occurred_on": day.date().isoformat(),
                            "description": "VOCs 无组织排放", "facts": {"minor": True},
                            "location": {"lat": 31.2, "lon": 121.5}}})
        group += 1
    return out[:count]


def _push(url: str, headers: dict[str, str], mutations: list[dict], size: int) -> float:
    import requests

    started = time.perf_counter()
    with requests.Session() as session:
        for start in range(0, len(mutations), size):
            response = session.post(f"{url}/api/v1/sync/push", headers=headers, timeout=600,
                                    json={"device_id": "bench-tablet",
                                          "mutations": mutations[start:start + size]})
            response.raise_for_status()
            statuses = {r["status"] for r in response.json()["results"]}
            assert statuses == {"applied"}, response.json()["results"][:3]
    return time.perf_counter() - started


def _raw_rows(mutations: list[dict], officers: list[str], user: str) -> tuple[list, list]:
    """The same records as plain rows (new ids) for Core executemany."""
    now = datetime.now(UTC)
    officer_json = [{"user_id": o, "name": o, "certificate_no": "x",
                     "certificate_expires": "2099-01-01"} for o in officers]
    inspections, violations, fresh = [], [], {}
    for m in mutations:
        f = m["fields"]
        if m["entity"] == "inspection":
            fresh[m["id"]] = uuid.uuid4()
            started = datetime.fromisoformat(f["started_at"])
            inspections.append({
                "id": fresh[m["id"]], "enterprise_id": uuid.UUID(f["enterprise_id"]),
                "district": DISTRICT, "task_id": None, "officers": officer_json,
                "started_at": started, "ended_at": None, "checkin": f["checkin"],
                "people_present": [], "checklist": f["checklist"], "findings": f["findings"],
                "signatures": [], "status": "draft", "submitted_at": None, "version": 1,
                "created_by": uuid.UUID(user), "device_id": "raw", "created_at": now,
                "updated_at": now})
        else:
            parent = next(i for i in reversed(inspections) if i["id"] == fresh[
                f["inspection_id"]])
            occurred = date.fromisoformat(f["occurred_on"])
            violations.append({
                "id": uuid.uuid4(), "inspection_id": parent["id"],
                "enterprise_id": parent["enterprise_id"], "district": DISTRICT,
                "code": f["code"], "occurred_on": occurred, "discovered_on": occurred,
                "party_type": "organisation", "lat": 31.2, "lon": 121.5, "accuracy_m": None,
                "description": f["description"], "facts": f["facts"], "bases": {},
                "factors": {}, "mitigation": [], "evidence": [], "first_offence": True,
                "distance_to_site_m": None, "flags": [], "version": 1,
                "created_by": uuid.UUID(user), "device_id": "raw", "created_at": now,
                "updated_at": now})
    return inspections, violations


def _raw_insert(app, inspections: list, violations: list) -> float:
    from server.extensions import db
    from server.fieldwork.models import Inspection, Violation

    with app.app_context():
        started = time.perf_counter()
        with db.engine.begin() as conn:
            conn.execute(Inspection.__table__.insert(), inspections)
            conn.execute(Violation.__table__.insert(), violations)
        return time.perf_counter() - started


def push_entry(quick: bool) -> dict:
    """mutations/s through POST /sync/push vs rows/s of one Core executemany transaction."""
    count, enterprises, size = (200, 40, 100) if quick else (10_000, 1000, 500)
    found: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, url in _databases(Path(tmp)):
            app = _app(url, Path(tmp))
            officers, headers = _inspectors(app)
            sites = _enterprises(app, enterprises)
            mutations = _mutations(sites, officers, count)
            with _Server(app) as server:
                pushed = _push(server.url, headers, mutations, size)
            raws = sorted(_raw_insert(app, *_raw_rows(mutations, officers, officers[0]))
                          for _ in range(RAW_ROUNDS))  # fresh ids each round
            found[name] = {"push": count / pushed, "raw": count / statistics.median(raws),
                           "raw_spread": (count / raws[-1], count / raws[0])}
            with app.app_context():
                from server.extensions import db

                db.engine.dispose()
    main = found["sqlite"]
    entry = {"value": main["push"], "unit": "mutations/s", "baseline": main["raw"],
             "ratio": main["push"] / main["raw"], "goal": 0.05, "higher_is_better": True}
    for name, figures in found.items():
        entry[f"{name}_mutations_per_s"] = round(figures["push"], 1)
        entry[f"{name}_raw_rows_per_s"] = round(figures["raw"], 1)
        entry[f"{name}_ratio"] = round(figures["push"] / figures["raw"], 4)
        entry[f"{name}_raw_rows_per_s_range"] = [round(v, 1) for v in figures["raw_spread"]]
    entry["detail"] = (
        f"{count} mutations (1 inspection create + {PER_INSPECTION} violation creates per "
        f"record, {enterprises} enterprises) in batches of {size} through POST /sync/push on "
        "werkzeug (threaded, 127.0.0.1): validation, officers' certificates, rules-engine "
        "decision, geo checks, audit chain, change log and mutation log; each mutation atomic "
        "(runs of up to 100 share a savepoint, each alone when one fails). "
        "Baseline: SQLAlchemy Core executemany of the same rows in one transaction, the "
        f"median of {RAW_ROUNDS} rounds (a round lasts a fraction of a second, so one alone "
        "moved with the machine's load; *_range gives the slowest and fastest). value/"
        "ratio are SQLite; *_postgresql when a database URL was given.")
    return entry


def _pull_all(url: str, headers: dict[str, str], limit: int) -> tuple[int, int, float]:
    import requests

    started, cursor, records, size = time.perf_counter(), "", 0, 0
    with requests.Session() as session:
        while True:
            response = session.get(f"{url}/api/v1/sync/pull", headers=headers, timeout=600,
                                   params={"cursor": cursor, "limit": limit})
            response.raise_for_status()
            body = orjson.loads(response.content)
            size += len(response.content)
            records += sum(c["entity"] == "enterprise" for c in body["changes"])
            cursor = body["next_cursor"]
            if not body["has_more"]:
                return records, size, time.perf_counter() - started


def _raw_select(app, limit: int) -> tuple[int, int, float]:
    from server.extensions import db
    from server.registry.models import Enterprise

    with app.app_context():
        started, records, size, last = time.perf_counter(), 0, 0, None
        table = Enterprise.__table__
        with db.engine.connect() as conn:
            while True:
                query = select(table).where(table.c.district == DISTRICT)
                if last is not None:
                    query = query.where(table.c.id > last)
                rows = conn.execute(query.order_by(table.c.id).limit(limit)).mappings().all()
                if not rows:
                    break
                size += len(orjson.dumps([dict(r) for r in rows]))
                records += len(rows)
                last = rows[-1]["id"]
        return records, size, time.perf_counter() - started


def _peak(run) -> tuple[Any, float]:
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def pull_entry(quick: bool) -> dict:
    """records/s of a first sync of a district over HTTP vs a raw select + JSON encoding."""
    count, limit, rounds = (1000, 500, 2) if quick else (10_000, 1000, 3)
    found: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, url in _databases(Path(tmp)):
            app = _app(url, Path(tmp))
            _officers, headers = _inspectors(app)
            _enterprises(app, count)
            best_pull = best_raw = float("inf")
            with _Server(app) as server:
                for _ in range(rounds):
                    records, size, seconds = _pull_all(server.url, headers, limit)
                    assert records == count, (records, count)
                    best_pull = min(best_pull, seconds)
                    raw_records, raw_size, raw_seconds = _raw_select(app, limit)
                    best_raw = min(best_raw, raw_seconds)
                _, pull_mb = _peak(lambda: _pull_all(server.url, headers, limit))  # noqa: B023
                _, raw_mb = _peak(lambda: _raw_select(app, limit))  # noqa: B023
            found[name] = {"pull": count / best_pull, "raw": count / best_raw,
                           "bytes": size / count, "raw_bytes": raw_size / raw_records,
                           "pull_mb": pull_mb, "raw_mb": raw_mb}
            with app.app_context():
                from server.extensions import db

                db.engine.dispose()
    main = found["sqlite"]
    entry = {"value": main["pull"], "unit": "records/s", "baseline": main["raw"],
             "ratio": main["pull"] / main["raw"], "goal": 0.25, "higher_is_better": True}
    for name, figures in found.items():
        entry[f"{name}_records_per_s"] = round(figures["pull"], 1)
        entry[f"{name}_raw_records_per_s"] = round(figures["raw"], 1)
        entry[f"{name}_ratio"] = round(figures["pull"] / figures["raw"], 4)
        entry[f"{name}_bytes_per_record"] = round(figures["bytes"], 1)
        entry[f"{name}_raw_bytes_per_record"] = round(figures["raw_bytes"], 1)
        entry[f"{name}_peak_mb"] = round(figures["pull_mb"], 1)
        entry[f"{name}_raw_peak_mb"] = round(figures["raw_mb"], 1)
    entry["detail"] = (
        f"First sync of {count} enterprises with site polygons in one district, pages of "
        f"{limit}, through GET /sync/pull on werkzeug (threaded, 127.0.0.1), best of {rounds}; "
        "the page bodies hold the REST representation stored in the change log. Baseline: "
        "SELECT of the same enterprise rows in pages + orjson encoding. Peak memory: "
        "tracemalloc over client and server in one process (pull) vs select+encode (raw).")
    return entry


def run(quick: bool) -> dict:
    """Both sync benchmarks."""
    return {"sync_push_vs_raw_insert": push_entry(quick),
            "sync_pull_vs_raw_select": pull_entry(quick)}
