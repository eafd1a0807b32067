"""Enterprise records as JSON, without a per-field marshmallow pass on the hot list path.

`EnterpriseSchema` stays the documented contract; tests/api/test_enterprise_views.py proves
this serializer gives exactly what `EnterpriseSchema().dump` gives.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from flask import Response, json
from sqlalchemy import Row

from server.clock import today_shanghai
from server.geo import geometry_to_gcj02, wgs84_to_gcj02
from server.registry.models import Enterprise
from server.registry.service import positive_list_active

PLAIN = ("credit_code", "name", "address", "district", "industry", "permit_class",
         "permit_number", "positive_list", "credit_rating", "contacts", "site", "site_area_m2",
         "version")


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def enterprise_json(enterprise: Enterprise, crs: str = "wgs84") -> dict[str, Any]:
    """The JSON form of an enterprise, geometry in the requested system (wgs84 | gcj02)."""
    data: dict[str, Any] = {name: getattr(enterprise, name) for name in PLAIN}
    data["id"] = str(enterprise.id)
    data["positive_list_from"] = _iso(enterprise.positive_list_from)
    data["positive_list_until"] = _iso(enterprise.positive_list_until)
    data["created_at"] = _iso(enterprise.created_at)
    data["updated_at"] = _iso(enterprise.updated_at)
    data["positive_list_active"] = positive_list_active(enterprise)
    data["crs"] = crs
    centroid = None
    if enterprise.centroid_lon is not None:
        centroid = [enterprise.centroid_lon, enterprise.centroid_lat]
    if crs == "gcj02":
        if data["site"] is not None:
            data["site"] = geometry_to_gcj02(data["site"])
        if centroid:
            centroid = list(wgs84_to_gcj02(*centroid))
    data["centroid"] = centroid
    return data


def json_response(data: Any, status: int = 200) -> Response:
    """A JSON response from data that is already JSON-ready."""
    return Response(json.dumps(data, ensure_ascii=False), status=status,
                    mimetype="application/json")


def _fragment(text: str | None) -> orjson.Fragment | None:
    """Embed JSON text from the database without parsing and re-encoding it."""
    return None if text is None else orjson.Fragment(text)


def enterprise_row_json(row: Row, crs: str, today: date) -> dict[str, Any]:
    """One list row (see service.list_enterprises) in the same shape as enterprise_json.

    Dates, datetimes and UUIDs are left for orjson, which writes them in the ISO forms the
    schema uses.
    """
    data = row._asdict()
    site_json, contacts_json = data.pop("site_json"), data.pop("contacts_json")
    lon, lat = data.pop("centroid_lon"), data.pop("centroid_lat")
    del data["deleted_at"]
    data["positive_list_active"] = positive_list_active(row, today)
    data["crs"] = crs
    data["contacts"] = _fragment(contacts_json)
    centroid = None if lon is None else [lon, lat]
    if crs == "gcj02":
        site = None if site_json is None else json.loads(site_json)
        data["site"] = None if site is None else geometry_to_gcj02(site)
        data["centroid"] = list(wgs84_to_gcj02(lon, lat)) if centroid else None
    else:
        data["site"] = _fragment(site_json)
        data["centroid"] = centroid
    return data


def enterprise_page_response(rows: list[Row], total: int, page: int, per_page: int,
                             crs: str) -> Response:
    """GET /enterprises as one orjson pass."""
    today = today_shanghai()
    body = {"items": [enterprise_row_json(row, crs, today) for row in rows], "total": total,
            "page": page, "per_page": per_page}
    return Response(orjson.dumps(body), mimetype="application/json")
