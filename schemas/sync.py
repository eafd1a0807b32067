"""The tablet sync contract (DESIGN.md §5): what pull returns and what push accepts and answers.

Shared by the server (server/sync) and the tablet engine (offline_sync); imports neither.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from schemas.common import AwareMoment, Moment
from schemas.fieldwork import SHA256, ChecklistAnswerSchema, SignatureSchema

PULL_ENTITIES = (
    "enterprise",  # the enterprises of the user's district and of their tasks, with sites
    "task",  # inspection tasks assigned to the user
    "checklist_template",  # a checklist template in force (by template id) with its items
    "catalogue_entry",  # one violation-catalogue code
    "rule_set",  # rule sets in force
    "inspection",  # the user's own inspection records
    "violation",  # violations on those records
    "evidence",  # metadata of evidence the user uploaded or their records cite
    "officer",  # the active inspectors of the user's district (PulledOfficerSchema)
)
PULL_OPS = ("upsert", "delete", "revoke")

PUSH_ENTITIES = (
    "inspection",
    "violation",
    "evidence_link",  # attach an uploaded (or still uploading) evidence item by SHA-256
    "signature",
    "checklist_answer",
    "task",  # status changes an inspector may make: started, submitted
    "mutation",  # withdraw: id = one of the user's own held (pending) mutations
)
PUSH_OPS = ("create", "update", "delete", "status", "withdraw")
WITHDRAW = ("mutation", "withdraw")  # (entity, op) withdrawing a held mutation: id = its id
RESULT_STATUSES = ("applied", "duplicate", "conflict", "rejected", "pending")

MAX_PULL_LIMIT = 1000
MAX_BATCH = 500


class PullQuerySchema(Schema):
    """Query of GET /sync/pull: an empty cursor starts a first sync."""

    cursor = fields.String(load_default="", validate=validate.Length(max=200),
                           metadata={"description": "Opaque; from the previous next_cursor"})
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=MAX_PULL_LIMIT))


class ChangeSchema(Schema):
    """One change in the user's scope: an upsert with the row, or a tombstone / revocation."""

    entity = fields.String(required=True, validate=validate.OneOf(PULL_ENTITIES))
    id = fields.String(required=True)
    op = fields.String(required=True, validate=validate.OneOf(PULL_OPS), metadata={
        "description": "upsert: store data; delete: the row was deleted; revoke: the row left "
                       "this user's scope, delete the local copy"})
    version = fields.Integer(required=True)
    data = fields.Dict(allow_none=True, metadata={"description": "The row (upsert only)"})


class PulledOfficerSchema(Schema):
    """An officer a tablet can name on a record: an active inspector of the user's district,
    with the enforcement certificate (never a username or any secret)."""

    id = fields.UUID(required=True, metadata={"description": "The user id (inspector_ids)"})
    name = fields.String(required=True, metadata={"description": "The display name"})
    certificate_no = fields.String(required=True, allow_none=True)
    certificate_expires = fields.Date(required=True, allow_none=True, metadata={
        "description": "The last day the certificate is valid (Shanghai): an officer cannot "
                       "open a record on, or sign one after, a later day"})
    district = fields.String(required=True)


class PullResponseSchema(Schema):
    """Body of GET /sync/pull."""

    changes = fields.List(fields.Nested(ChangeSchema), required=True)
    next_cursor = fields.String(required=True)
    has_more = fields.Boolean(required=True)
    reset = fields.Boolean(load_default=False, metadata={
        "description": "true: the user's scope changed since the cursor was issued; this page "
                       "starts a first sync again, so discard the local copy first"})


