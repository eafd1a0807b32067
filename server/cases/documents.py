"""Use case: a case's standard documents, filled from the case, the rules and the evidence."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from server.auth import service as auth
from server.auth.policy import Actor
from server.cases import doc, forms, procedure, refusals, render, service
from server.cases import records as case_records
from server.cases.act_texts import spared_basis
from server.cases.models import Case
from server.clock import SHANGHAI
from server.disposition import file_names
from server.errors import Conflict, NotFound, ServiceUnavailable
from server.evidence.service import evidence_facts
from server.extensions import db
from server.fieldwork import inspections, violations
from server.registry import service as registry
from server.registry.models import District
from server.rules.text import name_rule_sets
from server.rulesets import service as rulesets

FORMATS = {"pdf": "application/pdf",
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def authority_name(district: str) -> str:
    """The issuing bureau: 上海市浦东新区生态环境局, or 上海市生态环境局 for the city."""
    name = db.session.scalar(select(District.name).where(District.code == district))
    return f"上海市{name}生态环境局" if name else "上海市生态环境局"


def _local(value) -> str | None:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else None


def case_values(case: Case) -> dict[str, Any]:
    """The case's own columns, as the forms read them."""
    return {c.name: getattr(case, c.name) for c in Case.__table__.columns}


def document_data(actor: Actor, case: Case) -> dict[str, Any]:
    """Everything the forms read, gathered through each context's services."""
    party = registry.party_of(case.enterprise_id)  # of a case its callers read in scope
    found, seen, records, explanations = [], set(), [], []
    names = rulesets.rule_set_names("zh")  # stored texts may name rule sets by ref
    cited: dict[str, dict[str, Any]] = {}  # sha256 → what it proves, the records' checks
    for link in service.case_links(case):
        violation = violations.get_violation(actor, link.violation_id)
        decision = violations.latest_decision(violation.id)
        zh = (decision.result.get("zh") or {}) if decision else {}
        explanation = name_rule_sets(zh.get("explanation") or "", names, "zh")
        explanations.append(explanation)
        waiver = zh.get("waiver") or {}
        found.append({"code": violation.code, "occurred_on": violation.occurred_on.isoformat(),
                      "title": (zh.get("penalty") or {}).get("title"),
                      "description": violation.description, "act": link.act,
                      "outcome": link.outcome, "basis": link.basis,
                      "explanation": explanation or None,
                      "waiver_basis": waiver.get("basis") or [],
                      "correction_deadline": waiver.get("deadline"),
                      "limitation_basis": (zh.get("limitation") or {}).get("basis"),
                      "violated": [{"article": p.article, "verified": p.verified} for p in
                                   rulesets.violated_provisions(zh, violation.code)]})
        for check in violations.evidence_report(violation):
            one = cited.setdefault(check["sha256"], {"proves": [], "flags": set()})
            one["proves"].append(f"{violation.description or '—'}（{violation.code}"
                                 f"{' ' + found[-1]['title'] if found[-1]['title'] else ''}）")
            one["flags"].update(check["flags"])
        if violation.inspection_id not in seen:
            seen.add(violation.inspection_id)
            record = inspections.get_inspection(actor, violation.inspection_id)
            records.append({"started_at": _local(record.started_at),
                            "ended_at": _local(record.ended_at), "officers": record.officers,
                            "people_present": record.people_present,
                            "checklist": record.checklist, "findings": record.findings,
                            "signatures": record.signatures})
    evidence = evidence_list(cited, case.district)
    officers = records[0]["officers"] if records else []  # of the first violation cited
    records.sort(key=lambda r: r["started_at"])  # local "YYYY-MM-DD HH:MM": date order
    return {"case": case_values(case),
            "party": {"name": party.name, "credit_code": party.credit_code,
                      "address": party.address,
                      "representative": next((c.get("name") for c in party.contacts or []
                                              if "法定代表人" in (c.get("role") or "")), None)},
            "violations": found, "inspections": records, "evidence": evidence,
            "explanation": "；".join(e for e in explanations if e) or "—",
            # what a decision not to penalise rests on: 第36条 for an act found too late
            "waiver_basis": "、".join(dict.fromkeys(b for m in found for b in spared_basis(m)))
            or "—",
            "officer_names": doc.officers_text(officers),
            "authority": authority_name(case.district),
            "hearing_offered": procedure.hearing_offered(case.intended_fen,
                                                         service.hearing(case)),
            "inquiries": [{"seq": r.seq, "interviewee": r.interviewee, "place": r.place,
                           "started_at": _local(r.started_at), "ended_at": _local(r.ended_at),
                           "officers": r.officers, "recorder": r.recorder, "qa": r.qa,
                           "signature": r.signature, "officer_signatures": r.officer_signatures,
                           "recorder_signature": r.recorder_signature}
                          for r in case_records.inquiries(case)],
            "statements": [{"received_on": s.received_on.isoformat(), "form": s.form,
                            "made_by": s.made_by, "content": s.content, "adopted": s.adopted,
                            "reasoning": s.reasoning, "notice": s.notice}
                           for s in case_records.statements(case)]}


