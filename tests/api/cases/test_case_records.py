"""Inquiry records (调查询问笔录) with their Q&A, and statements/defence (陈述申辩) with review."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess

import pytest
from docx import Document
from PIL import Image
from pypdf import PdfReader

from tests.api.cases.conftest import png, upload_file

ID_NUMBER = "310115198001010016"
# The signature images, uploaded before the inquiry is recorded: the interviewee's, and one
# per officer who asked (the recorder, the second officer, signs that line with the same image).
IMAGES = {"interviewee": png(90), "first": png(30), "second": png(60)}
DIGESTS = {name: hashlib.sha256(body).hexdigest() for name, body in IMAGES.items()}
SIGNATURE = DIGESTS["interviewee"]
SIGNED_AT = "2021-06-04T02:12:00+00:00"  # after the record was read out, at 10:12 Shanghai


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _inquiry(party, version: int, **change) -> dict:
    """An inquiry record signed by the interviewee, each officer who asked and the recorder
    (the first officer with the first image, every other with the second)."""
    officers = [str(i.id) for i in party["inspectors"]]
    body = {"version": version,
            "interviewee": {"name": "王建国", "id_type": "resident_id", "id_number": ID_NUMBER,
                            "relation": "生产部经理", "phone": "13800000000"},
            "started_at": "2021-06-04T01:30:00+00:00", "ended_at": "2021-06-04T02:10:00+00:00",
            "place": "浦东新区生态环境局询问室", "inspector_ids": officers,
            "recorder_id": officers[1],
            "qa": [{"q": "喷漆作业时车间门窗是否关闭？", "a": "当时门窗敞开，没有关闭。"},
                   {"q": "废气处理设施是否运行？", "a": "活性炭装置已停用两周。"}],
            "signature": {"evidence_sha256": SIGNATURE},
            "recorder_signature": {"evidence_sha256": DIGESTS["second"],
                                   "signed_at": SIGNED_AT}}
    body.update(change)
    body.setdefault("officer_signatures", [
        {"user_id": user_id, "signed_at": SIGNED_AT,
         "evidence_sha256": DIGESTS["first" if index == 0 else "second"]}
        for index, user_id in enumerate(body["inspector_ids"])])
    return body


@pytest.fixture
def investigating(client, party, violation, file_case, step, frozen) -> dict:
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201)
    frozen.on("2021-06-04", hour=15)
    for body in IMAGES.values():
        upload_file(client, party["legal"], body, kind="signature")
    return _ok(step(case, "investigating"))


def test_an_inquiry_record_is_added_listed_audited_and_bumps_the_case(
        client, party, investigating, app):
    url = f"/api/v1/cases/{investigating['id']}/inquiries"
    record = _ok(client.post(url, json=_inquiry(party, investigating["version"]),
                             headers=party["legal"]), 201)
    assert record["seq"] == 1 and record["recorder"]["user_id"] == str(party["inspectors"][1].id)
    assert [o["certificate_no"] for o in record["officers"]] == [
        i.certificate_no for i in party["inspectors"]]
    assert record["qa"][1]["a"] == "活性炭装置已停用两周。"
    listed = _ok(client.get(url, headers=party["legal"]))
    assert [r["id"] for r in listed] == [record["id"]]
    case = _ok(client.get(f"/api/v1/cases/{investigating['id']}", headers=party["legal"]))
    assert case["version"] == investigating["version"] + 1
    assert case["history"][-1]["event"] == "inquiry"
    stale = client.post(url, json=_inquiry(party, investigating["version"]),
                        headers=party["legal"])
    assert stale.status_code == 409

    from server.audit.models import AuditEntry
    from server.extensions import db
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEntry).filter_by(
            entity="case", entity_id=investigating["id"])]
    assert "case.inquiry" in actions


def test_an_inquiry_record_carries_the_signatures_of_each_officer_who_asked_and_the_recorder(
        client, party, investigating):
    url = f"/api/v1/cases/{investigating['id']}/inquiries"
    record = _ok(client.post(url, json=_inquiry(party, investigating["version"]),
                             headers=party["legal"]), 201)
    first, second = party["inspectors"]
    assert record["officer_signatures"] == [
        {"user_id": str(first.id), "name": first.display_name,
         "evidence_sha256": DIGESTS["first"], "signed_at": SIGNED_AT},
        {"user_id": str(second.id), "name": second.display_name,
         "evidence_sha256": DIGESTS["second"], "signed_at": SIGNED_AT}]
    assert record["recorder_signature"] == {
        "user_id": str(second.id), "name": second.display_name,
        "evidence_sha256": DIGESTS["second"], "signed_at": SIGNED_AT}
    assert _ok(client.get(url, headers=party["legal"]))[0]["officer_signatures"] == \
        record["officer_signatures"]


def _officers_signing(party, *which: int) -> list[dict]:
    """Officer signatures by the party's inspectors at these indexes (-1: a stranger)."""
    ids = [str(i.id) for i in party["inspectors"]] + ["6f1c8a54-0d49-4c51-9a36-1b6f7e9b0f11"]
    return [{"user_id": ids[i], "evidence_sha256": DIGESTS["first"], "signed_at": SIGNED_AT}
            for i in which]


