"""Planning: plans, draws, their publication and recusals — what clients send and get."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from schemas.common import Day, Moment
from schemas.enterprise import DISTRICT_CODE, PERMIT_CLASSES

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

SHANGHAI = ZoneInfo("Asia/Shanghai")

RECUSAL_REASONS = ("relative", "direct_interest", "other_relation")
CRON_FIELDS = 5


class PopulationSchema(Schema):
    """Which registered units a plan draws from (empty lists: all)."""

    permit_classes = fields.List(fields.String(validate=validate.OneOf(PERMIT_CLASSES)),
                                 load_default=list, validate=validate.Length(max=3))
    industries = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                             load_default=list, validate=validate.Length(max=100))
    include_positive_list = fields.Boolean(load_default=False, metadata={
        "description": "false: positive-list units get off-site review tasks instead"})


def _ratio_range(value: object) -> None:
    """A ratio lies in (0, 1]."""
    validate.Range(min=0, max=1, min_inclusive=False)(value)


class SampleSchema(Schema):
    """How many units: a count, or a ratio of the population (rounded up)."""

    count = fields.Integer(validate=validate.Range(min=1, max=100_000))
    # Described as the decimal string it is dumped as (apispec would print the Range bounds
    # as strings, which is not valid JSON Schema); a JSON number is accepted on input too.
    ratio = fields.Decimal(as_string=True, places=None, validate=_ratio_range, metadata={
        "type": "string", "pattern": r"^(0?\.[0-9]*[1-9][0-9]*|1(\.0*)?)$", "example": "0.5"})

    @validates_schema
    def _one_of(self, data: dict, **_: object) -> None:
        if ("count" in data) == ("ratio" in data):
            raise ValidationError("give exactly one of count or ratio", "_schema")


class PeriodSchema(Schema):
    """The period the plan covers (inclusive)."""

    start = Day(required=True)
    end = Day(required=True)

    @validates_schema
    def _ordered(self, data: dict, **_: object) -> None:
        if data["end"] < data["start"]:
            raise ValidationError("ends before it starts", "end")


WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")  # crontab's 0-7


def _crontab_weekday(token: str) -> str:
    """One item of crontab's weekday field with its numbers as names (APScheduler 3 counts
    from Monday = 0, crontab from Sunday = 0); an item it cannot read is left for the parser."""
    body, slash, step = token.partition("/")
    if not any(char.isdigit() for char in token) or not (body == "*" or body[:1].isdigit()):
        return token
    try:
        first, dash, last = ("0-6" if body == "*" else body).partition("-")
        start = int(first)
        end = int(last) if dash else (6 if slash else start)
        days = range(start, end + 1, int(step) if slash else 1)
    except ValueError:
        return token
    if not days or not 0 <= start <= end <= 7:
        return token
    return ",".join(dict.fromkeys(WEEKDAY_NAMES[day] for day in days))


def cron_trigger(value: str, timezone: ZoneInfo = SHANGHAI) -> CronTrigger:
    """The APScheduler trigger of a crontab expression, weekdays numbered as crontab does."""
    from apscheduler.triggers.cron import CronTrigger

    fields_ = value.split()
    if len(fields_) == CRON_FIELDS:
        fields_[4] = ",".join(_crontab_weekday(item) for item in fields_[4].split(","))
    return CronTrigger.from_crontab(" ".join(fields_), timezone=timezone)


CRON_FIELDS_MESSAGE = "a cron expression has 5 fields: minute hour day month weekday"
CRON_INVALID_MESSAGE = "not a valid cron expression: "  # the parser's reason follows
CRON_NEVER_MESSAGE = "a cron expression that never fires (no such day in any year)"


def _cron(value: str) -> None:
    if len(value.split()) != CRON_FIELDS:
        raise ValidationError(CRON_FIELDS_MESSAGE)
    try:
        trigger = cron_trigger(value)
    except ValueError as error:
        raise ValidationError(f"{CRON_INVALID_MESSAGE}{error}") from error
    # From the real now, not the server's clock (schemas import nothing of the server): an
    # expression that fires at all fires again within a few years, whatever the day.
    if trigger.get_next_fire_time(None, datetime.now(SHANGHAI)) is None:
        raise ValidationError(CRON_NEVER_MESSAGE)  # e.g. 31 February: valid, yet no draw ever


class PlanCreateSchema(Schema):
    """Body of POST /plans."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    district = fields.String(required=True, validate=DISTRICT_CODE,
                             metadata={"description": "district code, or 310000 city-wide"})
    population = fields.Nested(PopulationSchema, load_default=lambda: PopulationSchema().load({}))
    sample = fields.Nested(SampleSchema, required=True)
    inspectors_per_task = fields.Integer(load_default=2, validate=validate.Range(min=2, max=10))
    cross_district = fields.Boolean(load_default=False, metadata={
        "description": "send inspectors from other districts than the unit's (交叉检查)"})
    period = fields.Nested(PeriodSchema, required=True)
    due_working_days = fields.Integer(load_default=20, validate=validate.Range(min=1, max=250))
    max_open_tasks = fields.Integer(load_default=None, allow_none=True,
                                    validate=validate.Range(min=0, max=1000), metadata={
                                        "description": "inspectors with more open tasks are "
                                                       "left out of the draw (null: no cap)"})
    schedule = fields.String(load_default=None, allow_none=True,
                             validate=[validate.Length(max=100), _cron],  # the column's length
                             metadata={"description": "cron (Asia/Shanghai; weekday 0 or 7 is "
                                                      "Sunday, as in crontab), e.g. '0 9 1 */3 *'",
                                       "example": "0 9 1 */3 *"})


