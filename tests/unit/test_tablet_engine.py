"""The tablet engine against an in-memory server that keeps the sync contract."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from tablet_fakes import FakeSyncServer

from offline_sync import Offline, Tablet
from offline_sync.engine import link_id


@pytest.fixture
def server() -> FakeSyncServer:
    return FakeSyncServer()


def _tablet(tmp_path, server, name: str = "a") -> Tablet:
    tablet = Tablet(tmp_path / name, server)
    tablet.store.set(device_id=f"tablet-{name}")
    return tablet


def test_pull_pages_until_the_server_has_no_more(tmp_path, server):
    for n in range(25):
        server.publish("enterprise", f"e{n}", "upsert", {"n": n}, 1)
    server.publish("enterprise", "e3", "revoke", None, 1)
    tablet, pages = _tablet(tmp_path, server), []
    assert tablet.pull(limit=10, progress=pages.append) == 26
    assert pages == [10, 10, 6] and tablet.store.counts() == {"enterprise": 24}
    assert tablet.pull(limit=10) == 0


def test_a_lost_response_is_sent_again_and_applied_once(tmp_path, server):
    tablet = _tablet(tmp_path, server)
    record_id = tablet.new_inspection("ent-1", ["u1", "u2"], findings="门窗敞开")
    server.faults = ["after"]
    with pytest.raises(Offline):
        tablet.push()
    assert len(tablet.store.queued()) == 1  # the server applied it, but we never heard
    [outcome] = tablet.push()
    assert outcome.status == "applied" and outcome.result["status"] == "duplicate"
    assert server.applied == 1 and server.rows[("inspection", record_id)]["version"] == 1
    assert tablet.store.queued() == []


def test_a_lost_request_is_simply_sent_again(tmp_path, server):
    tablet = _tablet(tmp_path, server)
    tablet.new_inspection("ent-1", ["u1", "u2"])
    server.faults = ["before"]
    with pytest.raises(Offline):
        tablet.push()
    assert [o.status for o in tablet.push()] == ["applied"] and server.applied == 1


def test_a_day_of_offline_edits_arrives_in_order_with_the_right_bases(tmp_path, server):
    tablet = _tablet(tmp_path, server)
    ids = [tablet.new_inspection("ent-1", ["u1", "u2"], findings="") for _ in range(3)]
    for n, record_id in enumerate(ids):
        tablet.record("inspection", "update", record_id, {"findings": f"第{n}次"})
        tablet.record("inspection", "update", record_id, {"ended_at": "2026-06-01T03:00:00Z"})
    outcomes = tablet.push(batch_size=2)
    assert [o.status for o in outcomes] == ["applied"] * 9
    assert all(server.rows[("inspection", i)]["version"] == 3 for i in ids)
    assert server.rows[("inspection", ids[1])]["data"]["findings"] == "第1次"
    assert tablet.store.record_of("inspection", ids[2])[0] == 3


def test_two_tablets_on_one_record_merge_softly_and_keep_a_hard_conflict(tmp_path, server):
    server.rows[("inspection", "i")] = {"version": 1, "data": {"findings": "a", "note": ""},
                                        "history": {1: {"findings", "note"}}}
    server.publish("inspection", "i", "upsert", {"findings": "a", "note": ""}, 1)
    first, second = _tablet(tmp_path, server, "a"), _tablet(tmp_path, server, "b")
    first.pull(), second.pull()
    first.record("inspection", "update", "i", {"findings": "甲"})
    second.record("inspection", "update", "i", {"note": "乙"})
    assert [o.status for o in first.push()] == ["applied"]
    [soft] = second.push()
    assert (soft.status, soft.conflict) == ("conflict", "soft")
    assert server.rows[("inspection", "i")]["data"] == {"findings": "甲", "note": "乙"}
    second.record("inspection", "update", "i", {"findings": "丙"})  # on v3: no conflict
    first.record("inspection", "update", "i", {"findings": "丁"})  # on v2: stale, overlaps
    assert [o.status for o in second.push()] == ["applied"]
    [hard] = first.push()
    assert (hard.status, hard.conflict) == ("conflict", "hard")
    assert hard.result["conflicting_fields"] == ["findings"]
    assert hard.result["server"]["findings"] == "丙" and hard.fields == {"findings": "丁"}
    assert [i.mutation_id for i in first.store.issues()] == [hard.mutation_id]
    assert first.status()["issues"][0]["fields"] == ["findings"]


def test_a_rejection_is_surfaced_and_does_not_block_the_rest(tmp_path, server):
    tablet = _tablet(tmp_path, server)
    bad = tablet.new_inspection("ent-1", ["u1"], invalid=True)
    good = tablet.new_inspection("ent-1", ["u1", "u2"])
    outcomes = {o.record_id: o.status for o in tablet.push()}
    assert outcomes == {bad: "rejected", good: "applied"}
    [issue] = tablet.store.issues()
    assert issue.record_id == bad and issue.result["problem"]["status"] == 422


def test_an_update_before_its_create_is_held_then_settled(tmp_path, server):
    tablet = _tablet(tmp_path, server)
    held = tablet.record("inspection", "update", "late", {"findings": "x"})
    assert tablet.push() == [] and [m.held for m in tablet.store.queued()] == [True]
    server._one({"mutation_id": "other", "entity": "inspection", "op": "create", "id": "late",
                 "base_version": None, "fields": {"findings": ""}})
    [outcome] = tablet.push()
    assert outcome.mutation_id == held.mutation_id and outcome.status == "applied"
    assert server.rows[("inspection", "late")]["data"] == {"findings": "x"}


def test_unknown_entities_are_refused_before_they_reach_the_outbox(tmp_path, server):
    tablet = _tablet(tmp_path, server)
    with pytest.raises(ValueError):
        tablet.record("audit_entry", "create", "x", {})
    assert tablet.store.queued() == []


def test_a_held_edit_released_by_its_create_in_the_same_push_is_settled(tmp_path, server):
    tablet = _tablet(tmp_path, server)
    update = tablet.record("inspection", "update", "x", {"findings": "后"})
    tablet.record("inspection", "create", "x", {"findings": "先"})  # recorded out of order
    outcomes = {o.mutation_id: o.status for o in tablet.push()}
    assert outcomes[update.mutation_id] == "applied" and len(outcomes) == 2
    assert tablet.store.queued() == [] and server.rows[("inspection", "x")]["version"] == 2


def test_citing_a_photo_queues_a_link_named_by_the_pair(tmp_path, server):
    tablet = _tablet(tmp_path, server)
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"\xff\xd8 not really a jpeg")
    item = tablet.add_photo(photo, "v-1")
    [link] = tablet.store.queued()
    assert (link.entity, link.op, link.fields) == ("evidence_link", "create",
                                                   {"violation_id": "v-1", "sha256": item.sha256})
    assert link.record_id == link_id("v-1", item.sha256) and len(link.record_id) == 36


def test_an_officer_signs_with_the_user_id_of_the_one_officer_so_named(tmp_path, server):
    record, zhang, li, li_too = (str(uuid.uuid4()) for _ in range(4))
    server.publish("inspection", record, "upsert", {"officers": [
        {"user_id": zhang, "name": "张伟"}, {"user_id": li, "name": "李娜"},
        {"user_id": li_too, "name": "李娜"}]}, 1)
    tablet = _tablet(tmp_path, server)
    tablet.pull()
    tablet.sign(record, "张伟", evidence_sha256="a" * 64)
    with pytest.raises(ValueError, match="signer_user_id"):
        tablet.sign(record, "李娜", evidence_sha256="b" * 64)
    tablet.sign(record, "李娜", evidence_sha256="b" * 64, signer_user_id=li_too)
    tablet.sign(record, "王经理", "party", refusal_reason="称需请示总公司")
    unknown = str(uuid.uuid4())  # not pulled yet: the server matches the name
    tablet.sign(unknown, "张伟", evidence_sha256="c" * 64)
    queued = [m.fields for m in tablet.store.queued()]
    assert [f.get("signer_user_id") for f in queued] == [zhang, li_too, None, None]
    assert [m.entity for m in tablet.store.queued()] == ["signature"] * 4
    assert queued[2] == {"inspection_id": record, "signer": "王经理", "role": "party",
                         "evidence_sha256": None, "refused": True,
                         "refusal_reason": "称需请示总公司"}


def test_a_signature_the_contract_refuses_never_reaches_the_outbox(tmp_path, server):
    tablet = _tablet(tmp_path, server)
    record = str(uuid.uuid4())
    with pytest.raises(ValueError, match="evidence_sha256"):
        tablet.sign(record, "张伟")  # neither an image nor a refusal
    with pytest.raises(ValueError, match="signer_user_id"):
        tablet.sign(record, "王经理", "party", evidence_sha256="a" * 64,
                    signer_user_id=str(uuid.uuid4()))
    assert tablet.store.queued() == []


def test_pulled_officers_are_named_with_the_certificates_the_server_holds_now(tmp_path, server):
    me, renewed = str(uuid.uuid4()), str(uuid.uuid4())
    server.publish("inspection", "r1", "upsert", {"officers": [
        {"user_id": renewed, "name": "李娜", "certificate_no": "沪环执OLD",
         "certificate_expires": "2020-01-31"}]}, 1)
    server.publish("officer", renewed, "upsert", {
        "id": renewed, "name": "李娜", "certificate_no": "沪环执NEW",
        "certificate_expires": "2099-12-31", "district": "310115"}, 1)
    tablet = _tablet(tmp_path, server)
    tablet.store.set(user=json.dumps({"id": me, "username": "zhang", "display_name": "张伟"}))
    tablet.pull()
    people = tablet.people()
    assert people[renewed]["certificate_no"] == "沪环执NEW"
    assert people[renewed]["known_from"] == ["district", "record"]
    tablet.refuse_lapsed([renewed], date.today())  # a new record checks the certificate now
    with pytest.raises(ValueError, match="2020-01-31"):  # a signature, the one it shows
        tablet.refuse_lapsed([renewed], date.today(), "r1")


def test_an_officer_whose_pulled_certificate_expired_is_refused_before_the_outbox(
        tmp_path, server):
    me, lapsed = str(uuid.uuid4()), str(uuid.uuid4())
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    for user_id, name, expires in ((me, "张伟", "2099-12-31"), (lapsed, "钱七", yesterday)):
        server.publish("officer", user_id, "upsert", {
            "id": user_id, "name": name, "certificate_no": f"沪环执{name}",
            "certificate_expires": expires, "district": "310115"}, 1)
    tablet = _tablet(tmp_path, server)
    tablet.store.set(user=json.dumps({"id": me, "username": "zhang", "display_name": "张伟"}))
    tablet.pull()
    with pytest.raises(ValueError, match=f"钱七's enforcement certificate 沪环执钱七 expired on "
                                         f"{yesterday}"):
        tablet.open_inspection(str(uuid.uuid4()), [me, "钱七"])
    with pytest.raises(ValueError, match=yesterday):
        tablet.sign(str(uuid.uuid4()), "钱七", evidence_sha256="a" * 64, signer_user_id=lapsed)
    assert tablet.store.queued() == []


def test_an_answer_to_an_item_no_held_template_has_never_reaches_the_outbox(tmp_path, server):
    record = str(uuid.uuid4())
    server.publish("inspection", record, "upsert", {"findings": "a"}, 3)
    tablet = _tablet(tmp_path, server)
    tablet.pull()
    tablet.answer(record, "ANY-01", "yes")  # no template held yet: the server decides
    server.publish("checklist_template", "voc", "upsert", {
        "id": "voc", "items": [{"id": "VOC-01", "question": {"zh": "废气收集", "en": "Capture"}}]},
        1)
    tablet.pull()
    with pytest.raises(ValueError, match="'VOC-99'"):
        tablet.answer(record, "VOC-99", "no")
    tablet.answer(record, "VOC-01", "no")
    assert [m.fields["item"] for m in tablet.store.queued()] == ["ANY-01", "VOC-01"]


def _dust(version: int, *items: str) -> dict:
    return {"id": "dust", "version": str(version), "ref": f"dust@{version}",
            "effective_from": f"2026-0{version}-01", "effective_until": None,
            "items": [{"id": item, "question": {"zh": item, "en": item}} for item in items]}


def test_an_item_the_record_holds_is_not_checked_again_when_its_template_left_force(
        tmp_path, server):
    record = str(uuid.uuid4())
    server.publish("inspection", record, "upsert", {
        "started_at": "2026-06-10T09:00:00+08:00",
        "checklist": [{"item": "DUST-01", "answer": "yes", "note": ""}]}, 3)
    server.publish("checklist_template", "dust", "upsert", _dust(1, "DUST-01", "DUST-02",
                                                                 "DUST-03"), 1)
    tablet = _tablet(tmp_path, server)
    tablet.pull()
    tablet.answer(record, "DUST-02", "no")  # answered here, and the server took it
    tablet.answer(record, "DUST-03", "no")  # answered here, not sent yet
    answered, queued = tablet.store.queued()
    tablet.store.settle(answered, {"mutation_id": answered.mutation_id, "status": "applied",
                                   "version": 4})
    # version 2, from before the visit day, has none of them: the server does not ask again
    # for an item the record holds (server/fieldwork/checklists.py), and the tablet neither
    server.publish("checklist_template", "dust", "upsert", _dust(2, "DUST-04"), 2)
    tablet.pull()
    tablet.answer(record, "DUST-01", "na")  # the pulled copy holds it
    tablet.answer(record, "DUST-02", "yes")  # the server took this tablet's answer
    with pytest.raises(ValueError, match="'DUST-03'"):
        tablet.answer(record, "DUST-03", "yes")  # only queued: the server checks it still
    with pytest.raises(ValueError, match="'DUST-05'"):
        tablet.answer(record, "DUST-05", "yes")
    assert [(m.fields["item"], m.fields["answer"]) for m in tablet.store.queued()] == [
        ("DUST-03", "no"), ("DUST-01", "na"), ("DUST-02", "yes")]
