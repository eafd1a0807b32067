"""The rules engine over HTTP: evaluation requests and answers, rule-set versions."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from schemas.common import Day, Moment

FACT = fields.Boolean(allow_none=True)


class EvaluateFactsSchema(Schema):
    """Facts as established (missing or null: unknown, never the same as false)."""

    first_offence = fields.Boolean(allow_none=True)
    corrected_in_time = fields.Boolean(allow_none=True)
    corrected_on_spot = fields.Boolean(allow_none=True)
    corrected_on = Day(allow_none=True)
    harmful_consequence = fields.Boolean(allow_none=True)
    harm_minor = fields.Boolean(allow_none=True)
    stopped_and_restored = fields.Boolean(allow_none=True)
    minor = fields.Boolean(allow_none=True)
    no_fault = fields.Boolean(allow_none=True)
    not_corrected_by_deadline = fields.Boolean(allow_none=True)
    refused_correction = fields.Boolean(allow_none=True)
    life_health_or_financial_harm = fields.Boolean(allow_none=True)


class EvaluateBaseSchema(Schema):
    """Amounts some fine shapes need (yuan) and the number of instances."""

    investment_yuan = fields.Integer(validate=validate.Range(min=0, max=10**13))
    disposal_cost_yuan = fields.Integer(validate=validate.Range(min=0, max=10**12))
    instances = fields.Integer(validate=validate.Range(min=1, max=10_000))


class PriorViolationSchema(Schema):
    """An earlier violation of the same party."""

    occurred_on = Day(required=True)
    code = fields.String(allow_none=True, validate=validate.Length(max=40))


class EvaluateRequestSchema(Schema):
    """Body of POST /rules/evaluate (the same input the server uses for recorded violations)."""

    violation_code = fields.String(required=True, validate=validate.Length(min=1, max=40),
                                   metadata={"example": "AIR_VOC"})
    occurred_on = Day(required=True)
    decided_on = Day(allow_none=True)
    discovered_on = Day(allow_none=True)
    ended_on = Day(allow_none=True)
    continuing = fields.Boolean()
    party_type = fields.String(validate=validate.OneOf(("organisation", "individual")))
    facts = fields.Nested(EvaluateFactsSchema)
    factors = fields.Dict(keys=fields.String(validate=validate.Length(max=60)),
                          values=fields.Integer(), metadata={"description": "grades 1–5"})
    base = fields.Nested(EvaluateBaseSchema)
    mitigation = fields.List(fields.String(validate=validate.Length(max=60)),
                             validate=validate.Length(max=10))
    prior_violations = fields.List(fields.Nested(PriorViolationSchema), allow_none=True,
                                   validate=validate.Length(max=1000))
    prior_count_within_year = fields.Integer(validate=validate.Range(min=0, max=1000))
    also_violates = fields.List(fields.String(validate=validate.Length(max=40)),
                                validate=validate.Length(max=10))
    waiver_item = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=100))


class LangQuerySchema(Schema):
    """Language of explanations."""

    lang = fields.String(load_default=None, validate=validate.OneOf(("zh", "en")), metadata={
        "description": "zh or en; when absent, the better of the two for the request's "
                       "Accept-Language, else zh"})


class EvaluationSchema(Schema):
    """The engine's answer: waiver, penalty with its trace, limitation, rule-set versions."""

    decision = fields.String(required=True, metadata={
        "description": "fine | waived | pending_correction | may_waive | no_fault | "
                       "time_barred | undetermined"})
    explanation = fields.String(required=True)
    violation = fields.Dict(required=True)
    verified = fields.Boolean(required=True, metadata={
        "description": "false when unconfirmed rule data took part"})
    unverified = fields.List(fields.String(), required=True)
    rule_sets = fields.Dict(required=True)
    waiver = fields.Dict(required=True)
    penalty = fields.Dict(required=True)
    limitation = fields.Dict(required=True)
    warnings = fields.List(fields.String(), required=True)


class DecisionRecordSchema(Schema):
    """A stored decision on a violation (history is kept)."""

    sequence = fields.Integer(required=True)
    violation_version = fields.Integer(required=True)
    rule_sets = fields.List(fields.String(), required=True)
    outcome = fields.String(required=True)
    amount_fen = fields.Integer(allow_none=True)
    would_be_fen = fields.Integer(allow_none=True)
    inputs = fields.Dict(required=True)
    result = fields.Dict(required=True, metadata={"description": "the answer, keyed by language"})
    evaluated_at = Moment(required=True)


class RuleSetVersionSchema(Schema):
    """A rule-set version and whether it is in force today."""

    ref = fields.String(required=True, metadata={"example": "sh-eco-minor-offence-waiver@2020"})
    id = fields.String(required=True)
    version = fields.String(required=True)
    kind = fields.String(required=True, metadata={
        "description": "catalogue, waiver_list, discretion, or checklist (a checklist template "
                       "whose items inspection answers name)"})
    title = fields.String(required=True)
    title_en = fields.String(required=True)
    effective_from = Day(required=True)
    effective_until = Day(allow_none=True)
    verified = fields.Boolean(required=True)
    source = fields.String(required=True)
    in_force_today = fields.Boolean(required=True)


class RuleSetDocumentSchema(Schema):
    """A rule-set document: these header fields plus its kind's body (items, entries, …)."""

    class Meta:
        unknown = INCLUDE  # the kind's body: described as additionalProperties: true

    id = fields.String(required=True)
    version = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.Dict(required=True)
    effective_from = fields.String(required=True, metadata={"format": "date"})
    effective_until = fields.String(allow_none=True, metadata={"format": "date"})
    verified = fields.Boolean(required=True)
    source = fields.String(required=True)


class ImportQuerySchema(Schema):
    """Validate and show the diff only, or store too."""

    dry_run = fields.Boolean(load_default=False)


class ImportResultSchema(Schema):
    """What an import did or would do."""

    ref = fields.String(required=True)
    kind = fields.String(required=True)
    verified = fields.Boolean(required=True)
    supersedes = fields.String(allow_none=True)
    diff = fields.Dict(required=True)
    diff_text = fields.String(required=True)
    stored = fields.Boolean(required=True)
