"""Signatures pushed by tablets: the signer's user id travels, is stored and pulled back;
it picks the officer between namesakes; and it merges and conflicts like any signature."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from server.extensions import db
from tests.api.sync.conftest import OWN, Tablet, mutation, shared_record

NAME = "张伟"


def _signature(inspection, user=None, name=None, role="officer"):
    fields = {"inspection_id": inspection, "signer": name or NAME, "role": role,
              "evidence_sha256": secrets.token_hex(32)}
    return fields | ({"signer_user_id": str(user.id)} if user else {})


@pytest.fixture
def namesakes(client, make_user, world):
    """Two Pudong inspectors both called 张伟, the first on a tablet."""
    first, first_pw = make_user("inspector", OWN, display_name=NAME)
    second, _ = make_user("inspector", OWN, display_name=NAME)
    tablet = Tablet(client, first, first_pw, "tablet-z")
    key = str(uuid.uuid4())
    created = tablet.push(mutation("inspection", "create", key, world["inspection_fields"](
        inspector_ids=[str(first.id), str(second.id)], ended_at="2026-06-01T03:00:00+00:00")))
    assert created[0]["status"] == "applied", created
    return {"tablet": tablet, "users": (first, second), "key": key}


def test_namesakes_sign_by_user_id_submit_and_pull_the_ids_back(namesakes):
    tablet, key = namesakes["tablet"], namesakes["key"]
    first, second = namesakes["users"]
    results = tablet.push(
        mutation("signature", "create", str(uuid.uuid4()), _signature(key, first)),
        mutation("signature", "create", str(uuid.uuid4()), _signature(key, second)),
        mutation("signature", "create", str(uuid.uuid4()), {
            "inspection_id": key, "signer": "王经理", "role": "party", "refused": True,
            "refusal_reason": "称需请示总公司"}),
        mutation("inspection", "status", key, {"status": "submitted"}, base=4))
    assert [r["status"] for r in results] == ["applied"] * 4, results
    tablet.pull()
    record = tablet.data("inspection", key)
    assert record["status"] == "submitted"
    assert [s.get("signer_user_id") for s in record["signatures"]] == [
        str(first.id), str(second.id), None]


def test_a_pushed_signer_user_id_of_someone_not_on_the_record_is_rejected(namesakes,
                                                                         make_user):
    stranger, _ = make_user("inspector", OWN, display_name=NAME)
    [result] = namesakes["tablet"].push(mutation("signature", "create", str(uuid.uuid4()),
                                                 _signature(namesakes["key"], stranger)))
    assert result["status"] == "rejected" and result["problem"]["status"] == 422
    problem = " ".join(result["problem"]["errors"]["signatures"])
    assert str(stranger.id) in problem and "not one of the record's officers" in problem


def test_an_older_tablets_signature_by_a_shared_name_is_rejected_asking_for_the_id(namesakes):
    [result] = namesakes["tablet"].push(mutation("signature", "create", str(uuid.uuid4()),
                                                 _signature(namesakes["key"])))
    assert result["status"] == "rejected" and result["problem"]["status"] == 422
    assert "signer_user_id" in " ".join(result["problem"]["errors"]["signatures"])


def _signed_by(world, key):
    """Tablet A's record signed by both officers with their user ids; both tablets pulled."""
    first, second, _ = world["users"]
    results = world["a"].push(*(
        mutation("signature", "create", str(uuid.uuid4()),
                 _signature(key, user, name=user.display_name)) for user in (first, second)))
    assert [r["status"] for r in results] == ["applied"] * 2, results
    world["a"].pull()
    world["b"].pull()
    return world["b"].data("inspection", key)


def test_a_signature_with_a_user_id_merges_with_another_tablets_stale_edit(client, world):
    key = shared_record(world)
    signed = _signed_by(world, key)
    assert signed["version"] == 3
    [soft] = world["b"].push(mutation("inspection", "update", key, {"findings": "乙补记"},
                                      base=1))
    assert (soft["status"], soft["conflict"], soft["conflicting_fields"]) == (
        "conflict", "soft", [])
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert record["findings"] == "乙补记"
    assert record["signatures"] == signed["signatures"]


