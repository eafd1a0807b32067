"""The violations legal staff file cases from: those in scope, newest first, with the rules'
decision in force, the evidence flags and the case each is in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select

from server.auth.policy import Actor, authorize
from server.cases.models import Case, CaseViolation
from server.evidence.service import missing_evidence
from server.extensions import db
from server.fieldwork import violations
from server.fieldwork.models import Violation, ViolationDecision
from server.registry.models import Enterprise

_OUTCOME = ViolationDecision.outcome
_GROUND = ViolationDecision.result[("zh", "waiver", "ground")].as_string()
# the decision filter: its choices, each the outcomes (and waiver ground) it keeps
DECISIONS: dict[str, Any] = {
    "waived_list": and_(_OUTCOME == "waived", _GROUND == "list"),
    "waived_article_33": or_(_OUTCOME == "no_fault",
                             and_(_OUTCOME == "waived", _GROUND == "article_33")),
    "pending_correction": _OUTCOME == "pending_correction",
    "may_waive": _OUTCOME == "may_waive",
    "fine": _OUTCOME == "fine",
    "time_barred": _OUTCOME == "time_barred",
    "undetermined": _OUTCOME == "undetermined",
}


@dataclass(frozen=True, slots=True)
class DeskFilter:
    """What the desk shows: a district (within scope), a decision, in a case or not, a party."""

    district: str | None = None
    decision: str | None = None
    in_case: bool | None = None
    enterprise_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class DeskRow:
    """A violation as the desk lists it."""

    violation: Violation
    decision: ViolationDecision | None
    enterprise: str
    case_id: uuid.UUID | None
    case_number: str | None
    flags: list[str] = field(default_factory=list)


def _query(actor: Actor, filters: DeskFilter) -> Any:
    """The violations in scope with their decision in force, party and case, filtered."""
    authorize(actor, "case.create")
    latest = (select(ViolationDecision.violation_id,
                     func.max(ViolationDecision.sequence).label("sequence"))
              .group_by(ViolationDecision.violation_id).subquery())
    query = (select(Violation, ViolationDecision, Enterprise.name, Case.id, Case.filing_number)
             .join(Enterprise, Enterprise.id == Violation.enterprise_id)
             .outerjoin(latest, latest.c.violation_id == Violation.id)
             .outerjoin(ViolationDecision, and_(
                 ViolationDecision.violation_id == Violation.id,
                 ViolationDecision.sequence == latest.c.sequence))
             .outerjoin(CaseViolation, CaseViolation.violation_id == Violation.id)
             .outerjoin(Case, Case.id == CaseViolation.case_id)
             .where(violations.readable(actor)))
    if filters.district:
        query = query.where(Violation.district == filters.district)
    if filters.decision:
        query = query.where(DECISIONS[filters.decision])
    if filters.in_case is not None:
        query = query.where(Case.id.is_not(None) if filters.in_case else Case.id.is_(None))
    if filters.enterprise_id:
        query = query.where(Violation.enterprise_id == filters.enterprise_id)
    return query


def evidence_flags(violation: Violation) -> list[str]:
    """The violation's location flags, and whether its evidence is missing or none is cited."""
    missing = missing_evidence(violation.evidence, violation.district) \
        if violation.evidence else []
    return [*violation.flags, *(["missing"] if missing else []),
            *([] if violation.evidence else ["no_evidence"])]


def list_desk(actor: Actor, filters: DeskFilter, page: int,
              per_page: int) -> tuple[list[DeskRow], int]:
    """A page of the violations in scope, newest first, and their total."""
    query = _query(actor, filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = db.session.execute(query.order_by(
        Violation.occurred_on.desc(), Violation.created_at.desc(), Violation.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    return [DeskRow(v, d, name, case_id, number, evidence_flags(v))
            for v, d, name, case_id, number in found], total


def desk_parties(actor: Actor, filters: DeskFilter) -> list[tuple[uuid.UUID, str]]:
    """The enterprises with violations on the desk (its other filters applied), by name."""
    query = _query(actor, DeskFilter(filters.district, filters.decision, filters.in_case))
    rows = query.with_only_columns(Enterprise.id, Enterprise.name).distinct()
    return [(row[0], row[1]) for row in db.session.execute(rows.order_by(Enterprise.name))]
