"""The merged value of each conflicting field as a form: an input typed per the field (text,
number, date, date and time, choice; one per part of a nested field; JSON for lists), each
side's value to keep instead, and the form read back into the values the API resolves with."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext, pgettext
from marshmallow import Schema, fields, validate

from schemas.fieldwork import ChecklistAnswerSchema, InspectionFields, ViolationFields
from server.clock import SHANGHAI
from server.console import field_labels
from server.errors import ValidationFailed
from server.http import holds_lone_surrogate, json_shape

VALUE, PICK = "value:", "pick:"
PICKS = ("server", "tablet", "both", "edit")
CHECKLIST = "checklist:"  # a checklist answer, by item (server/sync/resolve.py)
SCHEMAS: dict[str, Schema] = {"inspection": InspectionFields(), "violation": ViolationFields()}


@dataclass(frozen=True)
class Input:
    """One input of a field's merged value."""

    name: str  # the form's input name
    label: str
    kind: str  # text | number | date | moment | choice | json
    value: str  # as the input shows it
    choices: tuple[tuple[str, str], ...] = ()
    step: str = "any"
    part: str | None = None  # the nested field's part it sets


@dataclass(frozen=True)
class FieldForm:
    """A conflicting field: each side's value in words, the pick, and the inputs."""

    field: str
    label: str
    server: str
    tablet: str
    pick: str
    inputs: tuple[Input, ...]
    both: str | None = None  # both sides' items in words, when both values are lists


def label(field: str) -> str:
    """A field (or a nested field's part, `field.part`) as the console names it: a tablet's
    field by its own label, any other as the console's refusals name it."""
    if field.startswith(CHECKLIST):
        item, _, part = field[len(CHECKLIST):].partition(".")
        return pgettext("sync field", f"checklist.{part}") if part else gettext(
            "Checklist item %(item)s", item=item)
    synced = pgettext("sync field", field)
    return synced if synced != field else field_labels.label(field)


def _field(entity: str, name: str) -> fields.Field:
    if name.startswith(CHECKLIST):
        return fields.Nested(ChecklistAnswerSchema, allow_none=True)
    schema = SCHEMAS.get(entity)
    return schema.fields.get(name, fields.Raw()) if schema else fields.Raw()


def _kind(field: fields.Field) -> tuple[str, tuple[tuple[str, str], ...], str]:
    """The input kind of a scalar field, its choices and its number step."""
    if isinstance(field, fields.Boolean):
        return "choice", (("true", gettext("Yes")), ("false", gettext("No"))), ""
    if isinstance(field, fields.Integer):
        return "number", (), "1"
    if isinstance(field, fields.Number):
        return "number", (), "any"
    if isinstance(field, fields.DateTime):
        return "moment", (), ""
    if isinstance(field, fields.Date):
        return "date", (), ""
    if isinstance(field, fields.String):
        one_of = next((v for v in field.validators if isinstance(v, validate.OneOf)), None)
        if one_of is not None:
            return "choice", tuple((str(c), pgettext("sync value", str(c)))
                                   for c in one_of.choices), ""
        return "text", (), ""
    return "json", (), ""


def shown(kind: str, value: Any) -> str:
    """A value as its input shows it."""
    if value is None:
        return ""
    if kind == "moment":
        return datetime.fromisoformat(str(value)).astimezone(SHANGHAI).strftime(
            "%Y-%m-%dT%H:%M:%S")
    if kind == "choice" and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _json(text: str) -> Any:
    """A list typed as JSON, refused as the API's request rules refuse a body: nested too
    deep, or holding a character no text may hold (U+0000, a lone surrogate)."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise ValueError(gettext("not valid JSON")) from None
    limit = current_app.config["MAX_JSON_DEPTH"]
    depth, nul = json_shape(value)
    if depth > limit or nul or holds_lone_surrogate(value):
        raise ValueError(gettext("nested more than %(limit)s levels deep, or holding a "
                                 "character no text may hold (U+0000, a lone surrogate)",
                                 limit=limit))
    return value


def read(kind: str, text: str, step: str = "any") -> Any:
    """An input's text as the value the API takes (None when left empty); ValueError with
    the user's message when it cannot be read."""
    if kind == "text":
        return text.replace("\r\n", "\n")
    if not text.strip():
        return None
    text = text.strip()
    if kind == "json":
        return _json(text)
    try:
        if kind == "number":
            return int(text) if step == "1" else float(text)
        if kind == "date":
            return date.fromisoformat(text).isoformat()
        if kind == "moment":
            moment = datetime.fromisoformat(text)
            return (moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)).isoformat()
    except ValueError:
        raise ValueError({"number": gettext("Not a whole number.") if step == "1"
                          else gettext("Not a number."),
                          "date": gettext("Not a valid date."),
                          "moment": gettext("Not a valid date and time.")}[kind]) from None
    return {"true": True, "false": False}.get(text, text)  # a choice