@pytest.mark.parametrize(("change", "field"), [
    ({"officer_signatures": (0,)}, "officer_signatures"),  # the second officer did not sign
    ({"officer_signatures": (0, 1, -1)}, "officer_signatures"),  # someone who did not ask
    ({"officer_signatures": (0, 0, 1)}, "officer_signatures"),  # one officer twice
    ({"officer_signatures": "refused"}, "refused"),  # officers cannot refuse to sign
    ({"officer_signatures": "no image"}, "evidence_sha256"),
    ({"officer_signatures": "no time"}, "signed_at"),
    ({"recorder_signature": None}, "recorder_signature"),
    ({"recorder_signature": {"evidence_sha256": DIGESTS["second"], "refused": True,
                             "refusal_reason": "不是我记的", "signed_at": SIGNED_AT}},
     "refused"),
    ({"recorder_signature": {"evidence_sha256": DIGESTS["second"],
                             "signed_at": "2021-06-04T02:00:00+00:00"}}, "signed_at"),
    ({"recorder_signature": {"evidence_sha256": DIGESTS["second"],
                             "signed_at": "2021-06-05T02:00:00+00:00"}}, "signed_at"),
])
def test_each_officer_who_asked_and_the_recorder_sign_after_the_inquiry_and_cannot_refuse(
        client, party, investigating, change, field):
    body = _inquiry(party, investigating["version"])
    signatures = change.get("officer_signatures")
    if isinstance(signatures, tuple):
        change = {"officer_signatures": _officers_signing(party, *signatures)}
    elif signatures in ("refused", "no image", "no time"):
        one = _officers_signing(party, 0, 1)
        one[1] |= {"refused": {"refused": True, "refusal_reason": "不同意笔录"},
                   "no image": {"evidence_sha256": None},
                   "no time": {"signed_at": None}}[signatures]
        change = {"officer_signatures": one}
    body.update(change)
    if body["recorder_signature"] is None:
        del body["recorder_signature"]
    response = client.post(f"/api/v1/cases/{investigating['id']}/inquiries", json=body,
                           headers=party["legal"])
    assert response.status_code == 422, response.get_json()
    assert field in str(response.get_json()["errors"])


