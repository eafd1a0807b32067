"""Filing a penalty case (立案): its gap-free numbers, its violations grouped into acts, and
the fine the rules propose for each act."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server import clock
from server.audit import service as audit
from server.auth.policy import Actor, authorize
from server.cases import deadlines as dl
from server.cases import service
from server.cases.models import Case, CaseCounter, CaseViolation
from server.cases.numbering import Series, authority_code, format_number
from server.cases.refusals import refused
from server.db_types import json_safe
from server.errors import Conflict, ValidationFailed
from server.extensions import db
from server.fieldwork import inspections, violations
from server.fieldwork.models import ViolationDecision
from server.messages import Message
from server.uow import unit_of_work


def issue_number(series: Series, authority: str, year: int) -> int:
    """The next number of a series, gap-free: the counter row stays locked until commit."""
    session = db.session
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(CaseCounter).values(series=series, authority=authority, year=year,
                                                last=0).on_conflict_do_nothing())
    return session.execute(
        update(CaseCounter).where(CaseCounter.series == series,
                                  CaseCounter.authority == authority, CaseCounter.year == year)
        .values(last=CaseCounter.last + 1).returning(CaseCounter.last)).scalar_one()


def _acts(ids: list[uuid.UUID], groups: list[list[uuid.UUID]]) -> dict[uuid.UUID, int]:
    """Act number per violation: declared groups are one act each (处罚法 Art. 29)."""
    act_of: dict[uuid.UUID, int] = {}
    for number, group in enumerate(groups, start=1):
        for vid in group:
            if vid not in ids or vid in act_of:
                raise refused(ValidationFailed, Message("filing.grouped"), {
                    "same_act": Message("filing_field.grouped", {"violation": str(vid)})})
            act_of[vid] = number
    number = len(groups)
    for vid in ids:
        if vid not in act_of:
            number += 1
            act_of[vid] = number
    return act_of


def _link(case: Case, violation, act: int) -> CaseViolation:
    return CaseViolation(case_id=case.id, violation_id=violation.id, act=act,
                         code=violation.code,
                         **link_fields(violations.latest_decision(violation.id)))


def link_fields(decision: ViolationDecision | None) -> dict[str, Any]:
    """The columns of a case's link to a violation that its decision in force gives."""
    zh = (decision.result.get("zh") or {}) if decision else {}
    return {"decision_id": decision.id if decision else None,
            "outcome": decision.outcome if decision else "undetermined",
            "amount_fen": decision.amount_fen if decision else None,
            "would_be_fen": decision.would_be_fen if decision else None,
            "basis": (zh.get("penalty") or {}).get("basis")}


def amounts(links: list[CaseViolation]) -> tuple[int | None, int, list[dict[str, Any]]]:
    """One fine per act, the higher provision (处罚法 Art. 29); the amounts not levied."""
    acts: dict[int, list[CaseViolation]] = {}
    for link in links:
        acts.setdefault(link.act, []).append(link)
    proposed, unknown, described = 0, False, []
    for number, members in sorted(acts.items()):
        fined = [m for m in members if m.outcome == "fine"]
        chosen = max(fined, key=lambda m: m.amount_fen or 0) if fined else None
        if chosen is not None and chosen.amount_fen is None:
            unknown = True
        proposed += (chosen.amount_fen or 0) if chosen else 0
        described.append({"act": number, "violation_ids": [str(m.violation_id) for m in members],
                          "fined_under": str(chosen.violation_id) if chosen else None,
                          "basis": chosen.basis if chosen else None,
                          "amount_fen": chosen.amount_fen if chosen else None})
    would_be = sum(max((m.would_be_fen or 0) for m in members) for members in acts.values()
                   if not any(m.outcome == "fine" for m in members))
    any_fined = any(link.outcome == "fine" for link in links)
    return (None if unknown or not any_fined else proposed), would_be, described


def file_case(actor: Actor, data: dict[str, Any]) -> Case:
    """File a case (立案) on one party's violations; numbered per authority and year."""
    authorize(actor, "case.create")
    ids = list(dict.fromkeys(data["violation_ids"]))
    today = clock.today_shanghai()
    with unit_of_work() as session:
        found = [violations.get_violation(actor, vid, lock=True) for vid in ids]
        parties = {v.enterprise_id for v in found}
        if len(parties) != 1:
            raise refused(ValidationFailed, Message("filing.parties", {"count": len(parties)}),
                          {"violation_ids": Message("filing_field.parties")})
        party_types = sorted({v.party_type for v in found})
        if len(party_types) != 1:  # the documents and the fine ranges follow the party type
            raise refused(ValidationFailed, Message("filing.party_types", {
                "party_types": party_types}), {"violation_ids": Message(
                    "filing_field.party_types", {"party_types": party_types})})
        taken = session.scalars(select(CaseViolation.violation_id).where(
            CaseViolation.violation_id.in_(ids))).all()
        if taken:
            raise refused(Conflict, Message("filing.taken"),
                          violation_ids=[str(t) for t in taken])
        first = found[0]
        authorize(actor, "case.create", first.district)
        discovered = min(v.discovered_on for v in found)
        timeline = dl.Timeline(discovered_on=discovered, filed_on=today,
                               filing_extended=bool(data.get("filing_extension_approved")))
        if dl.case_deadlines(timeline)[0].status == "late" and not data.get("late_reason"):
            raise refused(ValidationFailed, Message(
                "filing.late", {"due": dl.case_deadlines(timeline)[0].due}),
                {"late_reason": Message("filing_field.late")})
        officers = sorted({o["user_id"] for v in {v.inspection_id for v in found}
                           for o in inspections.get_inspection(actor, v).officers})
        authority = authority_code(first.district)
        seq = issue_number("filing", authority, today.year)
        case = Case(id=uuid.uuid4(), district=first.district, authority=authority,
                    enterprise_id=first.enterprise_id, party_type=first.party_type,
                    state="filed", filing_year=today.year, filing_seq=seq,
                    filing_number=format_number("filing", authority, today.year, seq),
                    discovered_on=discovered, filed_on=today,
                    filing_extended=timeline.filing_extended, complex=bool(data.get("complex")),
                    acts=[], steps={}, extensions=[], suspensions=[], created_by=actor.user_id,
                    created_at=clock.utcnow(), updated_at=clock.utcnow())
        session.add(case)
        session.flush()
        act_of = _acts(ids, data.get("same_act") or [])
        links = [_link(case, v, act_of[v.id]) for v in found]
        session.add_all(links)
        case.proposed_fen, case.would_be_fen, case.acts = amounts(links)
        case.steps = json_safe({"filed": {"on": today, "officers": officers,
                                          "late_reason": data.get("late_reason"),
                                          "summary": data.get("summary")}})
        service.refresh_deadlines(case)
        service.record_event(case, actor, "filed", None, today,
                             {"filing_number": case.filing_number})
        audit.record(actor, "case.file", "case", case.id, {
            "filing_number": case.filing_number, "violations": [str(i) for i in ids],
            "proposed_fen": case.proposed_fen})
    return case

