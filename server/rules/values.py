"""PURE: immutable value classes that are quick to build, for what the engine makes per
evaluation (its inputs' parts, assessments, decisions and their explanations).

A frozen dataclass sets each field in __init__ through object.__setattr__, which looks the
field up by name again: for the engine's result types that was a third of an evaluation
(callgrind, bench_rules' inputs: 3.11 G instructions for 20,000 evaluations, 2.12 G with
plain slotted classes). `value` keeps what frozen gives (assignment and deletion refused
with FrozenInstanceError, equality and hash by fields, dataclasses.fields and replace, copy
and pickle) and builds an __init__ that calls each slot's own setter. Hand-written: neither
dataclasses nor attrs (whose frozen classes set fields the same slow way) offers it.
"""

from __future__ import annotations

from dataclasses import MISSING, FrozenInstanceError, dataclass, fields
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")
_FACTORY = object()  # the default of a field whose default comes from a factory


def value(cls: type[T]) -> type[T]:
    """`cls` as a slotted dataclass whose instances cannot change once built."""
    made: Any = dataclass(slots=True, unsafe_hash=True)(cls)
    names, params, body = {"_FACTORY": _FACTORY}, [], []
    for field in fields(made):
        name = field.name
        names[f"_set_{name}"] = made.__dict__[name].__set__
        if field.default is not MISSING:
            names[f"_default_{name}"] = field.default
            params.append(f"{name}=_default_{name}")
        elif field.default_factory is not MISSING:
            names[f"_factory_{name}"] = field.default_factory
            params.append(f"{name}=_FACTORY")
            body.append(f"    if {name} is _FACTORY:\n        {name} = _factory_{name}()")
        else:
            params.append(name)
        body.append(f"    _set_{name}(self, {name})")
    if hasattr(made, "__post_init__"):
        body.append("    self.__post_init__()")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"]),
         names)
    init = names["__init__"]
    init.__qualname__ = f"{made.__qualname__}.__init__"
    made.__init__ = init
    made.__setattr__ = _refuse_assignment
    made.__delattr__ = _refuse_deletion
    made.__getstate__ = _getstate
    made.__setstate__ = _setstate
    return made


def _getstate(self: Any) -> list[Any]:
    """The field values, in order, for copy and pickle (as frozen dataclasses do)."""
    return [getattr(self, field.name) for field in fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    """Restore the field values past the assignment refusal (copy and pickle call it)."""
    for field, field_value in zip(fields(self), state, strict=True):
        object.__setattr__(self, field.name, field_value)


def _refuse_assignment(self: object, name: str, _value: Any) -> NoReturn:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _refuse_deletion(self: object, name: str) -> NoReturn:
    raise FrozenInstanceError(f"cannot delete field {name!r}")
