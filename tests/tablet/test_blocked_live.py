"""A record the server rejects while a visit's work waits behind it, on the command-line tablet
against the real app: the work is shown blocked by the rejection (never dropped), the record
fixed goes again with everything behind it, or the inspector discards them all."""

from __future__ import annotations

import json
import uuid
from datetime import date

from offline_sync import Tablet

from . import test_cli_visit
from .conftest import server_copy
from .test_cli_visit import _ok

visit = test_cli_visit.visit  # the site-visit fixture: a task, its enterprise, a tablet
NOBODY = "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f73"  # a user id the server does not know


def bad_record_with_work(visit) -> str:
    """A record naming an officer the server does not know, with an answer, the party's
    refusal to sign and an edit recorded behind it, not pushed yet."""
    run = visit["run"]
    _ok(run("pull"))
    record = _ok(run("new-inspection", "--enterprise", visit["enterprise"]["id"],
                     "--inspector", "张敏", "--inspector", NOBODY))
    _ok(run("checklist", record, "WATER-02", "no"))
    _ok(run("sign", record, "--role", "party", "--name", "王经理", "--refused", "--reason",
            "称需请示总公司"))
    _ok(run("edit", record, "--findings", "雨水排口有黄色污水"))
    return record


def _rejected_visit(visit) -> str:
    """bad_record_with_work, pushed once."""
    run = visit["run"]
    record = bad_record_with_work(visit)
    pushed = run("push")
    assert pushed.exit_code == 1, pushed.output
    assert f"blocked by the rejected inspection {record}" in pushed.output, pushed.output
    assert "3 edits wait behind it" in pushed.output
    assert "1 to look at" in pushed.output  # the rejection and what waits behind it: one
    return record


def test_edits_behind_a_rejected_record_are_shown_blocked_and_never_sent_alone(visit):
    run = visit["run"]
    record = _rejected_visit(visit)
    report = json.loads(_ok(run("status", "--json")))
    assert report["outbox"] == 4
    [stopped] = report["blocked"]
    assert stopped["id"] == record and NOBODY in stopped["problem"]
    assert [(b["entity"], b["op"]) for b in stopped["blocked"]] == [
        ("checklist_answer", "create"), ("signature", "create"), ("inspection", "update")]
    assert _ok(run("ack", record)).startswith("1 issue acknowledged")
    listed = _ok(run("status"))  # acknowledged, but what waits behind it still shows
    assert f"blocked by the rejected inspection {record}" in listed and NOBODY in listed
    again = run("push")
    assert again.exit_code == 1 and "answers: none" in again.output, again.output
    assert json.loads(_ok(run("status", "--json")))["outbox"] == 4


def test_a_rejected_record_fixed_goes_again_and_takes_its_blocked_edits_along(visit, client):
    run = visit["run"]
    record = _rejected_visit(visit)
    refused = run("resend", record, "--inspector", "张敏", "--inspector", "张敏")
    assert refused.exit_code == 2 and "named twice" in refused.output, refused.output
    fixed = _ok(run("resend", record, "--inspector", "张敏", "--inspector", "李强"))
    assert "inspector_ids fixed" in fixed and "3 edits behind it" in fixed, fixed
    pushed = run("push")
    assert pushed.exit_code == 0, pushed.output
    assert "answers: 4 applied" in pushed.output and "still queued: 0" in pushed.output
    report = json.loads(_ok(run("status", "--json")))
    assert report["blocked"] == [] and report["issues"] == []
    headers = {"Authorization": f"Bearer {Tablet(visit['home']).store.get('token')}"}
    copy = server_copy(client, headers, "inspection", record)
    assert copy["inspector_ids"] == [str(visit["first"].id), str(visit["second"].id)]
    assert copy["findings"] == "雨水排口有黄色污水"
    assert [(a["item"], a["answer"]) for a in copy["checklist"]] == [("WATER-02", "no")]
    assert [s["signer"] for s in copy["signatures"]] == ["王经理"]


def test_a_rejected_record_is_discarded_with_its_blocked_edits_only_when_asked(visit):
    run = visit["run"]
    record = _rejected_visit(visit)
    declined = run("discard", record, input="n\n")
    assert declined.exit_code == 1 and "3 edits waiting behind it" in declined.output
    assert json.loads(_ok(run("status", "--json")))["outbox"] == 4
    said = _ok(run("discard", record, "--yes"))
    assert said.startswith(f"4 edits discarded: inspection {record} and what waited behind it")
    report = json.loads(_ok(run("status", "--json")))
    assert report["outbox"] == 0 and report["blocked"] == [] and report["issues"] == []
    assert run("show", record).exit_code == 2
    assert _ok(run("push")).startswith("answers: none")  # the server's held two withdrawn:
    # test_withdraw_live.py
    kept = Tablet(visit["home"]).store.outcomes(("discarded",))
    assert len(kept) == 4 and NOBODY in json.dumps(kept[0].result)


def test_a_violation_refused_on_its_own_goes_with_its_rejected_record_when_discarded(visit):
    run = visit["run"]
    record = bad_record_with_work(visit)
    tablet = Tablet(visit["home"])
    violation = str(uuid.uuid4())
    tablet.record("violation", "create", violation, {  # a field only the server sets
        "inspection_id": record, "code": "AIR_VOC", "occurred_on": date.today().isoformat(),
        "amount_fen": 0})
    tablet.record("violation", "update", violation, {"description": "车间VOCs无组织排放"})
    tablet.close()
    assert run("push").exit_code == 1
    report = json.loads(_ok(run("status", "--json")))
    assert [(b["entity"], b["id"], len(b["blocked"])) for b in report["blocked"]] == [
        ("inspection", record, 3), ("violation", violation, 1)]
    assert "amount_fen" in report["blocked"][1]["problem"]
    declined = run("discard", record, input="n\n")
    assert declined.exit_code == 1, declined.output
    assert f"Drop the rejected inspection {record}, the rejected violation {violation} " \
           "naming it, and the 4 edits waiting behind them?" in declined.output
    said = _ok(run("discard", record, "--yes"))
    assert said.startswith(f"6 edits discarded: inspection {record}, the violation "
                           f"{violation} and what waited behind them"), said
    report = json.loads(_ok(run("status", "--json")))
    assert (report["outbox"], report["blocked"], report["issues"]) == (0, [], [])
    assert report["withdrawals"] == 2  # the answer and the refusal the server holds
