"""Enterprise list API (pages of 100 with sites) vs a raw SQL select of the same rows."""

from __future__ import annotations

import secrets
import tempfile
import time
from pathlib import Path

from sqlalchemy import text


def _seed(app, count: int) -> dict[str, str]:
    """Bulk-insert generated enterprises (validated sites) and return auth headers."""
    from flask_migrate import upgrade

    from schemas.enterprise import EnterpriseCreateSchema
    from server.auth import service as auth
    from server.demo.generator import generate_enterprises
    from server.extensions import db
    from server.registry import districts
    from server.registry.models import Enterprise
    from server.registry.service import validate_fields

    with app.app_context():
        upgrade(revision="heads")
        districts.load_default_if_empty()
        schema = EnterpriseCreateSchema()
        per_district = -(-count // 16)
        records = generate_enterprises(districts.boundaries().districts, per_district)[:count]
        for record in records:
            data = schema.load(record)
            errors, derived = validate_fields(data)
            assert not errors, errors
            db.session.add(Enterprise(**data, **derived))
        db.session.commit()
        password = secrets.token_urlsafe(16)
        auth.create_user("bench", "legal", "310000", password)
        token = auth.issue_token("bench", password, "bench").access_token
    return {"Authorization": f"Bearer {token}"}


def run(quick: bool) -> dict:
    """Measure records/s through GET /api/v1/enterprises and through raw SQL."""
    from server import create_app
    from server.extensions import db

    count = 1000 if quick else 5000
    rounds = 2 if quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.db'}",
                          "EVIDENCE_STORE": f"file://{tmp}/evidence",
                          "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 1024,
                                            "parallelism": 1}})
        headers = _seed(app, count)
        client = app.test_client()
        pages = -(-count // 100)

        def api_pass() -> int:
            seen = 0
            for page in range(1, pages + 1):
                body = client.get(f"/api/v1/enterprises?per_page=100&page={page}",
                                  headers=headers).get_json()
                seen += len(body["items"])
            return seen

        def sql_pass() -> int:
            seen = 0
            with app.app_context(), db.engine.connect() as connection:
                for page in range(pages):
                    rows = connection.execute(text(
                        "SELECT * FROM enterprises WHERE deleted_at IS NULL "
                        "ORDER BY district, name, id LIMIT 100 OFFSET :o"),
                        {"o": page * 100}).fetchall()
                    seen += len(rows)
            return seen

        api_best = sql_best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            assert api_pass() == count
            api_best = min(api_best, time.perf_counter() - started)
            started = time.perf_counter()
            assert sql_pass() == count
            sql_best = min(sql_best, time.perf_counter() - started)
        with app.app_context():
            db.engine.dispose()
    api_rate, sql_rate = count / api_best, count / sql_best
    return {"enterprise_list_records_per_s": {
        "value": api_rate, "unit": "records/s", "baseline": sql_rate,
        "ratio": api_rate / sql_rate, "goal": 0.2, "higher_is_better": True,
        "detail": f"{count} enterprises with site polygons, pages of 100, SQLite, best of "
                  f"{rounds}; baseline = raw SQL select of the same pages"}}
