"""Fuzzing from /api/v1/openapi.json: every operation, as every role, answers no 5xx and only
what the description promises (status, content type, headers, body schema), and no value
gets past the schemas to be refused by the database.

The app runs in-process (WSGI) on the test database with a small seeded world, so lists have
items whose schema is checked. About half the examples are aimed at that world: their path ids
name its records, and a creation's body is one the API accepts with one generated field (random
ids would only meet 404, and wholly generated bodies are refused before the database) and a
change names a version the record may be at.
`FUZZ_EXAMPLES` sets the examples per operation and role (`make test`: a few; `make fuzz`:
many); `FUZZ_SEED` draws other examples than the fixed default ones.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import secrets
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
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

from server.cases.forms import FORMS
from server.errors import DATABASE_REFUSED
from server.registry.credit_code import make_credit_code
from server.sync.push import DATABASE_CANNOT_STORE
from server.sync.push import DATABASE_REFUSED_CHANGE as SYNC_DATABASE_REFUSED
from tests.api.matrix_world import sync_push, tus_upload

ROLES = ("inspector", "supervisor", "legal", "admin")
OWN = "310115"
FAST_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
SEED = os.environ.get("FUZZ_SEED")  # unset: the same examples each run; set: others, repeatable
# tus PATCH bodies are raw bytes, like application/octet-stream
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")


def validated_before_the_database(ctx, response, case) -> None:
    """No value reaches a column that cannot hold it: the schemas refuse it first (the 422 the
    database's refusal becomes, or a sync mutation refused by it, is a gap in the validation)."""
    if "json" not in (response.headers.get("content-type") or [""])[0] or not response.content:
        return  # not JSON, or a HEAD answer
    body = response.json()
    problems = [body] if isinstance(body, dict) else []
    if isinstance(body, dict) and isinstance(body.get("results"), list):  # a sync push
        problems += [r.get("problem") or {} for r in body["results"] if isinstance(r, dict)]
    for problem in problems:
        if problem.get("detail") in (DATABASE_REFUSED, SYNC_DATABASE_REFUSED,
                                      DATABASE_CANNOT_STORE):
            raise AssertionError(f"The database refused a value the schemas let through: "
                                 f"{case.body!r:.600}")


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance,
          schemathesis.check(validated_before_the_database)]


def _seed(client, tokens: dict[str, dict[str, str]], officers: list[str],
          site: dict[str, Any]) -> dict[str, Any]:
    """An enterprise, a plan with a draw, a task, an inspection with a violation, a case with an
    export, a photo, an open upload and a sync conflict; returns their ids by parameter name."""
    city = tokens["city-supervisor"]
    enterprise = client.post("/api/v1/enterprises", headers=city, json={
        "credit_code": make_credit_code(OWN, 1), "name": "上海模糊测试化工有限公司",
        "address": "上海市测试路1号", "district": OWN, "industry": "化工",
        "permit_class": "key", "permit_number": None, "site": site,
        "contacts": [{"name": "王五", "role": "环保负责人", "phone": "021-55550000"}]})
    assert enterprise.status_code == 201, enterprise.get_json()
    known: dict[str, Any] = {"enterprise_id": enterprise.get_json()["id"],
                             "inspector_ids": officers, "site": site}
    known["plan_id"] = client.post("/api/v1/plans", headers=city, json={
        "name": "模糊", "district": OWN, "sample": {"count": 1},
        "period": {"start": "2020-01-01", "end": "2099-12-31"}}).get_json()["id"]
    known["draw_id"] = client.post(f"/api/v1/plans/{known['plan_id']}/draws", json={},
                                   headers=city).get_json()["id"]
    known["task_id"] = client.post("/api/v1/tasks", headers=city, json={
        "kind": "complaint", "enterprise_id": known["enterprise_id"]}).get_json()["id"]
    inspection = {"id": str(uuid.uuid4()), "enterprise_id": known["enterprise_id"],
                  "inspector_ids": officers,
                  "started_at": "2021-06-01T01:30:00+00:00"}
    assert client.post("/api/v1/inspections", json=inspection, headers=city).status_code == 201
    violation = {"id": str(uuid.uuid4()), "inspection_id": inspection["id"],
                 "code": "AIR_VOC", "occurred_on": "2021-06-01"}
    assert client.post("/api/v1/violations", json=violation, headers=city).status_code == 201
    known.update(inspection_id=inspection["id"], violation_id=violation["id"],
                 violation_ids=[violation["id"]])
    case = client.post("/api/v1/cases", headers=tokens["legal"], json={
        "violation_ids": [violation["id"]], "late_reason": "模糊测试"})
    assert case.status_code == 201, case.get_json()
    known["case_id"] = case.get_json()["id"]
    known["export_id"] = client.post(f"/api/v1/cases/{known['case_id']}/exports",
                                     headers=tokens["legal"]).get_json()["id"]
    known.update(_evidence(client, tokens["inspector"]), form=next(iter(FORMS)),
                 conflict_id=_conflict(client, city, inspection["id"]),
                 ref=client.get("/api/v1/rules/sets", headers=city).get_json()[0]["ref"])
    return known


