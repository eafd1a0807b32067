"""The provisions a violation violated, read from its stored decision, or from the rule-set
versions an older decision (stored without them) cites, each marked verified or not (pure)."""

from __future__ import annotations

import copy
from datetime import date

from server.rules import RuleBook
from server.rules.violated import Provision, violated_provisions

ON = date(2023, 3, 1)  # while the 2020 waiver list is in force
BASE = {"investment_fen": 500_000_000}


def _old(stored: dict) -> dict:
    """The decision as stored before the answers named the violated articles."""
    older = copy.deepcopy(stored)
    del older["waiver"]["violated_articles"], older["penalty"]["violated_articles"]
    return older


def test_a_decision_names_the_catalogue_entrys_provisions_verified_where_the_data_is(case, book):
    stored = case("EIA_UNAPPROVED", ON, base=BASE).to_dict("zh")
    assert violated_provisions(book, stored, "EIA_UNAPPROVED") == (
        Provision("环评法 第22条第1款", True), Provision("环评法 第25条", True))


def test_the_waiver_items_behaviour_gives_the_provision_over_the_shared_code(case, book):
    # A major change recorded as EIA_UNAPPROVED under item 2 violated 第24条第1款, not 第22条.
    stored = case("EIA_UNAPPROVED", ON, base=BASE, waiver_item=2).to_dict("zh")
    assert violated_provisions(book, stored, "EIA_UNAPPROVED") == (
        Provision("环评法 第24条第1款", False),)  # item 2 is LAW.md's working draft


def test_an_older_decision_is_read_from_the_rule_sets_it_cites_as_a_new_one_is(case, book):
    for code, item in (("EIA_UNAPPROVED", None), ("EIA_UNAPPROVED", 2),
                       ("EIA_MAJOR_CHANGE", None), ("AIR_VOC", None)):
        stored = case(code, ON, base=BASE, waiver_item=item).to_dict("zh")
        assert "violated_articles" in stored["penalty"]
        assert violated_provisions(book, _old(stored), code) == \
            violated_provisions(book, stored, code) != ()


def test_none_is_named_when_the_data_gives_none_or_the_cited_rule_set_is_unknown(case, book):
    dust = case("AIR_DUST", ON).to_dict("zh")  # LAW.md: a dash, the article is not yet known
    assert violated_provisions(book, dust, "AIR_DUST") == ()
    stored = _old(case("EIA_UNAPPROVED", ON, base=BASE).to_dict("zh"))
    stored["rule_sets"] = {"catalogue": "no-such-catalogue@1", "waiver_list": None}
    assert violated_provisions(book, stored, "EIA_UNAPPROVED") == ()


def test_provisions_stored_under_a_rule_set_the_book_lacks_are_named_but_unverified(
        case, book: RuleBook):
    stored = case("EIA_UNAPPROVED", ON, base=BASE).to_dict("zh")
    stored["rule_sets"] = {"catalogue": "no-such-catalogue@1", "waiver_list": None}
    assert [p.verified for p in violated_provisions(book, stored, "EIA_UNAPPROVED")] == \
        [False, False]
