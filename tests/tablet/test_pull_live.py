"""Pulling through the client from the real app: paged, resumable after a crash, tombstones."""

from __future__ import annotations

import pytest

from offline_sync import Tablet

from .conftest import TEST_POLICY


@pytest.fixture
def register(client, login, enterprise_body):
    """A supervisor who puts enterprises on the register (and takes them off)."""
    supervisor = login("supervisor", "310115")

    def add(n: int, district: str = "310115") -> list[dict]:
        start = len(add.made) + 1
        for serial in range(start, start + n):
            response = client.post("/api/v1/enterprises", headers=supervisor if district ==
                                   "310115" else login("supervisor", district),
                                   json=enterprise_body(district, serial))
            assert response.status_code == 201, response.get_json()
            add.made.append(response.get_json())
        return add.made[-n:]

    def remove(enterprise: dict) -> None:
        response = client.delete(f"/api/v1/enterprises/{enterprise['id']}?version="
                                 f"{enterprise['version']}", headers=supervisor)
        assert response.status_code == 204, response.get_json()

    add.made = []
    add.remove = remove
    return add


def test_a_first_sync_is_paged_and_brings_the_district_only(live, tablet_for, register):
    ours = register(9)
    register(2, "310104")
    tablet, pages = tablet_for(live), []
    tablet.pull(limit=4, progress=pages.append)
    assert len(pages) >= 3 and max(pages) <= 4
    assert {e["id"] for e in tablet.store.records("enterprise")} == {e["id"] for e in ours}


def test_a_pull_killed_between_pages_resumes_and_applies_each_change_once(
        live, tablet_for, register, tmp_path):
    register(10)
    tablet = tablet_for(live)
    real, calls = tablet.store.apply_page, []

    def dies_on_the_third_page(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise SystemExit("battery")
        return real(*args, **kwargs)

    tablet.store.apply_page = dies_on_the_third_page
    with pytest.raises(SystemExit):
        tablet.pull(limit=3)
    halfway = tablet.store.counts().get("enterprise", 0)
    assert 0 < halfway < 10
    home = tablet.home
    tablet.store.close()
    again = Tablet(home, policy=TEST_POLICY)
    applied = again.pull(limit=3)
    assert again.store.counts()["enterprise"] == 10
    everything = Tablet(tmp_path / "fresh", policy=TEST_POLICY)
    everything.store.set(server=again.store.get("server"), token=again.store.get("token"),
                         device_id=again.store.get("device_id"))
    assert applied + 6 == everything.pull(limit=3)  # nothing pulled twice, nothing skipped
    again.close(), everything.close()


def test_a_removed_enterprise_arrives_as_a_tombstone_and_leaves_the_tablet(
        live, tablet_for, register):
    first, second = register(2)
    tablet = tablet_for(live)
    tablet.pull()
    register.remove(first)
    tablet.pull()
    assert [e["id"] for e in tablet.store.records("enterprise")] == [second["id"]]


def test_a_cursor_the_server_does_not_know_starts_the_sync_over(live, tablet_for, register):
    register(3)
    tablet = tablet_for(live)
    tablet.pull()
    tablet.store.apply_page([{"entity": "enterprise", "id": "gone", "op": "upsert",
                              "version": 1, "data": {}}], "not-a-cursor")
    tablet.pull()
    assert "gone" not in {e["id"] for e in tablet.store.records("enterprise")}
    assert tablet.store.counts()["enterprise"] == 3
