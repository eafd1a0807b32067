"""The enterprise register: credit codes, sites, scope, versions, soft delete, GCJ-02."""

from __future__ import annotations

import pytest

from server.geo import wgs84_to_gcj02

VALID_REAL_CODE = "91310000132260250X"  # 上海汽车集团股份有限公司, published


@pytest.fixture
def supervisor(login):
    return login("supervisor", "310115")


def _create(client, headers, body):
    return client.post("/api/v1/enterprises", json=body, headers=headers)


def test_registering_a_valid_enterprise_returns_it_with_derived_site_figures(
        client, supervisor, enterprise_body):
    response = _create(client, supervisor, enterprise_body())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["version"] == 1 and body["crs"] == "wgs84"
    assert 9_000 < body["site_area_m2"] < 13_000  # 0.001° square at 31° N
    assert len(body["centroid"]) == 2


@pytest.mark.parametrize("code, fragment", [
    ("91310000132260250Y", "check character"),     # wrong final check character
    ("91310000132260250", "18"),                    # too short
    ("91310000132260250X1", "18"),                  # too long
    ("91310000132260250x", "uppercase"),            # lowercase
    ("9131000013226025OX", "not allowed"),          # letter O is excluded
])
def test_credit_code_is_refused_with_the_reason(client, supervisor, enterprise_body, code,
                                                fragment):
    response = _create(client, supervisor, enterprise_body(credit_code=code))
    assert response.status_code == 422
    messages = " ".join(response.get_json()["errors"]["credit_code"])
    assert fragment in messages, messages


def test_a_real_published_credit_code_is_accepted(client, login, enterprise_body):
    city = login("supervisor", "310000")
    response = _create(client, city, enterprise_body(credit_code=VALID_REAL_CODE))
    assert response.status_code == 201, response.get_json()


def test_a_duplicate_credit_code_is_refused_with_409(client, supervisor, enterprise_body):
    assert _create(client, supervisor, enterprise_body()).status_code == 201
    again = _create(client, supervisor, enterprise_body(name="另一家公司"))
    assert again.status_code == 409
    assert again.get_json()["errors"] == {"credit_code": ["already registered"]}


def test_a_self_intersecting_site_is_refused(client, supervisor, enterprise_body, site_in):
    ring = site_in()["coordinates"][0]
    bowtie = [ring[0], ring[2], ring[1], ring[3], ring[0]]
    response = _create(client, supervisor,
                       enterprise_body(site={"type": "Polygon", "coordinates": [bowtie]}))
    assert response.status_code == 422
    assert "Self-intersection" in response.get_json()["errors"]["site"][0]


def test_a_site_outside_shanghai_is_refused(client, supervisor, enterprise_body):
    hangzhou = [[120.15, 30.27], [120.151, 30.27], [120.151, 30.271], [120.15, 30.271],
                [120.15, 30.27]]
    response = _create(client, supervisor,
                       enterprise_body(site={"type": "Polygon", "coordinates": [hangzhou]}))
    assert response.status_code == 422
    assert "outside Shanghai" in response.get_json()["errors"]["site"][0]


def test_a_site_in_another_district_than_stated_is_refused(client, supervisor, enterprise_body,
                                                           site_in):
    response = _create(client, supervisor, enterprise_body(site=site_in("310101")))
    assert response.status_code == 422
    assert "outside district 310115" in response.get_json()["errors"]["site"][0]


@pytest.mark.parametrize("site, fragment", [
    ({"type": "Point", "coordinates": [121.5, 31.2]}, "type must be"),
    ({"type": "Polygon", "coordinates": [[[121.5, 31.2], [121.6, 31.2], [121.6, 31.3]]]},
     "at least 4"),
    ({"type": "Polygon", "coordinates": [[[121.5, 31.2], [121.6, 31.2], [121.6, 31.3],
                                          [121.5, 31.3]]]}, "closed"),
    ({"type": "Polygon", "coordinates": [[[31.2, 121.5], [31.3, 121.5], [31.3, 121.6],
                                          [31.2, 121.5]]]}, "WGS-84"),
    ({"type": "Polygon", "coordinates": "nope"}, "coordinates must"),
    ({"type": "Polygon", "coordinates": [[[121.5, "31.2"], [121.6, 31.2], [121.6, 31.3],
                                          [121.5, 31.2]]]}, "nested 3 deep"),
])
def test_malformed_sites_are_refused_not_crashed(client, supervisor, enterprise_body, site,
                                                 fragment):
    response = _create(client, supervisor, enterprise_body(site=site))
    assert response.status_code == 422
    assert fragment in " ".join(response.get_json()["errors"]["site"])