class MutationSchema(Schema):
    """One offline edit, identified by the tablet's mutation_id so a retry is harmless."""

    mutation_id = fields.UUID(required=True)
    entity = fields.String(required=True, metadata={"description": ", ".join(PUSH_ENTITIES)})
    op = fields.String(required=True, metadata={"description": ", ".join(PUSH_OPS)})
    id = fields.String(required=True, validate=validate.Length(min=1, max=200),
                       metadata={"description": "The record's client-generated id (for "
                                                "mutation/withdraw: the held mutation's id)"})
    base_version = fields.Integer(load_default=None, allow_none=True, strict=True,
                                  validate=validate.Range(min=0),
                                  metadata={"description": "The server version the edit was "
                                                           "made on; null for a create"})
    # Raw, not Dict: fields that are not an object reject that mutation alone (its result),
    # never the batch.
    values = fields.Raw(data_key="fields", load_default=dict, allow_none=True, metadata={
        "type": "object",
        "description": "Changed fields only (update) or the whole record (create; a create "
                       "of a record or signature that exists is applied when these are what it "
                       "holds, else rejected, 409, errors naming the fields that differ: send "
                       "an update on your base_version). A signature: inspection_id, "
                       "signer, role, signer_user_id (an officer's signature: the user id of "
                       "the record's officer who signed; see Signature), and evidence_sha256 "
                       "or refused with refusal_reason"})
    recorded_at = AwareMoment(load_default=None, allow_none=True, metadata={
        "description": "When the tablet recorded the edit (its clock)"})


MALFORMED = "malformed"  # a loaded batch's mutation that does not match MutationSchema


class Mutations(fields.List):
    """The batch's mutations, each loaded alone: an object that does not match MutationSchema
    is kept as {MALFORMED: its errors, "sent": the object}, for that mutation's own
    rejection; only an item that is not an object refuses the batch."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any
                     ) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        loaded, errors = [], {}
        for index, item in enumerate(value):
            try:
                loaded.append(self.inner.deserialize(item, **kwargs))
            except ValidationError as error:
                if not isinstance(item, dict):
                    errors[index] = error.messages
                    continue
                loaded.append({MALFORMED: error.messages, "sent": item})
        if errors:
            raise ValidationError(errors, valid_data=loaded)
        return loaded


class PushRequestSchema(Schema):
    """Body of POST /sync/push."""

    device_id = fields.String(required=True, validate=validate.Length(min=1, max=120))
    mutations = Mutations(fields.Nested(MutationSchema), required=True,
                          validate=validate.Length(min=1, max=MAX_BATCH), metadata={
                              "description": "A mutation (an object) that does not match "
                              "Mutation (a field missing, of the wrong type or out of range) "
                              "is rejected alone: its result, in order, is `rejected`, 422, "
                              "errors naming its fields; the rest of the batch is applied. "
                              "One whose mutation_id is not a UUID is answered so too, echoing "
                              "what was sent, but is not remembered: sent again, it is tried "
                              "again (never `duplicate`). An item that is not an object "
                              "refuses the batch (422)."})


class MutationResultSchema(Schema):
    """The outcome of one mutation, in request order."""

    mutation_id = fields.Raw(required=True, metadata={
        "description": "The mutation's (a UUID); when it sent none that is one, what it sent "
                       "in its place, or null (then it is rejected, 422, errors.mutation_id, "
                       "and not remembered)"})
    status = fields.String(required=True, validate=validate.OneOf(RESULT_STATUSES), metadata={
        "description": "applied; duplicate (the first result is in `first`); conflict; "
                       "rejected (see `problem`); pending (held until its create arrives, "
                       "or withdrawn by the device: then rejected, 410, `withdrawn_by`)"})
    entity = fields.Raw(required=True, metadata={
        "description": "The mutation's (a string); of a malformed mutation, what it sent, or "
                       "null"})
    id = fields.Raw(required=True, metadata={
        "description": "The mutation's (a string; a UUID in the server's spelling); of a "
                       "malformed mutation, what it sent, or null"})
    version = fields.Integer(allow_none=True)
    first = fields.Dict(metadata={"description": "duplicate: the first result, replayed"})
    conflict_id = fields.String(allow_none=True)
    conflict = fields.String(validate=validate.OneOf(("soft", "hard")), metadata={
        "description": "soft: merged field-wise; hard: kept side by side for a supervisor"})
    conflicting_fields = fields.List(fields.String())
    server = fields.Dict(allow_none=True, metadata={"description": "The server's copy"})
    problem = fields.Dict(allow_none=True, metadata={
        "description": "RFC 9457 details; `transient: true` on a refusal of the moment (409, "
                       "e.g. a deadlock): the same mutation sent again is tried again; "
                       "`settled` on the 409 to a withdrawal of a mutation already settled: "
                       "how (applied, conflict, rejected, withdrawn; rejected and withdrawn "
                       "leave nothing held)"})
    waits_for = fields.String(allow_none=True, metadata={
        "description": "pending: the record it waits for, as entity:id"})


class PushResponseSchema(Schema):
    """Body of POST /sync/push."""

    results = fields.List(fields.Nested(MutationResultSchema), required=True)
    released = fields.List(fields.Nested(MutationResultSchema), load_default=list, metadata={
        "description": "This user's mutations held as pending (in this or an earlier push) "
                       "that were applied now because the record they waited for arrived"})


# The `fields` of each push entity (besides the records' own InspectionFields/ViolationFields
# of schemas.fieldwork: create = the whole record, update = the changed fields):
class EvidenceLinkFields(Schema):
    """evidence_link create/delete: cite (or stop citing) an evidence item on a violation;
    the item may still be uploading, the record then lists it in missing_evidence."""

    violation_id = fields.UUID(required=True)
    sha256 = fields.String(required=True, validate=SHA256)


class SignaturePushFields(SignatureSchema):
    """signature create/delete: a signature (or refusal) on an inspection record; the
    mutation's id names the signature."""

    inspection_id = fields.UUID(required=True)