def test_an_officer_whose_certificate_expired_before_signing_cannot_sign_the_inquiry(
        client, party, make_user, investigating, frozen):
    from datetime import date

    expiring, _ = make_user("inspector", "310115", certificate_expires=date(2021, 6, 4))
    ids = [str(expiring.id), str(party["inspectors"][1].id)]
    frozen.on("2021-06-05", hour=12)
    url = f"/api/v1/cases/{investigating['id']}/inquiries"

    def signing_at(moment: str):
        body = _inquiry(party, investigating["version"], inspector_ids=ids)
        body["officer_signatures"][0]["signed_at"] = moment
        return client.post(url, json=body, headers=party["legal"])

    late = signing_at("2021-06-04T16:10:00+00:00")  # 00:10 on the 5th in Shanghai
    assert late.status_code == 422, late.get_json()
    [message] = late.get_json()["errors"]["officer_signatures"]["0"]["signed_at"]
    assert "expired on 2021-06-04" in message and "第42条" in message
    assert _ok(signing_at("2021-06-04T15:50:00+00:00"), 201)  # 23:50 on the 4th


NOT_HELD = "cd" * 32


@pytest.mark.parametrize(("change", "path"), [
    ({"signature": {"evidence_sha256": NOT_HELD}}, ("signature", "evidence_sha256")),
    ({"recorder_signature": {"evidence_sha256": NOT_HELD, "signed_at": SIGNED_AT}},
     ("recorder_signature", "evidence_sha256")),
    ({"officer_signatures": 1}, ("officer_signatures", "1", "evidence_sha256")),
])
def test_an_inquiry_citing_a_signature_image_not_uploaded_is_refused_naming_the_field(
        client, party, investigating, change, path):
    body = _inquiry(party, investigating["version"])
    if "officer_signatures" in change:
        body["officer_signatures"][change["officer_signatures"]]["evidence_sha256"] = NOT_HELD
    else:
        body.update(change)
    url = f"/api/v1/cases/{investigating['id']}/inquiries"
    response = client.post(url, json=body, headers=party["legal"])
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = response.get_json()
    assert problem["type"].endswith("/validation-error")
    named: object = [f"no signature image with SHA-256 {NOT_HELD} was uploaded to the "
                     "district: upload it first (tus, POST /api/v1/uploads/)"]
    for key in reversed(path):
        named = {key: named}
    assert problem["errors"] == named
    assert "Upload the signature images first" in problem["detail"]
    assert _ok(client.get(url, headers=party["legal"])) == []


def test_images_a_city_wide_user_uploaded_are_shared_with_the_case_district_they_sign_in(
        client, party, login, investigating):
    city = login("legal", "310000")  # what a city-wide user uploads, the city holds
    images = {name: png(shade) for name, shade in (("interviewee", 140), ("officer", 160))}
    for body in images.values():
        upload_file(client, city, body, kind="signature")
    digest = {name: hashlib.sha256(body).hexdigest() for name, body in images.items()}
    body = _inquiry(party, investigating["version"],
                    signature={"evidence_sha256": digest["interviewee"]},
                    recorder_signature={"evidence_sha256": digest["officer"],
                                        "signed_at": SIGNED_AT})
    for signature in body["officer_signatures"]:
        signature["evidence_sha256"] = digest["officer"]
    _ok(client.post(f"/api/v1/cases/{investigating['id']}/inquiries", json=body,
                    headers=city), 201)
    for sha256 in digest.values():  # the case's district holds them now
        _ok(client.get(f"/api/v1/evidence/{sha256}", headers=party["legal"]))


def test_an_inquiry_recorded_before_officers_signed_loads_and_its_pdf_says_so(
        app, client, party, investigating):
    record_without_officer_signatures(app, party, investigating["id"], SIGNATURE)
    url = f"/api/v1/cases/{investigating['id']}/inquiries"
    [record] = _ok(client.get(url, headers=party["legal"]))
    assert record["officer_signatures"] is None and record["recorder_signature"] is None
    pdf = client.get(f"/api/v1/cases/{investigating['id']}/documents/inquiry_record",
                     headers=party["legal"])
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().replace("\n", "")
    first, second = party["inspectors"]
    assert f"询问人 {first.display_name} 未记录签名" in text
    assert f"记录人 {second.display_name} 未记录签名" in text
    assert "被询问人已核对笔录并签名" in text