def test_an_implausibly_large_site_is_refused(app, client, supervisor, enterprise_body, site_in):
    app.config["SITE_MAX_AREA_M2"] = 5_000
    response = _create(client, supervisor, enterprise_body(site=site_in()))
    assert response.status_code == 422
    assert "plausible range" in response.get_json()["errors"]["site"][0]


def test_an_inspector_cannot_see_another_districts_enterprise(client, supervisor, login,
                                                              enterprise_body):
    created = _create(client, supervisor, enterprise_body()).get_json()
    huangpu_inspector = login("inspector", "310101")
    pudong_inspector = login("inspector", "310115")
    url = f"/api/v1/enterprises/{created['id']}"
    hidden = client.get(url, headers=huangpu_inspector)
    assert hidden.status_code == 404
    assert client.get(url, headers=pudong_inspector).status_code == 200
    listed = client.get("/api/v1/enterprises", headers=huangpu_inspector).get_json()
    assert listed["total"] == 0 and listed["items"] == []


def test_an_out_of_scope_record_answers_404_even_to_roles_that_may_not_write(
        client, supervisor, login, enterprise_body):
    created = _create(client, supervisor, enterprise_body()).get_json()
    other_inspector = login("inspector", "310101")
    response = client.patch(f"/api/v1/enterprises/{created['id']}",
                            json={"version": 1, "name": "x"}, headers=other_inspector)
    assert response.status_code == 404


def test_a_supervisor_cannot_register_in_another_district(client, supervisor, enterprise_body):
    response = _create(client, supervisor, enterprise_body(district="310101"))
    assert response.status_code == 403


def test_city_wide_users_see_every_district(client, supervisor, login, enterprise_body):
    _create(client, supervisor, enterprise_body())
    _create(client, login("supervisor", "310101"), enterprise_body("310101", serial=2))
    listed = client.get("/api/v1/enterprises", headers=login("legal", "310000")).get_json()
    assert listed["total"] == 2


def test_list_filters_and_pages(client, supervisor, enterprise_body):
    for serial in range(1, 8):
        body = enterprise_body(serial=serial, permit_class="key" if serial % 2 else "simplified")
        assert _create(client, supervisor, body).status_code == 201
    page = client.get("/api/v1/enterprises?per_page=3&page=2", headers=supervisor).get_json()
    assert page["total"] == 7 and len(page["items"]) == 3 and page["page"] == 2
    keys = client.get("/api/v1/enterprises?permit_class=key", headers=supervisor).get_json()
    assert keys["total"] == 4
    named = client.get("/api/v1/enterprises?name=测试3", headers=supervisor).get_json()
    assert [e["name"] for e in named["items"]] == ["上海测试3化工有限公司"]
    wildcard = client.get("/api/v1/enterprises?name=%25", headers=supervisor).get_json()
    assert wildcard["total"] == 0


def test_positive_list_needs_dates_within_three_years_and_a_permit(client, supervisor,
                                                                   enterprise_body):
    too_long = enterprise_body(positive_list=True, positive_list_from="2025-01-01",
                               positive_list_until="2028-01-01")
    assert "positive_list_until" in _create(client, supervisor, too_long).get_json()["errors"]
    unpermitted = enterprise_body(serial=2, permit_class="registration", positive_list=True,
                                  positive_list_from="2025-01-01",
                                  positive_list_until="2027-12-31")
    assert "positive_list" in _create(client, supervisor, unpermitted).get_json()["errors"]
    good = enterprise_body(serial=3, positive_list=True, positive_list_from="2025-01-01",
                           positive_list_until="2027-12-31")
    assert _create(client, supervisor, good).status_code == 201


def test_an_expired_positive_listing_is_not_active(client, supervisor, enterprise_body):
    expired = enterprise_body(positive_list=True, positive_list_from="2020-01-01",
                              positive_list_until="2022-12-31")
    body = _create(client, supervisor, expired).get_json()
    assert body["positive_list"] is True and body["positive_list_active"] is False
    listed = client.get("/api/v1/enterprises?positive_list=true", headers=supervisor).get_json()
    assert listed["total"] == 0


def test_update_with_current_version_bumps_it_and_stale_version_conflicts(client, supervisor,
                                                                           enterprise_body):
    created = _create(client, supervisor, enterprise_body()).get_json()
    url = f"/api/v1/enterprises/{created['id']}"
    updated = client.patch(url, json={"version": 1, "address": "上海市浦东新区新路2号"},
                           headers=supervisor)
    assert updated.status_code == 200
    assert updated.get_json()["version"] == 2
    assert updated.get_json()["name"] == created["name"]
    stale = client.patch(url, json={"version": 1, "address": "x"}, headers=supervisor)
    assert stale.status_code == 409
    assert client.get(url, headers=supervisor).get_json()["address"] == "上海市浦东新区新路2号"


