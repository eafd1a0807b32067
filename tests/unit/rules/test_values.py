"""Value classes: immutable like frozen dataclasses, with their defaults, factories,
__post_init__, equality, hash and dataclasses.replace."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import date

import pytest

from server.rules.inputs import EvaluationInput, Facts
from server.rules.values import value


@value
class Part:
    """A part with a default."""

    name: str
    size: int = 1


@value
class Whole:
    """A whole whose parts default to a fresh list turned into a tuple after init."""

    label: str
    parts: tuple[Part, ...] = dataclasses.field(default_factory=list)
    weight: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", tuple(self.parts))


def test_fields_cannot_be_assigned_or_deleted_after_construction():
    part = Part("a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        part.size = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        del part.name
    assert part == Part("a", 1)


def test_defaults_factories_and_post_init_are_applied():
    first, second = Whole("x"), Whole("y", [Part("p", 3)], weight=2)
    assert first.parts == () and first.weight == 0
    assert second.parts == (Part("p", 3),) and second.weight == 2
    assert Whole("z").parts is not None


def test_equality_hash_and_replace_follow_the_fields():
    part = Part("a", 2)
    assert hash(part) == hash(Part("a", 2)) and part != Part("a", 3)
    assert dataclasses.replace(part, size=5) == Part("a", 5)
    assert [f.name for f in dataclasses.fields(Whole)] == ["label", "parts", "weight"]
    with pytest.raises(TypeError):
        Part()  # the required field stays required


@pytest.mark.parametrize("duplicate", [copy.copy, copy.deepcopy,
                                       lambda obj: pickle.loads(pickle.dumps(obj))],
                         ids=["copy", "deepcopy", "pickle"])
def test_copies_and_pickles_are_equal_and_still_immutable(duplicate):
    whole = Whole("w", [Part("p", 2)], weight=3)
    again = duplicate(whole)
    assert again == whole and hash(again) == hash(whole)
    with pytest.raises(dataclasses.FrozenInstanceError):
        again.weight = 4


def test_engine_inputs_survive_a_deep_copy():
    given = EvaluationInput("X", date(2024, 1, 1), facts=Facts(first_offence=True),
                            factors={"scale": 2}, mitigation=["m"])
    assert copy.deepcopy(given) == given
    assert pickle.loads(pickle.dumps(given)) == given
