"""A case's own records: inquiry records (调查询问笔录) and statements/defence (陈述申辩)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas.common import AwareMoment, Day, Moment, check_signed_or_refused

TEXT = validate.Length(min=1, max=4000)
SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="a lowercase hex SHA-256")
ID_TYPES = ("resident_id", "passport", "hk_macao_permit", "taiwan_permit", "other")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id_valid(number: str) -> bool:
    """An 18-digit resident identity number with its GB 11643 (ISO 7064 MOD 11-2) check digit."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


class IntervieweeSchema(Schema):
    """The person questioned: name, identity document, relation to the party."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    id_type = fields.String(required=True, validate=validate.OneOf(ID_TYPES))
    id_number = fields.String(required=True, validate=validate.Length(min=4, max=30))
    relation = fields.String(required=True, validate=validate.Length(min=1, max=60))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))

    @validates_schema
    def _id(self, data: dict[str, Any], **_: Any) -> None:
        if data["id_type"] == "resident_id" and not resident_id_valid(data["id_number"]):
            raise ValidationError("not a valid 18-digit resident identity number",
                                  field_name="id_number")


class QuestionAnswerSchema(Schema):
    """One question and its answer, as written down."""

    q = fields.String(required=True, validate=TEXT)
    a = fields.String(required=True, validate=TEXT)


class InquirySignatureSchema(Schema):
    """The interviewee's signature (an evidence image) or the refusal with its reason."""

    evidence_sha256 = fields.String(load_default=None, allow_none=True, validate=SHA256)
    refused = fields.Boolean(load_default=False)
    refusal_reason = fields.String(load_default=None, allow_none=True, validate=TEXT)

    @validates_schema
    def _signed_or_refused(self, data: dict[str, Any], **_: Any) -> None:
        check_signed_or_refused(data)


class RecorderSignatureSchema(Schema):
    """An officer's signature of the record: the image and when it was made. An officer who
    asked, or the recorder (one of them), signs; neither may refuse or be absent: signing the
    record is their duty (LAW.md §6, SPC evidence rules Art. 15), unlike the interviewee, whose
    refusal is noted with its reason, and an officer not there did not ask (处罚法 第42条)."""

    evidence_sha256 = fields.String(required=True, validate=SHA256, metadata={
        "description": "SHA-256 of the signature image, uploaded first (tus, POST "
                       "/api/v1/uploads/) so that the case's district holds it"})
    signed_at = AwareMoment(required=True, metadata={
        "description": "When it was signed: once the inquiry ended, not in the future"})


class OfficerSignatureSchema(RecorderSignatureSchema):
    """The signature of one officer who asked (询问人)."""

    user_id = fields.UUID(required=True, metadata={"description": "One of `inspector_ids`"})


class InquiryCreateSchema(Schema):
    """POST /cases/<id>/inquiries: one inquiry record."""

    version = fields.Integer(required=True, validate=validate.Range(min=1))
    interviewee = fields.Nested(IntervieweeSchema, required=True)
    started_at = AwareMoment(required=True)
    ended_at = AwareMoment(required=True)
    place = fields.String(required=True, validate=validate.Length(min=1, max=200))
    inspector_ids = fields.List(fields.UUID(), required=True,
                                validate=validate.Length(min=2, max=10))
    recorder_id = fields.UUID(required=True)
    qa = fields.List(fields.Nested(QuestionAnswerSchema), required=True,
                     validate=validate.Length(min=1, max=500))
    signature = fields.Nested(InquirySignatureSchema, required=True)
    officer_signatures = fields.List(
        fields.Nested(OfficerSignatureSchema), required=True,
        validate=validate.Length(min=2, max=10),
        metadata={"description": "One per officer who asked (each of `inspector_ids`)"})
    recorder_signature = fields.Nested(RecorderSignatureSchema, required=True, metadata={
        "description": "The recorder's (记录人), also when the recorder signed as one who "
                       "asked: the same image may sign both lines"})


class InquirySchema(Schema):
    """An inquiry record as returned."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    seq = fields.Integer(required=True)
    interviewee = fields.Dict(required=True)
    started_at = Moment(required=True)
    ended_at = Moment(required=True)
    place = fields.String(required=True)
    officers = fields.List(fields.Dict(), required=True)
    recorder = fields.Dict(required=True)
    qa = fields.List(fields.Dict(), required=True)
    signature = fields.Dict(required=True)
    officer_signatures = fields.List(fields.Dict(), allow_none=True, metadata={
        "description": "user_id, name, evidence_sha256, signed_at of each officer who asked; "
                       "null on a record kept before officers' signatures were recorded"})
    recorder_signature = fields.Dict(allow_none=True, metadata={
        "description": "user_id, name, evidence_sha256, signed_at; null as above"})
    created_by = fields.UUID(required=True)
    created_at = Moment(required=True)


class StatementCreateSchema(Schema):
    """POST /cases/<id>/statements: the party's statement/defence and the bureau's review."""

    version = fields.Integer(required=True, validate=validate.Range(min=1))
    received_on = Day(load_default=None)
    form = fields.String(required=True, validate=validate.OneOf(("written", "oral")))
    made_by = fields.String(required=True, validate=validate.Length(min=1, max=60))
    content = fields.String(required=True, validate=TEXT)
    adopted = fields.String(required=True,
                            validate=validate.OneOf(("accepted", "partly", "rejected")))
    reasoning = fields.String(required=True, validate=TEXT)
    notice = fields.Integer(load_default=None, validate=validate.Range(min=1), metadata={
        "description": "the notice it answers, 1 for the first (第1次告知) and n for the n-th "
                       "after re-notices; received_on lies within that notice's period. "
                       "Default: the latest notice whose period holds received_on"})


class StatementSchema(Schema):
    """A statement as returned, with its review."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    seq = fields.Integer(required=True)
    received_on = Day(required=True)
    form = fields.String(required=True)
    made_by = fields.String(required=True)
    content = fields.String(required=True)
    adopted = fields.String(required=True)
    reasoning = fields.String(required=True)
    notice = fields.Integer(required=True, metadata={
        "description": "the notice it answers: 1 for the first, n for the n-th"})
    reviewed_by = fields.UUID(required=True)
    created_at = Moment(required=True)
