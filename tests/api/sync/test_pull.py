"""Pull: scope, revocations, tombstones, paging and resuming, cursors."""

from __future__ import annotations

import uuid

from tests.api.sync.conftest import OTHER, OWN, mutation


def _keys(changes, entity=None):
    return {(c["entity"], c["id"]) for c in changes if entity in (None, c["entity"])}


def test_first_sync_brings_own_district_enterprises_and_rules_but_not_other_districts(world):
    tablet = world["a"]
    tablet.pull()
    enterprises = {k[1] for k in tablet.store if k[0] == "enterprise"}
    assert enterprises == {world["own"]["id"]}
    assert tablet.data("enterprise", world["own"]["id"])["site"] == world["own"]["site"]
    assert any(k[0] == "rule_set" for k in tablet.store)
    assert tablet.data("catalogue_entry", "AIR_VOC")["code"] == "AIR_VOC"
    assert not [k for k in tablet.store if k[0] == "task"]


def test_the_construction_acts_of_waiver_items_2_and_3_are_codes_a_tablet_can_pick(world):
    tablet = world["a"]
    tablet.pull()
    titles = {code: tablet.data("catalogue_entry", code)["title"]["zh"]
              for code in ("EIA_MAJOR_CHANGE", "EIA_EXPIRED_UNREVIEWED")}
    assert titles == {
        "EIA_MAJOR_CHANGE": "建设项目发生重大变动，未重新报批环境影响评价文件，擅自开工建设",
        "EIA_EXPIRED_UNREVIEWED":
            "环境影响评价文件自批准之日起超过五年方开工建设，未报原审批部门重新审核"}


def test_the_acts_of_waiver_items_6_7_10_and_11_are_codes_a_tablet_can_pick(world):
    tablet = world["a"]
    tablet.pull()
    titles = {code: tablet.data("catalogue_entry", code)["title"]["zh"]
              for code in ("HW_NO_SIGN", "HW_NO_LEDGER", "PERMIT_REPORT_LATE", "PERMIT_NO_LEDGER")}
    assert titles == {
        "HW_NO_SIGN": "未按规定设置危险废物识别标志",
        "HW_NO_LEDGER": "未按规定建立危险废物管理台账",
        "PERMIT_REPORT_LATE": "未按时提交排污许可证执行报告",
        "PERMIT_NO_LEDGER": "未按照排污许可证规定建立环境管理台账记录"}


def test_pulled_enterprise_equals_its_rest_representation(client, world):
    tablet = world["a"]
    tablet.pull()
    rest = client.get(f"/api/v1/enterprises/{world['own']['id']}",
                      headers=tablet.headers).get_json()
    assert tablet.data("enterprise", world["own"]["id"]) == rest


def test_a_task_brings_its_enterprise_from_another_district_and_reassignment_revokes_both(
        client, world, assigned_task, make_user):
    task = assigned_task()
    tablet = world["a"]
    tablet.pull()
    assert tablet.data("task", task["id"])["status"] == "assigned"
    assert tablet.data("enterprise", world["far"]["id"]) is not None
    third, _ = make_user("inspector", OWN)
    fourth, _ = make_user("inspector", OWN)
    response = client.put(f"/api/v1/tasks/{task['id']}/assignees", headers=world["city"],
                          json={"inspectors": [str(third.id), str(fourth.id)],
                                "version": task["version"]})
    assert response.status_code == 200, response.get_json()
    changes = tablet.pull()
    assert {(c["entity"], c["id"], c["op"]) for c in changes} >= {
        ("task", task["id"], "revoke"), ("enterprise", world["far"]["id"], "revoke")}
    assert tablet.data("task", task["id"]) is None
    assert tablet.data("enterprise", world["far"]["id"]) is None
    assert tablet.data("enterprise", world["own"]["id"]) is not None


