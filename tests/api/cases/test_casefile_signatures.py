"""The case file holds the signature images of its inspection records (LAW.md §6: the record
is signed by the officers and the party) and of its inquiry records (the interviewee, each
officer who asked, the recorder): listed in the manifest under their digests, in the catalogue,
verified like any member; an image not uploaded yet is reported missing, and a signature an
older record does not hold is named as not recorded."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile

import pytest
from pypdf import PdfReader

from tests.api.cases.archived_copies import export_and_fetch, run_jobs
from tests.api.cases.case_files import (
    catalogue_text,
    export_zip,
    flip_byte,
    ok,
    rewrite_zip,
    unspaced,
    verify_casefile,
)
from tests.api.cases.conftest import png, upload_file, upload_photo
from tests.api.cases.test_case_records import record_without_officer_signatures

MANAGER = "王经理"
INTERVIEWEE = "王建国"


@pytest.fixture
def signed(app, client, party, violation, file_case, step, frozen):
    """Make a case decided on a violation whose inspection record an officer and the party
    signed on the tablet; `party_uploaded=False` leaves the party's image not uploaded."""

    def make(party_uploaded: bool = True, *, to: tuple[tuple[str, dict], ...] = (),
             inquiries: int = 0, older_inquiry: bool = False, manager_cited: bool = False):
        """`inquiries`: that many inquiry records, all signed with the interviewee's one image,
        by the first officer with the image he signed the inspection record with, by the
        second (the recorder) on both lines with another; `older_inquiry`: one record kept by
        a server before officer signatures, citing an interviewee's image not uploaded;
        `manager_cited`: the violation also cites the party's signature image as evidence."""
        images = {hashlib.sha256(body).hexdigest(): body for body in (png(20), png(220))}
        officer, manager = images
        upload_file(client, party["supervisor"], images[officer], kind="signature")
        if party_uploaded:
            upload_file(client, party["supervisor"], images[manager], kind="signature")
        interviewee = hashlib.sha256(png(120)).hexdigest()
        recorder = hashlib.sha256(png(180)).hexdigest()
        if inquiries:
            upload_file(client, party["supervisor"], png(120), kind="signature")
            upload_file(client, party["supervisor"], png(180), kind="signature")
        photo, _ = upload_photo(client, party["supervisor"], 70)
        inspector = party["inspectors"][0]
        record = {"id": str(uuid.uuid4()), "enterprise_id": party["enterprise"]["id"],
                  "inspector_ids": [str(i.id) for i in party["inspectors"]],
                  "started_at": "2021-06-01T02:00:00+00:00", "signatures": [
                      {"signer": inspector.display_name, "role": "officer",
                       "signer_user_id": str(inspector.id), "evidence_sha256": officer},
                      {"signer": MANAGER, "role": "party", "evidence_sha256": manager}]}
        ok(client.post("/api/v1/inspections", json=record, headers=party["officer"]), 201)
        frozen.on("2021-06-03")
        cited = [photo, manager] if manager_cited else [photo]
        case = ok(file_case(violation(evidence=cited, inspection_id=record["id"])["id"]),
                  201).get_json()
        case = ok(step(case, "investigating")).get_json()
        if older_inquiry:
            record_without_officer_signatures(app, party, case["id"], interviewee)
        for seq in range(1, inquiries + 1):
            ok(client.post(f"/api/v1/cases/{case['id']}/inquiries", headers=party["legal"],
                           json=_inquiry(party, case["version"], seq, interviewee,
                                         (officer, recorder))),
               201)
            case["version"] += 1
        for state, params in (("notified", {}),
                              ("decided", {"fine_fen": 3_000_000, "rights_waived": True}), *to):
            case = ok(step(case, state, **params)).get_json()
        return case | {"officer": officer, "manager": manager, "images": images,
                       "inspector": inspector.display_name, "interviewee": interviewee,
                       "recorder": recorder, "photo": photo,
                       "second": party["inspectors"][1].display_name}

    return make