def _signed_on_both_tablets(world) -> tuple[str, list[dict], dict]:
    """A record signed by its first officer on tablet A and its second on tablet B, from one
    base: its id, A's signatures and B's push result."""
    key = shared_record(world)
    first, second, _ = world["users"]
    ours = [_signature(key, first, name=first.display_name)]
    theirs = [_signature(key, second, name=second.display_name)]
    for fields in (ours, theirs):
        del fields[0]["inspection_id"]
    assert world["a"].push(mutation("inspection", "update", key, {"signatures": ours},
                                    base=1))[0]["status"] == "applied"
    [hard] = world["b"].push(mutation("inspection", "update", key, {"signatures": theirs},
                                      base=1))
    return key, ours, hard


def test_signatures_with_user_ids_edited_on_both_tablets_are_a_hard_conflict(client, world):
    first, second, _ = world["users"]
    key, _ours, hard = _signed_on_both_tablets(world)
    assert (hard["status"], hard["conflict"], hard["conflicting_fields"]) == (
        "conflict", "hard", ["signatures"])
    [listed] = client.get("/api/v1/sync/conflicts", headers=world["supervisor"]).get_json()
    assert listed["server_values"]["signatures"][0]["signer_user_id"] == str(first.id)
    assert listed["tablet_values"]["signatures"][0]["signer_user_id"] == str(second.id)
    forged = _signature(key, first, name=first.display_name)  # an image no tablet sent
    del forged["inspection_id"]
    merged = client.post(f"/api/v1/sync/conflicts/{listed['id']}/resolve",
                         headers=world["supervisor"],
                         json={"choice": "merged", "values": {"signatures": [forged]}})
    assert merged.status_code == 422, merged.get_json()  # a supervisor signs for no officer
    assert "on site" in merged.get_json()["detail"]
    resolved = client.post(f"/api/v1/sync/conflicts/{listed['id']}/resolve",
                           headers=world["supervisor"], json={"choice": "tablet"})
    assert resolved.status_code == 200, resolved.get_json()
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert [s["signer_user_id"] for s in record["signatures"]] == [str(second.id)]


def _without_user_ids(signatures):
    return [{k: v for k, v in s.items() if k != "signer_user_id"} for s in signatures]


def test_signatures_kept_in_a_merge_base_before_user_ids_existed_are_not_a_change(
        app, client, world):
    first, second, _ = world["users"]
    unchanged = [{"signer": user.display_name, "role": "officer",
                  "evidence_sha256": secrets.token_hex(32)} for user in (first, second)]
    key = str(uuid.uuid4())
    assert world["a"].push(mutation("inspection", "create", key, world["inspection_fields"](
        signatures=unchanged)))[0]["status"] == "applied"
    world["b"].pull()
    assert world["a"].push(mutation("inspection", "update", key, {"findings": "甲"},
                                    base=1))[0]["status"] == "applied"
    with app.app_context():  # rows and the kept base as written before the field existed
        from server.fieldwork.models import Inspection
        from server.sync.models import SyncVersion

        record = db.session.get(Inspection, uuid.UUID(key))
        record.signatures = _without_user_ids(record.signatures)
        for kept in db.session.scalars(select(SyncVersion).where(SyncVersion.entity_id == key)):
            kept.fields = kept.fields | {"signatures": _without_user_ids(kept.fields["signatures"])}
        db.session.commit()
    pulled = world["b"].data("inspection", key)["signatures"]
    [soft] = world["b"].push(mutation("inspection", "update", key, {
        "signatures": pulled, "people_present": [{"name": "李四"}]}, base=1))
    assert (soft["status"], soft["conflict"], soft["conflicting_fields"]) == (
        "conflict", "soft", [])
    [merged] = client.get("/api/v1/sync/conflicts?status=merged",
                          headers=world["supervisor"]).get_json()
    assert merged["merged_fields"] == ["people_present"]