def record_without_officer_signatures(app, party, case_id: str, interviewee: str) -> None:
    """An inquiry record as a server before officer signatures stored it (and before it
    refused images not uploaded): the interviewee's signature only, not checked."""
    import uuid
    from datetime import UTC, datetime

    from server.cases.models import CaseInquiry
    from server.extensions import db
    from server.fieldwork import inspections

    started = datetime(2021, 6, 2, 1, 30, tzinfo=UTC)
    with app.app_context():
        officers = inspections.certified_officers([i.id for i in party["inspectors"]],
                                                  started)
        db.session.add(CaseInquiry(
            id=uuid.uuid4(), case_id=uuid.UUID(case_id), seq=1, place="询问室",
            interviewee={"name": "王建国", "id_type": "passport", "id_number": "E12345678",
                         "relation": "生产部经理"},
            started_at=started, ended_at=datetime(2021, 6, 2, 1, 50, tzinfo=UTC),
            officers=officers, recorder=officers[1],
            qa=[{"q": "废气处理设施是否运行？", "a": "已停用两周。"}],
            signature={"evidence_sha256": interviewee, "refused": False,
                       "refusal_reason": None},
            created_by=party["inspectors"][0].id, created_at=started))
        db.session.commit()


@pytest.mark.parametrize(("change", "field"), [
    ({"inspector_ids": "one"}, "inspector_ids"),
    ({"recorder_id": "stranger"}, "recorder_id"),
    ({"ended_at": "2021-06-04T01:00:00+00:00"}, "ended_at"),
    ({"started_at": "2021-05-01T01:00:00+00:00"}, "started_at"),
    ({"signature": {"refused": True}}, "signature"),
    ({"signature": {"refused": True, "refusal_reason": "  "}}, "refusal_reason"),
    ({"signature": {"refused": True, "refusal_reason": "拒签", "evidence_sha256": "a" * 64}},
     "evidence_sha256"),
    ({"signature": {}}, "signature"),
    ({"qa": []}, "qa"),
    ({"interviewee": {"name": "王建国", "id_type": "resident_id",
                      "id_number": "310115198001010011", "relation": "经理"}}, "interviewee"),
])
def test_an_inquiry_needs_two_officers_a_recorder_among_them_sane_times_and_a_signature(
        client, party, investigating, change, field):
    body = _inquiry(party, investigating["version"])
    if change.get("inspector_ids") == "one":
        change = {"inspector_ids": body["inspector_ids"][:1]}
    if change.get("recorder_id") == "stranger":
        change = {"recorder_id": "6f1c8a54-0d49-4c51-9a36-1b6f7e9b0f11"}
    body.update(change)
    response = client.post(f"/api/v1/cases/{investigating['id']}/inquiries", json=body,
                           headers=party["legal"])
    assert response.status_code == 422, response.get_json()
    assert field in str(response.get_json()["errors"])


