"""What the case page's deadline forms offer: an extension of the decision deadline (延期,
处罚法 第60条) for supervisors, a testing, appraisal or suspension period (中止) for legal
staff (open while the case is suspended, then its end), each with what was typed after a
refusal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.auth.policy import Actor, allowed
from server.cases import deadlines as dl
from server.cases import procedure
from server.cases import service as case_service
from server.cases.models import Case


def next_extension(case: Case) -> tuple[str, int] | None:
    """The approval and the most days the case's next extension takes, or None after two."""
    granted = len(case.extensions)
    return dl.EXTENSIONS[granted] if granted < len(dl.EXTENSIONS) else None


def page_data(actor: Actor, case: Case, sent: Mapping[str, Any] | None) -> dict[str, Any]:
    """The template values of the deadline forms: who may use them, and their inputs (as
    sent, after a refusal; else the next extension's approval and days)."""
    extension = sent if sent and sent["form"] == "extension" else None
    suspension = sent if sent and sent["form"] == "suspension" else None
    ending = sent if sent and sent["form"] == "suspension_end" else None
    running = case.state not in procedure.DECIDED
    upcoming = next_extension(case)
    open_ = case_service.open_period(case)
    default = {"approval": upcoming[0], "days": str(upcoming[1])} if upcoming else {}
    return {
        "may_extend": running and upcoming is not None and allowed(actor.role, "case.extend"),
        "may_suspend": running and allowed(actor.role, "case.advance"),
        "approvals": tuple(kind for kind, _ in dl.EXTENSIONS),
        "period_kinds": dl.SUSPENSION_KINDS,
        "suspended_since": open_.start if open_ else None,
        "open_kind": open_.kind if open_ else None,  # 检测中, 鉴定中 or 中止中, as it is
        "extension": extension, "suspension": suspension, "suspension_end": ending,
        "suspension_end_values": ending["values"] if ending else {},
        "extension_values": extension["values"] if extension else default,
        "suspension_values": suspension["values"] if suspension else {}}
