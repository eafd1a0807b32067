"""The command-line tablet in the field's trouble, against the real app on a loopback server:
what it tells the inspector, what it keeps, and its exit status."""

from __future__ import annotations

import json
import re
import uuid
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from offline_sync import Refused, SyncError, Tablet, Unauthorized, cli
from offline_sync.http import FullJitterRetry, RetryPolicy

from .conftest import make_photo

QUICK = RetryPolicy(retries=2, backoff_base=0.01, backoff_cap=0.05, connect_timeout=2,
                    read_timeout=10)


@pytest.fixture
def cli_tablet(live, make_user, tmp_path, monkeypatch):
    """A signed-in command-line tablet of a new inspector: a function running one command."""
    monkeypatch.setattr(cli, "Tablet", partial(Tablet, policy=QUICK))
    user, password = make_user("inspector", "310115")
    home = str(tmp_path / "cli")
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli.main, ["--home", home, *args], catch_exceptions=False)

    signed_in = run("login", "--server", live.url, "--username", user.username,
                    "--password", password, "--device-id", "field-tablet")
    assert signed_in.exit_code == 0, signed_in.output
    run.user, run.password, run.home = user, password, Path(home)  # type: ignore[attr-defined]
    return run


def test_a_rejected_edit_names_the_fields_the_server_refused(
        cli_tablet, client, login, enterprise_body):
    enterprise = client.post("/api/v1/enterprises", json=enterprise_body("310115", 1),
                             headers=login("supervisor", "310115")).get_json()
    made = cli_tablet("new-inspection", "--enterprise", enterprise["id"], "--inspector",
                      str(cli_tablet.user.id), "--inspector", str(uuid.uuid4()))  # nobody's id
    assert made.exit_code == 0, made.output
    pushed = cli_tablet("push")
    assert "rejected" in pushed.output and "inspector_ids" in pushed.output, pushed.output
    assert pushed.exit_code == 1  # something for the inspector to look at
    status = cli_tablet("status", "--json")
    [issue] = json.loads(status.output)["issues"]
    assert issue["status"] == "rejected" and "inspector_ids" in issue["problem"]


def test_a_rejection_learnt_from_a_replay_still_says_why(live, tablet_for):
    tablet = tablet_for(live)
    mutation = tablet.record("inspection", "create", "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f61",
                             {"enterprise_id": "x", "inspector_ids": []})
    tablet.server.push(tablet.device_id, [mutation.wire()])  # the answer is lost on the way
    [outcome] = tablet.push()  # sent again: the server replays its first answer
    assert outcome.status == "rejected" and outcome.result["status"] == "duplicate"
    [issue] = tablet.status()["issues"]
    assert "enterprise_id" in issue["problem"] and "inspector_ids" in issue["problem"]


