"""The case procedure's refusals are message keys: every key the code uses has an English
text for the API and a zh and an en text in the console's catalogues, with the same
placeholders."""

from __future__ import annotations

import ast
import re
import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from server.cases import procedure
from server.cases.refusals import ENGLISH, Refused
from server.console.i18n import TRANSLATIONS
from server.messages import Message

ROOT = Path(__file__).resolve().parents[2]
PREFIXES = tuple(sorted({key.split(".")[0] + "." for key in ENGLISH}))
KEY = re.compile(r"[a-z_]+\.[a-z_]+")
KEYED = ("Refused", "Message", "said")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _keys_used() -> set[str]:
    """The keys server/cases passes to Refused, Message and said (their notes too), and the
    notes a comprehension builds (step_checks._need)."""
    found = set()
    for path in (ROOT / "server" / "cases").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            name = getattr(node, "func", None)
            name = getattr(name, "id", None) or getattr(name, "attr", None)
            if name in KEYED or isinstance(node, ast.DictComp):
                found |= {inner.value for inner in ast.walk(node)
                          if isinstance(inner, ast.Constant) and isinstance(inner.value, str)
                          and KEY.fullmatch(inner.value) and inner.value.startswith(PREFIXES)}
    return found


def _english_fields(key: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(ENGLISH[key]) if name}


def _console(lang: str) -> dict[str, str]:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    return {m.id: m.string for m in catalog if m.context == "refusal"}


def test_every_key_the_code_uses_has_an_english_text_and_every_text_is_used():
    used = _keys_used()
    assert len(used) > 60
    assert sorted(used - set(ENGLISH)) == []
    assert sorted(set(ENGLISH) - used) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_key_is_said_in_the_console_with_the_same_placeholders(lang):
    said = _console(lang)
    assert sorted(set(ENGLISH) - set(said)) == []
    differ = {key: (sorted(_english_fields(key)), sorted(PLACEHOLDER.findall(said[key])))
              for key in ENGLISH if _english_fields(key) != set(PLACEHOLDER.findall(said[key]))}
    assert differ == {}
    assert [key for key, text in said.items()  # "%%" is a literal percent sign
            if not text or "%" in PLACEHOLDER.sub("", text).replace("%%", "")
            or "fen" in text.split()] == []


def test_the_chinese_cites_the_law_by_its_full_name_wherever_the_english_cites_an_article():
    zh = _console("zh")
    cited = [key for key in ENGLISH if "处罚法 第" in ENGLISH[key]]
    assert len(cited) > 15
    assert [key for key in cited if "《中华人民共和国行政处罚法》第" not in zh[key]] == []


def test_a_refusal_keeps_its_key_and_amounts_in_fen_and_says_them_in_english_for_the_api():
    view = procedure.CaseView(state="notified", party_type="organisation", outcomes=("fine",),
                              proposed_fen=3_000_000, intended_fen=3_000_000,
                              notice_on=date(2021, 6, 1))
    with pytest.raises(Refused) as refused:
        procedure.check_transition(view, "decided", {"fine_fen": 3_000_001,
                                                     "rights_waived": True}, date(2021, 6, 2))
    assert refused.value.message == Message("decision.heavier", {"intended_fen": 3_000_000})
    assert refused.value.notes == {"fine_fen": Message("field.above_notice")}
    assert refused.value.reason.endswith("the fine may not exceed 3000000 fen.")
    assert refused.value.errors == {"fine_fen": "above the notified amount"}
