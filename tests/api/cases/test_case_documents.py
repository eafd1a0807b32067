"""The standard documents as A4 PDF/A-2b (embedded CJK font; checked by text, rendering), DOCX."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from docx import Document
from PIL import Image
from pypdf import PdfReader

from tests import pdfa_check
from tests.api.cases.conftest import WAIVABLE, decide_with_a_waived_act, upload_photo

A4_POINTS = (595.28, 841.89)
FINED_FORMS = ("filing_approval", "inspection_record", "inquiry_record", "correction_order",
               "notice", "decision", "service_receipt", "closing_approval")


def _ok(response, status: int = 200):
    assert response.status_code == status, response.get_json()
    return response


@pytest.fixture
def closed_case(client, party, violation, file_case, step, frozen):
    """A fined AIR_VOC case with one photo, walked to closed."""
    digest = upload_photo(client, party["supervisor"])[0]
    frozen.on("2021-06-03")
    case = _ok(file_case(violation(evidence=[digest])["id"]), 201).get_json()
    case = _ok(step(case, "investigating")).get_json()
    case = _ok(step(case, "notified", intended_fen=3_500_000)).get_json()
    case = _ok(step(case, "decided", fine_fen=3_500_000, rights_waived=True,
                    statements="已立即整改")).get_json()
    case = _ok(step(case, "served", method="direct", recipient="王经理")).get_json()
    case = _ok(step(case, "paid", amount_fen=3_500_000)).get_json()
    return _ok(step(case, "closed")).get_json() | {"digest": digest}


def _get(client, party, case, form, fmt="pdf"):
    return client.get(f"/api/v1/cases/{case['id']}/documents/{form}?format={fmt}",
                      headers=party["legal"])


def _embedded_fonts(reader: PdfReader) -> list[tuple[str, bool]]:
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.append((str(font["/BaseFont"]), embedded))
    return fonts


def _a4_text(reader: PdfReader, tolerance_pt: float = 0.0) -> str:
    """The text of an A4 PDF (sides within `tolerance_pt` of A4's), lines joined."""
    box = reader.pages[0].mediabox
    for side, a4 in zip((box.width, box.height), A4_POINTS, strict=True):
        assert abs(round(float(side), 2) - a4) <= tolerance_pt, (float(side), a4)
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def _assert_chinese_right(texts: dict[str, str], party, closed_case,
                          spaced: bool = False) -> None:
    """Each form's title and the case's facts, in the text (_a4_text) of every fined-case form.

    `spaced`: compare without whitespace, as LibreOffice spaces Latin and digits apart from
    Chinese (沪 0115 环罚) and the words are the same."""

    def has(form: str, *needles: str) -> None:
        for needle in needles:
            if spaced:
                assert "".join(needle.split()) in "".join(texts[form].split()), (form, needle)
            else:
                assert needle in texts[form], (form, needle)

    officer = party["inspectors"][0]
    has("decision", "行政处罚决定书", closed_case["decision_number"], "35,000.00元",
        party["enterprise"]["name"], closed_case["digest"][:16],  # the evidence list
        "每日按罚款数额的百分之三")
    # 35,000 yuan is below the catalogue's 较大数额 (100,000 yuan), but that amount is
    # unconfirmed: the notice offers the hearing rather than withhold it on a guess
    has("notice", "行政处罚听证告知书", "五个工作日", "有权要求举行听证")
    has("filing_approval", "立案审批表", closed_case["filing_number"])
    has("service_receipt", "直接送达", "王经理")
    has("closing_approval", "结案审批表", "2021年6月3日 缴纳35,000.00元")
    has("inspection_record", "现场检查（勘察）笔录",
        f"{officer.display_name}（{officer.certificate_no}）")
    has("inquiry_record", "调查询问笔录")
    has("correction_order", "责令改正违法行为决定书")


def test_every_form_of_a_fined_case_is_an_a4_pdfa_2b_with_the_chinese_right(
        client, party, closed_case):
    texts = {}
    for form in FINED_FORMS:
        response = _ok(_get(client, party, closed_case, form))
        assert response.mimetype == "application/pdf"
        reader = PdfReader(io.BytesIO(response.data))
        fonts = _embedded_fonts(reader)
        assert fonts and all(embedded for _, embedded in fonts), fonts
        assert pdfa_check.problems(response.data) == [], form
        texts[form] = _a4_text(reader)
    _assert_chinese_right(texts, party, closed_case)


@pytest.mark.skipif(shutil.which("soffice") is None, reason=(
    "LibreOffice is not installed (apt-get install libreoffice-writer-nogui; .ci/run does)"))
def test_every_docx_of_a_fined_case_opens_in_libreoffice_as_a4_with_the_chinese_right(
        client, party, closed_case, tmp_path):
    sources = []
    for form in FINED_FORMS:
        sources.append(tmp_path / f"{form}.docx")
        sources[-1].write_bytes(_ok(_get(client, party, closed_case, form, "docx")).data)
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"),
                    *map(str, sources)], check=True, timeout=300, capture_output=True)
    texts = {}
    for form in FINED_FORMS:
        reader = PdfReader(tmp_path / "pdf" / f"{form}.pdf")
        fonts = _embedded_fonts(reader)
        assert any("WenQuanYi" in name for name, _ in fonts), fonts  # the font the DOCX names
        texts[form] = _a4_text(reader, tolerance_pt=0.05)  # the DOCX's size in twips (1/20 pt)
    _assert_chinese_right(texts, party, closed_case, spaced=True)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_the_decision_renders_to_an_a4_page_with_ink_on_it(client, party, closed_case,
                                                          tmp_path):
    pdf = tmp_path / "decision.pdf"
    pdf.write_bytes(_ok(_get(client, party, closed_case, "decision")).data)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    assert abs(page.size[0] - 413) <= 1 and abs(page.size[1] - 585) <= 1  # A4 at 50 dpi
    dark = sum(page.histogram()[:128])
    assert dark > 2000  # the Chinese text is drawn, not tofu-free blank space


