"""What push handlers share: the mutation context, outcomes, input loading, server-owned
fields, and the stale-base merge of a record's editable fields."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError

from server.auth.policy import Actor
from server.errors import Conflict, ValidationFailed
from server.fastdump import Compiled
from server.geo import location_as_wgs84
from server.sync import conflicts, payloads

ASSIGNMENT = "assignment is decided by a supervisor, not by a tablet"
CASE_LINK = "case links are made by legal staff in a case, not by a tablet"
COMPUTED = "computed by the server (rules engine, geo checks, evidence checks)"
STATE = "set by the server; use op=status to submit"
IDENTITY = "set by the server when the record is created"
POSITIONS = ("checkin", "location")  # stored as WGS-84, whatever system the device named

SERVER_OWNED: dict[str, dict[str, str]] = {
    "inspection": {
        "status": STATE, "submitted_at": STATE, "officers": COMPUTED, "district": IDENTITY,
        "version": IDENTITY, "created_at": IDENTITY, "updated_at": IDENTITY,
        "created_by": IDENTITY, "device_id": IDENTITY, "evidence_checks": COMPUTED,
        "missing_evidence": COMPUTED, "open_conflicts": COMPUTED, "id": IDENTITY,
        "case_id": CASE_LINK, "case_ids": CASE_LINK, "assignees": ASSIGNMENT},
    "violation": {
        "enterprise_id": IDENTITY, "district": IDENTITY, "discovered_on": COMPUTED,
        "first_offence": COMPUTED, "first_offence_disagreement": COMPUTED,
        "distance_to_site_m": COMPUTED, "flags": COMPUTED, "decision": COMPUTED,
        "outcome": COMPUTED, "amount_fen": COMPUTED, "evidence_checks": COMPUTED,
        "missing_evidence": COMPUTED, "open_conflicts": COMPUTED, "version": IDENTITY,
        "created_at": IDENTITY, "updated_at": IDENTITY, "id": IDENTITY,
        "case_id": CASE_LINK, "case_ids": CASE_LINK, "case": CASE_LINK},
    "task": {name: ASSIGNMENT for name in (
        "assignees", "inspectors", "inspector_ids", "enterprise_id", "district", "due_date",
        "priority", "kind", "plan_id", "draw_id", "note")} | {
        "escalation": COMPUTED, "escalation_level": COMPUTED, "overdue": COMPUTED,
        "version": IDENTITY, "cancel_reason": STATE},
}


class Waiting(Exception):
    """The mutation needs a record that has not arrived yet (e.g. an update before its
    create): it is held as pending."""

    def __init__(self, entity: str, key: str):
        super().__init__(f"{entity}:{key}")
        self.key = f"{entity}:{key}"


@dataclass
class Context:
    """One mutation being applied."""

    actor: Actor
    mutation: dict[str, Any]
    new: bool = False  # a create whose id no record has (asked once for a run of mutations)

    @property
    def values(self) -> dict[str, Any]:
        """The mutation's fields (422, this mutation only, when they are not an object)."""
        values = self.mutation["values"]
        if not isinstance(values, dict):
            raise ValidationFailed("fields must be an object.",
                                   errors={"fields": ["not an object"]})
        return values

    @property
    def recorded_at(self) -> datetime | None:
        """When the tablet recorded the edit (a held mutation keeps it as text), or None."""
        return conflicts.tablet_clock(self.mutation)


@dataclass
class Outcome:
    """What a handler did: applied, or applied with a (soft or hard) conflict."""

    version: int | None
    conflict: Any = None
    overlap: tuple[str, ...] = ()
    server: dict[str, Any] | None = None


def reject_server_owned(entity: str, values: dict[str, Any], allowed: tuple[str, ...] = ()
                        ) -> None:
    """Refuse fields only the server sets, each with its reason."""
    owned = SERVER_OWNED.get(entity, {})
    errors = {name: [f"server-owned: {owned[name]}"] for name in values
              if name in owned and name not in allowed}
    if errors:
        raise ValidationFailed("A tablet cannot change server-owned fields.", errors=errors)


def _text_keys(messages: Any) -> Any:
    """Marshmallow's messages with the indexes of list items as text keys (as REST answers
    them): the push reply is JSON, whose keys are strings."""
    if isinstance(messages, dict):
        return {str(key): _text_keys(value) for key, value in messages.items()}
    return messages


def load(schema: Schema | Compiled, values: Any) -> dict[str, Any]:
    """Validate a mutation's fields with a contract schema (422 problem details)."""
    if not isinstance(values, dict):
        raise ValidationFailed("fields must be an object.", errors={"fields": ["not an object"]})
    try:
        return schema.load(values)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {
            "fields": error.messages}
        raise ValidationFailed("Some fields are invalid.", errors=_text_keys(messages)) from error


def record_id(key: str) -> uuid.UUID:
    """The record's UUID (records created on tablets carry the tablet's UUID)."""
    try:
        return uuid.UUID(key)
    except ValueError as error:
        raise ValidationFailed("The id is not a UUID.", errors={"id": ["not a UUID"]}) from error


def _utc(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, dict):
        return {k: _utc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_utc(v) for v in value]
    return value


def normal(schema_class: type[Schema], values: dict[str, Any]) -> dict[str, Any]:
    """Loaded values in the JSON form the server's representation uses (UTC times)."""
    return schema_class(only=tuple(values)).dump(_utc(values)) if values else {}


def refuse_other_create(entity: str, key: str, differ: list[str]) -> None:
    """A create of a record (or part) that exists sends other values than it holds: refused
    (409) rather than applied with its values dropped; harmless (nothing) when none differ."""
    if differ:
        raise Conflict(f"{entity} {key} already exists with other values of "
                       f"{', '.join(differ)}; a create does not change it: send an update of "
                       "those fields made on the base_version you hold.",
                       errors={name: ["differs from the existing record"] for name in differ})


def same_create(ctx: Context, entity: str, schema_class: type[Schema],
                data: dict[str, Any]) -> None:
    """A create (a new mutation_id) of a record that exists is harmless when the fields it
    sent are what the record holds; else refused (refuse_other_create)."""
    key = ctx.mutation["id"]
    stored = payloads.SERIALIZERS[entity](key).data
    sent = normal(schema_class, {k: location_as_wgs84(v) if k in POSITIONS else v
                                 for k, v in data.items() if k in ctx.values})
    refuse_other_create(entity, key, sorted(k for k, v in sent.items() if stored.get(k) != v))


def merge_update(ctx: Context, entity: str, current_version: int, district: str,
                 schema_class: type[Schema], changes: dict[str, Any],
                 apply: Callable[[int, dict[str, Any]], int]) -> Outcome:
    """Apply an update made on `base_version`: directly when current, field-wise when the
    base is stale, holding overlapping fields as a hard conflict."""
    key = ctx.mutation["id"]
    snap = payloads.SERIALIZERS[entity](key)
    current = payloads.editable_fields(entity, snap.data)
    conflicts.remember(entity, key, current_version, current)
    tablet = normal(schema_class, changes)
    step = conflicts.plan(entity, key, current_version, current, ctx.mutation["base_version"],
                          tablet)
    version = current_version
    if step.apply:
        version = apply(current_version, {f: changes[f] for f in step.apply})
    if not step.stale or not (step.apply or step.overlap):
        return Outcome(version)
    conflict = conflicts.record(ctx.actor, ctx.mutation, district, step, current_version,
                                current, tablet)
    return Outcome(version, conflict, tuple(step.overlap),
                   payloads.SERIALIZERS[entity](key).data)
