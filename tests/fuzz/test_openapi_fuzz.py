"""Fuzzing from /api/v1/openapi.json: every operation, as every role, answers no 5xx and only
what the description promises (status, content type, headers, body schema).

The app runs in-process (WSGI) on the test database with a small seeded world, so lists have
items whose schema is checked. `FUZZ_EXAMPLES` sets the examples per operation and role
(`make test`: a few; `make fuzz`: many).
"""

from __future__ import annotations

import os
import secrets
import uuid
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text

ROLES = ("inspector", "supervisor", "legal", "admin")
OWN = "310115"
FAST_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
# tus PATCH bodies are raw bytes, like application/octet-stream
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


def _seed(client, tokens: dict[str, dict[str, str]], make_credit_code, site) -> None:
    """An enterprise, a plan with a draw, a task, an inspection with a violation, a case."""
    city = tokens["city-supervisor"]
    enterprise = client.post("/api/v1/enterprises", headers=city, json={
        "credit_code": make_credit_code(OWN, 1), "name": "上海模糊测试化工有限公司",
        "address": "上海市测试路1号", "district": OWN, "industry": "化工",
        "permit_class": "key", "permit_number": None, "site": site,
        "contacts": [{"name": "王五", "role": "环保负责人", "phone": "021-55550000"}]})
    assert enterprise.status_code == 201, enterprise.get_json()
    enterprise_id = enterprise.get_json()["id"]
    plan = client.post("/api/v1/plans", headers=city, json={
        "name": "模糊", "district": OWN, "sample": {"count": 1},
        "period": {"start": "2020-01-01", "end": "2099-12-31"}}).get_json()["id"]
    client.post(f"/api/v1/plans/{plan}/draws", json={}, headers=city)
    client.post("/api/v1/tasks", headers=city,
                json={"kind": "complaint", "enterprise_id": enterprise_id})
    inspection = {"id": str(uuid.uuid4()), "enterprise_id": enterprise_id,
                  "inspector_ids": tokens["inspector_ids"],
                  "started_at": "2021-06-01T01:30:00+00:00"}
    assert client.post("/api/v1/inspections", json=inspection, headers=city).status_code == 201
    violation = {"id": str(uuid.uuid4()), "inspection_id": inspection["id"],
                 "code": "AIR_VOC", "occurred_on": "2021-06-01"}
    assert client.post("/api/v1/violations", json=violation, headers=city).status_code == 201
    case = client.post("/api/v1/cases", headers=tokens["legal"], json={
        "violation_ids": [violation["id"]], "late_reason": "模糊测试"})
    assert case.status_code == 201, case.get_json()


def _clean(db) -> None:
    """Empty every table (as tests/conftest.py does), with a fresh audit chain head."""
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)} "
                                "RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"),
                       {"h": "0" * 64})
    db.session.commit()


@pytest.fixture(scope="module")
def fuzz_world(database_url, boundary_rows, tmp_path_factory):
    """An app on clean tables with one user per role (own district) and seeded records."""
    from server import create_app
    from server.auth import service
    from server.config import normalise_database_url
    from server.extensions import db
    from server.registry.credit_code import make_credit_code
    from server.registry.models import District

    root = tmp_path_factory.mktemp("fuzz")
    app = create_app({"TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
                      "EVIDENCE_STORE": f"file://{root / 'evidence'}",
                      "CASE_EXPORT_DIR": str(root / "exports"), "CASE_EXPORT_THREAD": False,
                      "PASSWORD_HASH": FAST_HASH, "SECRET_KEY": secrets.token_hex(16),
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    tokens: dict[str, dict[str, str]] = {}
    with app.app_context():
        _clean(db)
        db.session.add_all(District(**row) for row in boundary_rows)
        db.session.commit()
        people = [(r, OWN) for r in ROLES] + [("supervisor", "310000"), ("inspector", "310000")]
        for role, scope in people:
            password = secrets.token_urlsafe(12)
            extra = {"certificate_no": f"沪环执{secrets.randbelow(10**6):06d}",
                     "certificate_expires": date(2099, 1, 1)} \
                if role == "inspector" else {}
            user = service.create_user(f"fuzz-{role}-{scope}", role, scope, password, **extra)
            token = client.post("/api/v1/auth/token", json={
                "username": user.username, "password": password, "device_id": f"fuzz-{role}"})
            name = role if scope == OWN else f"city-{role}"
            tokens[name] = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
            if role == "inspector":  # two officers on every record
                tokens.setdefault("inspector_ids", []).append(str(user.id))
    district = next(row for row in boundary_rows if row["code"] == OWN)
    from shapely.geometry import shape

    point = shape(district["geometry"]).representative_point()
    x, y = point.x, point.y
    site = {"type": "Polygon", "coordinates": [[[x, y], [x + 0.001, y], [x + 0.001, y + 0.001],
                                                [x, y + 0.001], [x, y]]]}
    _seed(client, tokens, make_credit_code, site)
    yield app, tokens
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_world):
    """The description the app serves, bound to the app (WSGI transport)."""
    app, _ = fuzz_world
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _fuzz(operation, headers: dict[str, str]) -> None:
    """Positive and negative examples of one operation, each called and validated."""
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                         operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.mark.parametrize("role", ROLES)
def test_no_server_error_and_responses_match_the_description(api_schema, fuzz_world, role):
    _, tokens = fuzz_world
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz(operation, tokens[role])
        except (Exception, BaseExceptionGroup) as error:  # every operation runs; all reported
            parts = getattr(error, "exceptions", None) or [error]
            failures += [f"{operation.label}: {str(part)[:1500]}" for part in parts]
    assert not failures, "\n\n".join(failures)
