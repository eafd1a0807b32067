"""Penalty cases: filing, procedure steps, deadline changes, and the case as returned."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.common import Day, Moment, PageQuerySchema, PageSchema

STATES = ("filed", "investigating", "legal_review", "notified", "hearing", "decided", "served",
          "paid", "enforced", "not_penalised", "closed", "archived")
# the reasons for notifying again (server/cases/renotice.py REASONS; `statements` is refused)
RENOTICE_REASONS = ("new_facts", "facts_corrected", "basis_corrected", "statements")
TEXT = validate.Length(min=1, max=4000)
FEN = validate.Range(min=0, max=10**13)


class CaseCreateSchema(Schema):
    """POST /cases: one party's violations; groups of violation ids that are one act."""

    violation_ids = fields.List(fields.UUID(), required=True,
                                validate=validate.Length(min=1, max=50))
    same_act = fields.List(fields.List(fields.UUID(), validate=validate.Length(min=2)),
                           load_default=list)
    complex = fields.Boolean(load_default=False)
    filing_extension_approved = fields.Boolean(load_default=False)
    late_reason = fields.String(load_default=None, allow_none=True, validate=TEXT)
    summary = fields.String(load_default=None, allow_none=True, validate=TEXT)


class CasePersonSchema(Schema):
    """A named person, optionally a user of the system."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    user_id = fields.UUID(load_default=None, allow_none=True)


class CaseEducationSchema(Schema):
    """The education given to a party not penalised (处罚法 Art. 33 ¶3)."""

    on = Day(required=True, metadata={"description": (
        "the day the education was given; the decision (decided or not_penalised) states it, "
        "so it is on or before the decision's day (the step's on, today when left out), "
        "else 422")})
    method = fields.String(required=True, validate=validate.Length(min=1, max=100))
    content = fields.String(required=True, validate=TEXT)
    educated_person = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Length(max=60))


class CaseActFineSchema(Schema):
    """The fine intended (notice) or decided for one act of the case (处罚法 第29条: one fine
    per act)."""

    act = fields.Integer(required=True, validate=validate.Range(min=1, max=50))
    fine_fen = fields.Integer(required=True, validate=validate.Range(min=1, max=10**13))


class CaseTransitionSchema(Schema):
    """POST /cases/<id>/transitions: the next state and what that step needs."""

    to = fields.String(required=True, validate=validate.OneOf(STATES))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    on = Day(load_default=None)
    intended_fen = fields.Integer(validate=FEN)
    review_opinion = fields.String(validate=TEXT)
    mitigation = fields.String(validate=TEXT, metadata={
        "description": "Ground for a fine below the statutory minimum (减轻处罚, 处罚法 第32条)"})
    hearing_notice_on = Day()
    hearing_on = Day()
    chair = fields.Nested(CasePersonSchema)
    hearing_place = fields.String(validate=validate.Length(min=1, max=200), metadata={
        "description": "hearing: where the hearing is held, stated in the hearing notice with "
                       "its time (处罚法 第64条第2项); required for a new hearing"})
    fine_fen = fields.Integer(validate=FEN)
    act_fines = fields.List(fields.Nested(CaseActFineSchema), validate=validate.Length(
        min=1, max=50), metadata={"description": (
            "notified: the intended fine of each act, adding up to intended_fen; decided: the "
            "fine of each act, adding up to fine_fen. One entry per act the rules fine, an act "
            "they only may fine is fined when listed (处罚法 第29条、第33条). Needed when several "
            "acts may be fined and the total is not the proposed one (nor, decided, the "
            "notice's). A decision fines no act the notice left unfined, and no act above its "
            "noticed fine (第44条)")})
    statements = fields.String(validate=TEXT)
    rights_waived = fields.Boolean()
    hearing_record = fields.String(validate=TEXT)
    method = fields.String(validate=validate.Length(min=1, max=40))
    recipient = fields.String(validate=validate.Length(min=1, max=60))
    consent = fields.Boolean()
    amount_fen = fields.Integer(validate=FEN)
    measure = fields.String(validate=validate.Length(min=1, max=100))
    reason = fields.String(validate=TEXT)
    education = fields.Nested(CaseEducationSchema)
    renotice_reason = fields.String(validate=validate.OneOf(RENOTICE_REASONS), metadata={
        "description": "notified, from notified or hearing (重新告知, before any decision): why "
                       "the party is notified again: new_facts (found after the notice), "
                       "facts_corrected, basis_corrected (the legal basis). The new notice "
                       "replaces the intended fine and the notice day (the reply period, the "
                       "hearing right and the decision's limit follow it); a hearing asked for "
                       "under the earlier notice lapses (it may be asked for again). "
                       "`statements` (the party's statements or defence) is refused: they never "
                       "make the penalty heavier (处罚法 第45条)"})
    renotice_note = fields.String(validate=TEXT, metadata={
        "description": "notified again: what was found or corrected (required with "
                       "renotice_reason)"})


class CaseExtensionSchema(Schema):
    """POST /cases/<id>/extensions: an approved extension of the decision deadline."""

    version = fields.Integer(required=True, validate=validate.Range(min=1))
    approval = fields.String(required=True, validate=validate.OneOf(("approval", "collective")))
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=30))
    on = Day(load_default=None, metadata={"description": (
        "the day of the approval; today (Asia/Shanghai) when left out. Not after today and "
        "not before the case's filing day (else 422), and not after the decision deadline "
        "as it stands with the extensions and excluded periods so far (else 409: a passed "
        "deadline can no longer be extended)")})
    reason = fields.String(required=True, validate=TEXT)


class CaseSuspensionSchema(Schema):
    """POST /cases/<id>/suspensions: a period excluded from the decision deadline."""

    version = fields.Integer(required=True, validate=validate.Range(min=1))
    kind = fields.String(required=True,
                         validate=validate.OneOf(("testing", "appraisal", "suspension")))
    start = Day(required=True)
    end = Day(load_default=None, allow_none=True, metadata={
        "description": "The period's last day; left out (or null) while its cause lasts: the "
                       "case is suspended, its decision deadline does not run, until the end "
                       "is recorded (POST /cases/<id>/suspensions/end). One open at a time"})
    reason = fields.String(required=True, validate=TEXT)


class CaseSuspensionEndSchema(Schema):
    """POST /cases/<id>/suspensions/end: the end of the case's open suspension."""

    version = fields.Integer(required=True, validate=validate.Range(min=1))
    end = Day(required=True, metadata={
        "description": "The suspension's last day: not before its start, not after today; "
                       "the decision deadline runs again from the next day"})


