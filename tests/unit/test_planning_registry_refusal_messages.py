"""The refusals of plans, draws, tasks and the register's import are message keys: every key
server/planning and server/registry raise has an English text for the API and a zh and an en
text in the console's catalogues, with the same placeholders."""

from __future__ import annotations

import re
import string

import pytest

from server.errors import ValidationFailed
from server.messages import Catalogue, Message
from server.planning.refusals import CATALOGUE as PLANNING
from server.registry.refusals import CATALOGUE as REGISTRY
from server.reports.refusals import CATALOGUE as REPORTS
from tests.unit.refusal_catalogues import console_refusals, keys_used

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
CATALOGUES = {"planning": PLANNING, "registry": REGISTRY, "reports": REPORTS}
# parameters the API's English keeps for its clients and the console does not say: a unit the
# API names by id (and name) is named on the page by its name and credit code only
API_ONLY = {"draw_field.unit": {"enterprise"}}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("package", sorted(CATALOGUES))
def test_every_key_a_service_raises_has_an_english_text_and_every_text_is_used(package):
    assert sorted(keys_used(package) ^ set(CATALOGUES[package].texts)) == []


@pytest.mark.parametrize("package", sorted(CATALOGUES))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_key_is_said_in_the_console_with_the_same_placeholders(package, lang):
    said_there, texts = console_refusals(lang), CATALOGUES[package].texts
    assert sorted(set(texts) - set(said_there)) == []
    differ = {key: (sorted(_fields(text)), sorted(PLACEHOLDER.findall(said_there[key])))
              for key, text in texts.items()
              if _fields(text) - API_ONLY.get(key, set())
              != set(PLACEHOLDER.findall(said_there[key]))}
    assert differ == {}


def test_no_two_services_use_the_same_key():
    assert set(PLANNING.texts) & set(REGISTRY.texts) == set()


def test_a_key_no_catalogue_has_cannot_be_raised():
    with pytest.raises(KeyError):
        PLANNING.said("task.nonsense")


def test_a_refusal_keeps_its_keys_and_answers_the_api_their_english_nested_ones_too():
    catalogue = Catalogue({"outer": "Cannot: {problem}", "inner": "columns {columns}"})
    inner = catalogue.said("inner", columns=["a", "b"])
    error = catalogue.refused(ValidationFailed, catalogue.said("outer", problem=inner),
                              {"file": inner})
    assert error.detail == "Cannot: columns a, b"
    assert error.errors == {"file": ["columns a, b"]}
    assert error.message == Message("outer", {"problem": inner})
    assert error.notes == {"file": [inner]}
