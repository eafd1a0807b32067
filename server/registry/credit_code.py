"""Unified social credit code (统一社会信用代码, GB 32100-2015): validation and demo generation."""

from __future__ import annotations

from server.messages import Message
from server.registry.refusals import english, said

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_LENGTH = 18

_CHAR_VALUE = {char: value for value, char in enumerate(CHARSET)}
_CHECK_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_ORG_BODY = slice(8, 16)
_ORG_CHECK_INDEX = 16

AUTHORITIES = tuple("123456789ANY")
# Organisation types (position 2) each registration authority (position 1) may issue, from
# GB 32100-2015 appendix A. Only the widely confirmed rows are pinned; secondary sources
# disagree on the others, so those accept the lenient default rather than reject real codes.
_TYPES_BY_AUTHORITY: dict[str, frozenset[str]] = {
    "1": frozenset("1239"),  # 机构编制: 机关, 事业单位, 群众团体, 其他
    "3": frozenset("123459"),  # 司法行政: 律所, 公证处, 法律服务所, 鉴定, 仲裁, 其他
    "5": frozenset("1239"),  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "9": frozenset("123"),  # 市场监管: 企业, 个体工商户, 农民专业合作社
    "N": frozenset("1239"),  # 农业农村: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": frozenset("1"),  # 其他
}
_DEFAULT_TYPES = frozenset("1239")


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100 check character (position 18) for the first 17 characters."""
    if len(first17) != 17:
        raise ValueError(f"expected 17 characters, got {len(first17)}")
    try:
        total = sum(
            _CHAR_VALUE[char] * weight for char, weight in zip(first17, _CHECK_WEIGHTS, strict=True)
        )
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not in the credit-code charset") from exc
    return CHARSET[(31 - total % 31) % 31]


def _org_char_value(char: str) -> int:
    # GB 11714 values letters by their place in the full alphabet (A=10 ... Z=35), not by
    # their index in CHARSET; real codes with letter bodies (e.g. 'MA...') only pass this way.
    if "0" <= char <= "9":
        return ord(char) - ord("0")
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    raise ValueError(f"character {char!r} is not allowed in an organisation code")


def org_code_check_char(body8: str) -> str:
    """Return the GB 11714 organisation-code check character for the 8-character body."""
    if len(body8) != 8:
        raise ValueError(f"expected 8 characters, got {len(body8)}")
    total = sum(
        _org_char_value(char) * weight for char, weight in zip(body8, _ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def _allowed_types(authority: str) -> frozenset[str]:
    return _TYPES_BY_AUTHORITY.get(authority, _DEFAULT_TYPES)


def _format_problems(code: str) -> list[Message]:
    """Problems that make the checksums meaningless: case and characters outside CHARSET."""
    problems = []
    lower = [i for i, char in enumerate(code) if "a" <= char <= "z"]
    if lower:
        problems.append(said("credit_code.lowercase", positions=[i + 1 for i in lower]))
    foreign = [i for i, char in enumerate(code) if char not in _CHAR_VALUE and i not in lower]
    if foreign:
        problems.append(said("credit_code.foreign", characters=[
            said("credit_code.character", char=code[i], position=i + 1) for i in foreign]))
    return problems


def _structure_problems(code: str) -> list[Message]:
    problems = []
    authority, kind = code[0], code[1]
    if authority not in AUTHORITIES:
        problems.append(said("credit_code.authority", authority=authority,
                             expected=list(AUTHORITIES)))
    else:
        allowed = _allowed_types(authority)
        if kind not in allowed:
            problems.append(said("credit_code.type", type_code=kind, authority=authority,
                                 expected=sorted(allowed)))
    division = code[2:8]
    if not division.isdigit():
        problems.append(said("credit_code.division", division=division))
    return problems


def credit_code_problems(code: object) -> list[Message]:
    """What is wrong with a credit code, as message keys; an empty list means it is valid."""
    if not isinstance(code, str):
        return [said("credit_code.not_text", got_type=type(code).__name__)]
    if len(code) != CODE_LENGTH:
        if len(code.strip()) == CODE_LENGTH:
            return [said("credit_code.length_spaces", length=CODE_LENGTH, got=len(code))]
        return [said("credit_code.length", length=CODE_LENGTH, got=len(code))]
    problems = _format_problems(code)
    if problems:
        return problems
    problems = _structure_problems(code)
    expected_org = org_code_check_char(code[_ORG_BODY])
    given_org = code[_ORG_CHECK_INDEX]
    if given_org != expected_org:
        problems.append(said("credit_code.org_check", given=given_org, expected=expected_org))
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        problems.append(said("credit_code.check", given=code[17], expected=expected))
    return problems


def validate_credit_code(code: object) -> list[str]:
    """Return human-readable problems with a credit code; an empty list means it is valid."""
    return [english(problem) for problem in credit_code_problems(code)]


def make_credit_code(division: str, serial: int, authority: str = "9", kind: str = "1") -> str:
    """Return a valid credit code for demo data; the same serial always gives the same code."""
    if not (len(division) == 6 and division.isascii() and division.isdigit()):
        raise ValueError(f"division must be six digits, got {division!r}")
    if authority not in AUTHORITIES or kind not in _allowed_types(authority):
        raise ValueError(f"authority {authority!r} does not issue organisation type {kind!r}")
    base = len(CHARSET)
    if not 0 <= serial < base**8:
        raise ValueError(f"serial must be in [0, {base**8}), got {serial}")
    # The body is the serial in base 31 over CHARSET, so it never holds I, O, S, V or Z and
    # each serial maps to exactly one body.
    digits = []
    for _ in range(8):
        serial, remainder = divmod(serial, base)
        digits.append(CHARSET[remainder])
    body = "".join(reversed(digits))
    # The org check char is a digit or 'X', both in CHARSET, so the result stays in the charset.
    first17 = authority + kind + division + body + org_code_check_char(body)
    return first17 + credit_code_check_char(first17)