class CaseListQuerySchema(PageQuerySchema):
    """Filters and page of GET /cases."""

    due_within = fields.Integer(validate=validate.Range(min=0, max=366))
    state = fields.String(validate=validate.OneOf(STATES))
    enterprise_id = fields.UUID()


class CaseDeadlineSchema(Schema):
    """One statutory deadline of the case."""

    name = fields.String(required=True)
    due = Day(required=True)
    basis = fields.String(required=True)
    owner = fields.String(required=True)
    kind = fields.String(required=True)
    days = fields.Integer(required=True, metadata={
        "description": "The period in days of its kind, from the day after the event (the "
                       "decision's: 90, plus extensions and excluded periods); `due` may lie "
                       "later when the period ends on a non-working day"})
    done_on = Day(allow_none=True)
    status = fields.String(required=True)
    days_left = fields.Integer(allow_none=True, metadata={
        "description": "While open: days to the end in the deadline's own kind (working days "
                       "for a working-day period); 0 on the last day, negative when overdue"})


class CaseViolationSchema(Schema):
    """A violation of the case with the rules' answer at filing."""

    violation_id = fields.UUID(required=True)
    act = fields.Integer(required=True)
    code = fields.String(required=True)
    outcome = fields.String(required=True)
    amount_fen = fields.Integer(allow_none=True)
    would_be_fen = fields.Integer(allow_none=True)
    basis = fields.String(allow_none=True)