def test_an_officer_whose_name_is_as_long_as_a_display_name_may_be_can_sign(client, make_user,
                                                                          world):
    long_name = "欧阳" + "明" * 98  # 100 characters: a display name may hold 120
    officer, password = make_user("inspector", OWN, display_name=long_name)
    partner, _ = make_user("inspector", OWN)
    tablet = Tablet(client, officer, password, "tablet-long")
    key = str(uuid.uuid4())
    assert tablet.push(mutation("inspection", "create", key, world["inspection_fields"](
        inspector_ids=[str(officer.id), str(partner.id)])))[0]["status"] == "applied"
    [result] = tablet.push(mutation("signature", "create", str(uuid.uuid4()),
                                    _signature(key, officer, name=long_name)))
    assert result["status"] == "applied", result


def test_a_pushed_officer_signature_in_the_name_of_no_officer_is_rejected_when_added(world):
    key = shared_record(world)
    [result] = world["a"].push(mutation("signature", "create", str(uuid.uuid4()),
                                        _signature(key, name="赵六")))
    assert result["status"] == "rejected" and result["problem"]["status"] == 422, result
    problem = " ".join(result["problem"]["errors"]["signatures"])
    assert "赵六" in problem and "not one of the record's officers" in problem


def _record_of_a_lapsed_officer(make_user, world, expires: date, started: datetime):
    """A record started at `started` whose second officer, 钱七, holds a certificate that
    expires on `expires`; its id and that officer."""
    officer, _ = make_user("inspector", OWN, display_name="钱七", certificate_expires=expires)
    key = str(uuid.uuid4())
    assert world["a"].push(mutation("inspection", "create", key, world["inspection_fields"](
        inspector_ids=[str(world["users"][0].id), str(officer.id)],
        started_at=started.isoformat())))[0]["status"] == "applied"
    return key, officer


def test_a_pushed_signature_counts_the_certificate_on_the_day_the_tablet_recorded_it(
        make_user, world):
    expired_on = date.today() - timedelta(days=10)
    started = datetime.now(UTC) - timedelta(days=20)
    key, lapsed = _record_of_a_lapsed_officer(make_user, world, expired_on, started)
    late = mutation("signature", "create", str(uuid.uuid4()), _signature(key, lapsed, "钱七"))
    [refused] = world["a"].push(late)
    assert refused["status"] == "rejected" and refused["problem"]["status"] == 422, refused
    problem = " ".join(refused["problem"]["errors"]["signatures"])
    assert "钱七" in problem and expired_on.isoformat() in problem
    on_site = mutation("signature", "create", str(uuid.uuid4()), _signature(key, lapsed, "钱七"))
    on_site["recorded_at"] = (started + timedelta(hours=1)).isoformat()
    [signed] = world["a"].push(on_site)
    assert signed["status"] == "applied", signed


def test_a_tablet_signature_edited_over_rest_can_still_be_withdrawn_by_the_tablet(client, world):
    key = shared_record(world)
    first = world["users"][0]
    signature_id = str(uuid.uuid4())
    assert world["a"].push(mutation("signature", "create", signature_id, _signature(
        key, first, name=first.display_name)))[0]["status"] == "applied"
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    party = {"signer": "王经理", "role": "party", "refused": True, "refusal_reason": "称需请示"}
    edited = client.patch(f"/api/v1/inspections/{key}", headers=world["a"].headers, json={
        "version": record["version"], "signatures": [*record["signatures"], party]})
    assert edited.status_code == 200, edited.get_json()
    [withdrawn] = world["a"].push(mutation("signature", "delete", signature_id,
                                           _signature(key, first, name=first.display_name)))
    assert withdrawn["status"] == "applied", withdrawn
    after = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert [s["role"] for s in after["signatures"]] == ["party"]
    assert after["version"] == edited.get_json()["version"] + 1