def test_an_enterprise_moved_to_another_district_is_revoked_and_appears_there(client, world,
                                                                             site_in):
    mine, theirs = world["a"], world["other"]
    mine.pull()
    theirs.pull()
    response = client.patch(f"/api/v1/enterprises/{world['own']['id']}", headers=world["city"],
                            json={"version": world["own"]["version"], "district": OTHER,
                                  "site": site_in(OTHER)})
    assert response.status_code == 200, response.get_json()
    assert ("enterprise", world["own"]["id"], "revoke") in {
        (c["entity"], c["id"], c["op"]) for c in mine.pull()}
    theirs.pull()
    assert theirs.data("enterprise", world["own"]["id"])["district"] == OTHER


def test_a_deleted_enterprise_arrives_as_a_tombstone(client, world):
    tablet = world["a"]
    tablet.pull()
    response = client.delete(f"/api/v1/enterprises/{world['own']['id']}?version=1",
                             headers=world["supervisor"])
    assert response.status_code == 204
    changes = tablet.pull()
    assert [(c["op"], c["data"]) for c in changes if c["id"] == world["own"]["id"]] == [
        ("delete", None)]
    assert tablet.data("enterprise", world["own"]["id"]) is None


def test_a_first_sync_of_many_enterprises_pages_and_resumes_from_any_cursor(
        client, world, enterprise_body):
    for serial in range(10, 40):
        client.post("/api/v1/enterprises", json=enterprise_body(OWN, serial),
                    headers=world["supervisor"])
    tablet = world["a"]
    first = tablet.pull_page(limit=7)
    assert first["has_more"] and len(first["changes"]) == 7
    resume_from = tablet.cursor
    rest = tablet.pull(limit=7)
    # a device that lost the later pages resumes from the cursor it kept
    again = world["a"]
    again.cursor = resume_from
    replay = again.pull(limit=11)
    assert [(c["entity"], c["id"]) for c in replay] == [(c["entity"], c["id"]) for c in rest]
    seen = [(c["entity"], c["id"]) for c in first["changes"] + rest]
    assert len(seen) == len(set(seen))
    assert len(_keys(first["changes"] + rest, "enterprise")) == 31


def test_pull_after_the_last_page_returns_nothing_until_something_changes(client, world):
    tablet = world["a"]
    tablet.pull()
    assert tablet.pull() == []
    client.patch(f"/api/v1/enterprises/{world['own']['id']}", headers=world["supervisor"],
                 json={"version": 1, "address": "新地址"})
    changes = tablet.pull()
    assert [(c["id"], c["version"], c["data"]["address"]) for c in changes] == [
        (world["own"]["id"], 2, "新地址")]


def test_a_forged_or_foreign_cursor_is_a_problem_not_a_500(client, world):
    mine, theirs = world["a"], world["b"]
    mine.pull()
    for cursor in ("garbage", mine.cursor[:-3] + "abc", mine.cursor):
        response = client.get("/api/v1/sync/pull", headers=theirs.headers,
                              query_string={"cursor": cursor})
        assert response.status_code == 422
        assert response.mimetype == "application/problem+json"
        assert "cursor" in response.get_json()["errors"]
    response = client.get("/api/v1/sync/pull?limit=0", headers=mine.headers)
    assert response.status_code == 422


def test_supervisors_pull_their_district_and_legal_staff_may_not(client, world, login):
    response = client.get("/api/v1/sync/pull", headers=world["supervisor"])
    assert response.status_code == 200
    ids = {c["id"] for c in response.get_json()["changes"] if c["entity"] == "enterprise"}
    assert ids == {world["own"]["id"]}
    assert client.get("/api/v1/sync/pull", headers=login("legal", OWN)).status_code == 403


def test_records_from_before_the_change_log_are_logged_by_flask_sync_rebuild(
        app, runner, world):
    from server.extensions import db
    from server.sync.models import SyncChange

    with app.app_context():
        db.session.execute(SyncChange.__table__.delete().where(
            SyncChange.entity == "enterprise"))
        db.session.commit()
    tablet = world["a"]
    tablet.pull()
    assert tablet.data("enterprise", world["own"]["id"]) is None
    result = runner.invoke(args=["sync", "rebuild"])
    assert result.exit_code == 0 and "2 rows written" in result.output, result.output
    tablet.pull()
    assert tablet.data("enterprise", world["own"]["id"])["name"] == world["own"]["name"]
    assert "0 rows written" in runner.invoke(args=["sync", "rebuild"]).output


