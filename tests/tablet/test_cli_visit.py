"""A whole site visit on the command-line tablet, against the real app on a loopback server:
what the inspector can look up offline, what each step queues, what bad input leaves behind
(nothing), and the record the server ends up holding."""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import pytest
from click.testing import Result

from offline_sync import Tablet, cli
from offline_sync.http import RetryPolicy

from .conftest import make_photo, signed_in_cli

QUICK = RetryPolicy(retries=2, backoff_base=0.01, backoff_cap=0.05, connect_timeout=2,
                    read_timeout=10)
SHARED = Path(__file__).resolve().parents[2].parent / "shared"  # as tests/conftest.py
PHOTOS = SHARED / "data" / "photos"
HUANGPU = "310101"
GPS = {row["file"]: row for row in csv.DictReader(
    (SHARED / "data" / "photos_exif.csv").open(encoding="utf-8"))}
SITE_PHOTO = "DERIVED_gps_sh_huangpu_center.jpg"  # GPS at the district seat of Huangpu


def _square(lat: float, lon: float, half: float = 0.0008) -> dict:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def visit(live, make_user, client, login, enterprise_body, tmp_path, monkeypatch):
    """Two Huangpu inspectors sent on a task to an enterprise whose site holds the point where
    the real photo was taken, and the first one's command-line tablet, signed in."""
    monkeypatch.setattr(cli, "Tablet", partial(Tablet, policy=QUICK))
    first, password = make_user("inspector", HUANGPU, display_name="张敏")
    second, _ = make_user("inspector", HUANGPU, display_name="李强")
    boss = login("supervisor", HUANGPU)
    spot = GPS[SITE_PHOTO]
    enterprise = client.post("/api/v1/enterprises", headers=boss, json=enterprise_body(
        HUANGPU, 7, site=_square(float(spot["lat"]), float(spot["lon"])))).get_json()
    assert "id" in enterprise, enterprise
    task = client.post("/api/v1/tasks", headers=boss, json={
        "kind": "complaint", "enterprise_id": enterprise["id"],
        "inspectors": [str(first.id), str(second.id)],
        "due_date": (date.today() + timedelta(days=20)).isoformat()}).get_json()
    assert "id" in task, task
    home = tmp_path / "cli"
    run = signed_in_cli(home, live.url, first, password, "visit-tablet")
    camera = tmp_path / "camera"
    camera.mkdir()
    return {"run": run, "first": first, "second": second, "boss": boss, "task": task,
            "enterprise": enterprise, "home": home, "camera": camera}


def _photo(visit, name: str) -> str:
    """A real photo copied onto the tablet's camera roll."""
    return str(shutil.copy(PHOTOS / name, visit["camera"] / name))


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def _owed(visit) -> tuple[int, dict]:
    report = json.loads(_ok(visit["run"]("status", "--json")))
    return report["outbox"], report["evidence"]