def test_a_refused_file_is_named_with_its_reason_and_push_says_it_needs_attention(
        cli_tablet, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("现场笔记，不是照片")
    assert cli_tablet("add-photo", str(notes)).exit_code == 0
    assert cli_tablet("add-photo", str(make_photo(tmp_path / "camera", 21))).exit_code == 0
    pushed = cli_tablet("push")
    assert pushed.exit_code == 1, pushed.output
    assert "notes.txt" in pushed.output and "Not an image" in pushed.output
    status = cli_tablet("status")
    assert "notes.txt" in status.output and "Not an image" in status.output
    report = json.loads(cli_tablet("status", "--json").output)
    assert [f["filename"] for f in report["refused_files"]] == ["notes.txt"]
    assert report["evidence"] == {"pending": 0, "uploaded": 1, "refused": 1}
    assert cli_tablet("push").exit_code == 0  # nothing new to look at


def test_a_statement_and_a_recording_are_accepted_as_what_their_names_say(
        cli_tablet, live, tmp_path):
    from server.evidence.models import Evidence
    from server.extensions import db

    statement, recording = tmp_path / "询问笔录.pdf", tmp_path / "现场录音.amr"
    statement.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    recording.write_bytes(b"#!AMR\n" + bytes(range(256)) * 4)
    assert cli_tablet("add-photo", "--kind", "document", str(statement)).exit_code == 0
    assert cli_tablet("add-photo", "--kind", "audio", str(recording)).exit_code == 0
    pushed = cli_tablet("push")
    assert pushed.exit_code == 0 and "2 uploaded" in pushed.output, pushed.output
    with live.app.app_context():
        kept = {e.filename: (e.mime, e.kind) for e in db.session.scalars(db.select(Evidence))}
    assert kept == {"询问笔录.pdf": ("application/pdf", "document"),
                    "现场录音.amr": ("audio/amr", "audio")}


def _queue_an_inspection(cli_tablet, tmp_path) -> None:
    """One edit and one photo waiting on the tablet."""
    made = cli_tablet("new-inspection", "--enterprise", "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f62",
                      "--inspector", str(cli_tablet.user.id), "--inspector", str(uuid.uuid4()),
                      "--findings", "门窗敞开")
    photo = cli_tablet("add-photo", str(make_photo(tmp_path / "camera", 31)))
    assert made.exit_code == 0 and photo.exit_code == 0


def test_a_server_out_of_reach_is_said_plainly_and_the_work_stays_queued(
        cli_tablet, live, tmp_path):
    _queue_an_inspection(cli_tablet, tmp_path)
    live.stop()
    try:
        pushed, pulled = cli_tablet("push"), cli_tablet("pull")
    finally:
        live.start()
    for result in (pushed, pulled):
        assert result.exit_code == 1
        assert "server" in result.output and live.url in result.output
        assert "1 edit and 1 file wait on this tablet" in result.output, result.output
        assert "HTTPConnectionPool" not in result.output and "cursor=" not in result.output
    report = json.loads(cli_tablet("status", "--json").output)
    assert report["outbox"] == 1 and report["evidence"]["pending"] == 1


def test_a_revoked_tablet_is_told_to_sign_in_again_and_keeps_its_work(
        cli_tablet, live, client, login, tmp_path):
    _queue_an_inspection(cli_tablet, tmp_path)
    supervisor = login("supervisor", "310115")
    assert client.delete("/api/v1/auth/devices/field-tablet",
                         headers=supervisor).status_code == 200
    pushed = cli_tablet("push")
    assert pushed.exit_code == 1 and "revoked" in pushed.output
    assert "`login`" in pushed.output and "1 edit and 1 file wait" in pushed.output
    wrong = cli_tablet("login", "--server", live.url, "--username", cli_tablet.user.username,
                       "--password", "wrong")  # a wrong password is not a revoked tablet
    assert wrong.exit_code == 1 and "`login` again" not in wrong.output
    assert cli_tablet("login", "--server", live.url, "--username", cli_tablet.user.username,
                      "--password", cli_tablet.password).exit_code == 0
    assert "1 edit and 1 file" not in cli_tablet("push").output


def test_status_before_signing_in_says_so(tmp_path):
    result = CliRunner().invoke(cli.main, ["--home", str(tmp_path / "new"), "status"])
    assert result.exit_code == 0 and "not signed in" in result.output
    assert "None" not in result.output


def test_a_throttled_sign_in_is_final_and_says_when_to_try_again(
        live, make_user, tmp_path, monkeypatch):
    monkeypatch.setattr(FullJitterRetry, "RETRY_AFTER_MAX", 0.05)  # waits would not stall this
    live.app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    user, password = make_user("inspector", "310115")
    tablet = Tablet(tmp_path / "t", policy=QUICK)
    for _ in range(2):
        with pytest.raises(Unauthorized) as wrong:
            tablet.login(live.url, user.username, "wrong", "throttled-tablet")
        assert "again" not in str(wrong.value)  # the limiter's Retry-After is on every answer
    with pytest.raises(Refused) as throttled:  # not retried for minutes as if the server hiccuped
        tablet.login(live.url, user.username, password, "throttled-tablet")
    assert throttled.value.status == 429 and 0 < throttled.value.retry_after <= 60
    assert re.search(r"Try again in (\d+ seconds|1 minute)\.$", str(throttled.value))
    assert "Too many requests: at most 2 per 1 minute." in str(throttled.value)
    assert tablet.store.get("token") is None


def test_another_inspector_cannot_sign_in_over_unsent_work(app, live, make_user, tmp_path):
    first, first_password = make_user("inspector", "310115")
    second, second_password = make_user("inspector", "310115")
    tablet = Tablet(tmp_path / "shared", policy=QUICK)
    tablet.login(live.url, first.username, first_password, "shared-tablet")
    tablet.new_inspection("6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f63", [str(first.id)])
    tablet.add_photo(make_photo(tmp_path / "camera", 41))
    with pytest.raises(SyncError, match=f"1 edit and 1 file of {first.username}"):
        tablet.login(live.url, second.username, second_password)  # they would go as theirs
    assert tablet.user["username"] == first.username and len(tablet.store.queued()) == 1
    assert tablet.server.token == tablet.store.get("token")
    assert _live_tokens(app, second) == 0  # refused before the server issued one
    tablet.login(live.url, first.username, first_password)  # its inspector signs in again
    tablet.push()
    tablet.upload_evidence()
    tablet.login(live.url, second.username, second_password)  # nothing of theirs is left
    assert tablet.user["username"] == second.username


def test_add_photo_refuses_at_once_what_could_never_be_sent(cli_tablet, tmp_path):
    empty = tmp_path / "IMG_0001.jpg"
    empty.write_bytes(b"")
    result = cli_tablet("add-photo", str(empty))
    assert result.exit_code == 2, result.output  # refused input, as the README says
    assert "IMG_0001.jpg is empty (0 bytes)" in result.output, result.output
    assert "Nothing was recorded." in result.output and "Traceback" not in result.output
    photo = str(make_photo(tmp_path / "camera", 61))
    unknown = cli_tablet("add-photo", photo, "--violation", "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f64")
    assert unknown.exit_code == 2 and "No violation" in unknown.output, unknown.output
    report = json.loads(cli_tablet("status", "--json").output)
    assert report["outbox"] == 0
    assert report["evidence"] == {"pending": 0, "uploaded": 0, "refused": 0}


def test_a_refused_file_captured_again_as_the_right_kind_is_sent(cli_tablet, tmp_path):
    photo = str(make_photo(tmp_path / "camera", 62))
    assert cli_tablet("add-photo", "--kind", "audio", photo).exit_code == 0
    refused = cli_tablet("push")
    assert refused.exit_code == 1 and "not audio" in refused.output, refused.output
    assert cli_tablet("add-photo", photo).exit_code == 0  # the same bytes, now as a photo
    pushed = cli_tablet("push")
    assert pushed.exit_code == 0 and "1 uploaded" in pushed.output, pushed.output
    report = json.loads(cli_tablet("status", "--json").output)
    assert report["evidence"] == {"pending": 0, "uploaded": 1, "refused": 0}
    assert report["refused_files"] == []


def _two_tablets_on_one_record(live, tablet_for, make_user, client, supervisor,
                               enterprise_body) -> tuple[Tablet, Tablet, str]:
    """Two inspectors' tablets, each holding the record the first one made and pushed."""
    (first_user, first_pw), (second_user, second_pw) = make_user(), make_user()
    enterprise = client.post("/api/v1/enterprises", json=enterprise_body("310115", 1),
                             headers=supervisor).get_json()
    first, second = tablet_for(live, first_user, first_pw), tablet_for(live, second_user,
                                                                         second_pw)
    key = first.new_inspection(enterprise["id"], [str(first_user.id), str(second_user.id)],
                               findings="初查")
    first.push()
    second.pull()
    return first, second, key


def test_a_conflict_says_whose_value_stands_and_what_comes_next(
        live, tablet_for, make_user, client, login, enterprise_body, monkeypatch):
    monkeypatch.setattr(cli, "Tablet", partial(Tablet, policy=QUICK))
    first, second, key = _two_tablets_on_one_record(
        live, tablet_for, make_user, client, login("supervisor", "310115"), enterprise_body)
    push_second = partial(CliRunner().invoke, cli.main, ["--home", str(second.home), "push"])
    first.record("inspection", "update", key, {"findings": "甲：门窗敞开"})
    second.record("inspection", "update", key, {"people_present": [{"name": "王经理"}]})
    first.push()
    soft = push_second()
    assert soft.exit_code == 0 and "merged with what changed on the server" in soft.output
    first.pull(), second.pull()
    first.record("inspection", "update", key, {"findings": "甲：已整改"})
    second.record("inspection", "update", key, {"findings": "乙：未整改"})
    first.push()
    hard = push_second()
    conflict_id = second.store.issues()[0].answer["conflict_id"]
    status = CliRunner().invoke(cli.main, ["--home", str(second.home), "status"])
    for output in (hard.output, status.output):
        assert "findings changed on the server too" in output, output
        assert f"a supervisor decides (conflict {conflict_id})" in output
    assert hard.exit_code == 1 and "['findings']" not in status.output


def test_a_record_the_server_refused_to_create_is_not_shown_as_held(cli_tablet):
    made = cli_tablet("new-inspection", "--enterprise", "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f65",
                      "--inspector", str(cli_tablet.user.id), "--inspector", str(uuid.uuid4()),
                      "--findings", "废水直排")  # no such enterprise on the server
    record_id = made.output.strip()
    assert cli_tablet("push").exit_code == 1
    report = json.loads(cli_tablet("status", "--json").output)
    assert "inspection" not in report["records"]  # the server has no such record
    [issue] = report["issues"]
    assert issue["id"] == record_id and issue["status"] == "rejected"
    tablet = Tablet(cli_tablet.home)
    assert tablet.store.issues()[0].fields["findings"] == "废水直排"  # what was typed is kept
    tablet.close()


def test_a_file_too_big_for_the_server_is_refused_in_sizes_an_inspector_reads(
        cli_tablet, live, tmp_path):
    live.app.config["TUS_MAX_SIZE"] = 3 * 1024 * 1024
    video = tmp_path / "现场.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(4 * 1024 * 1024))
    assert cli_tablet("add-photo", "--kind", "video", str(video)).exit_code == 0
    pushed = cli_tablet("push")
    assert pushed.exit_code == 1
    assert "现场.mp4" in pushed.output and "4.0 MiB" in pushed.output, pushed.output
    assert "at most 3.0 MiB" in pushed.output


def _live_tokens(app, user) -> int:
    """How many unrevoked tokens the server holds for the user."""
    from sqlalchemy import func, select

    from server.auth.models import DeviceToken
    from server.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DeviceToken).where(
            DeviceToken.user_id == user.id, DeviceToken.revoked_at.is_(None)))