def test_pulled_records_equal_their_rest_representations(client, world, assigned_task):
    from tests.api.sync.conftest import mutation

    tablet, task = world["a"], assigned_task()
    inspection, violation = str(uuid.uuid4()), str(uuid.uuid4())
    results = tablet.push(
        mutation("inspection", "create", inspection, world["inspection_fields"]()),
        mutation("violation", "create", violation, {
            "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-01"}))
    assert [r["status"] for r in results] == ["applied", "applied"]
    tablet.pull()
    for entity, path in (("inspection", f"/api/v1/inspections/{inspection}"),
                         ("violation", f"/api/v1/violations/{violation}"),
                         ("task", f"/api/v1/tasks/{task['id']}")):
        rest = client.get(path, headers=tablet.headers).get_json()
        pulled = dict(tablet.data(entity, path.rsplit("/", 1)[1]))
        assert pulled.pop("open_conflicts", []) == []
        if entity == "violation":  # its decision travels as a brief, the whole one at `full`
            assert pulled.pop("decision")["full"] == path
            rest.pop("decision")
        assert pulled == rest, entity


def test_a_pulled_violation_carries_a_brief_of_its_decision_in_both_languages(client, world):
    tablet, inspection, violation = world["a"], str(uuid.uuid4()), str(uuid.uuid4())
    tablet.push(mutation("inspection", "create", inspection, world["inspection_fields"]()),
                mutation("violation", "create", violation, {
                    "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-01",
                    "facts": {"corrected_on_spot": True}}))
    tablet.pull()
    brief = tablet.data("violation", violation)["decision"]
    whole = client.get(f"/api/v1/violations/{violation}",
                       headers=tablet.headers).get_json()["decision"]
    zh, en = whole["zh"], whole["en"]
    assert brief["outcome"] == zh["decision"]
    assert brief["explanation"] == {"zh": zh["explanation"], "en": en["explanation"]}
    assert brief["waiver"]["item"] == zh["waiver"]["item"]
    assert brief["waiver"]["unknown"] == zh["waiver"]["unknown"]  # what to establish on site
    assert brief["waiver"]["reason"] == {"zh": zh["waiver"]["reason"],
                                         "en": en["waiver"]["reason"]}
    assert brief["penalty"]["amount_fen"] == zh["penalty"]["amount_fen"]
    assert brief["penalty"]["basis"] == {"zh": zh["penalty"]["basis"],
                                         "en": en["penalty"]["basis"]}
    assert "trace" not in str(brief) and len(str(brief)) * 4 < len(str(whole))


def test_supervisors_of_every_district_holding_a_file_pull_it_and_lose_it_when_it_stops(
        app, client, world, assigned_task, make_user):
    from server.evidence.models import EvidenceHolder
    from server.extensions import db
    from tests.api.evidence.conftest import PHOTOS, Tus, sha256
    from tests.api.sync.conftest import Tablet, mutation

    pudong, huangpu = (Tablet(client, *make_user("supervisor", code), f"desk-{code}")
                       for code in (OWN, OTHER))
    tablet, task = world["a"], assigned_task()  # Pudong inspectors sent to Huangpu
    photo = (PHOTOS / "DERIVED_gps_sh_huangpu_center.jpg").read_bytes()
    digest = sha256(photo)
    assert Tus(client, tablet.headers).upload(photo).status_code == 204  # held by Pudong
    pudong.pull()
    huangpu.pull()
    assert pudong.data("evidence", digest) is not None
    assert huangpu.data("evidence", digest) is None
    inspection, violation = str(uuid.uuid4()), str(uuid.uuid4())
    results = tablet.push(
        mutation("inspection", "create", inspection, world["inspection_fields"](
            enterprise_id=world["far"]["id"], task_id=task["id"])),
        mutation("violation", "create", violation, {
            "inspection_id": inspection, "code": "AIR_VOC", "occurred_on": "2026-06-01",
            "evidence": [digest]}))
    assert [r["status"] for r in results] == ["applied"] * 2, results
    # the Huangpu record cites it: Huangpu holds it now, and its supervisors pull it as REST
    # gives it to them
    rest = client.get(f"/api/v1/evidence/{digest}", headers=huangpu.headers)
    assert rest.status_code == 200
    assert ("evidence", digest) in _keys(huangpu.pull())
    assert huangpu.data("evidence", digest) == rest.get_json()
    assert huangpu.data("violation", violation)["missing_evidence"] == []
    with app.app_context():  # Huangpu stops holding it (nothing does this today)
        db.session.delete(db.session.get(EvidenceHolder, (digest, OTHER)))
        db.session.commit()
    assert ("evidence", digest, "revoke") in {(c["entity"], c["id"], c["op"])
                                              for c in huangpu.pull()}
    assert huangpu.data("evidence", digest) is None
    assert huangpu.data("violation", violation)["missing_evidence"] == [digest]
    assert client.get(f"/api/v1/evidence/{digest}", headers=huangpu.headers).status_code == 404
    assert {c["op"] for c in pudong.pull() if c["entity"] == "evidence"} <= {"upsert"}
    assert pudong.data("evidence", digest) is not None  # the uploader's district keeps it


