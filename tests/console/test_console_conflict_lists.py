"""A list field in conflict (a record's signatures collected on two tablets) can be resolved
keeping both sides' items, without typing JSON; a text field offers no such choice."""

from __future__ import annotations

import html

from tests.api.sync.conftest import world as sync_world  # noqa: F401 - tablets and records
from tests.console.conftest import OWN
from tests.console.test_console_conflicts import conflict  # noqa: F401 - on findings
from tests.console.test_console_refusal_labels import signed_conflict  # noqa: F401


def _card(session, conflict_id: str) -> str:
    page = html.unescape(session.get("/console/conflicts").get_data(as_text=True))
    return page.split(f'id="conflict-{conflict_id}"')[1].split("</article>")[0]


def test_signatures_from_two_tablets_are_offered_together_in_words(
        console, signed_conflict):  # noqa: F811
    card = _card(console("supervisor", OWN), signed_conflict["id"])
    both = card.split('name="pick:signatures" value="both"')[1].split("<br>")[0]
    first, second = signed_conflict["users"]
    assert "两边都保留" in both
    assert both.index(f"执法人员 {first.display_name} 已签名") < both.index(
        f"执法人员 {second.display_name} 已签名") < both.index("当事人 王经理 拒绝签名")


def test_keeping_both_sides_stores_every_signature_once(
        console, client, signed_conflict, sync_world):  # noqa: F811
    session = console("supervisor", OWN)
    record = _record_of(client, sync_world, signed_conflict)
    done = session.post(f"/console/conflicts/{signed_conflict['id']}/resolve", data={
        "choice": "merged", "pick:signatures": "both"})
    assert done.status_code == 303, done.get_data(as_text=True)
    stored = client.get(f"/api/v1/inspections/{record}",
                        headers=sync_world["supervisor"]).get_json()["signatures"]
    assert [(s["signer"], s["role"], bool(s.get("refused"))) for s in stored] == [
        (s["signer"], s["role"], bool(s.get("refused")))
        for s in signed_conflict["ours"] + signed_conflict["theirs"]]


def test_a_text_field_offers_no_both_sides_choice(console, conflict):  # noqa: F811
    card = _card(console("supervisor", OWN), conflict["id"])
    assert 'name="pick:findings" value="server"' in card
    assert 'value="both"' not in card


def _record_of(client, world, signed) -> str:
    """The record the signatures conflict is on."""
    conflicts = client.get("/api/v1/sync/conflicts", headers=world["supervisor"]).get_json()
    return next(c["entity_id"] for c in conflicts if c["id"] == signed["id"])
