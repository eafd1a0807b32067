"""Scheduled jobs: the declared jobs and the record of their runs."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.common import Moment


class JobRunSchema(Schema):
    """One recorded run of a job."""

    id = fields.UUID()
    job_id = fields.String()
    runner = fields.String()
    started_at = Moment()
    finished_at = Moment(allow_none=True)
    outcome = fields.String(metadata={"description": "running, ok, alert, failed, unavailable"})
    counts = fields.Dict()
    error = fields.String(allow_none=True)


class JobSchema(Schema):
    """A declared job and its latest run."""

    id = fields.String()
    description = fields.String()
    target = fields.String()
    trigger = fields.String()
    last_run = fields.Nested(JobRunSchema, allow_none=True)


class JobsSchema(Schema):
    """GET /jobs."""

    jobs = fields.List(fields.Nested(JobSchema))
    runs = fields.List(fields.Nested(JobRunSchema))


class JobsQuerySchema(Schema):
    """Filters of GET /jobs."""

    job_id = fields.String(validate=validate.Length(max=60))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
