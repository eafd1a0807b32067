"""Sync pushes under process faults: a worker killed mid-push, the database restarting during a
push. The tablet retries the same batch; the server ends with every record exactly once."""

from __future__ import annotations

import random
import socket
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from .conftest import Gunicorn

OWN = "310115"
BATCH = 100


@pytest.fixture
def field(client, make_user, login, enterprise_body) -> dict[str, Any]:
    """Two Pudong inspectors and an enterprise of theirs."""
    first, first_pw = make_user("inspector", OWN)
    second, _ = make_user("inspector", OWN)
    city = login("supervisor", "310000")
    enterprise = client.post("/api/v1/enterprises", json=enterprise_body(OWN, 1),
                             headers=city).get_json()
    return {"user": first, "password": first_pw, "team": [str(first.id), str(second.id)],
            "enterprise": enterprise["id"]}


def _sign_in(server: Gunicorn, field: dict[str, Any], device: str) -> dict[str, str]:
    response = requests.post(f"{server.url}/api/v1/auth/token", timeout=30, json={
        "username": field["user"].username, "password": field["password"], "device_id": device})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _batch(field: dict[str, Any], size: int = BATCH) -> list[dict[str, Any]]:
    """`size` new inspection records, as a tablet queues them offline."""
    return [{"mutation_id": str(uuid.uuid4()), "entity": "inspection", "op": "create",
             "id": str(uuid.uuid4()), "base_version": None, "fields": {
                 "enterprise_id": field["enterprise"], "inspector_ids": field["team"],
                 "started_at": datetime(2026, 6, 1, 1, n % 60, tzinfo=UTC).isoformat(),
                 "findings": f"第{n}次检查", "checklist": []}}
            for n in range(size)]


def _raw_push(server: Gunicorn, headers: dict[str, str], body: bytes) -> socket.socket:
    """Send a whole push request on a raw socket and return it unanswered."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    head = "".join(f"{k}: {v}\r\n" for k, v in {
        **headers, "Host": f"127.0.0.1:{server.port}", "Content-Type": "application/json",
        "Content-Length": str(len(body))}.items())
    sock.sendall(f"POST /api/v1/sync/push HTTP/1.1\r\n{head}\r\n".encode() + body)
    return sock


def _push_until_answered(server: Gunicorn, headers: dict[str, str], device: str,
                         mutations: list[dict[str, Any]], budget_s: float = 60) -> list[dict]:
    """What the tablet does: resend the same batch until it gets a 200; every non-200 while
    the fault lasts must be a problem+json."""
    deadline = time.monotonic() + budget_s
    while True:
        try:
            response = requests.post(f"{server.url}/api/v1/sync/push", headers=headers,
                                     json={"device_id": device, "mutations": mutations},
                                     timeout=30)
        except requests.ConnectionError:
            response = None
        if response is not None and response.status_code == 200:
            return response.json()["results"]
        if response is not None:
            assert response.status_code in (502, 503), response.text
            assert response.headers["Content-Type"].startswith("application/problem+json")
        assert time.monotonic() < deadline, "the server did not recover in time"
        time.sleep(0.5)


def _server_state(app, ids: list[str]) -> dict[str, int]:
    """How many inspection rows each id has (exactly 1 expected) and their versions."""
    from server.extensions import db
    from server.fieldwork.models import Inspection

    with app.app_context():
        rows = db.session.execute(select(Inspection.id, func.count()).where(
            Inspection.id.in_([uuid.UUID(i) for i in ids])).group_by(Inspection.id)).all()
        total = db.session.scalar(select(func.count()).select_from(Inspection))
        db.session.rollback()
    return {"distinct": len(rows), "max_per_id": max((n for _, n in rows), default=0),
            "total": total}


def _assert_exactly_once(results: list[dict], mutations: list[dict], app) -> None:
    assert [r["mutation_id"] for r in results] == [m["mutation_id"] for m in mutations]
    assert {r["status"] for r in results} <= {"applied", "duplicate"}, results[:3]
    state = _server_state(app, [m["id"] for m in mutations])
    assert state == {"distinct": len(mutations), "max_per_id": 1, "total": len(mutations)}


def test_a_worker_killed_mid_push_loses_and_duplicates_nothing(gunicorn, field, app):
    import json

    headers = _sign_in(gunicorn, field, "tablet-kill")
    mutations = _batch(field)
    sock = _raw_push(gunicorn, headers, json.dumps(
        {"device_id": "tablet-kill", "mutations": mutations}).encode())
    worker = gunicorn.worker_serving(sock.getsockname()[1])
    time.sleep(random.uniform(0.05, 0.4))  # somewhere inside the batch's transaction
    gunicorn.kill_worker(worker)
    sock.settimeout(30)
    try:
        answer = sock.recv(65536)
    except ConnectionResetError:
        answer = b""
    sock.close()
    gunicorn.wait_for_workers()
    # Either the batch committed before the kill (its answer lost) or nothing of it did.
    assert answer == b"" or answer.startswith(b"HTTP/1.1 200")
    results = _push_until_answered(gunicorn, headers, "tablet-kill", mutations)
    _assert_exactly_once(results, mutations, app)
    again = _push_until_answered(gunicorn, headers, "tablet-kill", mutations)
    assert {r["status"] for r in again} == {"duplicate"}
    _assert_exactly_once(again, mutations, app)


def test_a_database_restart_during_a_push_answers_503_then_nothing_is_lost(
        gunicorn, field, app, database_outage):
    headers = _sign_in(gunicorn, field, "tablet-db")
    mutations = _batch(field)
    during: list[requests.Response | Exception] = []

    def push() -> None:
        try:
            during.append(requests.post(f"{gunicorn.url}/api/v1/sync/push", headers=headers,
                                        json={"device_id": "tablet-db", "mutations": mutations},
                                        timeout=60))
        except requests.RequestException as error:
            during.append(error)

    pusher = threading.Thread(target=push)
    pusher.start()
    time.sleep(random.uniform(0.05, 0.3))
    database_outage.begin()
    pusher.join(timeout=90)
    refused = requests.post(f"{gunicorn.url}/api/v1/sync/push", headers=headers, timeout=30,
                            json={"device_id": "tablet-db", "mutations": mutations})
    assert refused.status_code == 503, refused.text  # while the database is down
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.headers["Retry-After"]
    time.sleep(1)
    database_outage.end()

    first = during[0]
    assert not isinstance(first, Exception), first  # the app answered, it did not hang up
    assert first.status_code in (200, 503), first.text
    results = _push_until_answered(gunicorn, headers, "tablet-db", mutations)
    _assert_exactly_once(results, mutations, app)