def test_an_inspector_does_a_whole_visit_offline_and_the_server_holds_it_submitted(
        visit, client):
    run, first, second = visit["run"], visit["first"], visit["second"]
    _ok(run("pull"))
    assert visit["task"]["id"] in _ok(run("tasks")) and "张敏" in _ok(run("tasks"))
    named = {p["name"]: p for p in json.loads(_ok(run("officers", "--json")))}
    assert named["李强"]["id"] == str(second.id) and named["张敏"]["known_from"][0] == "you"
    found = _ok(run("enterprises", "--search", "测试7"))
    assert visit["enterprise"]["id"] in found and "site around 31.22" in found
    assert "AIR_VOC" in _ok(run("codes", "--search", "VOC"))

    _ok(run("task", visit["task"]["id"], "start"))
    record = _ok(run("new-inspection", "--task", visit["task"]["id"], "--inspector", "张敏",
                     "--inspector", second.username, "--findings", "喷漆车间门窗敞开"))
    site = _ok(run("add-photo", _photo(visit, SITE_PHOTO))).split()[0]
    made = run("add-violation", record, "--code", "AIR_VOC", "--occurred-on",
               date.today().isoformat(), "--description", "车间VOCs无组织排放",
               "--photo", _photo(visit, "Canon_40D.jpg"))  # cited, but it has no GPS
    violation = _ok(made)
    assert "from the GPS of the last photo, DERIVED_gps_sh_huangpu_center.jpg" in made.stderr
    photo = _ok(run("add-photo", _photo(visit, "DSCN0010.jpg"), "--violation", violation))
    assert "cited by nothing" in _ok(run("show", record))  # the site photo, until linked
    assert _ok(run("link-photo", site[:12], "--violation", violation)).startswith(site)
    _ok(run("checklist", record, "AIR-01", "no", "--note", "无组织排放"))
    _ok(run("checklist", record, "AIR-01", "yes"))  # answered again: replaces the first
    _ok(run("edit", record, "--findings", "门窗敞开，已责令整改", "--person", "王经理:厂长"))
    early = run("submit", record)
    assert early.exit_code == 2 and "not signed: 张敏、李强" in early.output, early.output
    for who in ("张敏", second.username):
        pad = make_photo(visit["camera"] / "pad", len(who))
        assert "(officer) signed" in _ok(run("sign", record, "--role", "officer", "--name", who,
                                             "--image", str(pad)))
    _ok(run("sign", record, "--role", "party", "--name", "王经理", "--image",
            str(make_photo(visit["camera"] / "pad", 99))))
    before = _ok(run("show", record))
    assert "to submit: ready" in before
    signers = [line.split()[1] for line in before.splitlines() if "signed (image" in line]
    assert signers == ["张敏:", "李强:", "王经理:"]  # as they signed
    _ok(run("submit", record))
    _ok(run("task", visit["task"]["id"], "submit"))
    assert _owed(visit)[0] == 14  # the task twice, create, violation, 2 links, 2 answers, edit,
    # 3 signatures, the end time, the submission

    pushed = run("push")
    assert pushed.exit_code == 0 and "'conflict'" not in pushed.output, pushed.output
    assert _owed(visit) == (0, {"pending": 0, "uploaded": 6, "refused": 0})
    status = _ok(run("status"))
    assert "outbox 0 (0 held)" in status and "rejected" not in status

    headers = {"Authorization": f"Bearer {Tablet(visit['home']).store.get('token')}"}
    held = client.get(f"/api/v1/inspections/{record}", headers=headers).get_json()
    assert held["status"] == "submitted" and held["ended_at"] and held["missing_evidence"] == []
    assert held["task_id"] == visit["task"]["id"]
    assert held["inspector_ids"] == [str(first.id), str(second.id)]
    assert held["findings"] == "门窗敞开，已责令整改"
    assert held["people_present"] == [{"name": "王经理", "role": "厂长", "organisation": ""}]
    assert [(a["item"], a["answer"]) for a in held["checklist"]] == [("AIR-01", "yes")]
    assert [(s["role"], s["signer"], s.get("signer_user_id")) for s in held["signatures"]] == [
        ("officer", "张敏", str(first.id)), ("officer", "李强", str(second.id)),
        ("party", "王经理", None)]
    cited = client.get(f"/api/v1/violations/{violation}", headers=headers).get_json()
    assert cited["code"] == "AIR_VOC" and cited["inspection_id"] == record
    spot = GPS[SITE_PHOTO]
    assert cited["location"]["lat"] == pytest.approx(float(spot["lat"]), abs=1e-6)
    assert cited["location"]["lon"] == pytest.approx(float(spot["lon"]), abs=1e-6)
    assert cited["distance_to_site_m"] == 0 and "outside_site" not in cited["flags"]
    captured = {i.filename: i.sha256 for i in Tablet(visit["home"]).store.evidence()}
    assert cited["evidence"] == [captured["Canon_40D.jpg"], photo.split()[0], site]
    assert cited["missing_evidence"] == []
    task = client.get(f"/api/v1/tasks/{visit['task']['id']}", headers=headers).get_json()
    assert task["status"] == "submitted"
    _ok(run("pull"))
    shown = _ok(run("show", record))
    assert shown.startswith(f"inspection {record}: submitted") and "to submit" not in shown
    assert shown.count(" signed (image ") == 3  # each once: pulled, not again as made here