def test_the_docx_is_editable_and_names_the_chinese_font(client, party, closed_case):
    response = _ok(_get(client, party, closed_case, "decision", "docx"))
    document = Document(io.BytesIO(response.data))
    texts = [p.text for p in document.paragraphs]
    assert "行政处罚决定书" in texts and closed_case["decision_number"] in texts
    assert any("35,000.00元" in t for t in texts)
    assert document.tables[0].cell(0, 0).text == "当事人"
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    fonts = document.paragraphs[1].runs[0]._element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") \
        == "WenQuanYi Micro Hei"


def test_documents_exist_only_once_the_case_has_reached_their_step(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-02")
    case = _ok(file_case(violation(facts=WAIVABLE)["id"]), 201).get_json()
    assert _get(client, party, case, "decision").status_code == 409
    assert _get(client, party, case, "no_such_form").status_code == 404
    assert _get(client, party, case, "filing_approval", "odt").status_code == 422
    case = _ok(step(case, "not_penalised", education={
        "on": "2021-06-02", "method": "约谈", "content": "讲解管控要求"})).get_json()
    text = PdfReader(io.BytesIO(_ok(_get(client, party, case, "not_penalised")).data)) \
        .pages[0].extract_text().replace("\n", "")
    assert "不予行政处罚决定书" in text and "约谈" in text and "讲解管控要求" in text
    assert _get(client, party, case, "decision").status_code == 409


def test_a_missing_font_is_a_503_not_a_crash(client, party, violation, file_case, frozen,
                                             monkeypatch):
    from server.cases import render

    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201).get_json()
    monkeypatch.setattr(render, "DEFAULT_FONT", "/nonexistent/font.ttc")
    monkeypatch.setattr(render, "_registered", {})
    response = _get(client, party, case, "filing_approval")
    assert response.status_code == 503 and "font" in response.get_json()["detail"]


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def test_the_docx_defaults_to_the_chinese_font_and_zh_cn_for_every_style(
        client, party, closed_case):
    document = Document(io.BytesIO(_ok(_get(client, party, closed_case, "notice", "docx")).data))
    rpr = document.styles["Normal"].element.rPr
    assert rpr.rFonts.get(f"{W}eastAsia") == "WenQuanYi Micro Hei"
    lang = rpr.find(f"{W}lang")
    assert lang.get(f"{W}val") == "zh-CN" and lang.get(f"{W}eastAsia") == "zh-CN"
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            fonts = run._element.rPr.rFonts
            assert fonts.get(f"{W}eastAsia") == "WenQuanYi Micro Hei"
            assert fonts.get(f"{W}hint") == "eastAsia"
    properties = document.core_properties
    assert properties.language == "zh-CN" and properties.author.endswith("生态环境局")
    assert properties.title.startswith("行政处罚")