def test_a_sign_in_refused_once_the_server_named_the_user_leaves_no_live_token(
        app, live, make_user, tmp_path):
    first, first_password = make_user("inspector", "310115")
    second, second_password = make_user("inspector", "310115")
    tablet = Tablet(tmp_path / "shared", policy=QUICK)
    tablet.login(live.url, first.username, first_password, "shared-tablet")
    tablet.new_inspection("6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f64", [str(first.id)])
    # the work waiting is of an account once called as the second is (removed, name reused):
    # only the server's answer tells them apart
    tablet.store.set(user=json.dumps({"id": str(uuid.uuid4()), "username": second.username}))
    with pytest.raises(SyncError, match="not yet sent"):
        tablet.login(live.url, second.username, second_password)
    assert _live_tokens(app, second) == 0 and _live_tokens(app, first) == 1


def test_a_captured_copy_gone_from_the_tablet_is_named_and_the_other_files_still_go(
        cli_tablet, live, tmp_path):
    gone = make_photo(tmp_path / "camera", 71)
    kept = make_photo(tmp_path / "camera", 72)
    digest = cli_tablet("add-photo", str(gone)).output.split()[0]
    assert cli_tablet("add-photo", str(kept)).exit_code == 0
    (cli_tablet.home / "evidence" / digest).unlink()  # the tablet's copy lost (card, cleaner)
    pushed = cli_tablet("push")
    assert pushed.exit_code == 1, pushed.output
    assert "1 uploaded" in pushed.output, pushed.output  # the other file was not held up
    assert f"missing file {gone.name} ({digest[:12]})" in pushed.output, pushed.output
    assert "add-photo" in pushed.output  # how to send it: capture it again
    report = json.loads(cli_tablet("status", "--json").output)
    assert [f["sha256"] for f in report["missing_files"]] == [digest]
    assert report["evidence"]["pending"] == 1  # kept on the list, not dropped
    assert gone.name in cli_tablet("status").output
    assert cli_tablet("add-photo", str(gone)).exit_code == 0  # captured again: the copy is back
    again = cli_tablet("push")
    assert again.exit_code == 0 and "1 uploaded" in again.output, again.output
    assert json.loads(cli_tablet("status", "--json").output)["missing_files"] == []