class CaseEventSchema(Schema):
    """One step of the case's history."""

    seq = fields.Integer(required=True)
    event = fields.String(required=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(required=True)
    on = Day(required=True)
    details = fields.Dict(required=True)
    actor_id = fields.UUID(allow_none=True)
    at = Moment(required=True)


class CasePaymentSchema(Schema):
    """What is owed if paid today: the fine and the late surcharge (capped at the fine)."""

    due = Day(required=True)
    late_days = fields.Integer(required=True)
    surcharge_fen = fields.Integer(required=True)
    owed_fen = fields.Integer(required=True)


class CaseSchema(Schema):
    """A penalty case with its numbers, amounts, dates, deadlines and history."""

    id = fields.UUID(required=True)
    filing_number = fields.String(required=True)
    decision_number = fields.String(allow_none=True)
    district = fields.String(required=True)
    enterprise_id = fields.UUID(required=True)
    party_type = fields.String(required=True)
    state = fields.String(required=True)
    version = fields.Integer(required=True)
    allowed_transitions = fields.List(fields.String(), required=True)
    discovered_on = Day(required=True)
    filed_on = Day(required=True)
    complex = fields.Boolean(required=True)
    legal_review_required = fields.Boolean(required=True)
    hearing_eligible = fields.Boolean(required=True)
    hearing_offered = fields.Boolean(required=True, metadata={
        "description": "Whether the notice offers a hearing: eligible, or the threshold that "
                       "would withhold it is unconfirmed"})
    hearing_threshold = fields.Dict(allow_none=True, metadata={
        "description": "{min_fen, verified}: the 较大数额罚款 (处罚法 第63条) of the catalogue in "
                       "force at filing; unverified, it never refuses a hearing request"})
    statutory_range_fen = fields.List(fields.Integer(), allow_none=True, metadata={
        "description": "[min, max] of the case's fine in law (one fine per act); null when a "
                       "provision's range is unknown"})
    acts = fields.List(fields.Dict(), required=True)
    violations = fields.List(fields.Nested(CaseViolationSchema), required=True)
    proposed_fen = fields.Integer(allow_none=True)
    would_be_fen = fields.Integer(required=True)
    intended_fen = fields.Integer(allow_none=True)
    fine_fen = fields.Integer(allow_none=True)
    surcharge_fen = fields.Integer(required=True)
    paid_fen = fields.Integer(allow_none=True)
    notice_on = Day(allow_none=True)
    hearing_on = Day(allow_none=True)
    decided_on = Day(allow_none=True)
    served_on = Day(allow_none=True)
    paid_on = Day(allow_none=True)
    closed_on = Day(allow_none=True)
    archived_on = Day(allow_none=True)
    archive_sha256 = fields.String(allow_none=True, metadata={
        "description": "SHA-256 of the case file (ZIP) stored at archiving; every export of "
                       "the archived case returns exactly that file"})
    steps = fields.Dict(required=True)
    extensions = fields.List(fields.Dict(), required=True)
    suspensions = fields.List(fields.Dict(), required=True, metadata={
        "description": "Periods excluded from the decision deadline: kind, start, end (null "
                       "while open), reason"})
    suspended_since = Day(allow_none=True, metadata={
        "description": "The start of the open suspension (中止中): the decision deadline "
                       "does not run (its status `suspended`; its `due` the earliest it can "
                       "fall, were the suspension ended today)"})
    deadlines = fields.List(fields.Nested(CaseDeadlineSchema), required=True)
    next_due_on = Day(allow_none=True)
    payment = fields.Nested(CasePaymentSchema, allow_none=True)
    daily_penalty = fields.Dict(allow_none=True)
    daily_penalty_fen = fields.Integer(required=True)
    history = fields.List(fields.Nested(CaseEventSchema))
    created_at = Moment(required=True)
    updated_at = Moment(required=True)


class CasePageSchema(PageSchema):
    """A page of cases."""

    items = fields.List(fields.Nested(CaseSchema))


MAX_DAILY_ROUNDS = 100  # rounds one daily penalty counts (the console's form grows to as many)


class CaseDailyRoundSchema(Schema):
    """A correction order served, then a re-inspection that found the act continuing."""

    order_served_on = Day(required=True)
    reinspected_on = Day(required=True)


class CaseDailyPenaltySchema(Schema):
    """POST /cases/<id>/daily-penalties: the rounds counted for 按日连续处罚."""

    version = fields.Integer(required=True, validate=validate.Range(min=1))
    on = Day(load_default=None)
    rounds = fields.List(fields.Nested(CaseDailyRoundSchema), required=True,
                         validate=validate.Length(min=1, max=MAX_DAILY_ROUNDS))
    production_restricted_on = Day(load_default=None, allow_none=True)
    act = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=1, max=50), metadata={"description": "the continuing act, when several fined acts "
                                  "have a provision for a daily penalty"})