def test_the_pdf_carries_title_author_and_zh_cn(client, party, closed_case):
    reader = PdfReader(io.BytesIO(_ok(_get(client, party, closed_case, "decision")).data))
    assert reader.metadata.title == "行政处罚决定书"
    assert reader.metadata.author.endswith("生态环境局")
    assert reader.metadata.subject == closed_case["decision_number"]
    assert str(reader.trailer["/Root"]["/Lang"]) == "zh-CN"


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_pdffonts_sees_every_font_embedded_as_a_subset(client, party, closed_case, tmp_path):
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(_ok(_get(client, party, closed_case, "notice")).data)
    lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True,
                           timeout=60).stdout.splitlines()[2:]
    assert lines, "no fonts listed"
    for line in lines:
        # name type encoding emb sub uni object-id: columns from the right
        emb, sub, uni = line.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), line
        assert "+" in line.split()[0]  # the subset tag, e.g. ABCDEF+WenQuanYi…


def _waived_and_not_penalised(violation, file_case, step, frozen) -> dict:
    """A case of a waived violation, not penalised straight from filing (no notice)."""
    frozen.on("2021-06-02")
    case = _ok(file_case(violation(facts=WAIVABLE)["id"]), 201).get_json()
    return _ok(step(case, "not_penalised", education={
        "on": "2021-06-02", "method": "约谈", "content": "讲解管控要求"})).get_json()


def test_a_case_never_notified_has_no_notice_even_once_closed_and_archived(
        client, party, violation, file_case, step, frozen):
    # A waived case went from filing to 不予行政处罚 without a notice; once closed, its case
    # file held a 告知书 "拟对你单位作出罚款—的行政处罚" that was never made or served.
    case = _waived_and_not_penalised(violation, file_case, step, frozen)
    case = _ok(step(case, "served", method="direct")).get_json()
    for state in ("closed", "archived"):
        case = _ok(step(case, state)).get_json()
        assert _get(client, party, case, "notice").status_code == 409, state
    assert _get(client, party, case, "not_penalised").status_code == 200


def test_the_service_receipt_of_a_case_not_penalised_names_the_document_it_serves(
        client, party, violation, file_case, step, frozen):
    # It read "送达文书 行政处罚决定书 沪…环不罚…号": a penalty decision the case never had.
    case = _ok(step(_waived_and_not_penalised(violation, file_case, step, frozen),
                    "served", method="direct")).get_json()
    case = _ok(step(case, "closed")).get_json()
    text = _a4_text(PdfReader(io.BytesIO(_ok(_get(client, party, case,
                                                  "service_receipt")).data)))
    assert f"不予行政处罚决定书 {case['decision_number']}" in text
    assert "送达文书行政处罚决定书" not in text.replace(" ", "")


def test_the_not_penalised_decision_names_the_waiver_list_by_its_title_not_its_file_id(
        client, party, violation, file_case, step, frozen):
    # The decision served on the party read "符合清单 sh-eco-minor-offence-waiver@2020 第5项".
    case = _waived_and_not_penalised(violation, file_case, step, frozen)
    text = _a4_text(PdfReader(io.BytesIO(_ok(_get(client, party, case, "not_penalised")).data)))
    assert "符合《上海市生态环境领域轻微违法行为免罚清单（2020年版）》第5项的全部条件" in text
    assert "sh-eco-minor-offence-waiver" not in text


def test_the_decision_says_which_act_is_not_penalised_why_and_how_its_party_was_educated(
        client, party, violation, file_case, step, frozen):
    # 处罚法 第33条: a waived act among fined ones is not penalised, and its party educated
    case, waived = decide_with_a_waived_act(violation, file_case, step, frozen, "王经理")
    text = _a4_text(PdfReader(io.BytesIO(_ok(_get(client, party, case, "decision")).data)))
    title = waived["decision"]["zh"]["penalty"]["title"]
    assert f"2021年6月1日“{title}”的违法行为，不予行政处罚" in text
    # a document served on a party cites the full title, the article in Chinese numerals
    assert ("依据：《中华人民共和国行政处罚法》第三十三条第一款、《中华人民共和国大气污染防治法》"
            "第一百零八条第一项") in text
    assert waived["decision"]["zh"]["explanation"] in text  # the rules' reason
    assert not re.search(r"(大气法|处罚法) ?第\d", text), text
    assert "2021年6月10日，以约谈方式对王经理进行教育：告知VOCs无组织排放的法律责任" in text
    assert "对上述其余违法行为，依据《中华人民共和国大气污染防治法》第一百一十七条" in text