class ChecklistAnswerPushFields(ChecklistAnswerSchema):
    """checklist_answer create/update: the answer to one checklist item of an inspection
    (the item is the key: a second answer replaces the first)."""

    inspection_id = fields.UUID(required=True)


class StatusFields(Schema):
    """op=status. task: started (= in_progress) or submitted; inspection: submitted."""

    status = fields.String(required=True, validate=validate.OneOf(
        ("started", "in_progress", "submitted")))
    correction_reason = fields.String(load_default=None, allow_none=True,
                                      validate=validate.Length(max=1000))


class ConflictSchema(Schema):
    """An edit from a stale base: soft (merged) or hard (both values kept)."""

    id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("soft", "hard")))
    status = fields.String(required=True, metadata={"description": "merged, open, resolved"})
    entity = fields.String(required=True)
    entity_id = fields.String(required=True)
    district = fields.String(required=True)
    mutation_id = fields.UUID(required=True)
    user_id = fields.UUID(required=True)
    device_id = fields.String(required=True)
    base_version = fields.Integer(required=True)
    server_version = fields.Integer(required=True)
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields",
                          metadata={"description": "The overlapping fields"})
    server_values = fields.Dict(required=True)
    tablet_values = fields.Dict(required=True)
    merged_fields = fields.List(fields.String(), required=True)
    created_at = Moment(required=True, metadata={"description": "When the server received "
                                                 "the edit"})
    tablet_recorded_at = Moment(required=True, allow_none=True, metadata={
        "description": "When the tablet recorded the edit (its clock, the mutation's "
                       "recorded_at); null if the tablet did not say or the conflict was "
                       "stored before this was kept"})
    resolved_by = fields.UUID(allow_none=True)
    resolved_at = Moment(allow_none=True)
    resolution = fields.Dict(allow_none=True)


class ConflictQuerySchema(Schema):
    """Filters of GET /sync/conflicts."""

    status = fields.String(load_default="open",
                           validate=validate.OneOf(("open", "resolved", "merged", "all")))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class HeldMutationSchema(Schema):
    """A mutation a tablet sent that waits for a record not arrived (answered `pending`)."""

    mutation_id = fields.UUID(required=True)
    user_id = fields.UUID(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True, metadata={"description": "The sender's name"})
    district = fields.String(required=True, metadata={"description": "The sender's district "
                                                      "now"})
    device_id = fields.String(required=True)
    entity = fields.String(required=True)
    entity_id = fields.String(required=True)
    op = fields.String(required=True, allow_none=True)
    waits_for = fields.String(required=True, metadata={
        "description": "The record it waits for, as entity:id"})
    received_at = Moment(required=True, metadata={"description": "When the server received "
                                                  "it"})
    expires_at = Moment(required=True, metadata={
        "description": "From when it may be rejected (410, its record never arrived) unless "
                       "that record arrives first: received_at + SYNC_HELD_EXPIRY_DAYS; the "
                       "hourly job sync.expire_held rejects it at its first run after that"})


class HeldQuerySchema(Schema):
    """Filters of GET /sync/held."""

    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class ResolveSchema(Schema):
    """Body of POST /sync/conflicts/<id>/resolve."""

    choice = fields.String(required=True, validate=validate.OneOf(("server", "tablet", "merged")))
    values = fields.Dict(load_default=dict, metadata={
        "description": "merged: the value of each conflicting field"})
