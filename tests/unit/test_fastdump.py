"""compile_dump gives what the schema's own dump gives, for every schema of the contract and
random dicts shaped like its fields (keys left out, None, values needing conversion)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from marshmallow import Schema, fields, post_dump

import schemas
from server.fastdump import compile_dump

SEEDS = range(60)


def _contract_schemas() -> list[type[Schema]]:
    found = {}
    for module in pkgutil.iter_modules(schemas.__path__):
        loaded = importlib.import_module(f"schemas.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(cls, Schema) and cls.__module__.startswith("schemas."):
                found[f"{cls.__module__}.{cls.__name__}"] = cls
    return [found[name] for name in sorted(found)]


def _value(field: fields.Field, rng: random.Random, depth: int) -> Any:
    """A value of the field's kind, sometimes of a kind its dump converts."""
    if isinstance(field, fields.Nested):
        one = lambda: _record(field.schema, rng, depth + 1)  # noqa: E731
        return [one() for _ in range(rng.randint(0, 3))] if field.many else one()
    if isinstance(field, fields.List):
        return [_value(field.inner, rng, depth) for _ in range(rng.randint(0, 3))]
    if isinstance(field, fields.Tuple):
        return tuple(_value(inner, rng, depth) for inner in field.tuple_fields)
    if isinstance(field, fields.UUID):
        key = uuid.UUID(int=rng.getrandbits(128))
        return key if rng.random() < 0.5 else str(key)
    if isinstance(field, fields.DateTime):
        moment = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 10**8),
                                                              microseconds=rng.randint(0, 9))
        return moment if rng.random() < 0.8 else moment.replace(tzinfo=None)
    if isinstance(field, fields.Date):
        return date(2020, 1, 1) + timedelta(days=rng.randint(0, 3000))
    if isinstance(field, fields.Boolean):
        return rng.choice([True, False, 1, 0, "yes", "false"])
    if isinstance(field, fields.Integer):
        return rng.choice([rng.randint(-10**6, 10**6), 7.0])
    if isinstance(field, fields.Number):
        return rng.choice([rng.random() * 100, rng.randint(0, 50)])
    if isinstance(field, fields.Mapping):
        return {f"k{n}": rng.randint(0, 9) for n in range(rng.randint(0, 3))}
    if isinstance(field, fields.String):
        return rng.choice(["王伟", "", "a b", 42])
    return rng.choice([None, "x", 3, {"a": [1, 2]}])


def _record(schema: Schema, rng: random.Random, depth: int = 0) -> dict[str, Any]:
    """A dict for the schema: each field left out, None, or a value of its kind."""
    record = {}
    for name, field in schema.dump_fields.items():
        roll = rng.random()
        if roll < 0.1 or depth > 3:
            continue
        record[field.attribute or name] = None if roll < 0.25 else _value(field, rng, depth)
    return record


@pytest.mark.parametrize("schema_class", _contract_schemas(), ids=lambda cls: cls.__name__)
def test_a_compiled_dump_equals_the_schemas_own_for_random_records(schema_class):
    try:
        schema = schema_class()
    except TypeError:
        pytest.skip("needs arguments to build")
    compiled = compile_dump(schema)
    for seed in SEEDS:
        record = _record(schema, random.Random(seed))
        try:
            expected = schema.dump(record)
        except Exception as error:  # noqa: BLE001 - the compiled dump must fail alike
            with pytest.raises(type(error)):
                compiled(record)
            continue
        assert compiled(record) == expected, (seed, record)


def test_the_sync_payloads_are_compiled_not_left_to_marshmallow():
    from server.sync import payloads

    assert all(dump.__name__ == "dump" and dump.__module__ == "server.fastdump"
               for dump in (payloads.dump_task, payloads.dump_inspection,
                            payloads.dump_violation))


class _Hooked(Schema):
    name = fields.String()

    @post_dump
    def shout(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {k: v.upper() for k, v in data.items()}


class _Renamed(Schema):
    name = fields.String(data_key="label", attribute="title")
    day = fields.Date(dump_default=lambda: date(2024, 1, 2))
    items = fields.String()  # a dict has a method of that name: marshmallow dumps it as text


def test_hooks_and_objects_other_than_dicts_go_to_marshmallow():
    assert compile_dump(_Hooked())({"name": "a"}) == {"name": "A"}

    class Row:
        title = "王"

    assert compile_dump(_Renamed())(Row()) == _Renamed().dump(Row())


def test_data_keys_attributes_and_dump_defaults_are_kept():
    schema = _Renamed()
    for record in ({"title": "王"}, {}, {"title": None, "day": date(2020, 5, 6)},
                   {"items": ["a"]}):
        assert compile_dump(schema)(record) == schema.dump(record)
