"""Inspection records and violations: what tablets send and get back."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from schemas.common import AwareMoment, Day, Moment, PageQuerySchema, check_signed_or_refused

SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="a lowercase hex SHA-256 digest")


class LocationSchema(Schema):
    """A position from the device, in the coordinate system it names (stored as WGS-84)."""

    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    accuracy_m = fields.Float(load_default=None, allow_none=True,
                              validate=validate.Range(min=0, max=100_000))
    crs = fields.String(load_default="wgs84", validate=validate.OneOf(("wgs84", "gcj02")),
                        metadata={"description": "wgs84 (GNSS), or gcj02 as Amap/Tencent "
                                                 "location SDKs give it: converted on arrival; "
                                                 "always wgs84 as returned"})


class PersonSchema(Schema):
    """Someone present at the inspection."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    role = fields.String(load_default="", validate=validate.Length(max=60))
    organisation = fields.String(load_default="", validate=validate.Length(max=120))


class ChecklistAnswerSchema(Schema):
    """One answered checklist item."""

    item = fields.String(required=True, validate=validate.Length(min=1, max=80))
    answer = fields.String(required=True, validate=validate.OneOf(("yes", "no", "na")))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class SignatureSchema(Schema):
    """A signature (an evidence item of kind signature) or a recorded refusal to sign."""

    signer = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.String(required=True, validate=validate.OneOf(("officer", "party", "witness")))
    # No default: a signature without it keeps the shape it had before the field existed, so
    # merge bases kept then still equal the same signature now.
    signer_user_id = fields.UUID(allow_none=True, metadata={
        "description": "An officer's signature: the user id of the officer on the record who "
                       "signed (one of `officers[].user_id`). Absent (older tablets): the "
                       "officer is found by `signer`, which must then name exactly one of the "
                       "record's officers. Only on officer signatures; absent when not sent"})
    evidence_sha256 = fields.String(load_default=None, allow_none=True, validate=SHA256)
    refused = fields.Boolean(load_default=False)
    refusal_reason = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=500))

    @validates_schema
    def _signed_or_refused(self, data: dict, **_kwargs) -> None:
        check_signed_or_refused(data)
        if data.get("signer_user_id") and data["role"] != "officer":
            raise ValidationError("only an officer's signature names the officer's user id",
                                  "signer_user_id")

    @post_load
    def _no_null_signer(self, data: dict, **_kwargs) -> dict:
        if data.get("signer_user_id", False) is None:  # null is the same as not sent
            del data["signer_user_id"]
        return data


class InspectionFields(Schema):
    """Fields a tablet may set on an inspection record."""

    enterprise_id = fields.UUID(required=True)
    task_id = fields.UUID(load_default=None, allow_none=True)
    inspector_ids = fields.List(fields.UUID(), required=True,
                                validate=validate.Length(min=2, max=10),
                                metadata={"description": "At least two certified officers"})
    started_at = AwareMoment(required=True)
    ended_at = AwareMoment(load_default=None, allow_none=True)
    checkin = fields.Nested(LocationSchema, load_default=None, allow_none=True)
    people_present = fields.List(fields.Nested(PersonSchema), load_default=list,
                                 validate=validate.Length(max=50))
    checklist = fields.List(fields.Nested(ChecklistAnswerSchema), load_default=list,
                            validate=validate.Length(max=500))
    findings = fields.String(load_default="", validate=validate.Length(max=20_000))
    signatures = fields.List(fields.Nested(SignatureSchema), load_default=list,
                             validate=validate.Length(max=20))


class InspectionCreateSchema(InspectionFields):
    """Body of POST /inspections: the tablet's UUID makes a retry harmless."""

    id = fields.UUID(required=True)


class InspectionUpdateSchema(InspectionFields):
    """Body of PATCH /inspections/<id>; a submitted record needs a correction reason."""

    version = fields.Integer(required=True, validate=validate.Range(min=1))
    correction_reason = fields.String(load_default=None, allow_none=True,
                                      validate=validate.Length(min=1, max=1000))


class EvidenceCheckSchema(Schema):
    """A cited evidence item: uploaded or not, and where and when it was taken."""

    sha256 = fields.String(required=True)
    present = fields.Boolean(required=True)
    kind = fields.String()
    captured_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    gps = fields.Dict(allow_none=True)
    distance_to_site_m = fields.Float(allow_none=True)
    flags = fields.List(fields.String(), required=True, metadata={
        "description": "missing, no_gps, no_capture_time, outside_site, "
                       "captured_outside_inspection, location_mismatch, and the photo's own "
                       "flags"})


class VersionSchema(Schema):
    """The version the client read (optimistic lock)."""

    version = fields.Integer(required=True, validate=validate.Range(min=1))


class OfficerSchema(Schema):
    """An officer on the record, with the certificate shown."""

    user_id = fields.UUID(required=True)
    name = fields.String(required=True)
    certificate_no = fields.String(required=True)
    certificate_expires = fields.String(required=True, metadata={"format": "date"})


class InspectionSchema(InspectionCreateSchema):
    """An inspection record as returned."""

    officers = fields.List(fields.Nested(OfficerSchema), dump_only=True)
    district = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"description": "draft or submitted"})
    evidence_checks = fields.List(fields.Nested(EvidenceCheckSchema), dump_only=True)
    missing_evidence = fields.List(fields.String(), dump_only=True)
    submitted_at = Moment(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)
    created_at = Moment(dump_only=True)
    updated_at = Moment(dump_only=True)