def test_push_names_a_photo_captured_for_a_record_that_nothing_cites(visit):
    run = visit["run"]
    _ok(run("pull"))
    record = _ok(run("new-inspection", "--task", visit["task"]["id"]))
    digest = _ok(run("add-photo", _photo(visit, "DSCN0010.jpg"))).split()[0]
    pushed = run("push")
    assert pushed.exit_code == 0, pushed.output
    assert f"captured for inspection {record} is cited by nothing" in pushed.stdout
    assert f"DSCN0010.jpg ({digest[:12]}): cite it with `link-photo {digest[:12]} " \
        "--violation VIOLATION`" in pushed.stdout


def test_bad_input_is_refused_with_status_2_and_leaves_nothing_queued_or_captured(visit):
    run, second = visit["run"], visit["second"]
    _ok(run("pull"))
    record = _ok(run("new-inspection", "--task", visit["task"]["id"]))  # the task's officers
    pad = str(make_photo(visit["camera"] / "pad", 5))
    photo = _photo(visit, SITE_PHOTO)
    violation = _ok(run("add-violation", record, "--code", "AIR_VOC", "--occurred-on",
                        date.today().isoformat(), "--no-location"))
    empty = visit["camera"] / "IMG_0000.jpg"
    empty.write_bytes(b"")  # a camera that failed to write
    before = _owed(visit)
    refused = {
        "a code in no catalogue": ("add-violation", record, "--code", "AIR_VOCS",
                                   "--occurred-on", "2026-06-01", "--photo", photo),
        "a code of the wrong form": ("add-violation", record, "--code", "air voc",
                                     "--occurred-on", "2026-06-01", "--no-location"),
        "a day that is no day": ("add-violation", record, "--code", "AIR_VOC",
                                 "--occurred-on", "2026-02-30", "--photo", photo),
        "a latitude off the globe": ("add-violation", record, "--code", "AIR_VOC",
                                     "--occurred-on", "2026-06-01", "--lat", "131.2",
                                     "--lon", "121.4"),
        "an end day of an act not continuing": ("add-violation", record, "--code", "AIR_VOC",
                                                 "--occurred-on", "2026-06-01", "--ended-on",
                                                 "2026-06-02", "--no-location"),
        "an act after the visit day": ("add-violation", record, "--code", "AIR_VOC",
                                       "--occurred-on", (date.today() + timedelta(days=2))
                                       .isoformat(), "--no-location"),
        "a violation on no record": ("add-violation", "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f70",
                                     "--code", "AIR_VOC", "--occurred-on", "2026-06-01",
                                     "--no-location"),
        "a photo never captured": ("add-violation", record, "--code", "AIR_VOC",
                                   "--occurred-on", "2026-06-01", "--photo", "abcdef12"),
        "an empty photo cited": ("add-violation", record, "--code", "AIR_VOC",
                                 "--occurred-on", "2026-06-01", "--photo", str(empty)),
        "an empty photo captured": ("add-photo", str(empty), "--violation", violation),
        "an empty photo linked": ("link-photo", str(empty), "--violation", violation),
        "an empty photo removed": ("remove-photo", str(empty), "--violation", violation),
        "an empty signature image": ("sign", record, "--role", "party", "--name", "王经理",
                                     "--image", str(empty)),
        "an officer not on the record": ("sign", record, "--role", "officer", "--name",
                                         "王五", "--image", pad),
        "a user id with another's name": ("sign", record, "--role", "officer", "--user-id",
                                          str(second.id), "--name", "张敏", "--image", pad),
        "a party's user id": ("sign", record, "--role", "party", "--name", "王经理",
                              "--user-id", str(second.id), "--image", pad),
        "a refusal without its reason": ("sign", record, "--role", "party", "--name",
                                         "王经理", "--refused"),
        "a signature of nobody": ("sign", record, "--role", "party", "--image", pad),
        "an answer to no item": ("checklist", record, "", "yes"),
        "an end before the start": ("edit", record, "--ended-at", "2001-01-01T08:00:00+08:00"),
        "nothing to change": ("edit", record),
        "a task submitted before it started": ("task", visit["task"]["id"], "submit"),
        "a task not held": ("task", "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f73", "start"),
        "a submission unsigned": ("submit", record),
        "one officer only": ("new-inspection", "--enterprise", visit["enterprise"]["id"],
                             "--inspector", "张敏"),
        "an officer named twice": ("new-inspection", "--enterprise", visit["enterprise"]["id"],
                                   "--inspector", "张敏", "--inspector", str(visit["first"].id)),
        "an officer nobody knows": ("new-inspection", "--enterprise",
                                    visit["enterprise"]["id"], "--inspector", "张敏",
                                    "--inspector", "nope"),
        "an enterprise not held": ("new-inspection", "--enterprise",
                                   "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f71", "--inspector",
                                   "张敏", "--inspector", "李强"),
    }
    for case, args in refused.items():
        result = run(*args)
        assert result.exit_code == 2, (case, result.output)
        assert "Nothing was recorded." in result.output, (case, result.output)
        assert "Traceback" not in result.output, case
    assert _owed(visit) == before
    said = run(*refused["a code in no catalogue"]).output
    assert "AIR_VOCS is not in the violation catalogue this tablet holds" in said
    assert "occurred_on: Not a valid date." in run(*refused["a day that is no day"]).output
    assert "cannot have happened after the inspection that found it (occurred_on: on or " \
        "before" in run(*refused["an act after the visit day"]).output
    assert "location[lat]: Must be greater than or equal to -90" in run(
        *refused["a latitude off the globe"]).output
    assert "refusal_reason: a refusal to sign needs its reason" in run(
        *refused["a refusal without its reason"]).output
    assert "No person this tablet knows is called nope" in run(
        *refused["an officer nobody knows"]).output
    for case in ("an empty photo cited", "an empty photo captured", "an empty photo linked",
                 "an empty photo removed", "an empty signature image"):
        assert "IMG_0000.jpg is empty (0 bytes)" in run(*refused[case]).output, case