def evidence_list(cited: dict[str, dict[str, Any]], district: str) -> list[dict[str, Any]]:
    """The evidence the case's district holds, in citation order, with what the case file
    states of each (LAW.md §6): time, place (WGS-84), maker, method, what it proves, and the
    records' check flags."""
    facts = evidence_facts(cited, district)
    makers = auth.display_names({f.uploaded_by for f in facts.values()})
    items = []
    for sha256, citing in cited.items():
        fact = facts.get(sha256)
        if fact is None:
            continue
        device = " ".join(dict.fromkeys(p for p in (fact.make, fact.model) if p))
        items.append({
            "sha256": sha256, "kind": fact.kind, "captured_at": _local(fact.captured_at),
            "captured_at_iso": fact.captured_at.astimezone(SHANGHAI).isoformat()
            if fact.captured_at else None,
            "place": f"{fact.lat:.6f},{fact.lon:.6f}" if fact.lat is not None else "—",
            "position": {"lat": fact.lat, "lon": fact.lon, "alt": fact.alt, "crs": "WGS-84"}
            if fact.lat is not None else None,
            "maker": f"{makers.get(fact.uploaded_by, '—')}（上传设备 {fact.device_id or '—'}）",
            "method": f"{doc.KINDS.get(fact.kind, fact.kind)}"
                      f"（{device or '拍摄设备未记录'}）",
            "proves": list(dict.fromkeys(citing["proves"])), "flags": sorted(citing["flags"])})
    return items


def build_all(actor: Actor, case_id: uuid.UUID, form: str) -> list[forms.Doc]:
    """The form's documents (one per record for the 笔录), once the case reached its step."""
    if form not in forms.FORMS:
        raise NotFound(**refusals.said("document.unknown",
                                       {"form": form, "forms": list(forms.FORMS)}))
    case = service.get_case(actor, case_id)
    data = document_data(actor, case)
    if not forms.available(form, case.state, data):
        raise Conflict(**refusals.said("document.not_reached",
                                       {"state": case.state, "document": form}))
    return forms.documents(form, data)


def render_document(actor: Actor, case_id: uuid.UUID, form: str, fmt: str) -> tuple[bytes, str]:
    """The document as PDF or DOCX bytes, and its Content-Disposition file names: the title
    and number a clerk reads (立案审批表_沪0115环立〔2026〕1号.pdf), with an ASCII fallback."""
    docs = build_all(actor, case_id, form)
    try:
        data = render.to_pdf(docs) if fmt == "pdf" else render.to_docx(docs)
    except render.FontMissing as error:
        raise ServiceUnavailable("The CJK font for PDF documents is not installed "
                                 "(fonts-wqy-microhei; see README).") from error
    title = f"{docs[0].title}_{docs[0].number or case_id}.{fmt}"
    return data, file_names(title, f"{form}_{case_id}.{fmt}")
