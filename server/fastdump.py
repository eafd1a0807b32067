"""PURE: marshmallow dumps and loads of plain dicts without marshmallow's per-field machinery.

A sync push writes every record it changes to the change log through its schema's dump;
marshmallow reaches each field's value through several calls (serialize, get_value, the
schema's accessor, utils.get_value) before the field formats it, and that machinery cost a
push about as much as the rest of the change log's payload (a callgrind ablation: -8.4 % of
a push's instructions without the dumps). No maintained library compiles marshmallow 4
schemas (toastedmarshmallow stopped at marshmallow 2), so this is written by hand.

It keeps marshmallow's own semantics: each field still formats its value with its own
`_serialize`; a key missing from the dict is left out unless the field has a dump default;
nested schemas and lists of them are compiled the same way. Whatever it does not handle
exactly (a schema with pre/post-dump hooks or a custom accessor, a dotted attribute, a value
that is not a dict) goes to the schema's dump unchanged.

compile_load is the same for a push's mutation fields, on the path of valid data only: each
field still deserializes and validates itself, and the first ValidationError hands the whole
input to the schema's load, so every refusal carries marshmallow's own messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, missing
from marshmallow.decorators import (
    POST_DUMP,
    POST_LOAD,
    PRE_DUMP,
    PRE_LOAD,
    VALIDATES,
    VALIDATES_SCHEMA,
)

Dump = Callable[[Any], Any]
Convert = Callable[[Any, str, Any], Any]


def compile_dump(schema: Schema) -> Dump:
    """A function equal to `schema.dump` for one object (never many)."""
    if schema.many or _has_dump_hooks(schema) or \
            type(schema).get_attribute is not Schema.get_attribute:
        return schema.dump
    plan = []
    for name, field in schema.dump_fields.items():
        attribute = field.attribute if field.attribute is not None else name
        if "." in attribute:
            return schema.dump
        key = field.data_key if field.data_key is not None else name
        plan.append((key, attribute, _converter(field), field.dump_default,
                     field._CHECK_ATTRIBUTE))
    dict_class = schema.dict_class

    def dump(obj: Any) -> Any:
        if type(obj) is not dict:
            return schema.dump(obj)
        out = dict_class()
        for key, attribute, convert, default, check in plan:
            if not check:
                value = None
            elif attribute in obj:
                value = obj[attribute]
            else:  # as marshmallow's accessor: a dict's attribute, else the dump default
                value = getattr(obj, attribute, missing)
                if value is missing:
                    value = default() if callable(default) else default
                    if value is missing:
                        continue
            out[key] = convert(value, attribute, obj)
        return out

    return dump


def _has_dump_hooks(schema: Schema) -> bool:
    hooks = schema._hooks
    return bool(hooks.get(PRE_DUMP) or hooks.get(POST_DUMP))


class _Unhandled(Exception):
    """Input the compiled load does not read itself (not a dict, unknown keys to refuse)."""


def compile_load(schema: Schema) -> Dump:
    """A function equal to `schema.load` for one object."""
    fast = _fast_load(schema, schema.unknown, item=False)
    if fast is None:
        return schema.load

    def load(data: Any) -> Any:
        try:
            return fast(data)
        except (ValidationError, _Unhandled):
            return schema.load(data)  # refused: with marshmallow's messages, all of them

    return load


def _fast_load(schema: Schema, unknown: str | None, item: bool) -> Dump | None:
    """The valid-data path of the schema's load of one object (`item`: one of a schema of
    many), raising ValidationError or _Unhandled otherwise; None if it has no such path."""
    unknown, partial, hooks = unknown or schema.unknown, schema.partial, schema._hooks
    if (schema.many and not item) or partial is True or any(hooks.get(tag) for tag in (
            PRE_LOAD, POST_LOAD, VALIDATES, VALIDATES_SCHEMA)) or (
            partial and any("." in name for name in partial)):
        return None
    skip = set(partial or ())
    plan = []
    for name, field in schema.load_fields.items():
        key = field.attribute or name
        if "." in key:
            return None
        plan.append((field.data_key if field.data_key is not None else name, key,
                     name in skip, _loader(field)))
    known = frozenset(data_key for data_key, *_ in plan)
    dict_class = schema.dict_class

    def load(data: Any) -> Any:
        if type(data) is not dict or (unknown == RAISE and not known.issuperset(data)):
            raise _Unhandled
        out = dict_class()
        for data_key, key, skippable, convert in plan:
            raw = data.get(data_key, missing)
            if raw is missing and skippable:
                continue
            value = convert(raw, data_key, data)
            if value is not missing:
                out[key] = value
        if unknown == INCLUDE:
            out.update((key, data[key]) for key in data.keys() - known)
        return out

    return load


def _loader(field: fields.Field) -> Convert:
    """The field's deserialize, a nested schema's load compiled."""
    nested = None
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema) \
            and not (field.pre_load or field.post_load or field.schema.partial):
        nested = _fast_load(field.schema, field.unknown, item=True)
    if nested is None:
        return field.deserialize
    many = field.many or field.schema.many

    def convert_nested(value: Any, name: str, data: Any) -> Any:
        if value is missing or value is None or (many and type(value) is not list):
            return field.deserialize(value, name, data)  # default, None or a refusal
        output = [nested(item) for item in value] if many else nested(value)
        field._validate(output)
        return output

    return convert_nested


def _converter(field: fields.Field) -> Convert:
    """The field's formatting: its own _serialize, nested schemas compiled."""
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        nested, many = compile_dump(field.schema), field.many or field.schema.many
        if nested is field.schema.dump:
            return field._serialize

        def convert_nested(value: Any, _attribute: str, _obj: Any) -> Any:
            if value is None:
                return None
            return [nested(item) for item in value] if many else nested(value)

        return convert_nested
    if isinstance(field, fields.List):
        inner = _converter(field.inner)

        def convert_list(value: Any, attribute: str, obj: Any) -> Any:
            if value is None:
                return None
            return [inner(item, attribute, obj) for item in value]

        return convert_list
    return field._serialize


class Compiled:
    """A schema's load and dump of one dict, compiled (as `schema.load`, `schema.dump`)."""

    def __init__(self, schema: Schema):
        self.schema = schema
        self.load = compile_load(schema)
        self.dump = compile_dump(schema)