class RevisionSchema(Schema):
    """An earlier version of a corrected record."""

    version = fields.Integer(required=True)
    replaced_by_version = fields.Integer(required=True)
    reason = fields.String(required=True)
    corrected_by = fields.UUID(required=True)
    corrected_at = Moment(required=True)
    content = fields.Dict(required=True)


class FactsSchema(Schema):
    """The facts the waiver and penalty rules need: true/false, or missing while unknown."""

    first_offence = fields.Boolean(allow_none=True, metadata={
        "description": "The inspector's claim; the server computes its own from history"})
    corrected_on_spot = fields.Boolean(allow_none=True, metadata={"description": "当场整改"})
    corrected_in_time = fields.Boolean(allow_none=True, metadata={"description": "及时纠正"})
    corrected_on = Day(allow_none=True, metadata={"description": "Day it was corrected"})
    harmful_consequence = fields.Boolean(allow_none=True, metadata={"description": "危害后果"})
    harm_minor = fields.Boolean(allow_none=True, metadata={"description": "危害后果轻微"})
    stopped_and_restored = fields.Boolean(allow_none=True,
                                          metadata={"description": "停止建设并恢复原状"})
    minor = fields.Boolean(allow_none=True, metadata={"description": "违法行为轻微"})
    no_fault = fields.Boolean(allow_none=True, metadata={"description": "没有主观过错"})
    not_corrected_by_deadline = fields.Boolean(allow_none=True)
    refused_correction = fields.Boolean(allow_none=True)
    life_health_or_financial_harm = fields.Boolean(allow_none=True)


class BasesSchema(Schema):
    """Amounts some fine shapes are computed from (yuan, integers)."""

    investment_yuan = fields.Integer(validate=validate.Range(min=0, max=10**13))
    disposal_cost_yuan = fields.Integer(validate=validate.Range(min=0, max=10**12))
    instances = fields.Integer(validate=validate.Range(min=1, max=10_000))


class ViolationFields(Schema):
    """Fields a tablet may set on a violation."""

    inspection_id = fields.UUID(required=True)
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Z][A-Z0-9_]{1,39}$"),
                         metadata={"description": "Catalogue code, e.g. AIR_VOC"})
    occurred_on = Day(required=True)
    continuing = fields.Boolean(load_default=False, metadata={
        "description": "A continuing act (持续状态): its limitation runs from its end "
                       "(处罚法 第36条)"})
    ended_on = Day(load_default=None, allow_none=True, metadata={
        "description": "The day a continuing act ended; none while it goes on"})
    party_type = fields.String(load_default="organisation",
                               validate=validate.OneOf(("organisation", "individual")))
    location = fields.Nested(LocationSchema, load_default=None, allow_none=True)
    description = fields.String(load_default="", validate=validate.Length(max=20_000))
    facts = fields.Nested(FactsSchema, load_default=dict)
    bases = fields.Nested(BasesSchema, load_default=dict)
    factors = fields.Dict(keys=fields.String(validate=validate.Length(max=60)),
                          values=fields.Integer(validate=validate.Range(min=1, max=5)),
                          load_default=dict, metadata={"description": "Discretion grades 1–5"})
    mitigation = fields.List(fields.String(validate=validate.Length(max=60)), load_default=list,
                             validate=validate.Length(max=10), metadata={
                                 "description": "处罚法 Art. 32 grounds that apply"})
    evidence = fields.List(fields.String(validate=SHA256), load_default=list,
                           validate=validate.Length(max=200))


class ViolationCreateSchema(ViolationFields):
    """Body of POST /violations."""

    id = fields.UUID(required=True)


class ViolationUpdateSchema(ViolationFields):
    """Body of PATCH /violations/<id>: changed facts are re-evaluated."""

    version = fields.Integer(required=True, validate=validate.Range(min=1))


class ViolationSchema(ViolationCreateSchema):
    """A violation as returned, with the server's own first-offence finding and geo checks."""

    enterprise_id = fields.UUID(dump_only=True)
    district = fields.String(dump_only=True)
    discovered_on = Day(dump_only=True)
    first_offence = fields.Boolean(dump_only=True, metadata={
        "description": "Computed by the server from its own history"})
    first_offence_disagreement = fields.String(dump_only=True, allow_none=True)
    distance_to_site_m = fields.Float(dump_only=True, allow_none=True)
    flags = fields.List(fields.String(), dump_only=True)
    evidence_checks = fields.List(fields.Nested(EvidenceCheckSchema), dump_only=True)
    missing_evidence = fields.List(fields.String(), dump_only=True)
    decision = fields.Dict(dump_only=True, allow_none=True,
                           metadata={"description": "The rules engine's latest decision"})
    version = fields.Integer(dump_only=True)
    created_at = Moment(dump_only=True)
    updated_at = Moment(dump_only=True)


class ViolationListQuerySchema(PageQuerySchema):
    """Filters and page of GET /violations."""

    inspection_id = fields.UUID()
    enterprise_id = fields.UUID()


class InspectionListQuerySchema(PageQuerySchema):
    """Filters and page of GET /inspections."""

    enterprise_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(("draft", "submitted")))
