"""Fixtures for cases: a frozen legal calendar, staff, a party with violations, step helpers."""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from PIL import Image

from server import clock
from tests.api.cases.case_files import late_photo, ok

DISTRICT = "310115"
WAIVABLE = {"corrected_on_spot": True, "corrected_in_time": True, "harmful_consequence": False}
FINED = {"corrected_on_spot": False, "corrected_in_time": False, "harmful_consequence": True}
# A ground under 处罚法 第32条 for fines below AIR_VOC's statutory 20,000 yuan.
MITIGATED = "主动消除违法行为危害后果"


class FrozenClock:
    """A fake wall clock: `server.clock.utcnow` answers `now` while it is set."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def on(self, day: date | str, hour: int = 10) -> date:
        """Stand at `hour` o'clock Shanghai time on `day`; returns the day."""
        day = date.fromisoformat(day) if isinstance(day, str) else day
        self.now = datetime.combine(day, time(hour)).replace(tzinfo=UTC) - timedelta(hours=8)
        return day


@pytest.fixture
def frozen(monkeypatch) -> FrozenClock:
    """Freeze the clock the cases read (tokens keep real time)."""
    fake = FrozenClock()
    real = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: fake.now or real())
    return fake


@pytest.fixture
def party(client, make_user, login, enterprise_body) -> dict[str, Any]:
    """A Pudong enterprise inspected on 2021-06-01 by two inspectors, and the staff."""
    supervisor = login("supervisor", DISTRICT)
    made = [make_user("inspector", DISTRICT) for _ in range(2)]
    inspectors = [user for user, _ in made]
    enterprise = client.post("/api/v1/enterprises", json=enterprise_body(),
                             headers=supervisor).get_json()
    inspection = {"id": str(uuid.uuid4()), "enterprise_id": enterprise["id"],
                  "inspector_ids": [str(i.id) for i in inspectors],
                  "started_at": "2021-06-01T01:30:00+00:00"}
    created = client.post("/api/v1/inspections", json=inspection, headers=supervisor)
    assert created.status_code == 201, created.get_json()
    first, password = made[0]
    token = client.post("/api/v1/auth/token", json={
        "username": first.username, "password": password, "device_id": "tablet-party"})
    assert token.status_code == 201, token.get_json()
    return {"supervisor": supervisor, "legal": login("legal", DISTRICT),
            "enterprise": enterprise, "inspection_id": inspection["id"],
            "inspectors": inspectors, "inspector_passwords": [pw for _, pw in made],
            # the first officer on their tablet: only an officer adds a record's signatures
            "officer": {"Authorization": f"Bearer {token.get_json()['access_token']}"}}


@pytest.fixture
def violation(client, party) -> Callable[..., dict[str, Any]]:
    """Record a violation at the party; returns the API answer."""

    def make(code: str = "AIR_VOC", facts: dict[str, Any] | None = None,
             inspection_id: str | None = None, **change: Any) -> dict[str, Any]:
        body = {"id": str(uuid.uuid4()), "inspection_id": inspection_id or party["inspection_id"],
                "code": code, "occurred_on": "2021-06-01", "description": "现场发现",
                "facts": dict(FINED if facts is None else facts)}
        body.update(change)
        response = client.post("/api/v1/violations", json=body, headers=party["supervisor"])
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def step(client, party) -> Callable[..., Any]:
    """POST a transition with the case's current version; returns the response."""

    def move(case: dict[str, Any], to: str, *, headers: dict[str, str] | None = None,
             **params: Any):
        return client.post(f"/api/v1/cases/{case['id']}/transitions",
                           json={"to": to, "version": case["version"], **params},
                           headers=headers or party["legal"])

    return move


@pytest.fixture
def file_case(client, party) -> Callable[..., Any]:
    """POST /cases as the legal staff member; returns the response."""

    def post(*violation_ids: str, **extra: Any):
        return client.post("/api/v1/cases", json={"violation_ids": list(violation_ids), **extra},
                           headers=party["legal"])

    return post