def test_the_inquiry_record_pdf_and_docx_carry_the_questions_answers_and_refusal(
        client, party, investigating, tmp_path):
    url = f"/api/v1/cases/{investigating['id']}/inquiries"
    _ok(client.post(url, json=_inquiry(party, investigating["version"]),
                    headers=party["legal"]), 201)
    second = _inquiry(party, investigating["version"] + 1,
                      interviewee={"name": "李四", "id_type": "passport", "id_number": "E1234567",
                                   "relation": "操作工"},
                      qa=[{"q": "你是否参与喷漆作业？", "a": "是的。"}],
                      signature={"refused": True, "refusal_reason": "认为笔录与事实不符"})
    _ok(client.post(url, json=second, headers=party["legal"]), 201)
    document = f"/api/v1/cases/{investigating['id']}/documents/inquiry_record"
    pdf = client.get(document, headers=party["legal"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    pages = [p.extract_text().replace("\n", "") for p in reader.pages]
    assert len(pages) == 2  # one record per page
    first, last = pages
    assert "调查询问笔录" in first and "第1次询问" in first and "王建国" in first
    assert ID_NUMBER in first and "居民身份证" in first
    assert "问：喷漆作业时车间门窗是否关闭？" in first and "答：当时门窗敞开，没有关闭。" in first
    assert "2021年6月4日09时30分至2021年6月4日10时10分" in first
    recorder = party["inspectors"][1]
    assert f"{recorder.display_name}（{recorder.certificate_no}）" in first
    assert "被询问人已核对笔录并签名" in first
    asker, unspaced = party["inspectors"][0], first.replace(" ", "")  # lines wrap anywhere
    assert (f"询问人{asker.display_name}已电子签名（签名图像SHA-256"
            f"{DIGESTS['first'][:16]}…）") in unspaced
    assert f"询问人{recorder.display_name}已电子签名" in unspaced
    assert (f"记录人{recorder.display_name}已电子签名（签名图像SHA-256"
            f"{DIGESTS['second'][:16]}…）") in unspaced
    assert "第2次询问" in last and "护照 E1234567" in last
    assert "被询问人拒绝签字，理由：认为笔录与事实不符" in last

    docx = Document(io.BytesIO(client.get(f"{document}?format=docx",
                                          headers=party["legal"]).data))
    texts = [p.text for p in docx.paragraphs]
    assert "问：你是否参与喷漆作业？" in texts and "答：是的。" in texts
    if shutil.which("pdftoppm"):
        path = tmp_path / "inquiry.pdf"
        path.write_bytes(pdf.data)
        subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path),
                        str(tmp_path / "page")], check=True, timeout=60)
        page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
        assert sum(page.histogram()[:128]) > 2000


def test_no_inquiry_is_added_once_the_decision_has_issued(client, party, investigating, step,
                                                          frozen):
    case = _ok(step(investigating, "notified"))
    case = _ok(step(case, "decided", fine_fen=3_000_000, rights_waived=True))
    response = client.post(f"/api/v1/cases/{case['id']}/inquiries",
                           json=_inquiry(party, case["version"]), headers=party["legal"])
    assert response.status_code == 409 and "investigation is over" in \
        response.get_json()["detail"]


def _statement(version: int, **change) -> dict:
    return {"version": version, "form": "written", "made_by": "法定代表人张三",
            "content": "已于当日关闭门窗并恢复活性炭装置运行，请求从轻处罚。",
            "adopted": "partly", "reasoning": "整改属实，依据第32条从轻；设施停用两周属实。",
            **change}


def test_statements_are_heard_within_the_notice_period_and_cannot_raise_the_fine(
        client, party, investigating, step, frozen, app):
    frozen.on("2021-06-07")
    case = _ok(step(investigating, "notified"))  # reply due 2021-06-15 (Dragon Boat, 14 June)
    url = f"/api/v1/cases/{case['id']}/statements"
    early = client.post(url, json=_statement(case["version"], received_on="2021-06-04"),
                        headers=party["legal"])
    assert early.status_code == 409 and "2021-06-15" in early.get_json()["detail"]
    frozen.on("2021-06-15")
    heard = _ok(client.post(url, json=_statement(case["version"]), headers=party["legal"]), 201)
    assert heard["received_on"] == "2021-06-15" and heard["adopted"] == "partly"
    frozen.on("2021-06-16")
    case = _ok(client.get(f"/api/v1/cases/{case['id']}", headers=party["legal"]))
    late = client.post(url, json=_statement(case["version"]), headers=party["legal"])
    assert late.status_code == 409 and "outside the period" in late.get_json()["detail"]
    missing = client.post(url, json=_statement(case["version"], reasoning=""),
                          headers=party["legal"])
    assert missing.status_code == 422

    heavier = step(case, "decided", fine_fen=case["intended_fen"] + 1)
    assert heavier.status_code == 409
    assert "heavier" in heavier.get_json()["detail"] and "1 statement" in \
        heavier.get_json()["detail"]
    case = _ok(step(case, "decided", fine_fen=case["intended_fen"] - 500_000))
    assert case["steps"]["decided"]["statements_reviewed"] == 1
    assert _ok(client.get(url, headers=party["legal"]))[0]["id"] == heard["id"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(client.get(
        f"/api/v1/cases/{case['id']}/documents/decision", headers=party["legal"]).data))
        .pages).replace("\n", "")
    assert "2021年6月15日，法定代表人张三书面陈述、申辩" in text and "经复核，部分采纳" in text
    after = client.post(url, json=_statement(case["version"]), headers=party["legal"])
    assert after.status_code == 409 and "before the decision" in after.get_json()["detail"]

    from server.audit.models import AuditEntry
    from server.extensions import db
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="case.statement").one()
    assert entry.details["adopted"] == "partly" and "从轻" in entry.details["reasoning"]