def test_flask_sync_rebuild_sends_evidence_logged_before_0017_to_its_further_holders(
        app, client, runner, world, make_user):
    from sqlalchemy import update

    from server.extensions import db
    from server.sync.models import SyncChange
    from tests.api.evidence.conftest import PHOTOS, Tus, sha256
    from tests.api.sync.conftest import Tablet

    photo = (PHOTOS / "DSCN0010.jpg").read_bytes()
    for tablet in (world["a"], world["other"]):  # the same bytes in Pudong, then Huangpu
        assert Tus(client, tablet.headers).upload(photo).status_code == 204
    with app.app_context():  # the row as logged before migration 0017
        db.session.execute(update(SyncChange).where(SyncChange.entity == "evidence").values(
            other_districts="", past_districts=f",{OWN},"))
        db.session.commit()
    huangpu = Tablet(client, *make_user("supervisor", OTHER), "desk-huangpu")
    huangpu.pull()
    assert huangpu.data("evidence", sha256(photo)) is None
    result = runner.invoke(args=["sync", "rebuild"])
    assert result.exit_code == 0 and "1 rows written" in result.output, result.output
    huangpu.pull()
    assert huangpu.data("evidence", sha256(photo))["sha256"] == sha256(photo)


def test_an_inspector_taken_off_a_record_across_districts_pulls_it_no_more_as_rest_reads(
        client, world, assigned_task):
    # the Pudong inspector who opened a Huangpu record (交叉检查) is replaced as its officer:
    # REST answers 404, so the tablet is told to drop the record and its violation (and the
    # officer put on instead gets both)
    tablet, task = world["a"], assigned_task()
    first, second, other = world["users"]
    key, found = str(uuid.uuid4()), str(uuid.uuid4())
    results = tablet.push(
        mutation("inspection", "create", key, world["inspection_fields"](
            enterprise_id=world["far"]["id"], task_id=task["id"])),
        mutation("violation", "create", found, {
            "inspection_id": key, "code": "AIR_VOC", "occurred_on": "2026-06-01"}))
    assert [r["status"] for r in results] == ["applied"] * 2, results
    tablet.pull()
    assert tablet.data("inspection", key) is not None
    replaced = world["b"].push(mutation("inspection", "update", key, {
        "inspector_ids": [str(second.id), str(other.id)], "findings": "另行核查"}, base=1))
    assert replaced[0]["status"] == "applied", replaced
    for url in (f"/api/v1/inspections/{key}", f"/api/v1/violations/{found}"):
        assert client.get(url, headers=tablet.headers).status_code == 404
    tablet.pull()
    assert tablet.data("inspection", key) is None
    assert tablet.data("violation", found) is None
    world["other"].pull()  # the officer put on the record pulls it with its violation
    assert world["other"].data("inspection", key)["findings"] == "另行核查"
    assert world["other"].data("violation", found) is not None