class PlanSchema(Schema):
    """A plan as returned."""

    id = fields.UUID()
    name = fields.String()
    district = fields.String()
    population = fields.Dict()
    sample = fields.Dict()
    inspectors_per_task = fields.Integer()
    cross_district = fields.Boolean()
    period = fields.Method("_period")
    due_working_days = fields.Integer()
    max_open_tasks = fields.Integer(allow_none=True)
    schedule = fields.String(allow_none=True)
    created_at = Moment()

    def _period(self, plan: object) -> dict:
        return {"start": plan.period_start.isoformat(), "end": plan.period_end.isoformat()}


class DrawCreateSchema(Schema):
    """Body of POST /plans/<id>/draws: the server makes the seed; a reason is needed while an
    earlier draw of the plan has units not visited."""

    reason = fields.String(load_default="", validate=validate.Length(max=1000), metadata={
        "description": "why a new draw is made while an earlier draw of the plan still has "
                       "units not visited (required then; audited and published)"})

    @pre_load
    def _no_chosen_seed(self, data: dict, **_kwargs) -> dict:
        # The algorithm and the population are known before the draw: a seed chosen by whoever
        # draws chooses the units (双随机 means random, LAW.md §7).
        if isinstance(data, dict) and "seed" in data:
            raise ValidationError({"seed": [
                "the server makes the seed from its random source; a seed chosen by whoever "
                "draws would choose the units"]})
        return data


class SelectedSchema(Schema):
    """A drawn unit, its inspectors and its task."""

    enterprise_id = fields.String()
    inspectors = fields.List(fields.String())
    task_id = fields.String()
    positive_list = fields.Boolean(dump_default=False, metadata={
        "description": "on the positive list (正面清单): a unit supervised mainly off-site, "
                       "drawn because the plan includes them"})


class DrawSchema(Schema):
    """A draw as returned (confidential until its visits start)."""

    id = fields.UUID()
    plan_id = fields.UUID()
    seed = fields.String()
    algorithm = fields.String()
    population_hash = fields.String()
    planned_date = Day()
    drawn_at = Moment()
    scheduled_for = Moment(allow_none=True)
    reason = fields.String(allow_none=True)
    supersedes = fields.Function(lambda d: d.supersedes or [], metadata={
        "description": "earlier draws of the plan that had units not visited at this draw"})
    population = fields.Function(lambda d: len(d.snapshot["units"]))
    offsite = fields.Function(lambda d: d.snapshot["offsite"])
    selected = fields.List(fields.Nested(SelectedSchema))


class DrawDetailSchema(DrawSchema):
    """A draw with its frozen snapshot."""

    snapshot = fields.Dict()


class VerifySchema(Schema):
    """GET /draws/<id>/verify."""

    draw_id = fields.UUID()
    reproduced = fields.Boolean()
    population_hash_matches = fields.Boolean()
    selection_matches = fields.Boolean()
    algorithm = fields.String()
    seed = fields.String()
    population_hash = fields.String()


class PublishedUnitSchema(Schema):
    """A unit whose inspection has started."""

    enterprise_id = fields.UUID()
    name = fields.String(allow_none=True, metadata={"description": "null if since removed"})
    credit_code = fields.String(allow_none=True)
    district = fields.String()
    inspected_on = Day()
    status = fields.String()
    positive_list = fields.Boolean(metadata={"description": "on the positive list at the draw"})


class PublishedDrawSchema(Schema):
    """A draw as published: seed and snapshot only once every visit has started."""

    draw_id = fields.UUID()
    drawn_at = Moment()
    algorithm = fields.String()
    population_hash = fields.String()
    drawn = fields.Integer()
    pending = fields.Integer()
    cancelled = fields.Integer(metadata={"description": "drawn units cancelled unvisited"})
    complete = fields.Boolean()
    scheduled = fields.Boolean(metadata={"description": "made by the plan's schedule"})
    reason = fields.String(allow_none=True, metadata={
        "description": "why it was drawn while earlier draws had units not visited"})
    supersedes = fields.List(fields.String())
    superseded_by = fields.List(fields.String(), metadata={
        "description": "later draws made while this one had units not visited"})
    seed = fields.String(allow_none=True)
    snapshot = fields.Dict(allow_none=True)
    inspected = fields.List(fields.Nested(PublishedUnitSchema))


class PublicationSchema(Schema):
    """GET /plans/<id>/publication (一公开)."""

    plan_id = fields.UUID()
    name = fields.String()
    district = fields.String()
    period = fields.Nested(PeriodSchema)
    draws = fields.List(fields.Nested(PublishedDrawSchema))


class RecusalCreateSchema(Schema):
    """Body of POST /recusals (inspectors may omit inspector_id: themselves)."""

    inspector_id = fields.UUID(load_default=None, allow_none=True)
    enterprise_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(RECUSAL_REASONS),
                           metadata={"description": "relative 近亲属 / direct_interest 直接利害"
                                                    " / other_relation 其他关系"})
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class RecusalSchema(Schema):
    """A declared conflict."""

    id = fields.UUID()
    inspector_id = fields.UUID(attribute="user_id")
    enterprise_id = fields.UUID()
    district = fields.String()
    reason = fields.String()
    note = fields.String()
    declared_by = fields.UUID(allow_none=True)
    declared_at = Moment()
    affected_tasks = fields.List(fields.UUID(), metadata={
        "description": "open tasks that must be reassigned before they can start"})


class RecusalQuerySchema(Schema):
    """Filters of GET /recusals."""

    enterprise_id = fields.UUID()