def test_statements_are_refused_before_the_notice(client, party, investigating):
    response = client.post(f"/api/v1/cases/{investigating['id']}/statements",
                           json=_statement(investigating["version"]), headers=party["legal"])
    assert response.status_code == 409 and "after the notice" in response.get_json()["detail"]


def test_the_case_file_export_carries_the_filled_inquiry_records(
        app, client, party, investigating, tmp_path):
    import zipfile

    from server import clock
    from server.cases import exports

    app.config.update(CASE_EXPORT_DIR=str(tmp_path / "exports"), CASE_EXPORT_THREAD=False)
    _ok(client.post(f"/api/v1/cases/{investigating['id']}/inquiries",
                    json=_inquiry(party, investigating["version"]), headers=party["legal"]), 201)
    started = _ok(client.post(f"/api/v1/cases/{investigating['id']}/exports",
                              headers=party["legal"]), 202)
    with app.app_context():
        assert exports.run_pending_exports(clock.utcnow())["done"] == 1
    done = _ok(client.get(f"/api/v1/exports/{started['id']}", headers=party["legal"]))
    archive = zipfile.ZipFile(io.BytesIO(client.get(done["download_url"],
                                                    headers=party["legal"]).data))
    [member] = [n for n in archive.namelist() if "调查询问笔录" in n]
    text = PdfReader(io.BytesIO(archive.read(member))).pages[0].extract_text().replace("\n", "")
    assert "问：废气处理设施是否运行？" in text and "王建国" in text
    [history] = [n for n in archive.namelist() if n.startswith("副卷/")]
    steps = PdfReader(io.BytesIO(archive.read(history))).pages[0].extract_text()
    assert "调查询问" in steps and "被询问人：王建国" in steps.replace("\n", "")


def test_an_officer_who_took_an_inquiry_cannot_chair_the_hearing(
        client, party, make_user, investigating, step, frozen):
    # 处罚法 第64条: the hearing is chaired by someone who did not investigate (a review's case)
    investigators = [make_user("inspector", "310115")[0] for _ in range(2)]
    ids = [str(user.id) for user in investigators]
    _ok(client.post(f"/api/v1/cases/{investigating['id']}/inquiries", json=_inquiry(
        party, investigating["version"], inspector_ids=ids, recorder_id=ids[1]),
        headers=party["legal"]), 201)
    case = _ok(client.get(f"/api/v1/cases/{investigating['id']}", headers=party["legal"]))
    case = _ok(step(case, "legal_review"))
    frozen.on("2021-06-07")
    case = _ok(step(case, "notified", intended_fen=15_000_000, review_opinion="同意"))
    frozen.on("2021-06-15")
    hearing = {"hearing_notice_on": "2021-06-15", "hearing_on": "2021-06-25",
               "hearing_place": "听证室"}
    chaired = step(case, "hearing", **hearing,
                   chair={"name": investigators[0].username, "user_id": ids[0]})
    assert chaired.status_code == 409 and "第64条" in chaired.get_json()["detail"]
    assert _ok(step(case, "hearing", **hearing, chair={"name": "李主持", "user_id": None}))
