"""Field records a case relies on are frozen once the case's decision has issued or it is archived.

Why from the decision and not only from archiving: the decision (or the decision not to penalise)
states the facts and evidence it rests on (处罚法 第59条); changing the cited violation or
inspection record afterwards would silently rewrite the facts of an issued decision, which can
only be corrected by a formal procedure (更正/撤销), not by editing the record. After archiving
nothing may change at all (LAW.md §6, 2010 case-file rules). Before the decision the
investigation is still running and the records may be corrected (with history).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import or_, select

from server.cases.models import Case, CaseViolation
from server.cases.procedure import DECIDED
from server.errors import Conflict
from server.extensions import db

LOCKED_STATES = DECIDED


def _reason(case: Case) -> str:
    if case.state == "archived":
        return (f"case {case.filing_number} is archived: nothing in an archived case file may be "
                "added, changed or removed")
    number = case.decision_number or case.filing_number
    return (f"case {case.filing_number} has an issued decision ({number}, state {case.state}): "
            "the facts and evidence it rests on can no longer be edited (处罚法 第59条); use "
            "the formal correction procedure instead")


def locking_cases(violation_ids: Iterable[uuid.UUID] = (),
                  inspection_id: uuid.UUID | None = None) -> list[Case]:
    """The decided or archived cases citing the violations (or any violation of the inspection)."""
    from server.fieldwork.models import Violation  # fieldwork imports this module

    ids = list(violation_ids)
    conditions = []
    if ids:
        conditions.append(CaseViolation.violation_id.in_(ids))
    if inspection_id is not None:
        conditions.append(CaseViolation.violation_id.in_(
            select(Violation.id).where(Violation.inspection_id == inspection_id)))
    if not conditions:
        return []
    cited = select(CaseViolation.case_id).where(or_(*conditions))
    return list(db.session.scalars(select(Case).where(Case.id.in_(cited),
                                                      Case.state.in_(LOCKED_STATES))
                                   .order_by(Case.filing_number)))


def locked_violations(violation_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Those of the violations a decided or archived case cites."""
    ids = list(violation_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(CaseViolation.violation_id).join(
        Case, Case.id == CaseViolation.case_id).where(CaseViolation.violation_id.in_(ids),
                                                      Case.state.in_(LOCKED_STATES))))


def ensure_not_locked(violation_ids: Iterable[uuid.UUID] = (),
                      inspection_id: uuid.UUID | None = None) -> None:
    """Raise 409 when a decided or archived case cites the records about to change."""
    cases = locking_cases(violation_ids, inspection_id)
    if cases:
        raise Conflict("The record is part of a case whose decision has issued or which is "
                       "archived; it can no longer be changed: " + "; ".join(map(_reason, cases))
                       + ".", cases=[{"id": str(c.id), "filing_number": c.filing_number,
                                      "state": c.state} for c in cases])