HEARING_FORMS = ("hearing_notice", "hearing_record", "hearing_report")


def test_a_heard_case_has_its_hearing_notice_record_and_report_filled_from_the_case(
        client, party, heard_case, closed_case):
    texts = {}
    for form in HEARING_FORMS:
        pdf = _ok(_get(client, party, heard_case, form)).data
        assert pdfa_check.problems(pdf) == [], form
        texts[form] = _a4_text(PdfReader(io.BytesIO(pdf)))
        docx = Document(io.BytesIO(_ok(_get(client, party, heard_case, form, "docx")).data))
        cells = [cell.text for row in docx.tables[0].rows for cell in row.cells]
        assert "李主持" in cells and "浦东新区生态环境局三楼听证室" in cells, (form, cells)
    assert "听证通知书" in texts["hearing_notice"]
    assert "你单位于2021年6月15日对我局2021年6月7日告知的拟对你单位罚款150,000.00元的行政处罚" \
        "提出听证申请" in texts["hearing_notice"]
    assert "定于2021年6月25日在浦东新区生态环境局三楼听证室举行听证" in texts["hearing_notice"]
    assert "有权申请回避" in texts["hearing_notice"]
    assert texts["hearing_notice"].endswith("2021年6月15日")  # dated the day it was given
    assert "听证笔录" in texts["hearing_record"] and "当事人申辩部分采纳" in texts["hearing_record"]
    assert "听证报告" in texts["hearing_report"] and "当事人申辩部分采纳" in texts["hearing_report"]
    for form in HEARING_FORMS:  # a case that was not heard has none of them
        assert _get(client, party, closed_case, form).status_code == 409


def test_the_decision_names_each_acts_fine_and_an_act_it_chose_not_to_fine(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    dust, voc = violation("AIR_DUST"), violation()
    spared = violation("AIR_EXCEED", facts={"harm_minor": True, "harmful_consequence": True,
                                            "corrected_in_time": True})
    assert spared["decision"]["zh"]["decision"] == "may_waive"
    case = _ok(file_case(dust["id"], voc["id"], spared["id"]), 201).get_json()
    case = _ok(step(case, "investigating")).get_json()
    case = _ok(step(_ok(step(case, "legal_review")).get_json(), "notified",
                    review_opinion="同意")).get_json()
    case = _ok(step(case, "decided", fine_fen=case["intended_fen"], rights_waived=True,
                    education={"on": "2021-06-03", "method": "约谈", "content": "首违教育"})
               ).get_json()
    text = _a4_text(PdfReader(io.BytesIO(_ok(_get(client, party, case, "decision")).data)))
    assert "不予行政处罚。依据：《中华人民共和国行政处罚法》第三十三条第一款" in text, text
    for fined in (dust, voc):
        amount = fined["decision"]["zh"]["penalty"]["amount_fen"] // 100
        assert f"的违法行为罚款{amount:,}.00元" in text, (amount, text)


def test_the_notice_and_the_decision_name_the_provision_the_act_violated(
        client, party, closed_case):
    # They named the provision the fine rests on (第一百零八条), never the one violated; the
    # AIR_VOC act's decision names 第四十五条 from waiver item 5, LAW.md's working draft.
    violated = ("上述行为违反了《中华人民共和国大气污染防治法》第四十五条（未经官方文本核实）"
                "的规定。")
    for form in ("notice", "decision"):
        docx = Document(io.BytesIO(_ok(_get(client, party, closed_case, form, "docx")).data))
        assert violated in [p.text for p in docx.paragraphs], form


def test_the_not_penalised_decision_names_the_provision_the_act_violated_as_the_decision_does(
        client, party, violation, file_case, step, frozen):
    # The 不予行政处罚决定书 named the waiver list's item and the rules' reason, never the
    # provision the act violated, which the notice, the decision and the order to correct name.
    case = _waived_and_not_penalised(violation, file_case, step, frozen)
    docx = Document(io.BytesIO(_ok(_get(client, party, case, "not_penalised", "docx")).data))
    paragraphs = [p.text for p in docx.paragraphs]
    violated = ("上述行为违反了《中华人民共和国大气污染防治法》第四十五条（未经官方文本核实）"
                "的规定。")
    assert violated in paragraphs, paragraphs
    assert paragraphs.index(violated) < next(i for i, p in enumerate(paragraphs)
                                             if p.startswith("依据："))


def test_no_document_of_a_fined_case_abbreviates_a_law(client, party, closed_case):
    # The notice and decision read "依据大气法 第108条" and "规则说明：依 大气法 第108条 罚款…"
    for form in FINED_FORMS:
        text = _a4_text(PdfReader(io.BytesIO(_ok(_get(client, party, closed_case, form)).data)))
        assert not re.search(r"(大气法|处罚法) ?第\d", text), (form, text)
        assert "《行政处罚法》" not in text, (form, text)
    text = _a4_text(PdfReader(io.BytesIO(_ok(_get(client, party, closed_case, "decision")).data)))
    assert "依据《中华人民共和国大气污染防治法》第一百零八条" in text, text
    assert "（《中华人民共和国行政处罚法》第七十二条）" in text


def test_a_party_that_moved_district_keeps_its_cases_documents_for_the_old_districts_staff(
        client, login, party, violation, file_case, step, frozen, site_in):
    frozen.on("2021-06-03")
    case = _ok(step(_ok(file_case(violation()["id"]), 201).get_json(),
                    "investigating")).get_json()
    moved = client.patch(f"/api/v1/enterprises/{party['enterprise']['id']}",
                         headers=login("supervisor", "310000"),
                         json={"version": party["enterprise"]["version"], "district": "310101",
                               "site": site_in("310101")})
    assert moved.status_code == 200, moved.get_json()
    reader = PdfReader(io.BytesIO(_ok(_get(client, party, case, "filing_approval")).data))
    assert party["enterprise"]["name"] in _a4_text(reader)


def test_the_filing_approval_names_rule_sets_by_title_even_in_texts_stored_with_ids(
        app, client, party, violation, file_case, frozen):
    # 规则引擎意见 printed "… cn-eco-field-violations@1 …", a decision's text stored with ids
    from server.extensions import db
    from server.fieldwork.models import ViolationDecision

    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201).get_json()
    with app.app_context():
        for stored in db.session.query(ViolationDecision).all():
            result = dict(stored.result)
            result["zh"] = {**result["zh"], "explanation": "依 大气法 第108条 罚款 40,000元；"
                            "适用规则版本：目录 cn-eco-field-violations@1，裁量方法 "
                            "gd-2022-weighted-accumulation@1"}
            stored.result = result
        db.session.commit()
    text = _a4_text(PdfReader(io.BytesIO(_ok(_get(client, party, case, "filing_approval")).data)))
    assert "@1" not in text, text
    assert "目录《生态环境现场执法常见违法行为目录》，裁量方法《加权累加裁量方法" in text, text


