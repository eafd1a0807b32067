"""A natural person (个人) as a case's party: its documents address them as 你, not 你单位,
and print neither of an organisation's rows (统一社会信用代码, 法定代表人/负责人)."""

from __future__ import annotations

import io

import pytest
from docx import Document
from pypdf import PdfReader

from tests.api.cases.conftest import WAIVABLE, hear
from tests.api.cases.walking import answer

ORGANISATION_WORDS = ("你单位", "统一社会信用代码", "法定代表人")
SERVED_FORMS = ("filing_approval", "inspection_record", "inquiry_record", "correction_order",
                "notice", "decision", "service_receipt", "closing_approval")


def _text(client, party, case, form: str) -> str:
    """The DOCX's paragraphs and table cells, joined."""
    response = client.get(f"/api/v1/cases/{case['id']}/documents/{form}?format=docx",
                          headers=party["legal"])
    assert response.status_code == 200, (form, response.get_json())
    document = Document(io.BytesIO(response.data))
    cells = (c.text for t in document.tables for r in t.rows for c in r.cells)
    return "".join([*(p.text for p in document.paragraphs), *cells])


def _no_organisation_words(text: str, form: str) -> None:
    for word in ORGANISATION_WORDS:
        assert word not in text, (form, word, text)


@pytest.fixture
def closed_individual(party, violation, file_case, step, frozen):
    """A fined case against an individual, walked to closed."""
    frozen.on("2021-06-03")
    case = answer(file_case(violation(party_type="individual")["id"]), 201)
    assert case["party_type"] == "individual"
    case = answer(step(case, "investigating"))
    case = answer(step(case, "legal_review"))  # an individual's 35,000 yuan: a hearing right
    case = answer(step(case, "notified", intended_fen=3_500_000, review_opinion="事实清楚，同意"))
    case = answer(step(case, "decided", fine_fen=3_500_000, rights_waived=True,
                       statements="已立即整改"))
    case = answer(step(case, "served", method="direct", recipient="本人"))
    case = answer(step(case, "paid", amount_fen=3_500_000))
    return answer(step(case, "closed"))


def test_an_individuals_notice_and_decision_say_you_and_print_no_organisation_rows(
        client, party, closed_individual):
    notice = _text(client, party, closed_individual, "notice")
    decision = _text(client, party, closed_individual, "decision")
    for form, text in (("notice", notice), ("decision", decision)):
        _no_organisation_words(text, form)
        assert "经查，你：" in text, (form, text)
        assert party["enterprise"]["name"] in text and party["enterprise"]["address"] in text
    assert "我局拟对你作出罚款35,000.00元的行政处罚。" in notice, notice
    assert "你有权在收到本告知书之日起五个工作日内" in notice, notice
    assert "我局决定对你处以罚款35,000.00元" in decision, decision
    assert "你陈述、申辩意见：已立即整改。" in decision, decision


def test_no_document_served_or_filed_on_an_individual_prints_an_organisations_rows(
        client, party, closed_individual):
    for form in SERVED_FORMS:
        _no_organisation_words(_text(client, party, closed_individual, form), form)
    pdf = client.get(f"/api/v1/cases/{closed_individual['id']}/documents/decision?format=pdf",
                     headers=party["legal"])
    assert pdf.status_code == 200, pdf.get_json()
    printed = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    _no_organisation_words(printed, "decision.pdf")
    assert "我局决定对你处以罚款" in printed.replace("\n", ""), printed
    order = _text(client, party, closed_individual, "correction_order")
    assert "经查，你存在以下环境违法行为：" in order and "现责令你立即改正" in order, order


def test_an_individual_not_penalised_is_told_so_as_you(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-02")
    case = answer(file_case(violation(facts=WAIVABLE, party_type="individual")["id"]), 201)
    case = answer(step(case, "not_penalised", education={
        "on": "2021-06-02", "method": "约谈", "content": "讲解管控要求"}))
    text = _text(client, party, case, "not_penalised")
    _no_organisation_words(text, "not_penalised")
    assert "经查，你：" in text and "我局决定对你不予行政处罚" in text, text


def test_an_individuals_hearing_notice_record_and_report_say_you(
        client, party, violation, file_case, step, frozen):
    case = hear(violation(party_type="individual")["id"], file_case, step, frozen,
                3_500_000, 3_000_000)
    for form in ("hearing_notice", "hearing_record", "hearing_report"):
        _no_organisation_words(_text(client, party, case, form), form)
    notice = _text(client, party, case, "hearing_notice")
    assert "你于2021年6月" in notice and "拟对你罚款35,000.00元" in notice, notice
    assert "你认为主持人与本案有直接利害关系的" in notice, notice


def test_an_organisations_decision_still_says_your_unit_and_prints_its_credit_code(
        client, party, violation, file_case, step, frozen):
    frozen.on("2021-06-03")
    case = answer(file_case(violation()["id"]), 201)
    case = answer(step(case, "investigating"))
    case = answer(step(case, "notified", intended_fen=3_500_000))
    case = answer(step(case, "decided", fine_fen=3_500_000, rights_waived=True))
    text = _text(client, party, case, "decision")
    assert "决定对你单位处以罚款" in text and party["enterprise"]["credit_code"] in text