def _inquiry(party, version: int, seq: int, image: str, officers_images: tuple[str, str]
             ) -> dict:
    """The `seq`th inquiry record (2021-06-02, 09:30 then 11:00 Shanghai), signed with `image`
    by the interviewee and with `officers_images` by the two officers, the second (the
    recorder) on both of his lines."""
    officers = [str(i.id) for i in party["inspectors"]]
    hour = ("01:30", "03:00")[seq - 1]
    signed_at = f"2021-06-02T{hour[:3]}55:00+00:00"
    return {"version": version, "interviewee": {
                "name": INTERVIEWEE, "id_type": "passport", "id_number": "E12345678",
                "relation": "生产部经理"},
            "started_at": f"2021-06-02T{hour}:00+00:00",
            "ended_at": f"2021-06-02T{hour[:3]}50:00+00:00", "place": "询问室",
            "inspector_ids": officers, "recorder_id": officers[1],
            "qa": [{"q": "废气处理设施是否运行？", "a": "已停用两周。"}],
            "signature": {"evidence_sha256": image},
            "officer_signatures": [{"user_id": user_id, "evidence_sha256": digest,
                                    "signed_at": signed_at}
                                   for user_id, digest in zip(officers, officers_images,
                                                              strict=True)],
            "recorder_signature": {"evidence_sha256": officers_images[1],
                                   "signed_at": signed_at}}


def _exported(app, client, party, case) -> tuple[bytes, zipfile.ZipFile, dict]:
    """The case exported: the ZIP's bytes, the ZIP and its manifest."""
    data = export_zip(app, client, party, case)
    archive = zipfile.ZipFile(io.BytesIO(data))
    return data, archive, json.loads(archive.read("manifest.json"))


def _released(app) -> set[str]:
    from server.audit.models import AuditEntry
    from server.extensions import db

    with app.app_context():
        return {e.entity_id for e in db.session.query(AuditEntry).filter_by(
            action="evidence.export_original")}


def test_the_case_file_holds_the_officer_and_party_signature_images_under_their_digests(
        app, client, party, runner, exporting, signed, tmp_path):
    case = signed()
    data, archive, manifest = _exported(app, client, party, case)
    listed = {f["sha256"]: f for f in manifest["files"] if f["role"] == "signature"}
    assert set(listed) == set(case["images"])
    for digest, image in case["images"].items():
        entry = listed[digest]
        assert entry["name"].startswith("正卷/") and entry["name"].endswith(f"/{digest}.png")
        assert archive.read(entry["name"]) == image  # byte-identical, under its digest
        assert (entry["size"], entry["mime"]) == (len(image), "image/png")
    assert listed[case["officer"]]["signed"] == [
        {"form": "inspection_record", "record": "2021-06-01 10:00", "role": "officer",
         "signer": case["inspector"]}]
    assert listed[case["manager"]]["signed"] == [
        {"form": "inspection_record", "record": "2021-06-01 10:00", "role": "party",
         "signer": MANAGER}]
    names = [f["name"] for f in manifest["files"]]
    record = next(i for i, n in enumerate(names) if n.endswith("现场检查（勘察）笔录.pdf"))
    assert {names.index(e["name"]) for e in listed.values()} == {record + 1, record + 2}
    assert manifest["missing_signatures"] == []
    catalogue = catalogue_text(archive)
    assert "签名图像" in catalogue and MANAGER in catalogue and case["inspector"] in catalogue
    assert set(case["images"]) <= _released(app)  # chain of custody, as for evidence

    result = verify_casefile(runner, tmp_path, data)
    assert result.exit_code == 0 and "intact" in result.output, result.output
    image = listed[case["manager"]]["name"]
    result = verify_casefile(runner, tmp_path, rewrite_zip(
        data, lambda n, b: flip_byte(b) if n == image else b))
    assert result.exit_code == 1 and f"altered member: {image}" in result.output