def test_a_decision_not_to_penalise_is_served_and_its_receipt_says_how_and_when(
        client, party, violation, file_case, step, frozen):
    # The case went from 不予行政处罚 to 已办结 with no service: its 送达回证 was offered and
    # filed with an empty method and date (处罚法 第61条 wants the decision served).
    case = _waived_and_not_penalised(violation, file_case, step, frozen)
    assert _get(client, party, case, "service_receipt").status_code == 409
    refused = step(case, "closed")
    assert refused.status_code == 409, refused.get_json()
    assert "served" in refused.get_json()["detail"], refused.get_json()
    due = {d["name"]: d for d in case["deadlines"]}
    assert due["service"]["status"] == "open", due  # 处罚法 第61条
    frozen.on("2021-06-04")
    case = _ok(step(case, "served", method="direct", recipient="王经理")).get_json()
    assert case["served_on"] == "2021-06-04" and case["allowed_transitions"] == ["closed"]
    assert step(case, "paid", amount_fen=100).status_code == 409  # nothing to pay
    case = _ok(step(case, "closed")).get_json()
    text = _a4_text(PdfReader(io.BytesIO(_ok(_get(client, party, case,
                                                  "service_receipt")).data)))
    assert "直接送达" in text and "2021年6月4日" in text and "王经理" in text, text
    assert _get(client, party, case, "not_penalised").status_code == 200