def test_a_conflict_a_supervisor_resolved_is_said_settled_once_the_record_is_pulled(
        live, tablet_for, make_user, client, login, enterprise_body):
    supervisor = login("supervisor", "310115")
    first, second, key = _two_tablets_on_one_record(
        live, tablet_for, make_user, client, supervisor, enterprise_body)
    first.record("inspection", "update", key, {"findings": "甲：已整改"})
    second.record("inspection", "update", key, {"findings": "乙：未整改"})
    first.push()
    second.push()
    [issue] = second.status()["issues"]
    assert issue["settled"] is False
    second.pull()  # the record, still with the conflict open
    assert second.status()["issues"][0]["settled"] is False
    show = partial(CliRunner().invoke, cli.main, ["--home", str(second.home), "status"])
    assert "a supervisor decides" in show().output
    resolved = client.post(f"/api/v1/sync/conflicts/{issue['conflict_id']}/resolve",
                           json={"choice": "tablet"}, headers=supervisor)
    assert resolved.status_code == 200, resolved.get_json()
    assert second.status()["issues"][0]["settled"] is False  # not known before a pull
    second.pull()
    [issue] = second.status()["issues"]
    assert issue["settled"] is True
    said = show().output
    assert "a supervisor decides" not in said, said
    assert f"settled by a supervisor since (conflict {issue['conflict_id']})" in said, said
    assert f"`ack {issue['conflict_id']}`" in said