class CaseDocumentQuerySchema(Schema):
    """GET /cases/<id>/documents/<form>: the file format."""

    format = fields.String(load_default="pdf", validate=validate.OneOf(("pdf", "docx")))


class CasefileKeySchema(Schema):
    """A public key case files are signed with (casefile/v2)."""

    key_id = fields.String(required=True, metadata={
        "description": "The id manifests name: the first 32 hex digits of the SHA-256 of the "
                       "key's DER SubjectPublicKeyInfo (openssl pkey -pubin -outform DER | "
                       "sha256sum)"})
    algorithm = fields.String(required=True, validate=validate.OneOf(("Ed25519",)))
    public_key_pem = fields.String(required=True, metadata={
        "description": "The public key, PEM (SubjectPublicKeyInfo), as OpenSSL reads it"})
    status = fields.String(required=True, validate=validate.OneOf(("current", "retired")),
                           metadata={"description": "current: signs new case files; retired: "
                                                    "only verifies files signed before a "
                                                    "rotation"})
    signing_since = fields.String(required=True, allow_none=True, metadata={
        "description": "When the key started signing, as the bureau recorded it "
                       "(CASEFILE_KEY_DATES): an ISO 8601 date, or a date-time in UTC; null "
                       "when not recorded",
        "example": "2024-03-01"})
    retired_at = fields.String(required=True, allow_none=True, metadata={
        "description": "When the key was retired (it signs nothing since), as the bureau "
                       "recorded it (CASEFILE_KEY_DATES): an ISO 8601 date, or a date-time in "
                       "UTC; null for the current key and when not recorded",
        "example": "2026-11-28T02:00:00+00:00"})


class CasefileKeysSchema(Schema):
    """Every public key case files verify with, the current one first."""

    format = fields.String(required=True, metadata={"example": "casefile/v2"})
    keys = fields.List(fields.Nested(CasefileKeySchema), required=True)


class CaseExportSchema(Schema):
    """A case-file export and how far it has come."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    status = fields.String(required=True)
    purpose = fields.String(required=True, metadata={
        "description": "request, or archive: queued by the archive step to build the copy"})
    progress = fields.Float(required=True)
    download_url = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)
    manifest_sha256 = fields.String(allow_none=True)
    members = fields.Integer(allow_none=True)
    archived_copy = fields.Boolean(required=True, metadata={
        "description": "True when the file is the archived case's stored copy"})
    archive_sha256 = fields.String(allow_none=True, metadata={
        "description": "SHA-256 of the whole ZIP when it is the archived copy"})
    error = fields.String(allow_none=True)
    created_at = Moment(required=True)
    finished_at = Moment(allow_none=True)
    expires_at = Moment(allow_none=True, metadata={
        "description": "When the finished ZIP is deleted (CASE_EXPORT_TTL_HOURS after it was "
                       "built); afterwards status is expired and the download answers 410"})
