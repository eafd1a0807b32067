"""A supervisor resolves a hard conflict: the server's value, the tablet's, or a merged one;
the choice is applied as a new version of the record, which tablets then pull."""

from __future__ import annotations

import uuid
from typing import Any

from marshmallow import Schema

from schemas.fieldwork import ChecklistAnswerSchema
from server.auth.policy import Actor, authorize
from server.errors import Conflict, ValidationFailed
from server.extensions import db
from server.fastdump import Compiled
from server.fieldwork import inspections, violations
from server.fieldwork.models import Inspection, Violation
from server.sync import conflicts, parts, payloads
from server.sync.models import SyncConflict
from server.sync.mutations import load
from server.sync.records import INSPECTION_CHANGES, VIOLATION_CHANGES
from server.sync.refusals import refused, said
from server.uow import batch, find

CHECKLIST = "checklist:"


def _loaded(schema: Schema | Compiled, values: dict[str, Any]) -> dict[str, Any]:
    return load(schema, values) if values else {}


def _apply(actor: Actor, conflict: SyncConflict, chosen: dict[str, Any]) -> int:
    """Write the chosen values through the fieldwork services; the record's new version."""
    record_id = uuid.UUID(conflict.entity_id)
    reason = f"sync conflict {conflict.id} resolved by a supervisor"
    if conflict.entity == "violation":
        record = violations.get_violation(actor, record_id, lock=True)
        changes = _loaded(VIOLATION_CHANGES, chosen)
        return violations.update_violation(actor, record_id, record.version, changes).version
    record = inspections.get_inspection(actor, record_id, lock=True)
    plain = {k: v for k, v in chosen.items() if not k.startswith(CHECKLIST)}
    version = record.version
    if plain:
        changes = _loaded(INSPECTION_CHANGES, plain)
        sides = _signed_by_officers(conflict, record)
        version = inspections.update_inspection(actor, record_id, version, changes,
                                                reason, vouched=sides).version
    answers = {k[len(CHECKLIST):]: None if v is None else _answer(k, v)
               for k, v in chosen.items() if k.startswith(CHECKLIST)}
    if answers:
        version = parts.set_answers(actor, record_id, version, answers, reason)
    return version


def _answer(field: str, value: Any) -> dict[str, Any]:
    """A chosen answer of the checklist item `field` names (one naming another item would
    replace that item's answer and leave this one unanswered: refused)."""
    answer = load(ChecklistAnswerSchema(), value)
    if answer["item"] != field[len(CHECKLIST):]:
        raise ValidationFailed("A checklist answer answers the item in conflict.", errors={
            "values": {field: [f"item must be {field[len(CHECKLIST):]}"]}})
    return answer


def _signed_by_officers(conflict: SyncConflict, record: Inspection) -> list[dict[str, Any]]:
    """The signatures of the conflict's sides that officers made: the record's side, and the
    tablet's when an officer on the record pushed it (a supervisor may push, but signs for no
    one: a side they pushed vouches for nothing)."""
    sides = list(conflict.server_values.get("signatures") or [])
    if str(conflict.user_id) in {officer["user_id"] for officer in record.officers}:
        sides += conflict.tablet_values.get("signatures") or []
    return sides


def _now(conflict: SyncConflict) -> dict[str, Any]:
    """The conflicting fields' values on the record now, in the form the conflict keeps
    (as mutations.merge_update and parts.checklist_answer took them)."""
    snap = payloads.SERIALIZERS[conflict.entity](conflict.entity_id)
    current = payloads.editable_fields(conflict.entity, snap.data if snap else {})
    answers = {}
    if conflict.entity == "inspection" and any(f.startswith(CHECKLIST) for f in conflict.fields):
        record = db.session.get(Inspection, uuid.UUID(conflict.entity_id))
        answers = parts.answers(record.checklist if record is not None else None)
    return {f: answers.get(f[len(CHECKLIST):]) if f.startswith(CHECKLIST) else current.get(f)
            for f in conflict.fields}


def _version(conflict: SyncConflict) -> int:
    """The record's version, its row locked for the rest of the transaction."""
    model = Violation if conflict.entity == "violation" else Inspection
    return find(model, uuid.UUID(conflict.entity_id), lock=True).version


def resolve(actor: Actor, conflict_id: uuid.UUID, choice: str,
            values: dict[str, Any]) -> SyncConflict:
    """Resolve an open conflict in the supervisor's district."""
    authorize(actor, "sync.conflict.resolve")
    with batch():
        conflict = conflicts.get_open(actor, conflict_id)
        chosen = conflicts.chosen_values(conflict, choice, values)
        version = _version(conflict)  # locked first: nobody moves it between compare and apply
        moved = conflicts.refresh(actor, conflict, _now(conflict), version) if chosen else []
        if not moved:
            version = _apply(actor, conflict, chosen) if chosen else _version(conflict)
            conflicts.close(actor, conflict, choice, chosen, version)
    if moved:  # the refreshed conflict is committed: the next choice is made on it
        raise refused(Conflict, said("conflict.moved", sync_fields=moved),
                      changed_fields=moved)
    return conflict
