"""The case-file export: archival order, byte-identical originals, a signed manifest, tampering."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from tests import pdfa_check
from tests.api.cases.case_files import (
    export_download,
    export_zip,
    flip_byte,
    jpeg,
    ok,
    rewrite_zip,
    verify_casefile,
)
from tests.api.cases.conftest import upload_file, upload_photo
from tests.conftest import SHARED


def test_a_photo_another_district_uploaded_first_is_exported_from_this_ones_case(
        app, client, party, login, exporting, violation, file_case, step, frozen):
    first = upload_photo(client, login("inspector", "310101"), 45)  # Huangpu had it first
    digest, data = upload_photo(client, party["supervisor"], 45)
    assert digest == first[0]
    frozen.on("2021-06-03")
    case = ok(file_case(violation(evidence=[digest])["id"]), 201).get_json()
    case = ok(step(case, "investigating")).get_json()
    case = ok(step(case, "notified")).get_json()
    case = ok(step(case, "decided", fine_fen=3_000_000, rights_waived=True)).get_json()
    archive = zipfile.ZipFile(io.BytesIO(export_zip(app, client, party, case)))
    assert archive.read(next(n for n in archive.namelist() if digest in n)) == data


def test_every_pdf_of_the_export_is_pdfa_2b(app, client, party, exporting, case_with_photos):
    archive = zipfile.ZipFile(io.BytesIO(export_zip(app, client, party, case_with_photos)))
    pdfs = [name for name in archive.namelist() if name.endswith(".pdf")]
    assert any("照片目录" in name for name in pdfs) and len(pdfs) >= 5, pdfs
    assert {name: pdfa_check.problems(archive.read(name)) for name in pdfs} == {
        name: [] for name in pdfs}


def test_the_export_holds_every_document_and_the_originals_in_archival_order(
        app, client, party, exporting, case_with_photos):
    data = export_zip(app, client, party, case_with_photos)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert names[0] == "00_卷内目录.pdf" and names[-1] == "manifest.json"
    main = [n for n in names if n.startswith("正卷/")]
    assert main[0].endswith("行政处罚决定书.pdf") and main[1].endswith("送达回证.pdf")
    assert main[2].endswith("立案审批表.pdf") and main[-1].endswith("结案审批表.pdf")
    assert names.index(main[-1]) < names.index("副卷/01_案件流转记录（审核、延期、中止、听证）.pdf")
    assert not [n for n in main if "调查询问笔录" in n]  # none recorded: no blank form filed
    for digest, original in case_with_photos["photos"].items():
        member = next(n for n in names if digest in n)
        assert archive.read(member) == original  # byte-identical
    manifest = json.loads(archive.read("manifest.json"))
    assert (manifest["format"], manifest["signature"]["algorithm"]) == ("casefile/v2", "Ed25519")
    assert [f["name"] for f in manifest["files"]] == names[:-5]
    assert names[-6:] == ["VERIFY_校验说明.txt", "manifest.canonical.json",
                          "manifest.canonical.json.sig", "SHA256SUMS", "SHA256SUMS.sig",
                          "manifest.json"]
    assert {f["role"] for f in manifest["files"]} >= {"catalogue", "decision", "evidence",
                                                      "contact_sheet", "history"}
    sheet = next(n for n in names if "照片目录" in n)
    text = PdfReader(io.BytesIO(archive.read(sheet))).pages[0].extract_text()
    assert "现场照片证据" in text and "无定位" in text and "标记" in text
    assert next(iter(case_with_photos["photos"]))[:12] in text
    catalogue = PdfReader(io.BytesIO(archive.read(names[0]))).pages[0].extract_text()
    assert "卷内目录" in catalogue and "正卷" in catalogue and "副卷" in catalogue
    from server.audit.models import AuditEntry
    from server.extensions import db

    with app.app_context():  # chain of custody: each original's export is audited
        released = {e.entity_id for e in db.session.query(AuditEntry).filter_by(
            action="evidence.export_original")}
    assert released == set(case_with_photos["photos"])


def test_the_main_volume_holds_one_inspection_record_per_cited_inspection_in_date_order(
        app, client, party, violation, file_case, exporting, frozen):
    second = {"id": str(uuid.uuid4()), "enterprise_id": party["enterprise"]["id"],
              "inspector_ids": [str(i.id) for i in party["inspectors"]],
              "started_at": "2021-06-02T02:00:00+00:00", "findings": "二次检查：料堆未覆盖"}
    ok(client.post("/api/v1/inspections", json=second, headers=party["supervisor"]), 201)
    later = violation("AIR_DUST", inspection_id=second["id"], occurred_on="2021-06-02")
    frozen.on("2021-06-03")
    case = ok(file_case(later["id"], violation()["id"]), 201).get_json()  # later one first
    archive = zipfile.ZipFile(io.BytesIO(export_zip(app, client, party, case)))
    [member] = [n for n in archive.namelist() if n.startswith("正卷/")
                and n.endswith("现场检查（勘察）笔录.pdf")]
    pages = [page.extract_text().replace("\n", "")
             for page in PdfReader(io.BytesIO(archive.read(member))).pages]
    first_page = next(i for i, text in enumerate(pages) if "2021年6月1日09时30分" in text)
    second_page = next(i for i, text in enumerate(pages) if "二次检查：料堆未覆盖" in text)
    assert first_page < second_page  # the inspection of 1 June before that of 2 June
    assert "2021年6月2日10时00分" in pages[second_page]


def test_a_heard_case_file_holds_its_hearing_documents_in_their_volumes_and_verifies(
        app, client, party, runner, exporting, heard_case, tmp_path):
    data = export_zip(app, client, party, heard_case)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    main = [n.split("_", 1)[1] for n in names if n.startswith("正卷/") and "_证据/" not in n]
    # the notices, then the hearing record (LAW.md §6, main volume)
    assert main[main.index("行政处罚事先（听证）告知书.pdf"):] == [
        "行政处罚事先（听证）告知书.pdf", "听证通知书.pdf", "听证笔录.pdf"]
    # the hearing report, then the review opinions the case history holds (secondary volume)
    assert [n for n in names if n.startswith("副卷/")] == [
        "副卷/01_听证报告.pdf", "副卷/02_案件流转记录（审核、延期、中止、听证）.pdf"]
    archive = zipfile.ZipFile(io.BytesIO(data))
    record = PdfReader(io.BytesIO(archive.read(next(n for n in names if "听证笔录" in n))))
    assert "李主持" in record.pages[0].extract_text()
    assert pdfa_check.problems(archive.read("副卷/01_听证报告.pdf")) == []
    result = verify_casefile(runner, tmp_path, data)
    assert result.exit_code == 0 and "intact" in result.output, result.output


def test_the_evidence_list_states_method_maker_what_it_proves_and_the_records_disagreement(
        app, client, party, exporting, violation, file_case, step, frozen):
    # A photo taken in Huangpu on 2024-05-20, cited on a Pudong inspection of 2021-06-01: the
    # case file must say who took it, with what, what it proves, and that time and place
    # disagree with the record (LAW.md §6), not only the photo's own flags.
    photo = (SHARED / "data" / "photos" / "DERIVED_gps_sh_huangpu_center.jpg").read_bytes()
    digest, _ = upload_file(client, party["supervisor"], photo)
    frozen.on("2021-06-03")
    case = ok(file_case(violation(evidence=[digest], description="喷漆车间门窗敞开")["id"]),
              201).get_json()
    case = ok(step(case, "investigating")).get_json()
    case = ok(step(case, "notified")).get_json()
    case = ok(step(case, "decided", fine_fen=3_000_000, rights_waived=True)).get_json()
    archive = zipfile.ZipFile(io.BytesIO(export_zip(app, client, party, case)))
    manifest = json.loads(archive.read("manifest.json"))
    [entry] = [f for f in manifest["files"] if f["role"] == "evidence"]
    assert entry["captured_at"].startswith("2024-05-20T10:15:30")
    assert entry["position"] == {"lat": pytest.approx(31.22475), "lon": pytest.approx(121.485836),
                                 "alt": None, "crs": "WGS-84"}
    assert "NIKON COOLPIX P6000" in entry["method"]
    from server.auth.models import User
    from server.extensions import db

    with app.app_context():
        uploader = db.session.scalar(db.select(User).where(User.role == "supervisor"))
        assert uploader.display_name in entry["maker"]
    assert any("AIR_VOC" in p and "喷漆车间门窗敞开" in p for p in entry["proves"])
    assert {"captured_outside_inspection", "outside_site"} <= set(entry["flags"])
    sheet = next(n for n in archive.namelist() if "照片目录" in n)
    text = PdfReader(io.BytesIO(archive.read(sheet))).pages[0].extract_text().replace("\n", "")
    assert "拍摄时间不在检查时段内" in text and "拍摄地点在场地范围外" in text
    assert "NIKON" in text and "喷漆车间门窗敞开" in text


def test_the_photos_of_inspectors_sent_from_another_district_are_in_the_case_file(
        app, client, party, login, make_user, exporting, file_case, step, frozen):
    from tests.api.cases.conftest import FINED, upload_file

    visitors = [make_user("inspector", "310101") for _ in range(2)]  # Huangpu's, sent across
    task = client.post("/api/v1/tasks", headers=login("supervisor", "310000"), json={
        "kind": "complaint", "enterprise_id": party["enterprise"]["id"],
        "due_in_working_days": 5, "inspectors": [str(user.id) for user, _ in visitors]})
    assert task.status_code == 201, task.get_json()
    tablet = {"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
        "username": visitors[0][0].username, "password": visitors[0][1],
        "device_id": "tablet-huangpu"}).get_json()["access_token"]}
    before, first = upload_photo(client, tablet, 10)  # uploaded before the record cites it
    after = jpeg(200)  # the usual order offline: the record arrives first
    record = {"id": str(uuid.uuid4()), "enterprise_id": party["enterprise"]["id"],
              "inspector_ids": [str(user.id) for user, _ in visitors],
              "started_at": "2021-06-01T01:30:00+00:00", "task_id": task.get_json()["id"]}
    ok(client.post("/api/v1/inspections", json=record, headers=tablet), 201)
    found = ok(client.post("/api/v1/violations", headers=tablet, json={
        "id": str(uuid.uuid4()), "inspection_id": record["id"], "code": "AIR_VOC",
        "occurred_on": "2021-06-01", "facts": dict(FINED),
        "evidence": [before, hashlib.sha256(after).hexdigest()]}), 201).get_json()
    upload_file(client, tablet, after)
    frozen.on("2021-06-03")
    case = ok(file_case(found["id"]), 201).get_json()
    case = ok(step(case, "investigating")).get_json()
    case = ok(step(case, "notified")).get_json()
    case = ok(step(case, "decided", fine_fen=3_000_000, rights_waived=True)).get_json()
    archive = zipfile.ZipFile(io.BytesIO(export_zip(app, client, party, case)))
    digests = (before, hashlib.sha256(after).hexdigest())
    assert {archive.read(n) for n in archive.namelist() if any(d in n for d in digests)} \
        == {first, after}
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["missing_evidence"] == []


def test_verify_passes_an_intact_file_and_names_every_tampered_member(
        app, client, party, runner, exporting, case_with_photos, tmp_path):
    data = export_zip(app, client, party, case_with_photos)
    intact = verify_casefile(runner, tmp_path, data)
    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.output
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    for target in names:
        flipped = rewrite_zip(data, lambda n, b, t=target: flip_byte(b) if n == t else b)
        result = verify_casefile(runner, tmp_path, flipped)
        assert result.exit_code == 1
        expected = "bad signature" if target == "manifest.json" else f"altered member: {target}"
        assert expected in result.output or (target == "manifest.json"
                                             and "unreadable manifest" in result.output)
    removed = names[3]
    result = verify_casefile(runner, tmp_path,
                             rewrite_zip(data, lambda n, b: None if n == removed else b))
    assert result.exit_code == 1 and f"missing member: {removed}" in result.output
    extra = io.BytesIO(data)
    with zipfile.ZipFile(extra, "a") as archive:
        archive.writestr("正卷/99_补充.pdf", b"%PDF-1.4 later")
    result = verify_casefile(runner, tmp_path, extra.getvalue())
    assert result.exit_code == 1 and "extra member: 正卷/99_补充.pdf" in result.output


def test_an_edited_manifest_or_a_flipped_byte_on_disk_fails_verification(
        app, client, party, runner, exporting, case_with_photos, tmp_path):
    data = export_zip(app, client, party, case_with_photos)

    def resize(name: str, body: bytes) -> bytes:
        if name != "manifest.json":
            return body
        manifest = json.loads(body)
        manifest["files"][1]["size"] += 1
        return json.dumps(manifest, ensure_ascii=False).encode()

    result = verify_casefile(runner, tmp_path, rewrite_zip(data, resize))
    assert result.exit_code == 1 and "bad signature" in result.output
    archive = zipfile.ZipFile(io.BytesIO(data))
    photo = next(i for i in archive.infolist() if "_证据/" in i.filename)
    raw = bytearray(data)
    raw[photo.header_offset + 30 + len(photo.filename.encode()) + 100] ^= 0x40
    result = verify_casefile(runner, tmp_path, bytes(raw))
    assert result.exit_code == 1 and f"altered member: {photo.filename}" in result.output
    assert verify_casefile(runner, tmp_path, b"not a zip").exit_code == 1


def test_the_case_file_downloads_named_by_its_case_number_and_title(
        app, client, party, exporting, case_with_photos):
    response = export_download(app, client, party, case_with_photos)
    name = (f"{case_with_photos['filing_number']}_{party['enterprise']['name']}"
            "行政处罚案卷.zip")
    disposition = response.headers["Content-Disposition"]
    assert disposition == (f'attachment; filename="casefile_{case_with_photos["id"]}.zip"; '
                           f"filename*=UTF-8''{quote(name)}")
    assert response.mimetype == "application/zip"