def _evidence(client, headers: dict[str, str]) -> dict[str, str]:
    """A photo the inspector uploaded, and an upload they left open."""
    from PIL import Image

    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 160)).save(photo, "JPEG")
    tus_upload(client, headers, photo.getvalue(), finish=True)
    upload = tus_upload(client, headers, b"open" * 100, finish=False).rsplit("/", 1)[1]
    return {"sha256": hashlib.sha256(photo.getvalue()).hexdigest(), "upload_id": upload}


def _conflict(client, headers: dict[str, str], inspection_id: str) -> str:
    """A hard conflict: two edits of the inspection from one base, the second stamped with
    the tablet's clock (so its description is checked with a value, not only null)."""
    base = client.get(f"/api/v1/inspections/{inspection_id}", headers=headers).get_json()
    sync_push(client, headers, inspection_id, base["version"], "甲")
    pushed = sync_push(client, headers, inspection_id, base["version"], "乙",
                       recorded_at="2021-06-01T02:00:00+00:00").get_json()
    return pushed["results"][0]["conflict_id"]


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
    spare: dict[str, str] = {}  # a second device per role, for DELETE /auth/devices to revoke
    with app.app_context():
        _clean(db)
        db.session.add_all(District(**row) for row in boundary_rows)
        db.session.commit()
        people = [(r, OWN) for r in ROLES] + [("supervisor", "310000"), ("inspector", "310000"),
                                              ("inspector", "target")]
        officers = []
        for role, scope in people:
            password = secrets.token_urlsafe(12)
            extra = {"certificate_no": f"沪环执{secrets.randbelow(10**6):06d}",
                     "certificate_expires": date(2099, 1, 1)} \
                if role == "inspector" else {}
            user = service.create_user(f"fuzz-{role}-{scope}", role,
                                       OWN if scope == "target" else scope, password, **extra)
            if scope == "target":  # the user the users API's paths name (not a fuzzing one)
                target = str(user.id)
                continue
            for device in (f"fuzz-{role}-spare", f"fuzz-{role}"):
                token = client.post("/api/v1/auth/token", json={
                    "username": user.username, "password": password, "device_id": device})
            name = role if scope == OWN else f"city-{role}"
            tokens[name] = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
            spare[name] = f"fuzz-{role}-spare"
            if role == "inspector":  # two officers on every record
                officers.append(str(user.id))
    district = next(row for row in boundary_rows if row["code"] == OWN)
    from shapely.geometry import shape

    point = shape(district["geometry"]).representative_point()
    x, y = point.x, point.y
    site = {"type": "Polygon", "coordinates": [[[x, y], [x + 0.001, y], [x + 0.001, y + 0.001],
                                                [x, y + 0.001], [x, y]]]}
    known = _seed(client, tokens, officers, site)
    yield app, tokens, {name: {**known, "user_id": target, "device_id": spare[name]}
                        for name in tokens}
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_world):
    """The description the app serves, bound to the app (WSGI transport)."""
    app, _, _ = fuzz_world
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