def test_a_violation_takes_no_position_from_photos_without_gps(visit):
    run = visit["run"]
    _ok(run("pull"))
    record = _ok(run("new-inspection", "--task", visit["task"]["id"]))
    plain = _ok(run("add-photo", _photo(visit, "Canon_40D.jpg"))).split()[0]
    nowhere = run("add-violation", record, "--code", "AIR_VOC", "--occurred-on", "2026-06-01",
                  "--photo", plain[:10])
    assert nowhere.exit_code == 2 and "--lat and --lon" in nowhere.output, nowhere.output
    typed = run("add-violation", record, "--code", "AIR_VOC", "--occurred-on", "2026-06-01",
                "--photo", plain[:10], "--lat", "31.2248", "--lon", "121.4858",
                "--accuracy", "6")
    violation = _ok(typed)
    assert "note:" not in typed.stderr  # a few metres from the site's centre
    abroad = run("add-violation", record, "--code", "AIR_VOC", "--occurred-on", "2026-06-01",
                 "--photo", _photo(visit, "DSCN0010.jpg"))  # its GPS is in Tuscany
    assert abroad.exit_code == 0 and "from DSCN0010.jpg's GPS" in abroad.stderr
    assert re.search(r"note: that is 9,0\d\d\.\d km from the site of 上海测试7", abroad.stderr)
    [queued] = [m for m in Tablet(visit["home"]).store.queued() if m.record_id == violation]
    assert queued.fields["location"] == {"lat": 31.2248, "lon": 121.4858, "crs": "wgs84",
                                         "accuracy_m": 6.0}
    assert queued.fields["evidence"] == [plain]


def test_a_handled_rejection_is_acknowledged_and_leaves_status(visit):
    run = visit["run"]
    _ok(run("pull"))
    nobody = "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f72"  # a user id the server does not know
    record = _ok(run("new-inspection", "--enterprise", visit["enterprise"]["id"],
                     "--inspector", "张敏", "--inspector", nobody))
    assert run("push").exit_code == 1
    listed = _ok(run("status"))
    assert f"rejected  inspection {record}" in listed and "`ack ID`" in listed, listed
    said = _ok(run("ack", record))
    assert said == "1 issue acknowledged; 0 left to look at"
    listed = _ok(run("status"))
    assert record not in listed and "`ack ID`" not in listed
    again = run("ack", record)
    assert again.exit_code == 2 and "No issue to look at has the id" in again.output


def test_a_record_sent_midway_takes_later_answers_signatures_and_edits_without_conflict(
        visit):
    run = visit["run"]
    _ok(run("pull"))
    record = _ok(run("new-inspection", "--task", visit["task"]["id"]))
    _ok(run("push"))  # a moment on the network, midway through the visit
    _ok(run("checklist", record, "WATER-02", "no"))
    _ok(run("sign", record, "--role", "party", "--name", "王经理", "--refused", "--reason",
            "称需请示总公司"))
    _ok(run("edit", record, "--findings", "雨水排口有黄色污水"))
    pushed = run("push")
    assert pushed.exit_code == 0, pushed.output
    assert "answers: 3 applied" in pushed.output, pushed.output


