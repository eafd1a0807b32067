"""The fast enterprise serializer gives exactly what the documented schema gives."""

from __future__ import annotations

import uuid

import pytest

from schemas.enterprise import EnterpriseSchema
from server.extensions import db
from server.registry.models import Enterprise
from server.registry.views import PLAIN, enterprise_json


@pytest.mark.parametrize("crs", ["wgs84", "gcj02"])
def test_fast_json_equals_the_schema_dump(app, client, login, enterprise_body, crs):
    headers = login()
    body = enterprise_body(positive_list=True, positive_list_from="2025-03-01",
                           positive_list_until="2028-02-28")
    created = client.post("/api/v1/enterprises", json=body, headers=headers).get_json()
    with app.app_context():
        enterprise = db.session.get(Enterprise, uuid.UUID(created["id"]))
        fast = enterprise_json(enterprise, crs)
        source = {name: getattr(enterprise, name) for name in PLAIN} | {
            "id": enterprise.id, "positive_list_from": enterprise.positive_list_from,
            "positive_list_until": enterprise.positive_list_until,
            "created_at": enterprise.created_at, "updated_at": enterprise.updated_at,
            "positive_list_active": fast["positive_list_active"], "crs": crs,
            "centroid": fast["centroid"], "site": fast["site"]}
    assert fast == EnterpriseSchema().dump(source)
    assert set(fast) == set(EnterpriseSchema().fields)


@pytest.mark.parametrize("crs", ["wgs84", "gcj02"])
def test_list_items_equal_the_single_record_form(client, login, enterprise_body, crs):
    headers = login()
    for serial, extra in ((1, {}), (2, {"site": None, "contacts": []})):
        client.post("/api/v1/enterprises", json=enterprise_body(serial=serial, **extra),
                    headers=headers)
    items = client.get(f"/api/v1/enterprises?crs={crs}", headers=headers).get_json()["items"]
    assert len(items) == 2
    for item in items:
        single = client.get(f"/api/v1/enterprises/{item['id']}?crs={crs}", headers=headers)
        assert item == single.get_json()