def test_a_signature_recorded_on_a_tablet_clock_ahead_counts_the_day_it_arrived(make_user,
                                                                                world):
    key, officer = _record_of_a_lapsed_officer(make_user, world, date.today() + timedelta(
        days=10), datetime.now(UTC))
    signed = mutation("signature", "create", str(uuid.uuid4()), _signature(key, officer, "钱七"))
    signed["recorded_at"] = (datetime.now(UTC) + timedelta(days=40)).isoformat()  # a bad clock
    [result] = world["a"].push(signed)
    assert result["status"] == "applied", result  # it cannot have been made after it arrived


def test_a_signature_taken_on_the_tablets_word_that_it_predates_the_expiry_is_audited(
        app, make_user, world):
    from server.audit.models import AuditEntry

    started = datetime.now(UTC) - timedelta(days=20)
    key, lapsed = _record_of_a_lapsed_officer(make_user, world, date.today() - timedelta(
        days=10), started)
    on_site = mutation("signature", "create", str(uuid.uuid4()), _signature(key, lapsed, "钱七"))
    on_site["recorded_at"] = (started + timedelta(hours=1)).isoformat()
    [signed] = world["a"].push(on_site)
    assert signed["status"] == "applied", signed
    with app.app_context():
        [entry] = db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_id == key, AuditEntry.action == "inspection.update")).all()
    assert datetime.fromisoformat(entry.details["signed_at"]) == started + timedelta(hours=1)


def test_a_supervisor_cannot_sign_for_the_officers_through_a_conflict_of_their_own(
        client, world, make_user):
    # The review of this session: a supervisor pushed made-up officer and party signatures on
    # an old base (a hard conflict, never checked) and resolved it as "the tablet's side".
    key = shared_record(world)
    first, second, _ = world["users"]
    boss, password = make_user("supervisor", OWN)
    boss_tablet = Tablet(client, boss, password, "boss-tablet")
    made = [_signature(key, first, name=first.display_name)]
    del made[0]["inspection_id"]
    assert world["a"].push(mutation("inspection", "update", key, {"signatures": made},
                                    base=1))[0]["status"] == "applied"
    forged = [{"signer": n.display_name, "role": "officer", "signer_user_id": str(n.id),
               "evidence_sha256": secrets.token_hex(32)} for n in (first, second)]
    [hard] = boss_tablet.push(mutation("inspection", "update", key, {"signatures": forged},
                                       base=1))
    assert hard["conflict"] == "hard"
    for choice in ({"choice": "tablet"},
                   {"choice": "merged", "values": {"signatures": forged}}):
        refused = client.post(f"/api/v1/sync/conflicts/{hard['conflict_id']}/resolve",
                              headers=world["supervisor"], json=choice)
        assert refused.status_code == 422, refused.get_json()
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert [s["signer_user_id"] for s in record["signatures"]] == [str(first.id)]


def test_a_signature_removed_after_a_conflict_is_not_added_back_by_its_resolution(
        client, world):
    key, ours, hard = _signed_on_both_tablets(world)
    removed = world["a"].push(mutation("inspection", "update", key, {"signatures": []},
                                       base=2))[0]  # the signer withdrew it on site
    assert removed["status"] == "applied", removed
    url = f"/api/v1/sync/conflicts/{hard['conflict_id']}/resolve"
    stale = client.post(url, headers=world["supervisor"],
                        json={"choice": "merged", "values": {"signatures": ours}})
    assert stale.status_code == 409 and stale.get_json()["changed_fields"] == ["signatures"]
    again = client.post(url, headers=world["supervisor"],
                        json={"choice": "merged", "values": {"signatures": ours}})
    assert again.status_code == 422, again.get_json()  # no side holds it any more
    record = client.get(f"/api/v1/inspections/{key}", headers=world["a"].headers).get_json()
    assert record["signatures"] == []
