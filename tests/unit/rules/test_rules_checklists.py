"""Checklist templates as rule files: shipped set, clear refusals, versions in force, diff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.rules import (
    RuleBook,
    RuleSetError,
    diff_rule_sets,
    load_rule_set_file,
    parse_rule_set,
    preview_import,
)
from server.rules.model import ChecklistTemplate

Doc = Callable[[str], dict[str, Any]]
GENERAL, VOCS = "sh-eco-site-general@1", "sh-eco-site-vocs@1"


def _item(document: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(i for i in document["items"] if i["id"] == item_id)


def test_the_shipped_templates_are_in_force_with_stable_bilingual_items(book: RuleBook) -> None:
    general, vocs = book.checklists_on(date(2026, 6, 1))
    assert (general.meta.ref, vocs.meta.ref) == (GENERAL, VOCS)
    assert isinstance(vocs, ChecklistTemplate) and not vocs.meta.verified
    assert general.every_enterprise and general.industries == ()
    assert not vocs.every_enterprise and "化工" in vocs.industries
    assert {"PERMIT-01", "EIA-01", "AIR-01", "WATER-02", "NOISE-03", "HW-01", "HW-02",
            "MON-01"} <= set(general.by_id)
    assert [i.id for i in vocs.items] == [f"VOC-0{n}" for n in range(1, 10)]
    assert all(i.question.zh and i.question.en for t in (general, vocs) for i in t.items)
    assert vocs.by_id["VOC-01"].suggests == "AIR_VOC"
    assert [general.by_id[f"EIA-0{n}"].suggests for n in (1, 3, 4)] == [
        "EIA_UNAPPROVED", "EIA_MAJOR_CHANGE", "EIA_EXPIRED_UNREVIEWED"]
    # The points asking about one act of waiver items 6, 7, 10 and 11 suggest that act's code.
    assert {i: general.by_id[i].suggests for i in ("HW-01", "HW-04", "PERMIT-03", "PERMIT-04")} \
        == {"HW-01": "HW_NO_LEDGER", "HW-04": "HW_NO_SIGN", "PERMIT-03": "PERMIT_NO_LEDGER",
            "PERMIT-04": "PERMIT_REPORT_LATE"}
    assert general.by_id["HW-02"].suggests == "HW_MGMT"  # storage too: the whole article
    codes = book.catalogue_on(date(2026, 6, 1)).entries  # type: ignore[union-attr]
    assert all(i.suggests in codes for t in (general, vocs) for i in t.items if i.suggests)


def test_templates_apply_from_their_effective_dates(book: RuleBook) -> None:
    assert book.checklists_on(date(2019, 12, 31)) == ()
    assert len(book.checklists_on(date(2020, 1, 1))) == 2


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["items"].append(dict(_item(d, "VOC-02"))), "items[VOC-02]: item id appears twice"),
    (lambda d: _item(d, "VOC-03").update(id="voc 3"), "items[voc 3].id: 'voc 3' does not match"),
    (lambda d: _item(d, "VOC-04")["question"].pop("en"),
     "items[VOC-04].question: 'en' is a required property"),
    (lambda d: d.update(applies_to={}), "applies_to: {} should be non-empty"),
    (lambda d: d["applies_to"].update(permit_classes=["heavy"]),
     "applies_to.permit_classes[0]: 'heavy' is not one of"),
    (lambda d: d["applies_to"].update(every_enterprise=True),
     "applies_to: every_enterprise goes alone"),
    (lambda d: d.update(items=[]), "items: [] should be non-empty"),
    (lambda d: _item(d, "VOC-05").update(points=3), "Additional properties are not allowed"),
])
def test_a_broken_template_is_refused_with_a_message_naming_the_place(
        doc: Doc, change: Callable[[dict[str, Any]], Any], expected: str) -> None:
    document = doc(VOCS)
    change(document)
    with pytest.raises(RuleSetError) as caught:
        parse_rule_set(document, origin="broken.yaml")
    assert "rule set broken.yaml refused" in str(caught.value)
    assert expected in str(caught.value)


def test_a_broken_template_file_is_refused_with_its_name_and_reason(doc: Doc,
                                                                    tmp_path: Path) -> None:
    document = doc(VOCS)
    del document["applies_to"]
    path = tmp_path / "checklist-local-1.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    with pytest.raises(RuleSetError, match="'applies_to' is a required property") as caught:
        load_rule_set_file(path)
    assert caught.value.origin == "checklist-local-1.yaml"


def test_a_rule_book_refuses_a_suggested_code_in_no_catalogue_and_a_borrowed_item_id(
        book: RuleBook, doc: Doc) -> None:
    dangling = doc(VOCS)
    dangling["version"] = "2"
    dangling["effective_from"] = "2027-01-01"
    _item(dangling, "VOC-01")["suggests"] = "AIR_GHOST"
    with pytest.raises(RuleSetError, match=r"sh-eco-site-vocs@2 items\[VOC-01\]: code "
                                           "AIR_GHOST is in no catalogue"):
        book.with_rule_set(parse_rule_set(dangling))
    borrowed = doc(VOCS)
    borrowed.update(id="local-paint-shops", version="1")
    with pytest.raises(RuleSetError, match=r"local-paint-shops@1 items\[VOC-01\]: the item id "
                                           "belongs to checklist sh-eco-site-vocs"):
        book.with_rule_set(parse_rule_set(borrowed))


def test_templates_of_other_ids_run_side_by_side_and_a_new_version_supersedes(
        book: RuleBook, doc: Doc) -> None:
    local = doc(VOCS)
    local.update(id="local-dust", version="1", effective_from="2026-01-01",
                 effective_until="2026-12-31", applies_to={"industries": ["混凝土"]},
                 items=[{"id": "DUST-01", "question": {"zh": "堆场覆盖", "en": "Yards covered"}}])
    newer = doc(VOCS)
    newer.update(version="2", effective_from="2026-07-01")
    newer["items"] = [i for i in newer["items"] if i["id"] != "VOC-08"]
    extended = book.with_rule_set(parse_rule_set(local)).with_rule_set(parse_rule_set(newer))
    assert [t.meta.ref for t in extended.checklists_on(date(2026, 6, 30))] == [
        "local-dust@1", GENERAL, VOCS]
    on_july = {t.meta.id: t for t in extended.checklists_on(date(2026, 7, 1))}
    assert on_july["sh-eco-site-vocs"].meta.ref == "sh-eco-site-vocs@2"
    assert "VOC-08" not in on_july["sh-eco-site-vocs"].by_id
    assert "local-dust" not in {t.meta.id for t in extended.checklists_on(date(2027, 1, 1))}


def test_importing_a_template_version_shows_the_items_removed_by_their_question(
        book: RuleBook, doc: Doc) -> None:
    newer = doc(VOCS)
    newer.update(version="2", effective_from="2026-07-01")
    newer["items"] = [i for i in newer["items"] if i["id"] != "VOC-08"]
    preview = preview_import(book, newer)
    assert preview.supersedes is not None and preview.supersedes.meta.ref == VOCS
    [(path, label)] = preview.diff.removed
    assert path == "items[VOC-08]"
    assert label.startswith("涉及设备动静密封点的") and label.endswith("(LDAR) is done")
    assert "items[PERMIT-01]" in {p for p, _ in diff_rule_sets(None, book.get(GENERAL)).added}


def test_a_first_template_of_a_new_id_supersedes_no_other_template(book: RuleBook) -> None:
    local = {**book.get(VOCS).as_dict(), "id": "local-dust", "version": "1",
             "applies_to": {"industries": ["混凝土"]},
             "items": [{"id": "DUST-01", "question": {"zh": "堆场覆盖", "en": "Yards covered"}}]}
    preview = preview_import(book, local)
    assert preview.supersedes is None
    assert [p for p, _ in preview.diff.added] == ["items[DUST-01]"]
