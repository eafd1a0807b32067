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
from marshmallow import Schema, ValidationError, fields, post_dump, validate

import schemas
from server.fastdump import compile_dump, compile_load

SEEDS = range(80)


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


def _valid_string(field: fields.Field, rng: random.Random) -> str:
    """A string its validators take, as far as they say what they take."""
    hex64 = f"{rng.getrandbits(256):064x}"
    for check in field.validators:
        if isinstance(check, validate.OneOf):
            return rng.choice(list(check.choices))
        if isinstance(check, validate.Regexp):
            return next((text for text in (hex64, "AIR_VOC", "VOC-01", "310115",
                                           "91310000MA1FL1234X") if check.regex.match(text)),
                        hex64)
    if field.validators and not any(isinstance(c, validate.Validator) for c in field.validators):
        return hex64  # a function of ours: the digests (sha256) are the usual ones
    low = max([c.min or 0 for c in field.validators if isinstance(c, validate.Length)] or [1])
    return rng.choice(["王伟", "AIR_VOC", "photo"]) + "x" * low


def _bounds(field: fields.Field, low: int, high: int) -> tuple[int, int]:
    """The Length or Range a field's validators allow, within low..high."""
    for check in field.validators:
        if isinstance(check, validate.Length | validate.Range):
            low = int(check.min) if check.min is not None else low
            high = int(check.max) if check.max is not None else max(high, low)
    return low, max(low, high)


def _raw(field: fields.Field, rng: random.Random, depth: int) -> Any:
    """Input for the field as a client sends it: mostly valid, sometimes not."""
    if rng.random() < 0.01:
        return rng.choice([{"x": 1}, [1], "not-a-value", -1])
    ranges = [c for c in field.validators if isinstance(c, validate.Range)]
    if isinstance(field, fields.Nested):
        one = lambda: _input(field.schema, rng, depth + 1)  # noqa: E731
        return [one() for _ in range(rng.randint(0, 3))] if field.many else one()
    if isinstance(field, fields.List):
        low, high = _bounds(field, 0, 3)
        return [_raw(field.inner, rng, depth)
                for _ in range(rng.randint(low, min(high, low + 3)) if depth < 3 else 0)]
    if isinstance(field, fields.Tuple):
        return [_raw(inner, rng, depth) for inner in field.tuple_fields]
    if isinstance(field, fields.UUID):
        return str(uuid.UUID(int=rng.getrandbits(128)))
    if isinstance(field, fields.DateTime):
        return (datetime(2021, 3, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 10**6))
                ).isoformat()
    if isinstance(field, fields.Date):
        return (date(2021, 1, 1) + timedelta(days=rng.randint(0, 1500))).isoformat()
    if isinstance(field, fields.Boolean):
        return rng.choice([True, False])
    if isinstance(field, fields.Number):
        number = rng.randint(*_bounds(field, 0, 1000))
        return number if isinstance(field, fields.Integer) or not ranges else float(number)
    if isinstance(field, fields.Mapping):
        values = field.value_field
        return {f"k{n}": _raw(values, rng, depth) if values else n
                for n in range(rng.randint(0, 2))}
    if isinstance(field, fields.String):
        return _valid_string(field, rng)
    return rng.choice(["x", 3, {"a": 1}])


def _input(schema: Schema, rng: random.Random, depth: int = 0) -> dict[str, Any]:
    """A request body for the schema: optional fields left out, None where allowed (now and
    then where not), sometimes an unknown key."""
    body = {}
    for name, field in schema.load_fields.items():
        roll = rng.random()
        if (roll < 0.3 and not field.required) or roll < 0.02 or depth > 3:
            continue
        nothing = roll < 0.4 and field.allow_none or roll > 0.997
        body[field.data_key or name] = None if nothing else _raw(field, rng, depth)
    if rng.random() < 0.03:
        body["unknown_key"] = 1
    return body


@pytest.mark.parametrize("schema_class", _contract_schemas(), ids=lambda cls: cls.__name__)
def test_a_compiled_load_equals_the_schemas_own_for_random_bodies(schema_class):
    try:
        schemas_ = [schema_class(), schema_class(partial=tuple(schema_class().fields))]
    except TypeError:
        pytest.skip("needs arguments to build")
    for schema in schemas_:
        compiled = compile_load(schema)
        for seed in SEEDS:
            body = _input(schema, random.Random(seed))
            try:
                expected = schema.load(body)
            except Exception as refusal:  # noqa: BLE001 - the compiled load must fail alike
                with pytest.raises(type(refusal)) as compiled_refusal:
                    compiled(body)
                if isinstance(refusal, ValidationError):
                    assert compiled_refusal.value.messages == refusal.messages
                continue
            assert compiled(body) == expected, (seed, body)


def test_the_sync_push_loads_with_compiled_schemas():
    from server.sync import records

    assert all(loaded.load.__module__ == "server.fastdump" for loaded in (
        records.INSPECTION_NEW, records.INSPECTION_CHANGES, records.VIOLATION_NEW,
        records.VIOLATION_CHANGES))


class _Point(Schema):
    lat = fields.Float(required=True)


def _on_earth(point: dict[str, float]) -> None:
    if point["lat"] >= 90:
        raise ValidationError("not on earth")


class _Visit(Schema):
    where = fields.Nested(_Point, validate=_on_earth)
    stops = fields.List(fields.Nested(_Point), validate=validate.Length(max=1))


def test_validators_of_nested_fields_refuse_as_marshmallow_does():
    schema, compiled = _Visit(), compile_load(_Visit())
    assert compiled({"where": {"lat": 31.2}}) == schema.load({"where": {"lat": 31.2}})
    for body in ({"where": {"lat": 95}}, {"stops": [{"lat": 1}, {"lat": 2}]},
                 {"where": {"lat": "x"}}, {"where": None}):
        with pytest.raises(ValidationError) as refused:
            schema.load(body)
        with pytest.raises(ValidationError) as compiled_refused:
            compiled(body)
        assert compiled_refused.value.messages == refused.value.messages
