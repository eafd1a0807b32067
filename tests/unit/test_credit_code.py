"""Unified social credit code: checksums, messages and the demo generator."""

import pytest

from server.registry.credit_code import (
    CHARSET,
    credit_code_check_char,
    make_credit_code,
    org_code_check_char,
    validate_credit_code,
)

# Codes found in public sources (not checked against the national register, GSXT).
REAL_CODES = [
    "91350100M000100Y43",  # GB 32100 worked example, cited in most validators
    "9131000013221158XC",  # 上海浦东发展银行股份有限公司
    "91310000132260250X",  # 上海汽车集团股份有限公司
    "913100006916203638",  # 上海邮乐网络技术有限公司 (ULE.COM site footer)
    "913100007776054479",  # 上海信而富企业管理有限公司 (org code 777605447 listed alongside)
    "91310109MACHK7GN2R",  # post-2015 'MA' body with several letters
    "91230184MA1BUFLT44",  # 'MA' body, Heilongjiang
    "92371000MA3MXH0E3W",  # 个体工商户 (type 2), Shandong
]

SHANGHAI_DIVISIONS = [
    "310101",
    "310104",
    "310105",
    "310106",
    "310107",
    "310109",
    "310110",
    "310112",
    "310113",
    "310114",
    "310115",
    "310116",
    "310117",
    "310118",
    "310120",
    "310151",
]


def _replace(code: str, index: int, char: str) -> str:
    return code[:index] + char + code[index + 1 :]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_published_codes_are_valid(code):
    assert validate_credit_code(code) == []


def test_check_chars_match_the_real_spdb_code():
    code = "9131000013221158XC"
    assert org_code_check_char(code[8:16]) == "X"
    assert credit_code_check_char(code[:17]) == "C"


def test_org_check_values_letters_by_alphabet_position_not_charset_index():
    # 'K', 'N' and later letters sit one or more places lower in CHARSET than in A..Z.
    assert org_code_check_char("MACHK7GN") == "2"


def test_wrong_final_check_char_names_expected_and_given():
    problems = validate_credit_code("91310000132260250Y")
    assert problems == ["check character (position 18) is 'Y', expected 'X'"]


def test_wrong_org_check_char_is_reported():
    code = _replace("91310000132260250X", 16, "1")
    problems = validate_credit_code(code)
    assert any("position 17" in p and "'1'" in p and "expected '0'" in p for p in problems)


@pytest.mark.parametrize("length", [17, 19])
def test_wrong_length_states_the_length(length):
    code = ("91310000132260250X" + "0")[:length]
    assert validate_credit_code(code) == [f"credit code must be 18 characters long, got {length}"]


def test_surrounding_whitespace_is_pointed_out_not_stripped():
    (problem,) = validate_credit_code(" 91310000132260250X")
    assert "got 19" in problem and "whitespace" in problem


def test_non_string_is_rejected():
    assert validate_credit_code(913100006916203638) == ["credit code must be a string, got int"]
    assert validate_credit_code(None) == ["credit code must be a string, got NoneType"]


def test_lowercase_is_rejected_with_an_uppercase_hint():
    problems = validate_credit_code("9131000013221158xc")
    assert len(problems) == 1
    assert "lowercase" in problems[0]
    assert "17, 18" in problems[0]
    assert "uppercase" in problems[0]


@pytest.mark.parametrize("char", ["I", "O", "S", "V", "Z"])
def test_forbidden_letters_are_named_with_their_position(char):
    code = _replace("91310000132260250X", 9, char)
    (problem,) = validate_credit_code(code)
    assert f"'{char}' at position 10" in problem


def test_non_ascii_characters_are_rejected():
    (problem,) = validate_credit_code("9131000013221158Ｘ" + "C")
    assert "position 17" in problem


@pytest.mark.parametrize("authority", ["0", "B", "X"])
def test_unknown_registration_authority_is_rejected(authority):
    code = _replace("91310000132260250X", 0, authority)
    problems = validate_credit_code(code)
    assert any("position 1 (registration authority)" in p for p in problems)


@pytest.mark.parametrize("prefix", ["94", "99", "Y2", "54", "18"])
def test_type_not_issued_by_the_authority_is_rejected(prefix):
    first17 = prefix + "310000132260250"
    code = first17 + credit_code_check_char(first17)
    problems = validate_credit_code(code)
    assert any("position 2 (organisation type)" in p for p in problems)


def test_non_digit_division_code_is_rejected():
    first17 = "9131A000132260250"
    code = first17 + credit_code_check_char(first17)
    problems = validate_credit_code(code)
    assert problems == [
        "positions 3-8 (administrative division code) must be six digits, got '31A000'"
    ]


def test_generated_codes_are_valid_and_distinct():
    codes = [
        make_credit_code(SHANGHAI_DIVISIONS[i % len(SHANGHAI_DIVISIONS)], i * 7919)
        for i in range(2000)
    ]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert validate_credit_code(code) == [], code


@pytest.mark.parametrize(("authority", "kind"), [("9", "2"), ("9", "3"), ("5", "1"), ("Y", "1")])
def test_generated_codes_are_valid_for_other_authorities(authority, kind):
    for serial in range(0, 31**8, 31**8 // 97):
        code = make_credit_code("310115", serial, authority, kind)
        assert code[:2] == authority + kind
        assert validate_credit_code(code) == [], code


def test_generator_is_deterministic():
    assert make_credit_code("310101", 42) == make_credit_code("310101", 42)


@pytest.mark.parametrize(
    ("division", "serial", "authority", "kind"),
    [
        ("31010", 1, "9", "1"),
        ("310101", -1, "9", "1"),
        ("310101", 31**8, "9", "1"),
        ("310101", 1, "9", "9"),
        ("310101", 1, "Z", "1"),
        ("310101", 1, "91", "1"),
    ],
)
def test_generator_rejects_bad_arguments(division, serial, authority, kind):
    with pytest.raises(ValueError):
        make_credit_code(division, serial, authority, kind)


@pytest.mark.parametrize("code", [*REAL_CODES, make_credit_code("310151", 123_456)])
def test_any_single_character_substitution_is_detected(code):
    # Every weight 3**i mod 31 is a unit modulo the prime 31, so changing one character always
    # changes the weighted sum modulo 31 and the final check character no longer fits.
    for index in range(18):
        for char in CHARSET:
            if char != code[index]:
                mutated = _replace(code, index, char)
                assert validate_credit_code(mutated) != [], mutated
