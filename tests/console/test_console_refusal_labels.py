"""A refusal box names each field it lists that has no input beside it by the field's label in
the user's language, never by the API's name (rounds.1.reinspected_on, version); a record's
signatures are said with their signers' roles in words."""

from __future__ import annotations

import html
import re
import secrets

import pytest
from marshmallow import fields

from tests.api.sync.conftest import mutation, shared_record
from tests.api.sync.conftest import world as sync_world  # noqa: F401 - tablets and records
from tests.console.conftest import OWN
from tests.console.test_console_daily_penalty import fined  # noqa: F401 - a fined case
from tests.unit.test_console_translations import _console_schemas

RELOAD = "请重新加载页面后再提交"


def _box(response, box_id: str) -> str:
    """The refusal box of a page answered to a refused form (unescaped)."""
    page = html.unescape(response.get_data(as_text=True))
    return page.split(f'id="{box_id}"')[1].split("</div>")[0]


def test_a_daily_penalty_sent_without_its_version_names_the_page_and_says_to_reload(
        console, fined):  # noqa: F811
    refused = console("legal", OWN).post(f"/console/cases/{fined['id']}/daily-penalties", data={
        "version": "", "rounds.0.order_served_on": "2020-01-02",
        "rounds.0.reinspected_on": "2020-01-12"})
    assert refused.status_code == 422
    box = _box(refused, "daily-refused")
    assert "<strong>页面版本</strong>" in box and RELOAD in box
    assert "<strong>version</strong>" not in box and "必填" not in box


def test_a_step_sent_without_its_version_names_the_page_not_the_field(console, world):
    case = world[OWN]["case"]
    refused = console("legal", OWN).post(f"/console/cases/{case['id']}/transitions",
                                         data={"to": "investigating", "version": ""})
    assert refused.status_code == 422
    box = _box(refused, "step-refused")
    assert "<strong>页面版本</strong>" in box and RELOAD in box
    assert ">version<" not in box


def test_a_round_of_the_daily_penalty_is_named_by_its_number_and_its_label(app):
    from server.console.field_labels import label

    with app.test_request_context("/console/"):
        assert label("rounds.1.reinspected_on") == "第2轮 复查日期"
        assert label("rounds.0.order_served_on") == "第1轮 责令改正决定书送达日期"
        assert label("rounds[2]") == label("rounds.2") == "第3轮"  # the rules' name of a round
        assert label("contacts.0.phone") == "第1位联系人 联系电话"
        assert label("act_fines.1.fine_fen") == "第2项罚款 金额（元）"
        assert label("population.permit_classes.2") == "排污许可类别第3项"
        # a part unknown under a known field is named by the field; nothing known, as it is
        assert label("interviewee.nickname") == "被询问人"
        assert label("officer_image.2b1e") == "签名图片"
        assert label("no_such_field") == "no_such_field"


def _paths(schema, prefix: str = "", seen: frozenset = frozenset()) -> set[str]:
    """Every field a schema loads, nested ones too, an item of a list by its first index."""
    if type(schema) in seen:
        return set()
    out = set()
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        path = f"{prefix}{field.data_key or name}"
        out.add(path)
        inner = field
        while isinstance(inner, fields.List):
            path, inner = f"{path}.0", inner.inner
            out.add(path)
        if isinstance(inner, fields.Nested):
            out |= _paths(inner.schema, f"{path}.", seen | {type(schema)})
    return out


def test_every_field_a_console_form_or_query_loads_has_a_chinese_label(app):
    # A refusal box listed such fields by the API's name (version, rounds.1.reinspected_on,
    # act_fines.0.fine_fen, interviewee.phone, population.industries).
    from server.console.field_labels import label

    paths = {path for schema in _console_schemas() for path in _paths(schema())}
    assert {"version", "rounds.0.reinspected_on", "interviewee.phone", "qa.0.q"} <= paths
    with app.test_request_context("/console/"):
        raw = sorted(path for path in paths if set(re.findall(r"[a-z_]+", label(path).lower()))
                     & set(re.split(r"[.\d]+", path)))
    assert raw == []


@pytest.fixture
def signed_conflict(sync_world) -> dict:  # noqa: F811
    """A record its first officer signed on tablet A while, from the same base, tablet B had
    the second officer sign and the party refuse: a hard conflict on its signatures."""
    world = sync_world
    key = shared_record(world)
    first, second, _ = world["users"]

    def signed(user) -> dict:
        return {"signer": user.display_name, "role": "officer", "signer_user_id": str(user.id),
                "evidence_sha256": secrets.token_hex(32)}

    ours = [signed(first)]
    theirs = [signed(second), {"signer": "王经理", "role": "party", "refused": True,
                               "refusal_reason": "称需请示总公司"}]
    assert world["a"].push(mutation("inspection", "update", key, {"signatures": ours},
                                    base=1))[0]["status"] == "applied"
    [hard] = world["b"].push(mutation("inspection", "update", key, {"signatures": theirs},
                                      base=1))
    assert (hard["conflict"], hard["conflicting_fields"]) == ("hard", ["signatures"]), hard
    return {"id": hard["conflict_id"], "ours": ours, "theirs": theirs, "users": (first, second)}


def test_the_signatures_of_a_conflicting_record_name_each_signers_role_in_chinese(
        console, signed_conflict):
    page = html.unescape(console("supervisor", OWN).get("/console/conflicts").get_data(
        as_text=True))
    card = page.split(f'id="conflict-{signed_conflict["id"]}"')[1].split("</article>")[0]
    row = card.split('<th scope="row">签名</th>')[1].split("</tr>")[0]
    first, second = signed_conflict["users"]
    digest = signed_conflict["ours"][0]["evidence_sha256"][:12]
    assert f"执法人员 {first.display_name} 已签名（签名图片 {digest}）" in row
    assert f"执法人员 {second.display_name} 已签名" in row
    assert "当事人 王经理 拒绝签名：称需请示总公司" in row
    assert '"role"' not in row and "officer" not in row and "party" not in row
    # each side offered as the merged value is said so too
    assert f"执法人员 {second.display_name} 已签名" in card.split('name="pick:signatures"')[2]


def test_a_signature_of_an_unknown_role_is_shown_as_it_came(app):
    from server.console.conflict_form import side

    with app.test_request_context("/console/"):
        said = side([{"signer": "李四", "role": "auditor", "evidence_sha256": "ab" * 32}],
                    field="signatures")
        assert said == "auditor 李四 已签名（签名图片 abababababab）"
        assert side([{"a": 1}], field="findings") == '[{"a": 1}]'