SERIALS = itertools.count(100)
# A body each creation accepts, for the aimed cases to vary one field of: a request whose every
# field is generated is refused before it reaches the database, so lengths, ranges and
# characters the columns cannot hold would go unseen.
BODIES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "POST /api/v1/enterprises": lambda k: {
        "credit_code": make_credit_code(OWN, next(SERIALS)), "name": "上海模糊有限公司",
        "address": "上海市测试路2号", "district": OWN, "industry": "化工",
        "permit_class": "key", "site": k["site"],
        "contacts": [{"name": "赵六", "role": "法定代表人", "phone": "021-55550001"}]},
    "POST /api/v1/users": lambda k: {
        "username": f"fuzz_{next(SERIALS)}", "role": "inspector", "district": OWN,
        "certificate_no": "沪环执FUZZ", "certificate_expires": "2099-12-31"},
    "POST /api/v1/plans": lambda k: {
        "name": "模糊计划", "district": OWN, "sample": {"ratio": "0.5"},
        "period": {"start": "2020-01-01", "end": "2099-12-31"}},
    "POST /api/v1/tasks": lambda k: {
        "kind": "complaint", "enterprise_id": k["enterprise_id"], "due_in_working_days": 5,
        "note": "群众举报夜间偷排"},
    "POST /api/v1/recusals": lambda k: {
        "enterprise_id": k["enterprise_id"], "reason": "other_relation",
        "inspector_id": k["inspector_ids"][0]},
    "POST /api/v1/inspections": lambda k: {
        "id": str(uuid.uuid4()), "enterprise_id": k["enterprise_id"],
        "inspector_ids": k["inspector_ids"], "started_at": "2021-06-02T01:30:00+00:00"},
    "POST /api/v1/violations": lambda k: {
        "id": str(uuid.uuid4()), "inspection_id": k["inspection_id"], "code": "AIR_DUST",
        "occurred_on": "2021-06-01"},
    "POST /api/v1/rules/evaluate": lambda k: {
        "violation_code": "AIR_VOC", "occurred_on": "2021-06-01"},
}


def _aimed(case, known: dict[str, Any], pick: int) -> None:
    """Point the case's path ids, and its body's references, at the seeded records (random ids
    would only ever meet 404, and creations naming them never reach the database)."""
    for name in case.path_parameters or {}:
        if name in known:
            case.path_parameters[name] = known[name]
    if isinstance(case.body, dict):
        for key, value in case.body.items():
            if key in known and isinstance(value, type(known[key])):
                case.body[key] = known[key]
        if case.operation.label in BODIES:  # one generated field in a body otherwise accepted
            body = BODIES[case.operation.label](known)
            if case.body:
                key = sorted(case.body)[pick % len(case.body)]
                body[key] = case.body[key]
            case.body = body
    for values in (case.body, case.query):  # the seeded records' versions are small
        if isinstance(values, dict) and isinstance(values.get("version"), int):
            values["version"] = 1 + pick % 3


def _fuzz(operation, headers: dict[str, str], known: dict[str, Any]) -> None:
    """Positive and negative examples of one operation, each called and validated; about half
    aimed at the seeded records."""
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                         operation.as_strategy(GenerationMode.NEGATIVE))

    @seed(int(SEED or 0))
    @given(case=strategy, aim=st.sampled_from((True, False)), pick=st.integers(0, 63))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=SEED is None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
    def run(case, aim: bool, pick: int) -> None:
        if aim:
            _aimed(case, known, pick)
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.mark.parametrize("role", ROLES)
def test_no_server_error_and_responses_match_the_description(api_schema, fuzz_world, role):
    _, tokens, known = fuzz_world
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz(operation, tokens[role], known[role])
        except (Exception, BaseExceptionGroup) as error:  # every operation runs; all reported
            parts = getattr(error, "exceptions", None) or [error]
            failures += [f"{operation.label}: {str(part)[:1500]}" for part in parts]
    assert not failures, "\n\n".join(failures)
