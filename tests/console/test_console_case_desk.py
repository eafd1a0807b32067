"""Console case desk: badges, paging, labels, case pages, documents and exports."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

from tests.console.conftest import OTHER, OWN


def test_case_desk_shows_state_and_deadline_badge(console, world):
    page = console("legal", OWN).get("/console/cases").get_data(as_text=True)
    assert world[OWN]["case"]["filing_number"] in page
    assert world[OTHER]["case"]["filing_number"] not in page
    assert re.search(r'class="badge badge-(ok|warn|bad)">\d+ (个工作日|天)', page)


def test_the_deadline_badge_counts_the_days_the_due_filter_counts(console, world):
    # a review's case: the badge said 66 working days, and "due within 70" did not find it
    session = console("legal", OWN)
    number = world[OWN]["case"]["filing_number"]
    page = session.get("/console/cases").get_data(as_text=True)
    row = page[page.index(number):]
    days = int(re.search(r'class="badge badge-(?:ok|warn|bad)">(\d+) ', row).group(1))
    assert number in session.get(f"/console/cases?due_within={days}").get_data(as_text=True)
    if days > 0:
        assert number not in session.get(
            f"/console/cases?due_within={days - 1}").get_data(as_text=True)


def test_the_case_desk_pages_like_the_other_lists(console, world, monkeypatch):
    from server.console import cases

    monkeypatch.setattr(cases, "PER_PAGE", 1)
    session = console("legal", "310000")
    numbers = {world[d]["case"]["filing_number"] for d in (OWN, OTHER)}
    first = session.get("/console/cases").get_data(as_text=True)
    assert "共 2 件案件" in first and "第 1 页，共 2 页" in first
    assert 'href="/console/cases?page=2">下一页' in first
    second = session.get("/console/cases?page=2").get_data(as_text=True)
    shown = [{n for n in numbers if n in page} for page in (first, second)]
    assert all(len(s) == 1 for s in shown) and shown[0] | shown[1] == numbers


def test_the_state_not_penalised_is_labelled_apart_from_its_document(app, console, world):
    page = console("legal", OWN).get("/console/cases").get_data(as_text=True)
    assert '<option value="not_penalised">不予行政处罚</option>' in page
    from flask_babel import pgettext

    with app.test_request_context("/console/cases"):
        assert pgettext("document", "not_penalised") == "不予行政处罚决定书"


def test_case_page_explains_the_waived_violation(console, world):
    page = console("legal", OWN).get(f"/console/cases/{world[OWN]['case']['id']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="explanation"' in text
    assert "不予处罚" in text or "免罚" in text
    assert f"/console/evidence/{world[OWN]['photo']}/thumbnail" in text


def test_a_party_that_moved_district_still_shows_on_the_old_districts_case_pages(
        client, console, world, site_in):
    enterprise = world[OWN]["enterprise"]
    moved = client.patch(f"/api/v1/enterprises/{enterprise['id']}", headers=world["supervisor"],
                         json={"version": enterprise["version"], "district": OTHER,
                               "site": site_in(OTHER)})
    assert moved.status_code == 200, moved.get_json()
    session = console("legal", OWN)
    page = session.get(f"/console/cases/{world[OWN]['case']['id']}")
    assert page.status_code == 200 and enterprise["name"] in page.get_data(as_text=True)
    desk = session.get("/console/cases").get_data(as_text=True)
    row = desk[desk.index(world[OWN]["case"]["filing_number"]):]
    assert row[:row.index("</tr>")].count(enterprise["name"]) == 1


def test_case_document_previews_as_pdf_and_downloads_as_docx(console, world):
    session = console("legal", OWN)
    case_id = world[OWN]["case"]["id"]
    pdf = session.get(f"/console/cases/{case_id}/documents/filing_approval.pdf?view=1")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("inline")
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in pdf.headers  # the browser's PDF viewer needs none
    docx = session.get(f"/console/cases/{case_id}/documents/filing_approval.docx")
    assert docx.status_code == 200 and docx.data.startswith(b"PK")


def test_case_export_reports_progress_and_downloads(app, console, world):
    app.config["CASE_EXPORT_THREAD"] = False
    session = console("legal", OWN)
    case_id = world[OWN]["case"]["id"]
    response = session.post(f"/console/cases/{case_id}/exports")
    assert response.status_code == 303
    export_id = response.headers["Location"].split("export=")[1]
    queued = session.get(f"/console/exports/{export_id}").get_json()
    assert queued["status"] == "queued" and queued["download_url"] is None
    from server.cases import exports

    with app.app_context():
        exports.run_export(__import__("uuid").UUID(export_id))
    done = session.get(f"/console/exports/{export_id}").get_json()
    assert done["status"] == "done" and done["progress"] == 1
    download = session.get(done["download_url"])
    assert download.status_code == 200 and download.data.startswith(b"PK")
    case, party = world[OWN]["case"], world[OWN]["enterprise"]["name"]
    name = quote(f"{case['filing_number']}_{party}行政处罚案卷.zip")  # named as the API names it
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="casefile_{case_id}.zip"; filename*=UTF-8\'\'{name}')


def test_an_expired_case_file_export_says_so_in_chinese_at_shanghai_time(app, console, world):
    # the download of an export past its keeping time showed the API's English with a UTC
    # ISO instant: 'The export expired at 2026-12-03T04:00:00.123+00:00 and its file …'
    from zoneinfo import ZoneInfo

    from server.cases import exports
    from server.cases.models import CaseExport
    from server.extensions import db

    app.config["CASE_EXPORT_THREAD"] = False
    session = console("legal", OWN)
    response = session.post(f"/console/cases/{world[OWN]['case']['id']}/exports")
    export_id = uuid.UUID(response.headers["Location"].split("export=")[1])
    with app.app_context():
        exports.run_export(export_id)
        finished = db.session.get(CaseExport, export_id).finished_at
    app.config["CASE_EXPORT_TTL_HOURS"] = 0  # kept no time at all: expired as it finished
    answer = session.get(f"/console/exports/{export_id}/download")
    assert answer.status_code == 410 and answer.mimetype == "text/html"
    said = answer.get_data(as_text=True).split('role="alert">')[1].split("</p>")[0]
    local = finished.replace(tzinfo=finished.tzinfo or ZoneInfo("UTC")).astimezone(
        ZoneInfo("Asia/Shanghai"))
    assert f"{local.year}年{local.month}月{local.day}日 {local:%H:%M:%S}" in said
    assert "重新导出" in said and "expired" not in said


def _case_with(client, world, enterprise_body, facts: dict, code: str = "AIR_VOC",
               bases: dict | None = None) -> str:
    """A case of one violation (AIR_VOC) with these facts, at a new enterprise of OWN."""
    headers = world["supervisor"]
    enterprise = client.post("/api/v1/enterprises", headers=headers,
                             json=enterprise_body(OWN, 7)).get_json()
    inspection = {"id": str(uuid.uuid4()), "enterprise_id": enterprise["id"],
                  "inspector_ids": [str(i.id) for i in world[OWN]["inspectors"]],
                  "started_at": "2021-06-02T01:30:00+00:00"}
    assert client.post("/api/v1/inspections", json=inspection, headers=headers).status_code == 201
    violation = client.post("/api/v1/violations", headers=headers, json={
        "id": str(uuid.uuid4()), "inspection_id": inspection["id"], "code": code,
        "occurred_on": "2021-06-02", "description": "喷漆时门窗敞开", "facts": facts,
        **({"bases": bases} if bases else {})})
    assert violation.status_code == 201, violation.get_json()
    case = client.post("/api/v1/cases", headers=world["legal"], json={
        "violation_ids": [violation.get_json()["id"]], "late_reason": "控制台测试"})
    assert case.status_code == 201, case.get_json()
    return case.get_json()["id"]


def _explanation(console, case_id: str) -> str:
    page = console("legal", OWN).get(f"/console/cases/{case_id}")
    assert page.status_code == 200
    found = re.search(r'(?s)data-testid="explanation">(.*?)</div>', page.get_data(as_text=True))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


def test_a_violation_not_penalised_under_article_33_is_not_shown_as_waived_by_the_list(
        client, console, world, enterprise_body):
    # Item 5 needs correction on the spot, which did not happen: the list does not waive it,
    # 处罚法 Art. 33 ¶1 does (minor, corrected in time, no harm). The page named the list item.
    case_id = _case_with(client, world, enterprise_body, {"minor": True, "corrected_in_time": True,
                                         "corrected_on_spot": False,
                                         "harmful_consequence": False})
    text = _explanation(console, case_id)
    assert "免罚依据" not in text and "第5项 —" not in text
    assert "不予处罚依据: 处罚法 第33条第1款" in text
    assert "违法行为轻微并及时改正" in text


def test_a_violation_the_authority_may_waive_is_not_labelled_not_waived(
        client, console, world, enterprise_body):
    case_id = _case_with(client, world, enterprise_body, {"first_offence": True, "harm_minor": True,
                                         "harmful_consequence": True, "corrected_in_time": True,
                                         "corrected_on_spot": True})
    text = _explanation(console, case_id)
    assert "不予免罚" not in text
    assert "可以免罚:" in text and "可以不予行政处罚" in text


def test_the_penalty_trace_labels_its_steps_in_chinese_not_by_internal_names(
        client, console, world, enterprise_body):
    case_id = _case_with(client, world, enterprise_body, {"corrected_on_spot": False,
                                                          "harmful_consequence": True})
    page = console("legal", OWN).get(f"/console/cases/{case_id}").get_data(as_text=True)
    assert "<strong>法定罚款幅度</strong>" in page and "<strong>加权计算</strong>" in page
    assert not re.search(r"<strong>(statutory_range|weighted_sum|rule_sets|factor)</strong>",
                         page)


def test_a_downloaded_document_is_named_by_its_title_and_number_not_internal_ids(
        console, world):
    # Saved files were "filing_approval_<uuid>.docx": twenty of them told a clerk nothing.
    from urllib.parse import quote
    case = world[OWN]["case"]
    session = console("legal", OWN)
    for suffix, kind in ((".docx", "attachment"), (".pdf?view=1", "inline")):
        said = session.get(f"/console/cases/{case['id']}/documents/filing_approval{suffix}") \
            .headers["Content-Disposition"]
        ext = suffix.split("?")[0]
        assert said.startswith(f'{kind}; filename="filing_approval_{case["id"]}{ext}"')
        assert f"filename*=UTF-8''{quote('立案审批表_' + case['filing_number'] + ext)}" in said


def test_the_case_page_names_rule_sets_by_their_titles_not_their_ids(app, console, world):
    # The penalty steps read "规则引擎 · cn-eco-field-violations@1 — 适用规则版本：目录
    # cn-eco-field-violations@1，裁量方法 gd-2022-weighted-accumulation@1".
    from server.extensions import db
    from server.fieldwork.models import ViolationDecision

    case_id = world[OWN]["case"]["id"]
    session = console("legal", OWN)
    with app.app_context():
        for stored in db.session.query(ViolationDecision).all():  # a text stored with ids
            result = dict(stored.result)
            result["zh"] = {**result["zh"], "explanation": "规则集 "
                            "cn-eco-field-violations@1 未经核实"}
            stored.result = result
        db.session.commit()
    page = session.get(f"/console/cases/{case_id}").get_data(as_text=True)
    assert "cn-eco-field-violations@1" not in page and "gd-2022-weighted-accumulation" not in page
    assert "《生态环境现场执法常见违法行为目录》" in page
    assert "规则集《生态环境现场执法常见违法行为目录》未经核实" in page


def test_the_case_pages_deadline_table_cites_each_basis_in_full_on_a_chinese_page(
        console, world):
    page = console("legal", OWN).get(f"/console/cases/{world[OWN]['case']['id']}")
    table = page.get_data(as_text=True).split(">依据<")[1].split("</table>")[0]
    assert "《中华人民共和国行政处罚法》第六十条" in table
    assert "处罚法 第" not in table


def test_a_waived_major_change_names_its_list_item_and_the_provision_it_violated(
        client, console, world, enterprise_body):
    # Items 1-3 shared EIA_UNAPPROVED, so a major change was shown under item 1 (未批先建).
    case_id = _case_with(client, world, enterprise_body, {
        "stopped_and_restored": True, "corrected_in_time": True, "harmful_consequence": False},
        code="EIA_MAJOR_CHANGE", bases={"investment_yuan": 1_000_000})
    text = _explanation(console, case_id)
    assert "第 2 项 — 建设项目发生重大变动，未重新报批环境影响评价文件，擅自开工建设" in text
    assert "违反条款: 环评法 第24条第1款" in text


def _alert(answer) -> str:
    """The refusal a console error page says."""
    return answer.get_data(as_text=True).split('role="alert">')[1].split("</p>")[0]


def test_a_case_file_not_built_yet_says_so_in_chinese_and_in_english(app, console, world):
    # 下载案卷 followed before the build finished showed 'The export is queued; nothing …'
    app.config["CASE_EXPORT_THREAD"] = False
    session = console("legal", OWN)
    response = session.post(f"/console/cases/{world[OWN]['case']['id']}/exports")
    export_id = response.headers["Location"].split("export=")[1]
    answer = session.get(f"/console/exports/{export_id}/download")
    assert answer.status_code == 409 and answer.mimetype == "text/html"
    said = _alert(answer)
    assert "排队" in said and "尚无可下载" in said and "queued" not in said
    session.post("/console/language", data={"lang": "en"})
    english = _alert(session.get(f"/console/exports/{export_id}/download"))
    assert "Queued" in english and "nothing to download yet" in english


def test_a_document_the_case_has_not_reached_says_so_in_chinese(console, world):
    # a stale or typed link to a later step's document showed 'The case (filed) has not …'
    session = console("legal", OWN)
    case_id = world[OWN]["case"]["id"]
    answer = session.get(f"/console/cases/{case_id}/documents/decision.pdf")
    assert answer.status_code == 409 and answer.mimetype == "text/html"
    said = _alert(answer)
    assert "行政处罚决定书" in said and "尚未进行到" in said and "reached" not in said
    unknown = session.get(f"/console/cases/{case_id}/documents/nonsense.pdf")
    assert unknown.status_code == 404
    assert "没有这种文书" in _alert(unknown) and "No document form" not in _alert(unknown)
    session.post("/console/language", data={"lang": "en"})
    english = _alert(session.get(f"/console/cases/{case_id}/documents/decision.pdf"))
    assert "has not reached the step of" in english and "decision" in english


def test_the_api_keeps_its_english_for_an_export_not_ready_and_a_document_not_reached(
        app, client, world):
    app.config["CASE_EXPORT_THREAD"] = False
    headers, case_id = world["legal"], world[OWN]["case"]["id"]
    export = client.post(f"/api/v1/cases/{case_id}/exports", headers=headers).get_json()
    download = client.get(f"/api/v1/exports/{export['id']}/download", headers=headers)
    assert download.get_json()["detail"] == "The export is queued; nothing to download yet."
    document = client.get(f"/api/v1/cases/{case_id}/documents/decision?format=pdf",
                          headers=headers)
    state = world[OWN]["case"]["state"]
    assert document.get_json()["detail"] == (
        f"The case ({state}) has not reached the step of decision.")