def test_the_correction_order_cites_a_fined_act_and_an_act_spared_under_the_waiver_list(
        client, party, violation, file_case, step, frozen):
    # It cited only the fined act's 第一百一十七条: the waived act, not fined, went uncorrected.
    case, waived = decide_with_a_waived_act(violation, file_case, step, frozen)
    pdf = _a4_text(PdfReader(io.BytesIO(_ok(_get(client, party, case,
                                                 "correction_order")).data)))
    docx = "".join(p.text for p in Document(io.BytesIO(_ok(_get(
        client, party, case, "correction_order", "docx")).data)).paragraphs)
    title = waived["decision"]["zh"]["penalty"]["title"]
    for text in (pdf, docx):
        assert "依据《中华人民共和国大气污染防治法》第一百一十七条，责令立即改正" in text, text
        assert f"“{title}”的违法行为，违反了《中华人民共和国大气污染防治法》第四十五条（未经官方" \
            "文本核实）的规定，依据《中华人民共和国大气污染防治法》第一百零八条，责令立即改正" \
            in text, text
        assert f"2021年6月1日“{title}”的违法行为，不予行政处罚，但仍责令改正。" in text, text
        assert "符合《上海市生态环境领域轻微违法行为免罚清单（2020年版）》第5项的全部条件" in text
        assert not re.search(r"(大气法|处罚法) ?第\d", text), text


def test_the_correction_order_gives_the_deadline_the_waiver_decision_carries(
        client, party, violation, file_case, frozen):
    frozen.on("2021-06-04")
    dust = violation("AIR_DUST", facts={"harmful_consequence": False,
                                        "corrected_on": "2021-06-04"})
    waiver = dust["decision"]["zh"]["waiver"]
    assert (dust["decision"]["zh"]["decision"], waiver["deadline"]) == ("waived", "2021-06-08")
    case = _ok(file_case(dust["id"]), 201).get_json()
    docx = "".join(p.text for p in Document(io.BytesIO(_ok(_get(
        client, party, case, "correction_order", "docx")).data)).paragraphs)
    assert "依据《中华人民共和国大气污染防治法》第一百一十七条，" \
        "现责令你单位于2021年6月8日（含当日）之前改正上述违法行为。" in docx, docx
    assert "符合《上海市生态环境领域轻微违法行为免罚清单（2020年版）》第4项的全部条件" in docx, docx


def _approval_rows(client, party, case) -> dict[str, str]:
    document = Document(io.BytesIO(_ok(_get(client, party, case, "filing_approval",
                                            "docx")).data))
    return {row.cells[0].text: row.cells[-1].text for row in document.tables[0].rows}


def test_the_filing_approval_states_the_periods_begun_by_the_filing_day_and_no_later_one(
        client, party, violation, file_case, frozen):
    # 立案审批表 printed while a testing period was open said nothing of it; then it listed
    # every period, though a form signed on the filing day cannot record what came later.
    frozen.on("2021-06-03")
    case = _ok(file_case(violation()["id"]), 201).get_json()
    assert "不计入办案期限的期间" not in _approval_rows(client, party, case)
    case = _ok(client.post(f"/api/v1/cases/{case['id']}/suspensions", headers=party["legal"],
                           json={"version": case["version"], "kind": "testing",
                                 "start": "2021-06-03", "reason": "废气送检"})).get_json()
    opened = "检测：自2021年6月3日起，尚未结束"
    assert _approval_rows(client, party, case)["不计入办案期限的期间"] == opened
    frozen.on("2021-06-12")
    case = _ok(client.post(f"/api/v1/cases/{case['id']}/suspensions/end",
                           headers=party["legal"],
                           json={"version": case["version"], "end": "2021-06-11"})).get_json()
    case = _ok(client.post(f"/api/v1/cases/{case['id']}/suspensions", headers=party["legal"],
                           json={"version": case["version"], "kind": "appraisal",
                                 "start": "2021-06-12", "reason": "鉴定"})).get_json()
    assert [p["start"] for p in case["suspensions"]] == ["2021-06-03", "2021-06-12"]
    assert _approval_rows(client, party, case)["不计入办案期限的期间"] == opened


def test_a_time_barred_case_not_penalised_cites_article_36_and_claims_no_education(
        client, party, violation, file_case, step, frozen):
    # 处罚法 第36条: found over two years after the act. Its 不予行政处罚决定书 read "依据：—。" and
    # "教育情况：—，以—方式进行教育：—": an education 第33条第3款 asks only of a waived party.
    frozen.on("2021-06-02")
    barred = violation(occurred_on="2019-03-01")
    assert barred["decision"]["zh"]["decision"] == "time_barred"
    case = _ok(step(_ok(file_case(barred["id"]), 201).get_json(), "not_penalised")).get_json()
    text = _a4_text(PdfReader(io.BytesIO(_ok(_get(client, party, case, "not_penalised")).data)))
    assert "依据：《中华人民共和国行政处罚法》第三十六条" in text, text
    assert "依据：—" not in text and "教育" not in text, text