def test_a_signature_image_not_uploaded_yet_is_reported_missing_not_skipped(
        app, client, party, runner, exporting, signed, tmp_path):
    case = signed(party_uploaded=False)
    data, archive, manifest = _exported(app, client, party, case)
    assert manifest["missing_signatures"] == [case["manager"]]
    assert [f["sha256"] for f in manifest["files"] if f["role"] == "signature"] == [
        case["officer"]]
    assert not any(case["manager"] in name for name in archive.namelist())
    catalogue = catalogue_text(archive)
    assert "未上传" in catalogue and MANAGER in catalogue
    assert verify_casefile(runner, tmp_path, data).exit_code == 0


def test_a_court_checks_the_signature_images_with_sha256sum_alone(
        app, client, party, exporting, signed, tmp_path):
    from tests.api.cases.test_casefile_public_verification import OPENSSL, _court, _run

    if OPENSSL is None:
        pytest.skip("needs Debian's openssl binary")
    case = signed()
    folder, _, _ = _court(client, export_zip(app, client, party, case), tmp_path, "court")
    sums = _run("sha256sum", "-c", "SHA256SUMS", cwd=folder)
    assert sums.returncode == 0, sums.stdout
    checked = [line for line in sums.stdout.decode().splitlines() if "_签名图像/" in line]
    assert sorted(line.split("/")[-1] for line in checked) == sorted(
        f"{digest}.png: OK" for digest in case["images"])


def test_the_interviewee_signature_image_follows_the_inquiry_records_it_signs_stored_once(
        app, client, party, runner, exporting, signed, tmp_path):
    case = signed(inquiries=2)
    data, archive, manifest = _exported(app, client, party, case)
    names = [f["name"] for f in manifest["files"]]
    [entry] = [f for f in manifest["files"] if f["sha256"] == case["interviewee"]]
    assert entry["role"] == "signature" and entry["name"].endswith(f"/{case['interviewee']}.png")
    assert archive.read(entry["name"]) == png(120)
    assert names.index(entry["name"]) == next(
        i for i, n in enumerate(names) if n.endswith("调查询问笔录.pdf")) + 1
    assert entry["signed"] == [  # one image signing both records: stored once, both named
        {"form": "inquiry_record", "record": "2021-06-02 09:30", "seq": 1,
         "role": "interviewee", "signer": INTERVIEWEE},
        {"form": "inquiry_record", "record": "2021-06-02 11:00", "seq": 2,
         "role": "interviewee", "signer": INTERVIEWEE}]
    assert sum(case["interviewee"] in n for n in archive.namelist()) == 1
    assert manifest["missing_signatures"] == []
    catalogue = catalogue_text(archive)
    assert "调查询问笔录 第1次询问" in catalogue and f"被询问人 {INTERVIEWEE}" in catalogue
    assert case["interviewee"] in _released(app)
    result = verify_casefile(runner, tmp_path, data)
    assert result.exit_code == 0 and "intact" in result.output, result.output
    result = verify_casefile(runner, tmp_path, rewrite_zip(
        data, lambda n, b: flip_byte(b) if n == entry["name"] else b))
    assert result.exit_code == 1 and f"altered member: {entry['name']}" in result.output


def test_an_interviewee_signature_image_not_uploaded_yet_is_reported_missing(
        app, client, party, runner, exporting, signed, tmp_path):
    case = signed(older_inquiry=True)  # recording an inquiry now refuses such an image
    data, archive, manifest = _exported(app, client, party, case)
    assert manifest["missing_signatures"] == [case["interviewee"]]
    assert not any(case["interviewee"] in name for name in archive.namelist())
    catalogue = catalogue_text(archive)
    assert "未上传" in catalogue and f"被询问人 {INTERVIEWEE}" in catalogue
    assert verify_casefile(runner, tmp_path, data).exit_code == 0


