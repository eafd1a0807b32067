"""The JSON parser's and GEOS's reasons become register message keys whose English is the
library's own text (the API answers as before) and which the console says in Chinese."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import Polygon

from server.messages import Message
from server.registry.parse_reasons import geometry_reason, json_reason
from server.registry.refusals import english
from tests.unit.refusal_catalogues import console_refusals

BROKEN_JSON = ['{"type": ', '{type: 1}', '{"a" 1}', '{"a": 1 "b": 2}', '{"a": "b',
               '{"a": "\x01"}', '{} {}', '{"a": "\\uZZZZ"}']


def _reason(text: str) -> str:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    return caught.value.msg


@pytest.mark.parametrize("text", BROKEN_JSON)
def test_each_json_reason_is_a_key_whose_english_is_the_parsers(text):
    reason = _reason(text)
    said = json_reason(reason)
    assert isinstance(said, Message), reason
    assert english(said) == reason
    assert said.key in console_refusals("zh")


def test_a_geos_reason_keeps_where_it_happened_and_its_english():
    bowtie = Polygon([(121.50, 31.20), (121.51, 31.21), (121.51, 31.20), (121.50, 31.21)])
    reason = shapely.is_valid_reason(bowtie)
    said = geometry_reason(reason)
    assert isinstance(said, Message) and said.key == "geometry.self_intersection"
    assert english(said) == reason and said.params["at"] in reason


def test_a_reason_not_known_is_passed_on_as_the_library_wrote_it():
    assert json_reason("Invalid \\escape: 'q'") == "Invalid \\escape: 'q'"
    assert geometry_reason("Something new[1 2]") == "Something new[1 2]"
