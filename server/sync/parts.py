"""Push handlers of record parts (evidence links, signatures, checklist answers) and of the
task status changes an inspector makes."""

from __future__ import annotations

from typing import Any

from schemas.fieldwork import ChecklistAnswerSchema
from schemas.sync import (
    ChecklistAnswerPushFields,
    EvidenceLinkFields,
    SignaturePushFields,
    StatusFields,
)
from server.auth.policy import Actor
from server.db_types import json_safe
from server.errors import NotFound, ValidationFailed
from server.extensions import db
from server.fieldwork import checklists, inspections, violations
from server.fieldwork.models import Inspection
from server.planning import tasks as planning
from server.planning.models import Task
from server.sync import conflicts, payloads
from server.sync.mutations import (
    Context,
    Outcome,
    load,
    record_id,
    refuse_other_create,
    reject_server_owned,
)
from server.sync.records import existing_inspection, existing_violation

TASK_TARGETS = {"started": "in_progress", "in_progress": "in_progress",
                "submitted": "submitted"}


def evidence_link(ctx: Context) -> Outcome:
    """Cite (create) or stop citing (delete) an evidence item on a violation; citing is a
    set operation, so concurrent links from two tablets never conflict."""
    link = load(EvidenceLinkFields(), ctx.values)
    record = existing_violation(ctx, str(link["violation_id"]))
    cited = list(record.evidence)
    if ctx.mutation["op"] == "create" and link["sha256"] not in cited:
        cited.append(link["sha256"])
    elif ctx.mutation["op"] == "delete" and link["sha256"] in cited:
        cited.remove(link["sha256"])
    if cited == record.evidence:
        return Outcome(record.version)
    return Outcome(violations.update_violation(ctx.actor, record.id, record.version,
                                               {"evidence": cited}).version)


def signature(ctx: Context) -> Outcome:
    """Add (create) or withdraw (delete) a signature named by the mutation id."""
    data = load(SignaturePushFields(), ctx.values)
    record = existing_inspection(ctx, str(data.pop("inspection_id")))
    key = ctx.mutation["id"]
    kept = [s for s in record.signatures if s.get("id") != key]
    if ctx.mutation["op"] == "create":
        if len(kept) != len(record.signatures):  # already there: the same one, or refused
            held = next(s for s in record.signatures if s.get("id") == key)
            refuse_other_create("signature", key, sorted(
                name for name, value in json_safe(data).items() if held.get(name) != value))
            return Outcome(record.version)
        kept.append(data | {"id": key})
    elif len(kept) == len(record.signatures):
        return Outcome(record.version)  # already withdrawn
    return Outcome(inspections.update_inspection(ctx.actor, record.id, record.version,
                                                 {"signatures": kept}, None,
                                                 ctx.recorded_at).version)


def answers(checklist: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {a["item"]: ChecklistAnswerSchema().dump(a) for a in checklist or []}


def checklist_answer(ctx: Context) -> Outcome:
    """Answer one checklist item; an item changed on the server since the tablet's base is
    a hard conflict (both answers kept), other items merge freely. The version the answer
    makes is kept: the tablet's next answer to the item is made on it, even when more of
    the tablet's work moves the record on in the same push."""
    data = load(ChecklistAnswerPushFields(), ctx.values)
    record = existing_inspection(ctx, str(data.pop("inspection_id")))
    inspections.check_writable(ctx.actor, record)  # before a stale base records a conflict
    checklists.refuse_unknown_items([data], record.started_at, held=record.checklist,
                                    field="item")
    item, answer = data["item"], ChecklistAnswerSchema().dump(data)
    current = answers(record.checklist)
    _remember(str(record.id), record.version)
    base_version = ctx.mutation["base_version"]
    if base_version is not None and base_version > record.version:
        raise ValidationFailed(f"base_version {base_version} is newer than the server's "
                               f"{record.version}.", errors={"base_version": ["unknown version"]})
    field = f"checklist:{item}"
    if base_version is not None and base_version < record.version:
        base = conflicts.base_fields("inspection", str(record.id), base_version)
        before = answers((base or {}).get("checklist")).get(item) if base else None
        if (base is None or before != current.get(item)) and answer != current.get(item):
            step = conflicts.Plan(apply=[], overlap=[field], stale=True)
            conflict = conflicts.record(ctx.actor, ctx.mutation, record.district, step,
                                        record.version, {field: current.get(item)},
                                        {field: answer}, ("inspection", str(record.id)))
            return Outcome(record.version, conflict, (field,),
                           payloads.inspection(str(record.id)).data)
    if current.get(item) == answer:
        return Outcome(record.version)
    version = set_answers(ctx.actor, record.id, record.version, {item: answer})
    _remember(str(record.id), version)
    return Outcome(version)


def _remember(key: str, version: int) -> None:
    """Keep the record's editable fields at this version (a base of later answers)."""
    conflicts.remember("inspection", key, version, payloads.editable_fields(
        "inspection", payloads.inspection(key).data))


def set_answers(actor: Actor, inspection_id: Any, version: int,
                answers: dict[str, dict[str, Any] | None], reason: str | None = None) -> int:
    """Replace (or add) checklist answers by item; the record's new version."""
    record = db.session.get(Inspection, inspection_id)
    checklist = [a for a in record.checklist if a["item"] not in answers]
    checklist += [a for a in answers.values() if a is not None]
    return inspections.update_inspection(actor, inspection_id, version,
                                         {"checklist": checklist}, reason).version


def task_status(ctx: Context) -> Outcome:
    """Start or submit an assigned task (the planning lifecycle decides what is allowed)."""
    reject_server_owned("task", ctx.values)
    wanted = load(StatusFields(), ctx.values)
    task_id = record_id(ctx.mutation["id"])
    if db.session.get(Task, task_id) is None:
        raise NotFound("No such task.")
    task = planning.get_task(ctx.actor, task_id, lock=True)
    target = TASK_TARGETS[wanted["status"]]
    if task.status == target:
        return Outcome(task.version)  # the same intent arrived twice
    return Outcome(planning.transition(ctx.actor, task_id, target, task.version).version)