def test_the_officers_and_recorder_signature_images_of_an_inquiry_record_are_in_the_case_file(
        app, client, party, runner, exporting, signed, tmp_path):
    from tests.api.cases.test_casefile_public_verification import _run

    case = signed(inquiries=1)
    data, archive, manifest = _exported(app, client, party, case)
    names = [f["name"] for f in manifest["files"]]
    by_digest = {f["sha256"]: f for f in manifest["files"] if "signed" in f}
    inquiry = {"form": "inquiry_record", "record": "2021-06-02 09:30", "seq": 1}
    # the second officer signed as one who asked and as the recorder: one image, stored once
    recorder = by_digest[case["recorder"]]
    assert recorder["role"] == "signature" and archive.read(recorder["name"]) == png(180)
    assert [n for n in archive.namelist() if case["recorder"] in n] == [recorder["name"]]
    assert recorder["signed"] == [inquiry | {"role": "inquirer", "signer": case["second"]},
                                  inquiry | {"role": "recorder", "signer": case["second"]}]
    record = next(i for i, n in enumerate(names) if n.endswith("调查询问笔录.pdf"))
    assert names.index(recorder["name"]) == record + 2  # after the interviewee's
    # the first officer signed the inspection record with the same image: it follows that one
    officer = by_digest[case["officer"]]
    assert officer["signed"] == [
        {"form": "inspection_record", "record": "2021-06-01 10:00", "role": "officer",
         "signer": case["inspector"]},
        inquiry | {"role": "inquirer", "signer": case["inspector"]}]
    assert sum(case["officer"] in n for n in archive.namelist()) == 1
    assert manifest["missing_signatures"] == [] and manifest["unrecorded_signatures"] == []
    catalogue = unspaced(catalogue_text(archive))
    assert f"询问人{case['second']}、记录人{case['second']}" in catalogue
    assert f"询问人{case['inspector']}" in catalogue
    assert case["recorder"] in _released(app)
    result = verify_casefile(runner, tmp_path, data)
    assert result.exit_code == 0 and "intact" in result.output, result.output
    archive.extractall(tmp_path / "court")
    sums = _run("sha256sum", "-c", "SHA256SUMS", cwd=tmp_path / "court")
    assert sums.returncode == 0 and f"{case['recorder']}.png: OK" in sums.stdout.decode()
    text = PdfReader(io.BytesIO(archive.read(names[record]))).pages[0].extract_text()
    assert f"记录人{case['second']}已电子签名" in unspaced(text.replace("\n", ""))


def test_an_older_inquiry_record_names_its_officers_and_recorders_signatures_not_recorded(
        app, client, party, runner, exporting, signed, tmp_path):
    case = signed(older_inquiry=True)
    data, archive, manifest = _exported(app, client, party, case)
    inquiry = {"form": "inquiry_record", "record": "2021-06-02 09:30", "seq": 1}
    assert manifest["unrecorded_signatures"] == [
        inquiry | {"role": "inquirer", "signer": case["inspector"]},
        inquiry | {"role": "inquirer", "signer": case["second"]},
        inquiry | {"role": "recorder", "signer": case["second"]}]
    assert unspaced(f"未记录的签名图像（调查询问笔录 第1次询问 2021-06-02 09:30：询问人 "
                     f"{case['inspector']}、询问人 {case['second']}、记录人 "
                     f"{case['second']}）") in unspaced(catalogue_text(archive))
    result = verify_casefile(runner, tmp_path, data)
    assert result.exit_code == 0 and "intact" in result.output, result.output


