"""The refusals of identity and account maintenance are message keys: every key server/auth
raises has an English text for the API and a zh and an en text in the console's catalogues,
with the same placeholders; the English the API answers is made from the same keys."""

from __future__ import annotations

import re
import string

import pytest

from server.auth.passwords import password_notes
from server.auth.refusals import ENGLISH, refused, said
from server.errors import ValidationFailed
from server.messages import Message
from tests.unit.refusal_catalogues import console_refusals, keys_used

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _fields(key: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(ENGLISH[key]) if name}


def test_every_key_server_auth_raises_has_an_english_text_and_every_text_is_used():
    assert sorted(keys_used("auth") ^ set(ENGLISH)) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_key_is_said_in_the_console_with_the_same_placeholders(lang):
    said_there = console_refusals(lang)
    assert sorted(set(ENGLISH) - set(said_there)) == []
    differ = {key: (sorted(_fields(key)), sorted(PLACEHOLDER.findall(said_there[key])))
              for key in ENGLISH if _fields(key) != set(PLACEHOLDER.findall(said_there[key]))}
    assert differ == {}


def test_a_key_no_catalogue_has_cannot_be_raised():
    with pytest.raises(KeyError):
        said("account.nonsense")


def test_a_refusal_keeps_its_keys_and_answers_the_api_their_english():
    error = refused(ValidationFailed, said("account.invalid"), {
        "role": said("account_field.role", roles=["inspector", "admin"]),
        "password": password_notes(" short")})
    assert error.detail == "The user is not valid."
    assert error.errors == {"role": ["must be one of inspector, admin"],
                            "password": ["must be at least 12 characters",
                                         "must not start or end with whitespace"]}
    assert error.message == Message("account.invalid")
    assert error.notes["password"] == [Message("password_field.too_short", {"length": 12}),
                                       Message("password_field.whitespace")]