def test_a_lost_file_given_up_with_ack_no_longer_holds_the_tablet(
        cli_tablet, live, make_user, tmp_path):
    camera = tmp_path / "camera"
    lost = make_photo(camera, 81)
    digest = cli_tablet("add-photo", str(lost)).output.split()[0]
    (cli_tablet.home / "evidence" / digest).unlink()
    lost.unlink()  # the camera roll's copy too: it cannot be captured again
    other, other_password = make_user("inspector", "310115")
    sign_in = ("login", "--server", live.url, "--username", other.username, "--password",
               other_password, "--device-id", "field-tablet")
    assert cli_tablet(*sign_in).exit_code == 1  # held by a file nobody can ever send
    assert cli_tablet("ack", "deadbeef00").exit_code == 2  # no such file: nothing changes
    pending = make_photo(camera, 82)
    waiting = cli_tablet("add-photo", str(pending)).output.split()[0]
    kept = cli_tablet("ack", waiting[:12])
    assert kept.exit_code == 2 and "next push" in kept.output, kept.output  # it can still go
    given_up = cli_tablet("ack", digest[:12])
    assert given_up.exit_code == 0, given_up.output
    assert f"{lost.name} ({digest[:12]}) given up" in given_up.output, given_up.output
    report = json.loads(cli_tablet("status", "--json").output)
    assert report["missing_files"] == []
    assert [f["sha256"] for f in report["given_up_files"]] == [digest]
    assert "1 file given up" in cli_tablet("status").output
    assert cli_tablet("push").exit_code == 0  # the other file goes; nothing is left to send
    assert cli_tablet(*sign_in).exit_code == 0


def test_a_refused_file_acknowledged_leaves_the_status_list(cli_tablet, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("现场笔记，不是照片")
    digest = cli_tablet("add-photo", str(notes)).output.split()[0]
    assert cli_tablet("push").exit_code == 1
    assert "refused file notes.txt" in cli_tablet("status").output
    assert cli_tablet("ack", digest[:12]).exit_code == 0
    said = cli_tablet("status").output
    assert "refused file notes.txt" not in said and "1 file given up" in said, said
    assert cli_tablet("add-photo", "--kind", "document", str(notes)).exit_code == 0
    assert json.loads(cli_tablet("status", "--json").output)["evidence"]["pending"] == 1


@pytest.mark.parametrize("address", ["127.0.0.1:{port}", "localhost", "ftp://127.0.0.1:{port}"])
def test_a_server_address_without_http_is_refused_saying_how_to_write_it(
        live, make_user, tmp_path, address):
    user, password = make_user("inspector", "310115")
    result = CliRunner().invoke(cli.main, [
        "--home", str(tmp_path / "cli"), "login", "--server", address.format(port=live.port),
        "--username", user.username, "--password", password])
    assert result.exit_code == 2, result.output
    assert "http://" in result.output and "connection adapters" not in result.output
    status = CliRunner().invoke(cli.main, ["--home", str(tmp_path / "cli"), "status"])
    assert status.output.startswith("not signed in"), status.output
