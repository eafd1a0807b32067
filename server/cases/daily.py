"""Use case: the daily continuous penalty (按日连续处罚, 环保法 Art. 59, MEE Order 28)."""

from __future__ import annotations

import uuid
from typing import Any

from server import clock
from server.audit import service as audit
from server.auth.policy import Actor
from server.cases import caseview, service
from server.cases.models import Case
from server.cases.refusals import ENGLISH, refused
from server.db_types import json_safe
from server.errors import Conflict, ValidationFailed
from server.fieldwork import violations
from server.messages import Message
from server.rules import InvalidInput, daily_penalty
from server.uow import unit_of_work

FINED_STATES = ("decided", "served", "paid", "enforced")
# the rules' problems with a round (server.rules.continuing), by their English
ROUND_PROBLEMS = {ENGLISH[key]: key for key in ("field.reinspection_first",
                                                "field.round_overlaps")}


def _round_note(problem: str) -> Message:
    """A round's problem as its message key (one the rules give otherwise: as it is)."""
    key = ROUND_PROBLEMS.get(problem)
    return Message(key) if key else Message("field.text", {"text": problem})


def daily_acts(case: Case) -> set[int]:
    """The fined acts with a provision for a daily penalty: those the decision fined (an act
    the rules only may fine included), else, decided before act fines were kept, the acts the
    rules fine."""
    recorded = case.steps.get("decided", {}).get("act_fines")
    fined = None if recorded is None else {item["act"] for item in recorded}
    acts = set()
    for link in service.case_links(case):
        if (link.act not in fined) if fined is not None else link.outcome != "fine":
            continue
        decision = violations.latest_decision(link.violation_id)
        daily = ((decision.result.get("zh") or {}).get("penalty") or {}).get(
            "daily_penalty") if decision else None
        if daily and daily.get("allowed"):
            acts.add(link.act)
    return acts


def _original_fine(case: Case, chosen: int | None) -> tuple[int, int]:
    """The continuing act and the fine decided for it: the daily amount is that act's own
    fine, not the case's total (环保法 第59条, MEE Order 28)."""
    acts = daily_acts(case)
    if not acts:
        raise refused(Conflict, Message("daily.no_provision"))
    among = {"act": Message("field.daily_acts", {"acts": sorted(acts)})}
    if chosen is None and len(acts) > 1:
        raise refused(ValidationFailed, Message("daily.name_act"), among)
    act = chosen if chosen is not None else next(iter(acts))
    if act not in acts:
        raise refused(ValidationFailed, Message("daily.act_without"), among)
    decided = case.steps.get("decided", {})
    fines = {item["act"]: item["fine_fen"] for item in decided.get("act_fines", ())}
    if act in fines:
        return act, fines[act]
    if len(caseview.fineable_acts(case, service.case_links(case))) == 1:
        return act, case.fine_fen  # decided before each act's fine was recorded: the only one
    raise refused(Conflict, Message("daily.fine_unknown"))


def impose_daily_penalty(actor: Actor, case_id: uuid.UUID, version: int,
                         data: dict[str, Any]) -> Case:
    """Decide the daily penalty: days from each order's service to the re-inspection × fine."""
    today = clock.today_shanghai()
    with unit_of_work():
        case = service.writable(actor, case_id, version, "case.advance")
        on = data.get("on") or today
        if case.state not in FINED_STATES or case.fine_fen is None:
            raise refused(Conflict, Message("daily.not_fined"))
        if case.daily_penalty_on is not None:
            raise refused(Conflict, Message("daily.already"))
        act, original = _original_fine(case, data.get("act"))
        if on > today or (case.decided_on and on < case.decided_on):
            raise refused(ValidationFailed, Message("daily.outside"),
                          {"on": Message("field.outside_case")})
        rounds = [(r["order_served_on"], r["reinspected_on"]) for r in data["rounds"]]
        if any(reinspected > on for _, reinspected in rounds):
            raise refused(ValidationFailed, Message("daily.after_decision"),
                          {"rounds": Message("field.after_decision")})
        try:
            result = daily_penalty(original, rounds, data.get("production_restricted_on"))
        except InvalidInput as error:
            raise refused(ValidationFailed, Message("daily.rounds"), {
                k: _round_note(v) for k, v in error.errors.items()}) from error
        record = json_safe({
            "on": on, "act": act, "original_fine_fen": original,
            "total_days": result.total_days, "amount_fen": result.amount_fen,
            "stopped_on": result.stopped_on, "basis": list(result.basis),
            "rounds": [{"order_served_on": r.order_served_on, "reinspected_on": r.reinspected_on,
                        "days": r.days, "reinspected_late": r.reinspected_late}
                       for r in result.rounds]})
        case.daily_penalty, case.daily_penalty_on = record, on
        case.daily_penalty_fen = result.amount_fen
        case.version += 1
        case.updated_at = clock.utcnow()
        service.record_event(case, actor, "daily_penalty", case.state, on, record)
        audit.record(actor, "case.daily_penalty", "case", case.id, record)
    return case
