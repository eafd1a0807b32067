"""The tablet sync contract (DESIGN.md §5): what pull returns and what push accepts and answers.

Shared by the server (server/sync) and the tablet engine (offline_sync); imports neither.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

PULL_ENTITIES = (
    "enterprise",  # the enterprises of the user's district and of their tasks, with sites
    "task",  # inspection tasks assigned to the user
    "checklist_template",
    "catalogue_entry",  # one violation-catalogue code
    "rule_set",  # rule sets in force
    "inspection",  # the user's own inspection records
    "violation",  # violations on those records
    "evidence",  # metadata of evidence the user uploaded or their records cite
)
PULL_OPS = ("upsert", "delete", "revoke")

PUSH_ENTITIES = (
    "inspection",
    "violation",
    "evidence_link",  # attach an uploaded (or still uploading) evidence item by SHA-256
    "signature",
    "checklist_answer",
    "task",  # status changes an inspector may make: started, submitted
)
PUSH_OPS = ("create", "update", "delete", "status")
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
                       metadata={"description": "The record's client-generated id"})
    base_version = fields.Integer(load_default=None, allow_none=True,
                                  validate=validate.Range(min=0),
                                  metadata={"description": "The server version the edit was "
                                                           "made on; null for a create"})
    values = fields.Dict(data_key="fields", load_default=dict, metadata={
        "description": "Changed fields only (update) or the whole record (create)"})
    recorded_at = fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "When the tablet recorded the edit (its clock)"})


class PushRequestSchema(Schema):
    """Body of POST /sync/push."""

    device_id = fields.String(required=True, validate=validate.Length(min=1, max=120))
    mutations = fields.List(fields.Nested(MutationSchema), required=True,
                            validate=validate.Length(min=1, max=MAX_BATCH))


class MutationResultSchema(Schema):
    """The outcome of one mutation, in request order."""

    mutation_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(RESULT_STATUSES), metadata={
        "description": "applied; duplicate (the first result is in `first`); conflict; "
                       "rejected (see `problem`); pending (held until its create arrives)"})
    entity = fields.String(required=True)
    id = fields.String(required=True)
    version = fields.Integer(allow_none=True)
    first = fields.Dict(metadata={"description": "duplicate: the first result, replayed"})
    conflict_id = fields.String(allow_none=True)
    conflict = fields.String(validate=validate.OneOf(("soft", "hard")), metadata={
        "description": "soft: merged field-wise; hard: kept side by side for a supervisor"})
    conflicting_fields = fields.List(fields.String())
    server = fields.Dict(allow_none=True, metadata={"description": "The server's copy"})
    problem = fields.Dict(allow_none=True, metadata={"description": "RFC 9457 details"})


class PushResponseSchema(Schema):
    """Body of POST /sync/push."""

    results = fields.List(fields.Nested(MutationResultSchema), required=True)
