"""The refusals of inquiry records, statements, a record's officers and the images a console
form sends are message keys: each key has a zh and an en text in the console's catalogues with
the same placeholders as the API's English, and every key is used."""

from __future__ import annotations

import re
import string

import pytest

from server.cases.record_refusals import CATALOGUE as RECORDS
from server.evidence.received import CATALOGUE as RECEIVED
from server.fieldwork.refusals import CATALOGUE as OFFICERS
from tests.unit.refusal_catalogues import console_refusals, keys_used

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TEXTS = {**RECORDS.texts, **RECEIVED.texts, **OFFICERS.texts}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_is_used_by_the_code():
    used = keys_used("cases") | keys_used("evidence") | keys_used("fieldwork")
    assert sorted(set(TEXTS) - used) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_key_is_said_in_the_console_with_the_same_placeholders(lang):
    said = console_refusals(lang)
    assert sorted(set(TEXTS) - set(said)) == []
    assert {key: said[key] for key in TEXTS
            if _fields(TEXTS[key]) != set(PLACEHOLDER.findall(said[key]))} == {}


def test_the_chinese_cites_the_law_by_its_full_name_wherever_the_english_cites_it():
    zh = console_refusals("zh")
    cited = [key for key, text in TEXTS.items() if "处罚法 第" in text]
    assert len(cited) >= 3
    assert [key for key in cited if "《中华人民共和国行政处罚法》第" not in zh[key]] == []
