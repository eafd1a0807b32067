"""An open case follows its violations' decisions until its own decision issues.

A violation re-decided while its case is filed, under investigation, in legal review, notified
or heard (its facts edited, an earlier act arriving late) changes the case's link to it, the
proposed fine and the case's version, and the case history records the change. The
procedure's checks then read the decision in force, not the one at filing: no fine where the
law forbids one (处罚法 第33条), the statutory range (第29条). Decided and archived cases
never follow: their violations are locked (locks.py) and their links final (models.py).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from server import clock
from server.cases import filing, procedure, service
from server.cases.models import FOLLOWED, Case, CaseViolation
from server.fieldwork.models import ViolationDecision


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    latest: dict[uuid.UUID, ViolationDecision] = {}
    for obj in session.new:
        if isinstance(obj, ViolationDecision):
            held = latest.get(obj.violation_id)
            if held is None or obj.sequence > held.sequence:
                latest[obj.violation_id] = obj
    if latest:
        with session.no_autoflush:
            follow(session, latest)


def follow(session: Session, latest: dict[uuid.UUID, ViolationDecision]) -> None:
    """Bring the open cases citing these violations up to their new decisions."""
    cited = set(session.scalars(select(CaseViolation.case_id).join(
        Case, Case.id == CaseViolation.case_id).where(
        CaseViolation.violation_id.in_(list(latest)),
        Case.state.not_in(procedure.DECIDED))))
    if not cited:
        return
    for decision in latest.values():
        decision.id = decision.id or uuid.uuid4()  # the link names it before the insert
    today = clock.today_shanghai()
    # Locked, in one order: a transition deciding one of them meanwhile is waited for, and
    # then (PostgreSQL re-reads the row) that case no longer follows.
    for case in session.scalars(select(Case).where(
            Case.id.in_(cited), Case.state.not_in(procedure.DECIDED))
            .order_by(Case.id).with_for_update()):
        links = list(session.scalars(select(CaseViolation).where(
            CaseViolation.case_id == case.id)))
        changes = [change for change in (_update(link, latest[link.violation_id])
                                         for link in links if link.violation_id in latest)
                   if change]
        if not changes:
            continue
        case.proposed_fen, case.would_be_fen, case.acts = filing.amounts(links)
        case.version += 1
        case.updated_at = clock.utcnow()
        # one event per case and flush: record_event numbers it after the flushed ones
        service.record_event(case, None, "violation_redecided", case.state, today,
                             {"violations": changes, "proposed_fen": case.proposed_fen})


def _update(link: CaseViolation, decision: ViolationDecision) -> dict[str, Any]:
    """Set the link from the decision; what changed ({} when nothing did)."""
    fields = filing.link_fields(decision)
    before = {name: getattr(link, name) for name in FOLLOWED}
    if before == fields:
        return {}
    for name, value in fields.items():
        setattr(link, name, value)
    return {"violation_id": link.violation_id, "decision_id": fields["decision_id"],
            "from": {"outcome": before["outcome"], "amount_fen": before["amount_fen"]},
            "to": {"outcome": fields["outcome"], "amount_fen": fields["amount_fen"]},
            "as_of": (decision.inputs or {}).get("decided_on")}