def test_a_signature_image_also_cited_as_evidence_is_stored_once_with_both_roles(
        app, client, party, runner, exporting, signed, tmp_path):
    from tests.api.cases.test_casefile_public_verification import _run

    case = signed(manager_cited=True)
    data, archive, manifest = _exported(app, client, party, case)
    [entry] = [f for f in manifest["files"] if f["sha256"] == case["manager"]]
    assert [n for n in archive.namelist() if case["manager"] in n] == [entry["name"]]
    assert "_证据/" in entry["name"] and entry["role"] == "evidence"
    assert entry["roles"] == ["evidence", "signature"] and entry["proves"]
    assert entry["signed"] == [{"form": "inspection_record", "record": "2021-06-01 10:00",
                                "role": "party", "signer": MANAGER}]
    assert "roles" not in next(f for f in manifest["files"] if f["sha256"] == case["photo"])
    catalogue = catalogue_text(archive)
    assert MANAGER in catalogue and entry["name"] in catalogue
    result = verify_casefile(runner, tmp_path, data)
    assert result.exit_code == 0 and "intact" in result.output, result.output
    archive.extractall(tmp_path / "court")
    sums = _run("sha256sum", "-c", "SHA256SUMS", cwd=tmp_path / "court")
    assert sums.returncode == 0, sums.stdout


CLOSE_AND_ARCHIVE = (("served", {"method": "direct"}), ("paid", {"amount_fen": 3_000_000}),
                     ("closed", {}), ("archived", {}))


def test_an_archived_copy_built_from_data_fixed_before_signatures_were_listed_holds_them(
        app, client, party, runner, exporting, signed, tmp_path):
    from server.cases.models import CaseExport
    from server.extensions import db

    case = signed(to=CLOSE_AND_ARCHIVE)
    with app.app_context():  # fixed by the archive step of a server before this change
        row = db.session.query(CaseExport).filter_by(purpose="archive").one()
        fixed = json.loads(row.fixed_data)
        fixed.pop("missing_signatures")
        row.fixed_data = json.dumps(fixed, ensure_ascii=False)
        db.session.commit()
    assert run_jobs(app)["done"] == 1
    _, copy = export_and_fetch(app, client, party, case)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(copy)).read("manifest.json"))
    assert {f["sha256"] for f in manifest["files"] if f["role"] == "signature"} == set(
        case["images"])
    assert set(case["images"]) <= _released(app)
    assert verify_casefile(runner, tmp_path, copy).exit_code == 0


def test_an_archived_copy_built_before_signatures_were_listed_stays_valid(
        app, client, party, runner, exporting, signed, monkeypatch, tmp_path):
    from server.cases import archive_check, signature_images

    case = signed(to=CLOSE_AND_ARCHIVE)
    with monkeypatch.context() as before:  # the builder of a server before this change
        before.setattr(signature_images, "cited", lambda *records: {})
        assert run_jobs(app)["done"] == 1
        _, old = export_and_fetch(app, client, party, case)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(old)).read("manifest.json"))
    assert all(f["role"] != "signature" for f in manifest["files"])
    _, again = export_and_fetch(app, client, party, case)
    assert again == old  # never rebuilt nor re-signed
    result = verify_casefile(runner, tmp_path, again)
    assert result.exit_code == 0 and "intact" in result.output, result.output
    with app.app_context():
        assert archive_check.verify_archived_copies().ok


def test_an_archived_copy_from_data_fixed_before_inquiry_signatures_names_theirs_missing(
        app, client, party, runner, exporting, signed, tmp_path):
    from server.cases.models import CaseExport
    from server.extensions import db

    case = signed(older_inquiry=True, to=CLOSE_AND_ARCHIVE)
    with app.app_context():  # fixed by a server that looked at the inspection records only
        row = db.session.query(CaseExport).filter_by(purpose="archive").one()
        fixed = json.loads(row.fixed_data)
        fixed["missing_signatures"] = []
        row.fixed_data = json.dumps(fixed, ensure_ascii=False)
        db.session.commit()
    assert run_jobs(app)["done"] == 1
    _, copy = export_and_fetch(app, client, party, case)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(copy)).read("manifest.json"))
    assert manifest["missing_signatures"] == [case["interviewee"]]
    assert [s["role"] for s in manifest["unrecorded_signatures"]] == [
        "inquirer", "inquirer", "recorder"]
    assert {f["sha256"] for f in manifest["files"] if f["role"] == "signature"} == set(
        case["images"])
    assert verify_casefile(runner, tmp_path, copy).exit_code == 0
