"""An account's page lists the devices signed in as that user (tablets, console sessions),
and an administrator or the district's supervisor revokes one there: a lost tablet stops
working at once, without knowing its id from elsewhere."""

from __future__ import annotations

from tests.console.conftest import OTHER, OWN


def _tablet(client, make_user, district: str = OWN):
    """An inspector signed in on a tablet: (user, its Authorization headers)."""
    user, password = make_user("inspector", district)
    token = client.post("/api/v1/auth/token", json={
        "username": user.username, "password": password,
        "device_id": "tablet-lost-0001"}).get_json()["access_token"]
    return user, {"Authorization": f"Bearer {token}"}


def test_an_admin_sees_an_inspectors_tablet_and_revokes_it(client, console, make_user):
    user, headers = _tablet(client, make_user)
    session = console("admin", "310000")
    page = session.get(f"/console/accounts/{user.id}").get_data(as_text=True)
    devices = page.split('id="devices"')[1].split("</table>")[0]
    assert "tablet-lost-0001" in devices
    answer = session.post(f"/console/accounts/{user.id}/devices/revoke",
                          data={"device_id": "tablet-lost-0001"})
    assert answer.status_code == 303
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    page = session.get(f"/console/accounts/{user.id}").get_data(as_text=True)
    assert "tablet-lost-0001" not in page.split('id="devices"')[1].split("</table>")[0]
    assert "已撤销设备 tablet-lost-0001 的登录" in page


def test_a_supervisor_revokes_only_in_the_district_and_the_device_must_be_the_users(
        client, console, make_user):
    user, headers = _tablet(client, make_user)
    stranger, stranger_headers = _tablet(client, make_user, OTHER)
    session = console("supervisor", OWN)
    answer = session.post(f"/console/accounts/{stranger.id}/devices/revoke",
                          data={"device_id": "tablet-lost-0001"})
    assert answer.status_code == 404
    assert client.get("/api/v1/auth/me", headers=stranger_headers).status_code == 200
    answer = session.post(f"/console/accounts/{user.id}/devices/revoke",
                          data={"device_id": "tablet-other-9999"})
    assert answer.status_code == 404
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200


def test_legal_staff_may_not_revoke_devices(client, console, make_user):
    user, headers = _tablet(client, make_user)
    answer = console("legal", OWN).post(f"/console/accounts/{user.id}/devices/revoke",
                                        data={"device_id": "tablet-lost-0001"})
    assert answer.status_code == 403
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200


def test_revoking_a_device_already_signed_out_says_so_in_chinese(client, console, make_user):
    # two supervisors on the account page, or the tablet signed out meanwhile: the second
    # revocation showed the API's English 'No live tokens for device …'
    user, _ = _tablet(client, make_user)
    session = console("supervisor", OWN)
    revoke = {"device_id": "tablet-lost-0001"}
    assert session.post(f"/console/accounts/{user.id}/devices/revoke",
                        data=revoke).status_code == 303
    answer = session.post(f"/console/accounts/{user.id}/devices/revoke", data=revoke)
    assert answer.status_code == 404
    said = answer.get_data(as_text=True).split('role="alert">')[1].split("</p>")[0]
    assert "tablet-lost-0001" in said and "已没有有效的登录" in said
    assert "No live tokens" not in said