@pytest.fixture
def filed(app, client, party, violation, file_case, frozen, tmp_path) -> dict[str, Any]:
    """A filed case with one photo; exports land in tmp_path, built when a test runs the job."""
    app.config.update(CASE_EXPORT_DIR=str(tmp_path / "exports"), CASE_EXPORT_THREAD=False)
    digest, _ = upload_photo(client, party["supervisor"])
    frozen.on("2021-06-03")
    response = file_case(violation(evidence=[digest])["id"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def sign_in_as_inspector(client, party: dict[str, Any], index: int = 0) -> dict[str, str]:
    """Authorization headers of one of the party's two inspecting officers."""
    response = client.post("/api/v1/auth/token", json={
        "username": party["inspectors"][index].username,
        "password": party["inspector_passwords"][index], "device_id": f"tablet-{index}"})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def png(shade: int) -> bytes:
    """A small grey PNG, as a scanned or drawn signature image: each shade its own digest."""
    buffer = io.BytesIO()
    Image.new("L", (120, 40), shade).save(buffer, "PNG")
    return buffer.getvalue()


def upload_photo(client, headers: dict[str, str], shade: int = 0) -> tuple[str, bytes]:
    """Upload a small JPEG over tus; returns its SHA-256 and bytes."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30 + shade, 120, 60)).save(buffer, "JPEG")
    return upload_file(client, headers, buffer.getvalue())


def upload_file(client, headers: dict[str, str], data: bytes,
                kind: str | None = None) -> tuple[str, bytes]:
    """Upload these bytes over tus (as evidence of `kind`, else the default); returns their
    SHA-256 and the bytes."""
    digest = hashlib.sha256(data).hexdigest()
    tus = {**headers, "Tus-Resumable": "1.0.0"}
    meta = {"sha256": digest} | ({"kind": kind} if kind else {})
    created = client.post("/api/v1/uploads/", headers={
        **tus, "Upload-Length": str(len(data)), "Upload-Metadata": ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items())})
    assert created.status_code == 201, created.get_json()
    done = client.patch(created.headers["Location"], data=data, headers={
        **tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    assert done.status_code == 204, done.get_json()
    return digest, data


@pytest.fixture
def exporting(app, tmp_path):
    """Exports land in tmp_path; background threads are off unless a test turns them on."""
    app.config.update(CASE_EXPORT_DIR=str(tmp_path / "exports"), CASE_EXPORT_THREAD=False)
    return tmp_path / "exports"


@pytest.fixture
def case_with_photos(client, party, violation, file_case, step, frozen):
    """A fined case with two photos, walked to closed."""
    photos = dict(upload_photo(client, party["supervisor"], shade) for shade in (0, 90))
    frozen.on("2021-06-03")
    case = ok(file_case(violation(evidence=list(photos))["id"]), 201).get_json()
    case = ok(step(case, "investigating")).get_json()
    case = ok(step(case, "notified")).get_json()
    case = ok(step(case, "decided", fine_fen=3_000_000, rights_waived=True)).get_json()
    case = ok(step(case, "served", method="direct")).get_json()
    case = ok(step(case, "paid", amount_fen=3_000_000)).get_json()
    return ok(step(case, "closed")).get_json() | {"photos": photos}


@pytest.fixture
def closed(exporting, client, party, violation, file_case, step, frozen):
    """A fined case closed with two uploaded photos and one cited photo not yet uploaded."""
    photos = dict(upload_photo(client, party["supervisor"], shade) for shade in (0, 90))
    late = hashlib.sha256(late_photo()).hexdigest()
    frozen.on("2021-06-03")
    case = ok(file_case(violation(evidence=[*photos, late])["id"]), 201).get_json()
    for to, params in (("investigating", {}), ("notified", {}),
                       ("decided", {"fine_fen": 3_000_000, "rights_waived": True}),
                       ("served", {"method": "direct"}), ("paid", {"amount_fen": 3_000_000}),
                       ("closed", {})):
        case = ok(step(case, to, **params)).get_json()
    return case | {"photos": photos, "late": late}


@pytest.fixture
def archived(closed, step):
    """The closed case, archived."""
    return ok(step(closed, "archived")).get_json() | {k: closed[k] for k in ("photos", "late")}


HEARD_CHAIR = {"name": "李主持", "user_id": None}
HEARD_PLACE = "浦东新区生态环境局三楼听证室"


def hear(violation_id: str, file_case, step, frozen, intended_fen: int,
         fine_fen: int) -> dict[str, Any]:
    """A case on one violation, filed 2021-06-03, reviewed and notified at intended_fen,
    heard on 2021-06-25 and decided at fine_fen after it."""

    def ok(response):
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    frozen.on("2021-06-03")
    filed = file_case(violation_id)
    assert filed.status_code == 201, filed.get_json()
    case = ok(step(filed.get_json(), "investigating"))
    frozen.on("2021-06-07")
    case = ok(step(case, "legal_review"))
    case = ok(step(case, "notified", intended_fen=intended_fen, review_opinion="事实清楚，同意"))
    frozen.on("2021-06-15")
    case = ok(step(case, "hearing", hearing_notice_on="2021-06-15", hearing_on="2021-06-25",
                   hearing_place=HEARD_PLACE, chair=HEARD_CHAIR))
    frozen.on("2021-06-28")
    return ok(step(case, "decided", fine_fen=fine_fen, hearing_record="当事人申辩部分采纳"))


@pytest.fixture
def heard_case(party, violation, file_case, step, frozen) -> dict[str, Any]:
    """An AIR_VOC case notified at 150,000 yuan, heard on 2021-06-25, decided after it."""
    return hear(violation()["id"], file_case, step, frozen, 15_000_000, 12_000_000)


def decide_with_a_waived_act(violation, file_case, step, frozen,
                             educated_person: str | None = None) -> tuple[dict, dict]:
    """A case on a waived AIR_VOC act and a fined AIR_DUST act, decided on 2021-06-10 at the
    notified fine with its party educated; returns (decided case, the waived violation)."""
    def ok(response, status: int = 200) -> dict[str, Any]:
        assert response.status_code == status, response.get_json()
        return response.get_json()

    frozen.on("2021-06-02")
    waived, fined = violation(facts=WAIVABLE), violation("AIR_DUST")
    case = ok(step(ok(file_case(waived["id"], fined["id"]), 201), "investigating"))
    case = ok(step(case, "notified"))
    frozen.on("2021-06-10")
    case = ok(step(case, "decided", fine_fen=case["intended_fen"], education={
        "on": "2021-06-10", "method": "约谈", "content": "告知VOCs无组织排放的法律责任",
        "educated_person": educated_person}))
    return case, waived