def test_moving_an_enterprise_out_of_your_district_is_forbidden(client, supervisor,
                                                                enterprise_body):
    created = _create(client, supervisor, enterprise_body()).get_json()
    response = client.patch(f"/api/v1/enterprises/{created['id']}",
                            json={"version": 1, "district": "310101"}, headers=supervisor)
    assert response.status_code == 403


def test_update_validates_the_merged_record(client, supervisor, login, enterprise_body,
                                           site_in):
    created = _create(client, supervisor, enterprise_body()).get_json()
    url = f"/api/v1/enterprises/{created['id']}"
    bad_code = client.patch(url, json={"version": 1, "credit_code": "91310000132260250Y"},
                            headers=supervisor)
    assert bad_code.status_code == 422
    # the stored site stays in Pudong, so a city user moving the unit to Huangpu is refused
    city = login("supervisor", "310000")
    moved = client.patch(url, json={"version": 1, "district": "310101"}, headers=city)
    assert moved.status_code == 422 and "site" in moved.get_json()["errors"]
    moved_with_site = client.patch(url, json={"version": 1, "district": "310101",
                                              "site": site_in("310101")}, headers=city)
    assert moved_with_site.status_code == 200


def test_soft_delete_hides_the_record_and_frees_its_credit_code(client, supervisor,
                                                                enterprise_body):
    body = enterprise_body()
    created = _create(client, supervisor, body).get_json()
    url = f"/api/v1/enterprises/{created['id']}"
    assert client.delete(f"{url}?version=2", headers=supervisor).status_code == 409
    assert client.delete(f"{url}?version=1", headers=supervisor).status_code == 204
    assert client.get(url, headers=supervisor).status_code == 404
    assert client.get("/api/v1/enterprises", headers=supervisor).get_json()["total"] == 0
    assert _create(client, supervisor, body).status_code == 201


def test_sites_are_returned_in_gcj02_on_request(client, supervisor, enterprise_body):
    created = _create(client, supervisor, enterprise_body()).get_json()
    url = f"/api/v1/enterprises/{created['id']}"
    gcj = client.get(f"{url}?crs=gcj02", headers=supervisor).get_json()
    assert gcj["crs"] == "gcj02"
    lon, lat = created["site"]["coordinates"][0][0]
    assert gcj["site"]["coordinates"][0][0] == pytest.approx(list(wgs84_to_gcj02(lon, lat)))
    assert gcj["site"]["coordinates"][0][0] != [lon, lat]


def test_districts_are_listed_with_their_provenance(client, supervisor):
    districts = client.get("/api/v1/districts", headers=supervisor).get_json()
    assert len(districts) == 16
    assert {d["code"] for d in districts} >= {"310101", "310115", "310151"}


def test_a_listing_from_29_february_may_run_to_28_february_three_years_later(
        client, supervisor, enterprise_body):
    leap = enterprise_body(positive_list=True, positive_list_from="2024-02-29",
                           positive_list_until="2027-02-28")
    assert _create(client, supervisor, leap).status_code == 201
    too_long = enterprise_body(serial=2, positive_list=True, positive_list_from="2024-02-29",
                               positive_list_until="2027-03-01")
    assert _create(client, supervisor, too_long).status_code == 422


def test_enterprises_near_a_point_are_found_nearest_first_within_scope(
        client, supervisor, login, enterprise_body, site_in):
    from pyproj import Geod

    site = site_in("310115")
    near = _create(client, supervisor, enterprise_body(site=site)).get_json()
    ring = site["coordinates"][0]
    lon, lat, _ = Geod(ellps="WGS84").fwd(ring[1][0], (ring[1][1] + ring[2][1]) / 2, 90, 150)
    found = client.get(f"/api/v1/enterprises/near?lat={lat}&lon={lon}&radius_m=200",
                       headers=supervisor).get_json()
    assert [f["enterprise"]["id"] for f in found] == [near["id"]]
    assert found[0]["distance_m"] == pytest.approx(150, abs=1)
    assert client.get(f"/api/v1/enterprises/near?lat={lat}&lon={lon}&radius_m=100",
                      headers=supervisor).get_json() == []
    other = login("inspector", "310101")
    assert client.get(f"/api/v1/enterprises/near?lat={lat}&lon={lon}&radius_m=200",
                      headers=other).get_json() == []


def test_a_removed_enterprise_is_no_longer_near_anything(client, supervisor, enterprise_body,
                                                        site_in):
    site = site_in("310115")
    created = _create(client, supervisor, enterprise_body(site=site)).get_json()
    lon, lat = site["coordinates"][0][0]
    url = f"/api/v1/enterprises/near?lat={lat}&lon={lon}&radius_m=10"
    assert len(client.get(url, headers=supervisor).get_json()) == 1
    client.delete(f"/api/v1/enterprises/{created['id']}?version=1", headers=supervisor)
    assert client.get(url, headers=supervisor).get_json() == []
