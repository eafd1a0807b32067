"""The tablet client against the real app on a loopback server: sign-in, evidence over tus."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from offline_sync import Tablet, Unauthorized
from offline_sync.cli import main
from offline_sync.evidence import EvidenceUploader

from .conftest import TEST_POLICY, make_photo


def _evidence_rows(app, digest: str) -> int:
    from server.evidence.models import Evidence
    from server.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Evidence)
                                 .where(Evidence.sha256 == digest))


def test_login_keeps_a_device_token_and_the_user(live, make_user, tmp_path):
    user, password = make_user("inspector", "310115")
    tablet = Tablet(tmp_path / "t", policy=TEST_POLICY)
    body = tablet.login(live.url, user.username, password, "tablet-login-1")
    assert body["device_id"] == "tablet-login-1" and tablet.user["username"] == user.username
    reopened = Tablet(tmp_path / "t", policy=TEST_POLICY)
    assert reopened.server.token == body["access_token"]
    assert reopened.server.evidence_exists("0" * 64) is False  # the token works


def test_a_wrong_password_is_final_not_retried(live, make_user, tmp_path):
    user, _ = make_user("inspector", "310115")
    with pytest.raises(Unauthorized):
        Tablet(tmp_path / "t", policy=TEST_POLICY).login(live.url, user.username, "wrong",
                                                         "tablet-x")


def test_a_captured_photo_is_uploaded_with_tuspy_and_becomes_that_evidence(
        live, tablet_for, tmp_path):
    tablet = tablet_for(live)
    photo = make_photo(tmp_path / "camera", 1, size=256)
    item = tablet.add_photo(photo)
    offsets: list[int] = []
    assert tablet.upload_evidence(lambda _: offsets.append) == {"uploaded": 1, "refused": 0}
    assert item.sha256 == hashlib.sha256(photo.read_bytes()).hexdigest()
    assert offsets[-1] == item.size and len(offsets) > 2  # several chunks, progress seen
    assert _evidence_rows(live.app, item.sha256) == 1
    assert tablet.store.evidence("uploaded")[0].sha256 == item.sha256


def test_an_upload_broken_off_by_a_crash_resumes_from_the_servers_offset(
        live, tablet_for, tmp_path):
    from server.evidence.models import Upload
    from server.extensions import db

    tablet = tablet_for(live)
    item = tablet.add_photo(make_photo(tmp_path / "camera", 2, size=256))

    class Crash(Exception):
        pass

    def die_after_two_chunks(offset: int) -> None:
        if offset >= 2 * 16 * 1024:
            raise Crash

    uploader = EvidenceUploader(tablet.store, tablet.server, chunk_size=16 * 1024)
    with pytest.raises(Crash):
        uploader.upload(item, die_after_two_chunks)
    home = tablet.home
    tablet.store.close()
    again = Tablet(home, policy=TEST_POLICY)  # the app starts again
    seen: list[int] = []
    EvidenceUploader(again.store, again.server, chunk_size=16 * 1024).upload(
        again.store.evidence_item(item.sha256), seen.append)
    assert seen[0] == 2 * 16 * 1024  # resumed, not restarted
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Upload)) == 1
    assert _evidence_rows(live.app, item.sha256) == 1
    again.close()


def test_a_file_the_server_refuses_is_kept_as_refused_with_the_reason(
        live, tablet_for, tmp_path):
    tablet = tablet_for(live)
    fake = tmp_path / "not-a-photo.jpg"
    fake.write_bytes(b"this is text, not a JPEG " * 100)
    tablet.add_photo(fake)
    assert tablet.upload_evidence() == {"uploaded": 0, "refused": 1}
    [refused] = tablet.store.evidence("refused")
    assert refused.detail and tablet.status()["evidence"]["refused"] == 1


def test_evidence_already_on_the_server_is_not_sent_again(live, tablet_for, tmp_path):
    photo = make_photo(tmp_path / "camera", 3)
    first, second = tablet_for(live), tablet_for(live)
    first.add_photo(photo)
    first.upload_evidence()
    second.add_photo(photo)
    sizes: list[int] = []
    assert second.upload_evidence(lambda _: sizes.append) == {"uploaded": 1, "refused": 0}
    assert sizes == []  # nothing was sent


def test_the_command_line_tablet_signs_in_captures_uploads_and_reports(
        live, make_user, tmp_path):
    user, password = make_user("inspector", "310115")
    home = str(tmp_path / "cli")
    runner = CliRunner()
    run = lambda *args: runner.invoke(main, ["--home", home, *args], catch_exceptions=False)  # noqa: E731
    login = run("login", "--server", live.url, "--username", user.username, "--password",
                password, "--device-id", "cli-tablet")
    assert login.exit_code == 0 and f"signed in as {user.username}" in login.output
    photo = make_photo(tmp_path / "camera", 4)
    added = run("add-photo", str(photo))
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert added.exit_code == 0 and added.output.startswith(digest)
    status = run("status")
    assert "outbox 0" in status.output and "1 pending" in status.output
    pushed = run("push")
    assert pushed.exit_code == 0 and "1 uploaded" in pushed.output
    assert _evidence_rows(live.app, digest) == 1
    assert "1 uploaded" in run("status").output


def test_the_command_line_tablet_says_when_it_is_not_signed_in(tmp_path):
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "x"), "push"])
    assert result.exit_code == 1 and "login" in result.output


def test_the_command_line_tablet_pulls_records_offline_work_and_pushes_it(
        live, make_user, login, client, enterprise_body, tmp_path):
    user, password = make_user("inspector", "310115")
    partner, _ = make_user("inspector", "310115")
    enterprise = client.post("/api/v1/enterprises", json=enterprise_body("310115", 7),
                             headers=login("supervisor", "310115")).get_json()
    home = str(tmp_path / "cli")
    runner = CliRunner()
    run = lambda *args: runner.invoke(main, ["--home", home, *args], catch_exceptions=False)  # noqa: E731
    run("login", "--server", live.url, "--username", user.username, "--password", password)
    pulled = run("pull", "--limit", "2")
    assert pulled.exit_code == 0 and "1 enterprise" in pulled.output
    made = run("new-inspection", "--enterprise", enterprise["id"], "--inspector", str(user.id),
               "--inspector", str(partner.id), "--findings", "废水直排")
    assert made.exit_code == 0
    record_id = made.output.strip()
    assert "outbox 1" in run("status").output
    pushed = run("push")
    assert pushed.exit_code == 0 and "1 applied" in pushed.output, pushed.output
    token = Tablet(home).store.get("token")
    found = client.get(f"/api/v1/inspections/{record_id}",
                       headers={"Authorization": f"Bearer {token}"})
    assert found.status_code == 200 and found.get_json()["findings"] == "废水直排"
    assert '"outbox": 0' in run("status", "--json").output

