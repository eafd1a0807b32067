"""PURE: the standard case documents (MEE 2016 form guide) filled from a case's data.

Each form is a `Doc`: a title, a number, rows (for the 表 forms) and paragraphs (for the 书
forms), and signature lines. The renderers (server.cases.render) set it as PDF and DOCX.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from server.cases import hearing_forms as hearing
from server.cases import inquiry_signers, renotice
from server.cases.act_texts import (
    GENERAL_PROVISIONS,
    act_fines,
    act_titles,
    acts_of,
    basis,
    correct_by,
    not_fined,
    served_reason,
    violated_lines,
    violated_text,
)
from server.cases.doc import (
    Doc,
    clause,
    day_text,
    evidence_lines,
    facts_text,
    minute_text,
    mitigated,
    officers_text,
    party_named,
    party_rows,
    periods_on,
    periods_rows,
    sentence,
    you,
    yuan_text,
)
from server.cases.notice_form import earlier_notice, earlier_notices, notice
from server.cases.procedure import DECIDED
from server.rules.text import cite_in_full as in_full


def filing_approval(data: Mapping[str, Any]) -> Doc:
    """立案审批表, signed on the filing day: with the periods not counted in the decision
    deadline begun by then, as they stood that day (the 结案审批表 states them all)."""
    case = data["case"]
    return Doc("filing_approval", "立案审批表", case["filing_number"], rows=tuple(
        [*party_rows(data), ("案件来源", "现场检查"),
         ("发现日期", day_text(case["discovered_on"])),
         ("立案日期", day_text(case["filed_on"])), ("违法事实", facts_text(data)),
         ("拟适用依据", basis(data)), ("规则引擎意见", in_full(data["explanation"])),
         ("承办人", data["officer_names"]),
         *periods_rows(periods_on(case["suspensions"], case["filed_on"])),
         ("审批意见", "")]),
        signatures=("承办人", "审核人", "负责人"), authority=data["authority"])


ANSWERS = {"yes": "是", "no": "否", "na": "不适用"}
SIGNER_ROLES = {"officer": "执法人员", "party": "当事人", "witness": "见证人"}
INQUIRY_ROLES = {"inquirer": "询问人", "recorder": "记录人", "interviewee": "被询问人"}


def _signed(signature: Mapping[str, Any], roles: Mapping[str, str] = SIGNER_ROLES) -> str:
    """One signature of the record: signed (with its image's digest) or refused."""
    if signature.get("refused"):
        return f"{signature['signer']} 拒绝签字：{signature.get('refusal_reason') or '—'}"
    role = roles.get(signature.get("role") or "", signature.get("role") or "")
    digest = signature.get("evidence_sha256")
    return (f"{role} {signature['signer']} 已电子签名"
            + (f"（签名图像 SHA-256 {digest[:16]}…）" if digest else ""))


def _inspection(data: Mapping[str, Any], record: Mapping[str, Any], number: str | None) -> Doc:
    rows = [("检查时间", f"{minute_text(record.get('started_at'))}至"
                         f"{minute_text(record.get('ended_at'))}"),
            ("检查地点", data["party"]["address"]), *party_named(data),
            ("执法人员及证号", officers_text(record["officers"]) if record.get("officers")
             else data["officer_names"]),
            ("在场人员", "、".join(p["name"] for p in record.get("people_present", [])) or "—"),
            ("检查情况", record.get("findings") or "—")]
    rows += [(f"检查项 {c['item']}",
              f"{ANSWERS.get(c['answer'], c['answer'])} {c.get('note') or ''}".strip())
             for c in record.get("checklist", [])]
    return Doc("inspection_record", "现场检查（勘察）笔录", number, rows=tuple(rows),
               paragraphs=tuple(_signed(s) for s in record.get("signatures", [])),
               signatures=("执法人员", "当事人", "见证人"),
               authority=data["authority"])


def inspection_records(data: Mapping[str, Any]) -> list[Doc]:
    """现场检查(勘察)笔录, one per inspection whose violations the case cites, in date order."""
    records = data["inspections"] or [{}]
    return [_inspection(data, record, f"第{i}次检查" if len(records) > 1 else None)
            for i, record in enumerate(records, start=1)]


def inspection_record(data: Mapping[str, Any]) -> Doc:
    """现场检查(勘察)笔录: the earliest inspection the case cites."""
    return inspection_records(data)[0]


ID_TYPES = {"resident_id": "居民身份证", "passport": "护照",
            "hk_macao_permit": "港澳居民来往内地通行证",
            "taiwan_permit": "台湾居民来往大陆通行证", "other": "其他证件"}
ADOPTED = {"accepted": "予以采纳", "partly": "部分采纳", "rejected": "不予采纳"}


def _blank_inquiry(data: Mapping[str, Any]) -> Doc:
    rows = [("询问时间", "　年　月　日　时　分至　时　分"), ("询问地点", ""),
            *party_named(data), ("询问人及证号", data["officer_names"]), ("记录人", ""),
            ("被询问人", ""), ("案由", facts_text(data))]
    questions = ("我们是生态环境局执法人员，现依法向你进行调查询问，你有如实回答的义务，"
                 "也有陈述和申辩的权利。你是否申请回避？",
                 "问：", "答：", "问：", "答：", "以上笔录经本人核对，与所述一致。")
    return Doc("inquiry_record", "调查询问笔录", None, rows=tuple(rows), paragraphs=questions,
               signatures=("询问人", "记录人", "被询问人"), authority=data["authority"])


def _filled_inquiry(data: Mapping[str, Any], record: Mapping[str, Any]) -> Doc:
    person = record["interviewee"]
    rows = [("询问时间", f"{minute_text(record['started_at'])}至{minute_text(record['ended_at'])}"),
            ("询问地点", record["place"]), *party_named(data),
            ("询问人及证号", "、".join(f"{o['name']}（{o['certificate_no']}）"
                                    for o in record["officers"])),
            ("记录人", record["recorder"]["name"]),
            ("被询问人", f"{person['name']}，{person['relation']}"),
            ("身份证件", f"{ID_TYPES.get(person['id_type'], person['id_type'])} "
                         f"{person['id_number']}"),
            ("联系电话", person.get("phone") or "—"), ("案由", facts_text(data))]
    paragraphs = [line for qa in record["qa"] for line in (f"问：{qa['q']}", f"答：{qa['a']}")]
    signature = record["signature"]
    paragraphs.append(f"被询问人拒绝签字，理由：{sentence(signature.get('refusal_reason') or '—')}"
                      "（执法人员在笔录上注明）" if signature.get("refused")
                      else f"被询问人已核对笔录并签名（签名图像 SHA-256 "
                           f"{signature['evidence_sha256'][:16]}…）。")
    paragraphs += [_signed(line, INQUIRY_ROLES) if line["evidence_sha256"]
                   else f"{INQUIRY_ROLES[line['role']]} {line['signer']} 未记录签名"
                        "（本笔录记录时未保存询问人、记录人的签名）"
                   for line in inquiry_signers.lines(record)]
    return Doc("inquiry_record", "调查询问笔录", f"第{record['seq']}次询问",
               rows=tuple(rows), paragraphs=tuple(paragraphs),
               signatures=("询问人", "记录人", "被询问人"), authority=data["authority"])


def inquiry_records(data: Mapping[str, Any]) -> list[Doc]:
    """调查询问笔录, one per inquiry recorded; the blank form when none is recorded yet."""
    recorded = data.get("inquiries") or []
    return [_filled_inquiry(data, r) for r in recorded] or [_blank_inquiry(data)]


def inquiry_record(data: Mapping[str, Any]) -> Doc:
    """调查询问笔录: the latest inquiry recorded (or the blank form)."""
    return inquiry_records(data)[-1]


def _correct(data: Mapping[str, Any], act: int | None) -> str:
    """立即改正, or by the deadline the act's waiver decision carries."""
    deadline = correct_by(data, act) if act is not None else None
    return f"于{day_text(deadline)}（含当日）之前改正" if deadline else "立即改正"


def _ordered(data: Mapping[str, Any]) -> list[str]:
    """The order to correct every act of the case, each on its provision."""
    acts = sorted(acts_of(data))
    said = {act: violated_text(data, act) for act in acts}
    if len(acts) <= 1:
        text = said[acts[0]] if acts else None
        return [f"上述行为违反了{f'{text}的规定' if text else GENERAL_PROVISIONS}，"
                f"依据{basis(data, acts)}，"
                f"现责令{you(data)}{_correct(data, acts[0] if acts else None)}上述违法行为。"]
    return [f"{'' if all(said.values()) else f'上述行为违反了{GENERAL_PROVISIONS}，'}"
            f"现责令{you(data)}改正下列违法行为：",
            *(f"{act_titles(data, act)}的违法行为，"
              f"{f'违反了{said[act]}的规定，' if said[act] else ''}依据{basis(data, [act])}，"
              f"责令{_correct(data, act)}。" for act in acts)]


def correction_order(data: Mapping[str, Any]) -> Doc:
    """责令改正违法行为决定书: every act found unlawful is ordered corrected, the acts not fined
    too (with the ground and reason they are not penalised)."""
    party = data["party"]["name"]
    return Doc("correction_order", "责令改正违法行为决定书", data["case"]["filing_number"],
               rows=tuple(party_rows(data)), paragraphs=(
                   f"{party}：",
                   f"经查，{you(data)}存在以下环境违法行为：{sentence(facts_text(data))}",
                   *_ordered(data), *not_fined(data, verdict="不予行政处罚，但仍责令改正"),
                   "如不服本决定，可在收到本决定书之日起六十日内申请行政复议，"
                   "或者在六个月内向人民法院提起行政诉讼。"),
               signatures=(data["authority"],), authority=data["authority"])


def _each_act(data: Mapping[str, Any]) -> str:
    """The fine of each act when several are fined (处罚法 第29条: one fine per act)."""
    fined = act_fines(data) or {}
    if len(fined) < 2:
        return ""
    parts = [f"{act_titles(data, act)}的违法行为罚款{yuan_text(fen)}"
             for act, fen in sorted(fined.items())]
    return f"（其中{'；'.join(parts)}）"


def _educated(step: Mapping[str, Any]) -> list[str]:
    """The education of a party not penalised for an act (处罚法 第33条第3款), when recorded."""
    education = step.get("education")
    if not education:
        return []
    person = f"对{education['educated_person']}" if education.get("educated_person") else ""
    return [f"教育情况：{day_text(education['on'])}，以{education['method']}方式{person}进行"
            f"教育：{clause(education['content'])}（《中华人民共和国行政处罚法》第三十三条第三款）。"]


def _answering(data: Mapping[str, Any], heard: Mapping[str, Any]) -> str:
    """Which notice a statement answered (针对第n次告知（its day）), when the case was notified
    more than once (重新告知); nothing when once, or when the statement names none."""
    days = [n.get("on") for n in renotice.notices(data["case"]["steps"])]
    seq = heard.get("notice")
    if len(days) < 2 or not isinstance(seq, int) or not 1 <= seq <= len(days):
        return ""
    return f"针对第{seq}次告知（{day_text(days[seq - 1])}）"


def decision(data: Mapping[str, Any]) -> Doc:
    """行政处罚决定书."""
    case = data["case"]
    steps = case["steps"].get("decided", {})
    paragraphs = [f"{data['party']['name']}：", f"经查，{you(data)}：{sentence(facts_text(data))}",
                  "以上事实有下列证据为证：", *(evidence_lines(data) or ["现场检查笔录"]),
                  *violated_lines(data)]
    if steps.get("statements"):
        paragraphs.append(f"{you(data)}陈述、申辩意见：{sentence(steps['statements'])}")
    for heard in data.get("statements") or []:
        paragraphs.append(f"{day_text(heard['received_on'])}，{heard['made_by']}"
                          f"{_answering(data, heard)}"
                          f"{'书面' if heard['form'] == 'written' else '口头'}陈述、申辩："
                          f"{sentence(heard['content'])}经复核，{ADOPTED[heard['adopted']]}，"
                          f"理由：{sentence(heard['reasoning'])}")
    if steps.get("hearing_record"):
        paragraphs.append(f"听证意见：{sentence(steps['hearing_record'])}")
    spared = not_fined(data)
    paragraphs += [*spared, *_educated(steps), *mitigated(steps)]
    paragraphs += [f"{'对上述其余违法行为，' if spared else ''}依据{basis(data)}，"
                   f"我局决定对{you(data)}处以罚款{yuan_text(case['fine_fen'])}{_each_act(data)}。",
                   "请于收到本决定书之日起十五日内缴纳罚款；到期不缴纳的，每日按罚款数额的百分之三"
                   "加处罚款，加处罚款的数额不超出罚款的数额（《中华人民共和国行政处罚法》第七十二条）。",
                   "如不服本决定，可在收到本决定书之日起六十日内申请行政复议，"
                   "或者在六个月内向人民法院提起行政诉讼。"]
    return Doc("decision", "行政处罚决定书", case["decision_number"],
               rows=tuple(party_rows(data)), paragraphs=tuple(paragraphs),
               signatures=(data["authority"], day_text(case["decided_on"])),
               authority=data["authority"])


def _own_reason(reason: str | None) -> str:
    """The bureau's own reason for not penalising, in brackets after its decision."""
    reason = clause(reason or "").rstrip("，,").rstrip()
    return f"（{reason}）" if reason else ""


def not_penalised(data: Mapping[str, Any]) -> Doc:
    """不予行政处罚决定书: the provisions each act violated (as the decision names them), the
    ground not to penalise, and the education given (处罚法 Art. 33 ¶3)."""
    case = data["case"]
    step = case["steps"].get("not_penalised", {})
    education = step.get("education")  # none when no act needed it (time-barred, 第36条)
    educated = [f"教育情况：{day_text(education.get('on'))}，"
                f"以{education.get('method', '—')}方式进行教育："
                f"{sentence(education.get('content', '—'))}"] if education else []
    return Doc("not_penalised", "不予行政处罚决定书", case["decision_number"],
               rows=tuple(party_rows(data)),
               paragraphs=(f"{data['party']['name']}：",
                           f"经查，{you(data)}：{sentence(facts_text(data))}",
                           *violated_lines(data), f"依据：{in_full(data['waiver_basis'])}。"
                           f"理由：{in_full(served_reason(data['explanation'])).rstrip('。')}。",
                           f"我局决定对{you(data)}不予行政处罚{_own_reason(step.get('reason'))}。",
                           *educated,
                           "如不服本决定，可在收到本决定书之日起六十日内申请行政复议，"
                           "或者在六个月内向人民法院提起行政诉讼。"),
               signatures=(data["authority"], day_text(case["decided_on"])),
               authority=data["authority"])


def service_receipt(data: Mapping[str, Any]) -> Doc:
    """送达回证."""
    case = data["case"]
    served = case["steps"].get("served", {})
    methods = {"direct": "直接送达", "left_at_domicile": "留置送达", "post": "邮寄送达",
               "electronic": "电子送达", "announcement": "公告送达"}
    return Doc("service_receipt", "送达回证", case["decision_number"], rows=(
        ("送达文书", f"{'不予行政处罚决定书' if case['fine_fen'] is None else '行政处罚决定书'} "
                     f"{case['decision_number'] or ''}"),
        ("受送达人", data["party"]["name"]), ("送达地点", data["party"]["address"]),
        ("送达方式", methods.get(served.get("method"), "—")),
        ("送达日期", day_text(case["served_on"])), ("签收人", served.get("recipient") or ""),
        ("送达人", data["officer_names"]), ("备注", "")),
        signatures=("受送达人", "送达人"), authority=data["authority"])


def closing_approval(data: Mapping[str, Any]) -> Doc:
    """结案审批表, with the periods not counted in the decision deadline."""
    case = data["case"]
    paid = case["steps"].get("paid", {})
    return Doc("closing_approval", "结案审批表", case["filing_number"], rows=tuple(
        [*party_named(data), ("立案编号", case["filing_number"]),
         ("决定书文号", case["decision_number"] or "—"),
         ("处罚结果", yuan_text(case["fine_fen"]) if case["fine_fen"] else "不予行政处罚"),
         ("缴款情况", f"{day_text(case['paid_on'])} 缴纳{yuan_text(case['paid_fen'])}"
          f"（含加处罚款{yuan_text(paid.get('surcharge_fen', 0))}）" if case["paid_on"] else "—"),
         ("结案日期", day_text(case["closed_on"])), *periods_rows(case["suspensions"]),
         ("审批意见", "")]),
        signatures=("承办人", "审核人", "负责人"), authority=data["authority"])


# form -> (builder, states from which the document exists)
AFTER_NOTICE = ("notified", "hearing", *DECIDED)
HEARD = ("hearing", *DECIDED)
HEARING_FORMS = ("hearing_notice", "hearing_record", "hearing_report")  # heard cases only
FORMS: dict[str, tuple[Callable[[Mapping[str, Any]], Doc], tuple[str, ...] | None]] = {
    "filing_approval": (filing_approval, None),
    "inspection_record": (inspection_record, None),
    "inquiry_record": (inquiry_record, None),
    "correction_order": (correction_order, None),
    "notice": (notice, AFTER_NOTICE),
    "earlier_notice": (earlier_notice, AFTER_NOTICE),  # a notice replaced by a re-notice
    "hearing_notice": (hearing.hearing_notice, HEARD),
    "hearing_record": (hearing.hearing_record, HEARD),
    "hearing_report": (hearing.hearing_report, HEARD),
    # the 听证报告 of hearings that lapsed with the notice they were asked for under
    "earlier_hearing_report": (hearing.lapsed_report, AFTER_NOTICE),
    "decision": (decision, ("decided", "served", "paid", "enforced", "closed", "archived")),
    "not_penalised": (not_penalised, ("not_penalised", "served", "closed", "archived")),
    "service_receipt": (service_receipt, ("served", "paid", "enforced", "closed", "archived")),
    "closing_approval": (closing_approval, ("closed", "archived")),
}


# forms kept one per record: the case file holds every one of them
MANY: dict[str, Callable[[Mapping[str, Any]], list[Doc]]] = {
    "inspection_record": inspection_records, "inquiry_record": inquiry_records,
    "earlier_notice": earlier_notices, "earlier_hearing_report": hearing.lapsed_reports}


def documents(form: str, data: Mapping[str, Any]) -> list[Doc]:
    """The form's documents for the case: one per record for the 笔录, else the one form."""
    return MANY[form](data) if form in MANY else [FORMS[form][0](data)]


def contents(form: str, data: Mapping[str, Any]) -> list[str]:
    """What the form's case-file member holds, one document a line (title · number), when it
    holds documents of another kind too (an earlier notice, then the 听证通知书 and 听证笔录 of
    the hearing that lapsed with it); nothing when all are of the form's kind."""
    docs = documents(form, data)
    if all(doc.form == form for doc in docs):
        return []
    return [f"{doc.title} · {doc.number}" if doc.number else doc.title for doc in docs]


def filed(form: str, state: str, data: Mapping[str, Any]) -> bool:
    """Whether the case file holds the form: one available that records something made (the
    blank 调查询问笔录, printed to take to an inquiry, is not filed when none was recorded)."""
    if form == "inquiry_record" and not data.get("inquiries"):
        return False
    return available(form, state, data)


def available(form: str, state: str, data: Mapping[str, Any]) -> bool:
    """Whether the case has reached the step the form records."""
    states = FORMS[form][1]
    if form == "decision" and data["case"]["fine_fen"] is None:
        return False
    if form == "not_penalised" and data["case"]["fine_fen"] is not None:
        return False
    if form == "notice" and data["case"]["notice_on"] is None:
        return False  # not penalised without a notice: there is none to print or file
    if form == "earlier_notice" and not renotice.earlier_notices(data["case"]["steps"]):
        return False  # the case was notified once: no notice was replaced
    if form == "earlier_hearing_report" and not hearing.lapsed(data):
        return False  # no hearing was asked for under a notice a re-notice replaced
    if form in HEARING_FORMS and not hearing.heard(data):
        return False
    return states is None or state in states