def _parts(entity: str, name: str) -> list[tuple[str | None, fields.Field]]:
    """The field's inputs: the field itself, or each part of a nested one."""
    field = _field(entity, name)
    if isinstance(field, fields.Nested) and not field.many:
        parts = field.schema.fields
        return [(part, parts[part]) for part in parts
                if not (name.startswith(CHECKLIST) and part == "item")]
    return [(None, field)]


def _signature(one: Mapping[str, Any]) -> str:
    """One signature of a record in words: the signer's role and name, signed or refused."""
    role = str(one.get("role") or "")
    said = {"role": pgettext("signer role", role) if role else "—",
            "signer": one.get("signer") or "—"}
    if one.get("refused"):
        return gettext("%(role)s %(signer)s refused to sign: %(reason)s", **said,
                       reason=one.get("refusal_reason") or "—")
    return gettext("%(role)s %(signer)s signed (image %(digest)s)", **said,
                   digest=str(one.get("evidence_sha256") or "—")[:12])


def side(value: Any, indent: int | None = None, field: str = "") -> str:
    """One side's value in words: text as written, a time in Shanghai, yes or no, a record's
    signatures one a line, another nested one as JSON."""
    if value is None or value == "":
        return "—"
    if field == "signatures" and isinstance(value, list) and all(
            isinstance(one, Mapping) for one in value):
        return "\n".join(_signature(one) for one in value) or "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, str):
        return _moment(value) or value
    return json.dumps(value, ensure_ascii=False, indent=indent)


def _moment(text: str) -> str | None:
    """An instant the API wrote (ISO 8601 with its offset) as Shanghai time, or None."""
    if len(text) < 20 or text[4:5] != "-" or "T" not in text:
        return None
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    if instant.tzinfo is None:
        return None
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def both_sides(server: Any, tablet: Any) -> list[Any] | None:
    """Both values of a list field as one list: the server's items, then the tablet's not
    among them (e.g. signatures collected on two tablets); None unless both are lists."""
    if not (isinstance(server, list) and isinstance(tablet, list)):
        return None
    return [*server, *(item for item in tablet if item not in server)]


def field_forms(conflict: Any, form: Mapping[str, str] | None = None) -> list[FieldForm]:
    """The inputs of each conflicting field, prefilled with the tablet's value (or, after a
    refusal, with what was typed)."""
    out = []
    for name in conflict.fields:
        tablet = conflict.tablet_values.get(name)
        inputs = []
        for part, field in _parts(conflict.entity, name):
            kind, choices, step = _kind(field)
            key = f"{VALUE}{name}" + (f".{part}" if part else "")
            value = (tablet or {}).get(part) if part and isinstance(tablet, dict) else (
                None if part else tablet)
            inputs.append(Input(
                key, label(f"{name}.{part}") if part else gettext(
                    "Merged value of %(field)s", field=label(name)),
                kind, form.get(key, "") if form is not None else shown(kind, value),
                choices, step, part))
        both = both_sides(conflict.server_values.get(name), tablet)
        out.append(FieldForm(name, label(name), side(conflict.server_values.get(name),
                                                      field=name),
                             side(tablet, field=name), (form or {}).get(f"{PICK}{name}", "edit"),
                             tuple(inputs), None if both is None else side(both, field=name)))
    return out


def merged_values(conflict: Any, form: Mapping[str, str]) -> dict[str, Any]:
    """The merged value of each conflicting field: the side picked, or the inputs read;
    ValidationFailed names the inputs that cannot be read."""
    values, errors = {}, {}
    for one in field_forms(conflict, form):
        if one.pick in ("server", "tablet"):
            side = conflict.server_values if one.pick == "server" else conflict.tablet_values
            values[one.field] = side.get(one.field)
            continue
        if one.pick == "both" and one.both is not None:
            values[one.field] = both_sides(conflict.server_values.get(one.field),
                                           conflict.tablet_values.get(one.field))
            continue
        read_parts = {}
        for item in one.inputs:
            try:
                read_parts[item.part] = read(item.kind, item.value, item.step)
            except ValueError as error:
                errors[item.name[len(VALUE):]] = [str(error)]
        if None in read_parts:
            values[one.field] = read_parts[None]
            continue
        given = {part: value for part, value in read_parts.items() if value is not None}
        if one.field.startswith(CHECKLIST) and given:
            given["item"] = one.field[len(CHECKLIST):]
        nullable = _field(conflict.entity, one.field).allow_none
        values[one.field] = given or (None if nullable else {})
    if errors:
        raise ValidationFailed(gettext("Some merged values cannot be read."), errors=errors)
    return values


def merging_intended(conflict: Any, form: Mapping[str, str]) -> bool:
    """Whether the form asks for a merge in its fields: a field's pick other than the default,
    or an input sent changed from what the page filled in (kept only with the merged choice)."""
    def same(typed: str, filled: str) -> bool:
        return typed.replace("\r\n", "\n") == filled.replace("\r\n", "\n")

    for prefilled in field_forms(conflict):
        if form.get(f"{PICK}{prefilled.field}", prefilled.pick) != prefilled.pick:
            return True
        if any(one.name in form and not same(form[one.name], one.value)
               for one in prefilled.inputs):
            return True
    return False