def test_show_counts_the_photos_cited_on_a_violation_since_it_was_recorded(visit):
    run = visit["run"]
    _ok(run("pull"))
    record = _ok(run("new-inspection", "--task", visit["task"]["id"]))
    violation = _ok(run("add-violation", record, "--code", "AIR_VOC", "--occurred-on",
                        date.today().isoformat(), "--photo", _photo(visit, SITE_PHOTO)))
    _ok(run("add-photo", _photo(visit, "Canon_40D.jpg"), "--violation", violation))
    later = _ok(run("add-photo", _photo(visit, "no_exif.jpg"))).split()[0]
    _ok(run("link-photo", later[:12], "--violation", violation))
    assert f"{violation} AIR_VOC" in _ok(run("show", record))
    assert "; 3 photos cited" in _ok(run("show", record))  # queued links count
    _ok(run("push"))
    assert "; 3 photos cited" in _ok(run("show", record))  # and sent ones, before a pull
    _ok(run("pull"))
    assert "; 3 photos cited" in _ok(run("show", record))  # the server's copy: each once


@pytest.mark.parametrize("name", ["pillow_truncated_jpeg.jpg",
                                  "DERIVED_DSCN0010_truncated_60000B.jpg"])
def test_add_photo_says_at_once_when_a_photo_does_not_decode(visit, name):
    run = visit["run"]
    _ok(run("pull"))
    _ok(run("new-inspection", "--task", visit["task"]["id"]))
    broken = run("add-photo", _photo(visit, name))
    assert broken.exit_code == 0, broken.output  # captured all the same: it is what was taken
    assert f"warning: {name} does not decode as an image" in broken.stderr, broken.stderr
    assert "take it again" in broken.stderr
    for whole in (SITE_PHOTO, "samplefilehub.heif", "pillow_hopper.png"):
        fine = run("add-photo", _photo(visit, whole))
        assert fine.exit_code == 0 and "warning" not in fine.stderr, fine.stderr
    statement = visit["camera"] / "笔录.pdf"
    statement.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    document = run("add-photo", "--kind", "document", str(statement))
    assert document.exit_code == 0 and "warning" not in document.stderr  # not an image kind


def test_a_refused_violation_says_nothing_of_the_position_it_would_have_had(visit):
    run = visit["run"]
    _ok(run("pull"))
    record = _ok(run("new-inspection", "--task", visit["task"]["id"]))
    refused = run("add-violation", record, "--code", "AIR_VOCS", "--occurred-on",
                  date.today().isoformat(), "--photo", _photo(visit, "DSCN0010.jpg"))
    assert refused.exit_code == 2 and "Nothing was recorded." in refused.output
    assert "position" not in refused.stderr and "note:" not in refused.stderr, refused.stderr
    recorded = run("add-violation", record, "--code", "AIR_VOC", "--occurred-on",
                   date.today().isoformat(), "--photo", _photo(visit, "DSCN0010.jpg"))
    assert recorded.exit_code == 0 and "from DSCN0010.jpg's GPS" in recorded.stderr
    assert "note: that is 9,0" in recorded.stderr  # said once it is recorded


def test_a_refused_file_names_the_violation_that_cites_it(visit):
    run = visit["run"]
    _ok(run("pull"))
    record = _ok(run("new-inspection", "--task", visit["task"]["id"]))
    scrap = visit["camera"] / "IMG_0007.jpg"
    scrap.write_bytes(b"not a JPEG at all " * 200)
    violation = _ok(run("add-violation", record, "--code", "AIR_VOC", "--occurred-on",
                        date.today().isoformat(), "--no-location", "--photo", str(scrap)))
    pushed = run("push")
    assert pushed.exit_code == 1, pushed.output
    for said in (pushed.stdout, _ok(run("status"))):
        line = next(x for x in said.splitlines() if "refused file IMG_0007.jpg" in x)
        assert f"cited on violation {violation}, which the server shows without it" in line
