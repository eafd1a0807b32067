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
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, Uuid, bindparam, or_, select

from server.cases import refusals
from server.cases.models import Case, CaseViolation
from server.cases.procedure import DECIDED
from server.errors import Conflict
from server.extensions import db
from server.messages import Message

LOCKED_STATES = DECIDED
KNOWN = "case_locks_known"  # session.info: the locking cases of a push's run, read at once


def _reason(case: Case) -> Message:
    """Why this case keeps its records as they are, as a message key."""
    if case.state == "archived":
        return Message("lock.archived", {"number": case.filing_number})
    return Message("lock.decided", {"number": case.filing_number, "state": case.state,
                                    "decision": case.decision_number or case.filing_number})


def _settled() -> AbstractContextManager[None]:
    """Where the lock queries run: without flushing the session's pending records (a sync
    push editing records would flush its run once per record), unless a case or a case's
    citation is pending, which could lock or unlock them."""
    session = db.session()
    pending = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, Case | CaseViolation) for obj in pending):
        session.flush()
    return session.no_autoflush


@cache
def _cases_citing(by_ids: bool, by_inspection: bool) -> Select:
    """The query of locking_cases, built once: building it costs four times running it (a
    sync push asks it twice for each record it edits)."""
    from server.fieldwork.models import Violation  # fieldwork imports this module

    conditions = []
    if by_ids:
        conditions.append(CaseViolation.violation_id.in_(
            bindparam("ids", expanding=True, type_=Uuid())))
    if by_inspection:
        conditions.append(CaseViolation.violation_id.in_(
            select(Violation.id).where(
                Violation.inspection_id == bindparam("inspection_id", type_=Uuid()))))
    cited = select(CaseViolation.case_id).where(or_(*conditions))
    return (select(Case).where(Case.id.in_(cited), Case.state.in_(LOCKED_STATES))
            .order_by(Case.filing_number))


# typed: built at import, when a foreign key's column may not know its type yet
_LOCKED_AMONG = select(CaseViolation.violation_id).join(
    Case, Case.id == CaseViolation.case_id).where(
    CaseViolation.violation_id.in_(bindparam("ids", expanding=True, type_=Uuid())),
    Case.state.in_(LOCKED_STATES))


@dataclass(frozen=True)
class _Known:
    """The locking cases of some records, read at once (see known_for)."""

    inspections: frozenset[uuid.UUID]
    violations: frozenset[uuid.UUID]
    by_inspection: dict[uuid.UUID, list[Case]]
    by_violation: dict[uuid.UUID, list[Case]]

    def answers(self, ids: list[uuid.UUID], inspection_id: uuid.UUID | None) -> bool:
        """Whether these records are among those read."""
        return self.violations.issuperset(ids) and (
            inspection_id is None or inspection_id in self.inspections)

    def cases(self, ids: list[uuid.UUID], inspection_id: uuid.UUID | None) -> list[Case]:
        """locking_cases of records among those read."""
        found = {c.id: c for key in ids for c in self.by_violation.get(key, ())}
        found |= {c.id: c for c in self.by_inspection.get(inspection_id, ())}
        return sorted(found.values(), key=lambda case: case.filing_number)


@contextmanager
def known_for(inspection_ids: Iterable[uuid.UUID], violation_ids: Iterable[uuid.UUID]
              ) -> Iterator[None]:
    """While the block runs, locking_cases of these records is answered from one query (a
    sync push's run, which holds their rows locked: a case deciding on them waits)."""
    from server.fieldwork.models import Violation  # fieldwork imports this module

    inspections, violations = frozenset(inspection_ids), frozenset(violation_ids)
    by_inspection: dict[uuid.UUID, list[Case]] = {}
    by_violation: dict[uuid.UUID, list[Case]] = {}
    if inspections or violations:
        # one query per kind of key, each starting from its index (an OR of the two read
        # every decided or archived case and joined its violations)
        locking = (select(CaseViolation.violation_id, Violation.inspection_id, Case)
                   .join(Case, Case.id == CaseViolation.case_id)
                   .join(Violation, Violation.id == CaseViolation.violation_id)
                   .where(Case.state.in_(LOCKED_STATES)))
        rows: dict[tuple[uuid.UUID, uuid.UUID], Any] = {}
        with _settled():
            for ask in (CaseViolation.violation_id.in_(violations) if violations else None,
                        Violation.inspection_id.in_(inspections) if inspections else None):
                if ask is not None:
                    rows.update({(row[0], row[2].id): row for row in
                                 db.session.execute(locking.where(ask))})
        for violation_id, inspection_id, case in rows.values():
            by_violation.setdefault(violation_id, []).append(case)
            by_inspection.setdefault(inspection_id, []).append(case)
    db.session.info[KNOWN] = _Known(inspections, violations, by_inspection, by_violation)
    try:
        yield
    finally:
        db.session.info.pop(KNOWN, None)


def locking_cases(violation_ids: Iterable[uuid.UUID] = (),
                  inspection_id: uuid.UUID | None = None) -> list[Case]:
    """The decided or archived cases citing the violations (or any violation of the inspection)."""
    ids = list(violation_ids)
    if not ids and inspection_id is None:
        return []
    known = db.session.info.get(KNOWN)
    if known is not None and known.answers(ids, inspection_id):
        return known.cases(ids, inspection_id)
    with _settled():
        return list(db.session.scalars(_cases_citing(bool(ids), inspection_id is not None),
                                       {"ids": ids, "inspection_id": inspection_id}))


def locked_violations(violation_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Those of the violations a decided or archived case cites."""
    ids = list(violation_ids)
    if not ids:
        return set()
    with _settled():
        return set(db.session.scalars(_LOCKED_AMONG, {"ids": ids}))


def ensure_not_locked(violation_ids: Iterable[uuid.UUID] = (),
                      inspection_id: uuid.UUID | None = None) -> None:
    """Raise 409 when a decided or archived case cites the records about to change."""
    cases = locking_cases(violation_ids, inspection_id)
    if cases:
        raise Conflict(**refusals.said("record.locked", {"locks": [_reason(c) for c in cases]}),
                       cases=[{"id": str(c.id), "filing_number": c.filing_number,
                               "state": c.state} for c in cases])
