"""The case page's inquiry (调查询问笔录) and statement (陈述申辩) forms: the signature images
sent with the form are kept as evidence, the records listed, refusals said in Chinese."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.console.conftest import OTHER, OWN
from tests.console.test_console_case_steps import _notified as notified

PHOTO = Path("/work/shared/data/photos/Canon_40D.jpg")  # a real photo, 7958 bytes
LARGE_PHOTO = Path("/work/shared/data/photos/DSCN0010.jpg")  # 161713 bytes


def _png(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 24), (shade, shade, shade)).save(out, "PNG")
    return out.getvalue()


def _local(moment) -> str:
    """A moment as the datetime-local input shows it (Shanghai wall time)."""
    from server.clock import SHANGHAI
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def _form(world: dict[str, Any], case: dict[str, Any], **change: Any) -> dict[str, Any]:
    """The inquiry form filled in, with the interviewee's photo and one image per officer
    (the recorder, the second officer, signs with that officer's image)."""
    from server import clock

    now = clock.utcnow()
    first, second = (str(i.id) for i in world[OWN]["inspectors"])
    form = {"version": case["version"], "interviewee.name": "王建国",
            "interviewee.relation": "生产部经理", "interviewee.id_type": "resident_id",
            "interviewee.id_number": "310115198001010016", "interviewee.phone": "13800000000",
            "place": "浦东新区生态环境局询问室", "started_at": _local(now - timedelta(hours=3)),
            "ended_at": _local(now - timedelta(hours=2)), "inspector_ids": [first, second],
            "recorder_id": second, "qa.0.q": "喷漆作业时车间门窗是否关闭？",
            "qa.0.a": "当时门窗敞开，没有关闭。", "qa.1.q": "", "qa.1.a": "",
            "qa.7.q": "废气处理设施是否运行？", "qa.7.a": "活性炭装置已停用两周。",
            "signature_image": (io.BytesIO(PHOTO.read_bytes()), "王建国签名.jpg"),
            f"officer_image.{first}": (io.BytesIO(_png(30)), "first.png"),
            f"officer_image.{second}": (io.BytesIO(_png(60)), "second.png")}
    form.update(change)
    return form


def _case(client, world, case_id: str) -> dict[str, Any]:
    return client.get(f"/api/v1/cases/{case_id}", headers=world["legal"]).get_json()


def _refused(page: str, box: str = "inquiry-refused") -> str:
    return page.split(f'id="{box}"')[1].split("</div>")[0]


def _evidence_rows(app, digests) -> dict[str, Any]:
    from server.evidence.models import Evidence, EvidenceHolder
    from server.extensions import db
    with app.app_context():
        return {d: (db.session.query(Evidence).filter_by(sha256=d).count(),
                    db.session.get(Evidence, d).kind,
                    [h.district for h in db.session.query(EvidenceHolder).filter_by(sha256=d)])
                for d in digests}


def test_an_inquiry_recorded_on_the_case_page_keeps_its_images_once_and_is_listed_and_filed(
        app, client, console, world, tmp_path):
    session = console("legal", OWN)
    case = world[OWN]["case"]
    first, second = (str(i.id) for i in world[OWN]["inspectors"])
    response = session.post(f"/console/cases/{case['id']}/inquiries", _form(world, case))
    assert response.status_code == 303, response.get_data(as_text=True)
    [record] = client.get(f"/api/v1/cases/{case['id']}/inquiries",
                          headers=world["legal"]).get_json()
    photo, one, two = (hashlib.sha256(b).hexdigest()
                       for b in (PHOTO.read_bytes(), _png(30), _png(60)))
    assert record["signature"]["evidence_sha256"] == photo
    assert [(s["user_id"], s["evidence_sha256"]) for s in record["officer_signatures"]] == [
        (first, one), (second, two)]
    assert record["recorder_signature"]["evidence_sha256"] == two  # the recorder's own image
    assert [row["q"] for row in record["qa"]] == ["喷漆作业时车间门窗是否关闭？",
                                                  "废气处理设施是否运行？"]
    assert record["interviewee"]["name"] == "王建国"
    # the same images again, in a second inquiry: kept once each
    again = session.post(f"/console/cases/{case['id']}/inquiries",
                         _form(world, _case(client, world, case["id"])))
    assert again.status_code == 303, again.get_data(as_text=True)
    assert _evidence_rows(app, (photo, one, two)) == {
        d: (1, "signature", [OWN]) for d in (photo, one, two)}

    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    listed = page.split('id="inquiry-list"')[1].split("</table>")[0]
    assert listed.count("王建国 (生产部经理)") == 2
    assert "documents/inquiry_record.pdf?view=1" in page

    from server import clock
    from server.cases import exports
    app.config.update(CASE_EXPORT_DIR=str(tmp_path / "exports"), CASE_EXPORT_THREAD=False)
    started = client.post(f"/api/v1/cases/{case['id']}/exports", headers=world["legal"])
    with app.app_context():
        assert exports.run_pending_exports(clock.utcnow())["done"] == 1
    done = client.get(f"/api/v1/exports/{started.get_json()['id']}",
                      headers=world["legal"]).get_json()
    archive = zipfile.ZipFile(io.BytesIO(client.get(done["download_url"],
                                                    headers=world["legal"]).data))
    members = [n for n in archive.namelist() if "调查询问笔录" in n]
    text = "".join(p.extract_text() for n in members
                   for p in PdfReader(io.BytesIO(archive.read(n))).pages).replace("\n", "")
    assert "问：废气处理设施是否运行？" in text and "王建国" in text


def test_a_refused_inquiry_shows_the_form_again_as_typed_with_the_reason_in_chinese(
        app, client, console, world):
    session = console("legal", OWN)
    case = world[OWN]["case"]
    first = str(world[OWN]["inspectors"][0].id)
    one = session.post(f"/console/cases/{case['id']}/inquiries",
                       _form(world, case, inspector_ids=[first], recorder_id=first))
    assert one.status_code == 422
    page = one.get_data(as_text=True)
    said = _refused(page)
    assert "至少两名" in said and "第42条" in said
    assert "Officer" not in said and "inquiry" not in said
    form = page.split('id="inquiry-form"')[1].split("</form>")[0]
    assert 'value="王建国"' in form and "当时门窗敞开，没有关闭。" in form
    assert "请重新选择" in form  # the files are not kept with the refused form
    assert client.get(f"/api/v1/cases/{case['id']}/inquiries",
                      headers=world["legal"]).get_json() == []
    photo = hashlib.sha256(PHOTO.read_bytes()).hexdigest()
    from server.evidence.models import Evidence
    from server.extensions import db
    with app.app_context():  # refused before any image was kept
        assert db.session.get(Evidence, photo) is None

    from server import clock
    before_end = _local(clock.utcnow() - timedelta(hours=2, minutes=30))
    late = session.post(f"/console/cases/{case['id']}/inquiries",
                        _form(world, case, signed_at=before_end))
    assert late.status_code == 422
    assert "询问结束后" in _refused(late.get_data(as_text=True))
    # refused by the service once the images were kept: they stay, harmlessly
    assert _evidence_rows(app, [photo]) == {photo: (1, "signature", [OWN])}

    refused = session.post(f"/console/cases/{case['id']}/inquiries", _form(
        world, case, **{"signature_image": (io.BytesIO(b""), ""), "signature.refused": "true",
                        "signature.refusal_reason": ""}))
    assert refused.status_code == 422
    reason = refused.get_data(as_text=True).split('id="r-signature-refusal_reason"')[1]
    assert "请填写拒签理由" in reason.split("</div>")[0]
    wrong_id = session.post(f"/console/cases/{case['id']}/inquiries", _form(
        world, case, **{"interviewee.id_number": "310115198001010017"}))
    assert wrong_id.status_code == 422
    number = wrong_id.get_data(as_text=True).split('id="r-interviewee-id_number"')[1]
    assert "校验位" in number.split("</div>")[0]


def test_the_inquiry_form_needs_the_csrf_token_and_the_case_in_the_users_district(
        client, console, world):
    case = world[OWN]["case"]
    session = console("legal", OWN)
    forged = session.client.post(f"/console/cases/{case['id']}/inquiries",
                                 data=_form(world, case))
    assert forged.status_code == 400
    stranger = console("legal", OTHER)
    assert stranger.post(f"/console/cases/{case['id']}/inquiries",
                         _form(world, case)).status_code == 404
    assert stranger.post(f"/console/cases/{case['id']}/statements",
                         {"version": case["version"]}).status_code == 404
    assert client.get(f"/api/v1/cases/{case['id']}/inquiries",
                      headers=world["legal"]).get_json() == []


@pytest.mark.parametrize(("image", "said"), [
    ((LARGE_PHOTO.read_bytes(), "大.jpg"), "文件大于 0.0625 MiB"),
    (("这不是图片".encode(), "签名.txt"), "不是本系统能读取的图片"),
])
def test_an_oversized_or_non_image_signature_is_refused_naming_its_input(
        app, client, console, world, image, said):
    app.config["CONSOLE_IMAGE_MAX_BYTES"] = 2**16
    session = console("legal", OWN)
    case = world[OWN]["case"]
    response = session.post(f"/console/cases/{case['id']}/inquiries", _form(
        world, case, signature_image=(io.BytesIO(image[0]), image[1])))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    field = page.split('id="r-signature_image"')[1].split("</div>")[0]
    assert said in field
    assert "所有文件均未保存" in _refused(page)
    digest = hashlib.sha256(image[0]).hexdigest()
    from server.evidence.models import Evidence
    from server.extensions import db
    with app.app_context():
        assert db.session.get(Evidence, digest) is None
    assert client.get(f"/api/v1/cases/{case['id']}/inquiries",
                      headers=world["legal"]).get_json() == []


def test_a_statement_is_recorded_on_the_case_page_and_refused_in_chinese_outside_the_period(
        client, console, world):
    session = console("legal", OWN)
    case = world[OWN]["case"]
    filed = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    assert 'id="statement-form"' not in filed  # before the notice, there is nothing to hear
    case = notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    statement = {"version": case["version"], "form": "written", "made_by": "法定代表人张三",
                 "content": "已关闭门窗并恢复活性炭装置运行，请求从轻处罚。",
                 "adopted": "partly", "reasoning": "整改属实，依据第32条从轻。"}
    early = session.post(f"/console/cases/{case['id']}/statements",
                         {**statement, "received_on": "2021-06-01"})
    assert early.status_code == 409
    page = early.get_data(as_text=True)
    said = _refused(page, "statement-refused")
    assert "5个工作日" in said and "Statements" not in said
    assert "法定代表人张三" in page.split('id="statement-form"')[1]
    empty = session.post(f"/console/cases/{case['id']}/statements",
                         {**statement, "reasoning": ""})
    assert empty.status_code == 422
    done = session.post(f"/console/cases/{case['id']}/statements", statement)
    assert done.status_code == 303, done.get_data(as_text=True)
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    listed = page.split('id="statement-list"')[1].split("</table>")[0]
    assert "法定代表人张三" in listed and "部分采纳" in listed and "书面" in listed
    [heard] = client.get(f"/api/v1/cases/{case['id']}/statements",
                         headers=world["legal"]).get_json()
    assert heard["adopted"] == "partly"


def test_a_form_larger_than_the_upload_limit_is_refused_in_chinese(app, console, world):
    app.config["TUS_MAX_SIZE"] = 2**16
    session = console("legal", OWN)
    case = world[OWN]["case"]
    response = session.post(f"/console/cases/{case['id']}/inquiries", _form(
        world, case, signature_image=(io.BytesIO(LARGE_PHOTO.read_bytes()), "大.jpg")))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "0.0625 MiB" in page and "请选择较小的文件" in page


def test_an_officer_whose_certificate_lapsed_is_refused_in_chinese_by_name(
        app, console, world):
    from server.auth.models import User
    from server.extensions import db

    session = console("legal", OWN)
    case = world[OWN]["case"]
    lapsed = world[OWN]["inspectors"][1]
    with app.app_context():  # the certificate lapsed after the form was opened
        user = db.session.get(User, lapsed.id)
        user.certificate_expires = user.certificate_expires.replace(year=2001)
        name = user.display_name
        db.session.commit()
    response = session.post(f"/console/cases/{case['id']}/inquiries", _form(world, case))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "执法证" in page and name in page
    assert "enforcement certificate" not in page and "cannot sign" not in page
