"""Fixtures for field records: two certified inspectors, an enterprise, record bodies."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

SIGNATURE = "a" * 64


@pytest.fixture
def field(client, make_user, login, enterprise_body):
    """Two Pudong inspectors signed in, one enterprise with a site, and body builders."""
    first, first_pw = make_user("inspector", "310115")
    second, _ = make_user("inspector", "310115")
    token = client.post("/api/v1/auth/token", json={
        "username": first.username, "password": first_pw, "device_id": "tablet-a"}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    supervisor = login("supervisor", "310115")
    enterprise = client.post("/api/v1/enterprises", json=enterprise_body(),
                             headers=supervisor).get_json()

    def inspection(**change: Any) -> dict[str, Any]:
        body = {"id": str(uuid.uuid4()), "enterprise_id": enterprise["id"],
                "inspector_ids": [str(first.id), str(second.id)],
                "started_at": datetime(2026, 6, 1, 1, 30, tzinfo=UTC).isoformat(),
                "checkin": {"lat": 31.2, "lon": 121.5, "accuracy_m": 8},
                "people_present": [{"name": "王经理", "role": "厂长"}],
                "checklist": [{"item": "VOC-01", "answer": "no", "note": "车间门窗敞开"}],
                "findings": "喷漆车间门窗敞开作业"}
        body.update(change)
        return body

    def signed(**change: Any) -> dict[str, Any]:
        return inspection(ended_at=datetime(2026, 6, 1, 3, 0, tzinfo=UTC).isoformat(),
                          signatures=[
                              {"signer": first.display_name, "role": "officer",
                               "evidence_sha256": secrets.token_hex(32)},
                              {"signer": second.display_name, "role": "officer",
                               "evidence_sha256": secrets.token_hex(32)},
                              {"signer": "王经理", "role": "party", "refused": True,
                               "refusal_reason": "称需请示总公司"}], **change)

    return {"headers": headers, "supervisor": supervisor, "enterprise": enterprise,
            "inspectors": (first, second), "inspection": inspection, "signed": signed}
