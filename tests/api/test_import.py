"""Bulk import: every bad row reported with its line; never a half-imported file."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.registry.credit_code import make_credit_code
from server.registry.models import Enterprise
from tests.api.import_rows import csv_bytes

HEADER = ["credit_code", "name", "address", "district", "industry", "permit_class",
          "permit_number", "contact_name", "contact_phone", "site"]


def _csv(rows: list[list[str]]) -> bytes:
    return csv_bytes(HEADER, rows)


@pytest.fixture
def rows(site_in):
    def row(serial, district="310115", **change):
        values = {"credit_code": make_credit_code("310115", serial),
                  "name": f"上海导入{serial}有限公司",
                  "address": "上海市浦东新区导入路1号", "district": district, "industry": "印刷",
                  "permit_class": "simplified", "permit_number": "", "contact_name": "陈",
                  "contact_phone": "13800000000",
                  "site": json.dumps(site_in(district if len(district) == 6 else "310115",
                                             0.0005))}
        values.update(change)
        return [values[h] for h in HEADER]
    return row


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Enterprise))


def _upload(client, headers, data, name="units.csv", query=""):
    return client.post(f"/api/v1/enterprises/import{query}", headers=headers,
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_a_valid_csv_is_imported_whole(app, client, login, rows):
    response = _upload(client, login(), _csv([rows(1), rows(2), rows(3)]))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["imported"] == 3
    assert _count(app) == 3


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(app, client, login, rows):
    data = _csv([rows(1), rows(2, credit_code="91310115XXXXXXXXX0"), rows(3),
                 rows(4, permit_class="huge"), rows(1)])
    response = _upload(client, login(), data)
    assert response.status_code == 422
    body = response.get_json()
    lines = {r["line"]: r["errors"] for r in body["rejected"]}
    assert set(lines) == {3, 5, 6}
    assert "credit_code" in lines[3] and "permit_class" in lines[5]
    assert "duplicate of line 2" in lines[6]["credit_code"][0]
    assert _count(app) == 0


def test_valid_only_mode_imports_the_good_rows_and_reports_the_rest(app, client, login, rows):
    data = _csv([rows(1), rows(2, site='{"type": "Polygon"'), rows(3)])
    response = _upload(client, login(), data, query="?mode=valid_only")
    assert response.status_code == 200
    body = response.get_json()
    assert body["imported"] == 2 and [r["line"] for r in body["rejected"]] == [3]
    assert _count(app) == 2


def test_dry_run_validates_without_writing(app, client, login, rows):
    response = _upload(client, login(), _csv([rows(1)]), query="?dry_run=true")
    assert response.status_code == 200 and response.get_json()["imported"] == 0
    assert _count(app) == 0


def test_rows_outside_the_importers_district_are_refused(app, client, login, rows):
    response = _upload(client, login("supervisor", "310115"), _csv([rows(1, "310101")]))
    assert response.status_code == 422
    assert "outside your scope" in response.get_json()["rejected"][0]["errors"]["district"][0]


def test_an_already_registered_credit_code_is_a_row_error(app, client, login, rows):
    headers = login()
    assert _upload(client, headers, _csv([rows(1)])).status_code == 200
    again = _upload(client, headers, _csv([rows(1), rows(2)]))
    assert again.status_code == 422
    assert again.get_json()["rejected"][0]["errors"]["credit_code"] == ["already registered"]
    assert _count(app) == 1


def test_geojson_features_import_with_their_geometry_as_site(app, client, login, site_in):
    features = [{"type": "Feature", "geometry": site_in("310115", 0.0004), "properties": {
        "credit_code": make_credit_code("310115", n), "name": f"上海地理{n}有限公司",
        "district": "310115", "permit_class": "registration"}} for n in (1, 2)]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    response = _upload(client, login(), data, name="units.geojson")
    assert response.status_code == 200, response.get_json()
    assert _count(app) == 2


def test_a_gb18030_csv_from_a_spreadsheet_is_read(app, client, login, rows):
    data = _csv([rows(1)]).decode("utf-8").encode("gb18030")
    assert _upload(client, login(), data).status_code == 200
    assert _count(app) == 1


@pytest.mark.parametrize("data, name, fragment", [
    (b"name,district\nx,310115\n", "a.csv", "missing CSV columns"),
    (b"\xff\xfe\x00garbage\xff", "a.csv", "neither UTF-8"),
    (b"{}", "a.geojson", "FeatureCollection"),
    (b"credit_code,name\n", "a.txt", ".csv"),
])
def test_unreadable_files_are_refused_as_a_whole(client, login, data, name, fragment):
    response = _upload(client, login(), data, name=name)
    assert response.status_code == 422
    assert fragment in response.get_json()["detail"]


def test_an_import_without_a_file_is_a_422(client, login):
    response = client.post("/api/v1/enterprises/import", headers=login(), data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422


def test_inspectors_may_not_import(client, login, rows):
    assert _upload(client, login("inspector"), _csv([rows(1)])).status_code == 403


def test_cli_import_reports_bad_lines_and_exits_non_zero(app, runner, make_user, rows, tmp_path):
    user, _ = make_user("supervisor", "310115")
    path = tmp_path / "units.csv"
    path.write_bytes(_csv([rows(1), rows(2, district="31011")]))
    result = runner.invoke(args=["enterprises", "import", str(path), "--as", user.username])
    assert result.exit_code == 1
    assert "line 3: district" in result.output
    assert _count(app) == 0
    result = runner.invoke(args=["enterprises", "import", str(path), "--as", user.username,
                                 "--valid-only"])
    assert result.exit_code == 0, result.output
    assert "2 rows, 1 imported, 1 rejected" in result.output
    assert _count(app) == 1


def test_a_site_cell_nested_too_deeply_is_a_refused_row_not_a_server_error(
        app, client, login, rows):
    deep = '{"a":' * 3000 + "1" + "}" * 3000
    response = _upload(client, login(), _csv([rows(1), rows(2, site=deep)]))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"] == {"line 3": {"site": ["site nests too deeply"]}}
    assert _count(app) == 0


@pytest.mark.parametrize("name, problem", [
    ("上海\ud800有限公司", "the file holds a lone UTF-16 surrogate (an escape such as \\ud800 "
                          "without its pair), which no text can hold"),
    ("上海\u0000有限公司", "the file holds the NUL character (U+0000), which no text can hold"),
])
def test_a_geojson_file_holding_what_no_text_can_hold_is_refused_whole(
        app, client, login, site_in, name, problem):
    feature = {"type": "Feature", "geometry": site_in("310115"), "properties": {
        "credit_code": make_credit_code("310115", 1), "name": name, "address": "上海市",
        "district": "310115", "industry": "印刷", "permit_class": "simplified"}}
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    response = _upload(client, login(), data, name="units.geojson")
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"] == {"file": [problem]}
    assert _count(app) == 0


def test_a_csv_file_holding_the_nul_character_is_refused_whole(app, client, login, rows):
    response = _upload(client, login(), _csv([rows(1, name="上海\u0000有限公司")]))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"] == {"file": [
        "the file holds the NUL character (U+0000), which no text can hold"]}
    assert _count(app) == 0
