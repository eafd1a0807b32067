"""Bulk import of enterprises: every bad row reported; never a half-imported file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select

from schemas.enterprise import EnterpriseCreateSchema
from server.audit import service as audit
from server.auth.policy import Actor, authorize, in_scope
from server.errors import ValidationFailed
from server.messages import Message
from server.registry.importer import FileProblem, RawRow, read_rows
from server.registry.models import Enterprise
from server.registry.refusals import english, refused, said
from server.registry.service import EDITABLE, validate_fields
from server.uow import unit_of_work

MODES = ("all_or_nothing", "valid_only")


@dataclass
class ImportReport:
    """What an import did."""

    total: int
    imported: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "all_or_nothing"
    dry_run: bool = False
    # each refused row's errors as message keys (or the contract schema's own messages), by
    # line, for a page in the user's language; `rejected` holds them in the API's English
    notes: dict[int, dict[str, list[Any]]] = field(default_factory=dict)


def _english(errors: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """A row's errors as the API says them: message keys in English, the schema's as they are."""
    return {name: [english(item) if isinstance(item, Message) else item for item in items]
            for name, items in errors.items()}


def _check_row(actor: Actor, row: RawRow, schema: EnterpriseCreateSchema) -> dict[str, Any] | None:
    """Structural then domain validation of one row; errors land on the row."""
    try:
        data = schema.load(row.fields)
    except ValidationError as error:
        row.errors.update({k: v if isinstance(v, list) else [v]
                           for k, v in error.normalized_messages().items()})
        return None
    if row.errors:
        return None
    if not in_scope(actor, data["district"]):
        row.errors["district"] = [said("row_field.outside", scope=actor.scope)]
        return None
    errors, derived = validate_fields(data)
    if errors:
        row.errors.update(errors)
        return None
    return {k: data[k] for k in EDITABLE if k in data} | derived


def _mark_duplicates(session, rows: list[RawRow], checked: dict[int, dict[str, Any]]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        data = checked.get(row.line)
        if data is None:
            continue
        code = data["credit_code"]
        if code in seen:
            row.errors["credit_code"] = [said("row_field.duplicate", line=seen[code])]
        else:
            seen[code] = row.line
    existing = set(session.scalars(select(Enterprise.credit_code).where(
        Enterprise.credit_code.in_(list(seen)), Enterprise.deleted_at.is_(None))))
    for row in rows:
        data = checked.get(row.line)
        if data is not None and data["credit_code"] in existing:
            row.errors["credit_code"] = [said("enterprise_field.registered")]


def import_enterprises(
    actor: Actor,
    data: bytes,
    filename: str,
    mode: str = "all_or_nothing",
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate every row, then import all of them, or only the valid ones if asked."""
    authorize(actor, "enterprise.import")
    if mode not in MODES:
        raise refused(ValidationFailed, said("import.mode"),
                      {"mode": said("import_field.mode", modes=str(MODES))})
    try:
        rows = read_rows(data, filename)
    except FileProblem as problem:
        raise refused(ValidationFailed, said("import.unreadable", problem=problem.message),
                      {"file": problem.message}) from problem
    schema = EnterpriseCreateSchema()
    report = ImportReport(total=len(rows), mode=mode, dry_run=dry_run)
    with unit_of_work() as session:
        checked: dict[int, dict[str, Any]] = {}
        for row in rows:
            if (result := _check_row(actor, row, schema)) is not None:
                checked[row.line] = result
            if progress:
                progress(1)
        _mark_duplicates(session, rows, checked)
        report.rejected = [{"line": r.line, "credit_code": r.fields.get("credit_code"),
                            "errors": _english(r.errors)} for r in rows if r.errors]
        report.notes = {r.line: r.errors for r in rows if r.errors}
        good = [checked[r.line] for r in rows if not r.errors]
        if dry_run or (report.rejected and mode == "all_or_nothing"):
            session.rollback()
            return report
        for values in good:
            enterprise = Enterprise(**values)
            session.add(enterprise)
            session.flush()
            audit.record(actor, "enterprise.create", "enterprise", enterprise.id,
                         {"credit_code": enterprise.credit_code,
                          "district": enterprise.district, "via": "import"})
        audit.record(actor, "enterprise.import", "import", filename[:64],
                     {"total": report.total, "imported": len(good),
                      "rejected": len(report.rejected), "mode": mode})
        report.imported = len(good)
    return report
