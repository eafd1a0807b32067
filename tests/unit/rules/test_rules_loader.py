"""Rule files: schema validation, clear refusals, versions in force, diff and import preview."""

import json
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
    load_rule_book,
    load_rule_set_file,
    parse_rule_set,
    preview_import,
)
from server.rules.loader import DATA_DIR

Doc = Callable[[str], dict[str, Any]]


def _entry(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(e for e in document["entries"] if e["code"] == code)


def _refusal(document: dict[str, Any]) -> str:
    with pytest.raises(RuleSetError) as caught:
        parse_rule_set(document, origin="broken.yaml")
    return str(caught.value)


def test_the_shipped_rule_files_load_and_validate(book: RuleBook) -> None:
    assert [m.ref for m in book.versions()] == [
        "cn-eco-field-violations@1", "sh-eco-minor-offence-waiver@2020",
        "gd-2022-weighted-accumulation@1", "sh-eco-site-general@1", "sh-eco-site-vocs@1"]
    assert all(m.source for m in book.versions())
    assert {p.suffix for p in DATA_DIR.iterdir()} == {".yaml"}


def test_versions_in_force_follow_their_effective_dates(book: RuleBook) -> None:
    assert book.catalogue_on(date(2015, 12, 31)) is None
    assert book.catalogue_on(date(2016, 1, 1)) is not None
    assert book.waiver_lists_on(date(2020, 4, 30)) == ()
    assert len(book.waiver_lists_on(date(2020, 5, 1))) == 1
    assert len(book.waiver_lists_on(date(2025, 4, 30))) == 1
    assert book.waiver_lists_on(date(2025, 5, 1)) == ()


def test_a_newer_version_supersedes_from_its_effective_date(doc: Doc,
                                                           with_version: Callable[..., RuleBook]
                                                           ) -> None:
    newer = doc("gd-2022-weighted-accumulation@1")
    newer.update(version="2", effective_from="2026-01-01")
    rules = with_version(newer)
    assert rules.discretion_on(date(2025, 12, 31)).meta.ref.endswith("@1")  # type: ignore
    assert rules.discretion_on(date(2026, 1, 1)).meta.ref.endswith("@2")  # type: ignore


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: _entry(d, "AIR_VOC")["fine"].update(max_fen=-5),
     "entries[AIR_VOC].fine.max_fen: -5 is less than the minimum of 0"),
    (lambda d: _entry(d, "AIR_VOC").pop("penalty_article"),
     "entries[AIR_VOC]: 'penalty_article' is a required property"),
    (lambda d: _entry(d, "EIA_UNAPPROVED")["fine"].update(max_percent=5.5),
     "entries[EIA_UNAPPROVED].fine.max_percent: 5.5 is not of type 'integer', 'string'"),
    (lambda d: _entry(d, "AIR_VOC")["fine"].update(min_fen=30_000_000),
     "entries[AIR_VOC].fine: min_fen is above max_fen"),
    (lambda d: d.update(effective_from="2016-02-30"),
     "effective_from: '2016-02-30' is not a calendar date"),
    (lambda d: d.update(effective_until="2015-01-01"),
     "effective_until: is before effective_from"),
    (lambda d: d["entries"].append(dict(_entry(d, "AIR_VOC"))),
     "entries[AIR_VOC]: code appears twice"),
    (lambda d: d.update(kind="penalty_table"),
     "kind: must be one of ['catalogue', 'checklist', 'discretion', 'waiver_list']"),
    (lambda d: _entry(d, "ACCEPTANCE")["escalation"].update(fact="angry_inspector"),
     "entries[ACCEPTANCE].escalation.fact: 'angry_inspector' is not one of"),
    (lambda d: d.update(colour="red"), "Unevaluated properties are not allowed ('colour'"),
    (lambda d: _entry(d, "HW_NO_SIGN").update(split_from="HW_MANAGEMENT"),
     "entries[HW_NO_SIGN].split_from: HW_MANAGEMENT is not a code of this catalogue"),
    (lambda d: _entry(d, "HW_NO_SIGN").update(split_from="HW_NO_SIGN"),
     "entries[HW_NO_SIGN].split_from: a code cannot be split from itself"),
    (lambda d: _entry(d, "HW_NO_LEDGER").update(split_from="HW_NO_SIGN"),
     "entries[HW_NO_LEDGER].split_from: HW_NO_SIGN was itself split from HW_MGMT"),
])
def test_a_broken_catalogue_is_refused_with_a_message_naming_the_place(
        doc: Doc, change: Callable[[dict[str, Any]], Any], expected: str) -> None:
    document = doc("cn-eco-field-violations@1")
    change(document)
    message = _refusal(document)
    assert "rule set broken.yaml refused" in message
    assert expected in message


def test_discretion_weights_that_fall_with_the_grade_are_refused(doc: Doc) -> None:
    document = doc("gd-2022-weighted-accumulation@1")
    document["tables"][0]["factors"][0]["weights_percent"] = [0, 10, 5, 20, 27]
    assert ("tables[eia].factors[document_class].weights_percent: must not decrease"
            in _refusal(document))


def test_waiver_items_must_name_known_conditions(doc: Doc) -> None:
    document = doc("sh-eco-minor-offence-waiver@2020")
    document["items"][4]["conditions"].append("apologised")
    assert "items[5].conditions[4]: 'apologised' is not one of" in _refusal(document)


def test_a_rule_book_refuses_dangling_codes_and_clashing_versions(
        book: RuleBook, doc: Doc) -> None:
    dangling = doc("sh-eco-minor-offence-waiver@2020")
    dangling.update(version="x")
    dangling["items"][0]["codes"] = ["GHOST"]
    dangling["effective_from"] = "2030-01-01"
    dangling["effective_until"] = None
    with pytest.raises(RuleSetError, match="code GHOST is in no catalogue"):
        book.with_rule_set(parse_rule_set(dangling))
    twin = doc("cn-eco-field-violations@1")
    twin.update(version="twin")
    with pytest.raises(RuleSetError, match="take effect on the same day"):
        book.with_rule_set(parse_rule_set(twin))


@pytest.mark.parametrize(("text", "expected"), [
    ("id: [unclosed\n", "cannot be read"),
    ("- just\n- a list\n", "the file must hold one mapping"),
])
def test_unreadable_files_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(RuleSetError, match=expected):
        load_rule_set_file(path)


def test_a_directory_of_yaml_and_json_files_loads_into_a_book(tmp_path: Path, doc: Doc) -> None:
    (tmp_path / "catalogue.json").write_text(
        json.dumps(doc("cn-eco-field-violations@1"), ensure_ascii=False), "utf-8")
    (tmp_path / "discretion.yaml").write_text(
        yaml.safe_dump(doc("gd-2022-weighted-accumulation@1"), allow_unicode=True), "utf-8")
    (tmp_path / "README.txt").write_text("not a rule file", "utf-8")
    rules = load_rule_book(tmp_path)
    assert [m.kind for m in rules.versions()] == ["catalogue", "discretion"]


def test_dates_given_as_date_objects_are_accepted_on_import(doc: Doc) -> None:
    document = doc("gd-2022-weighted-accumulation@1")
    document["effective_from"] = date(2016, 1, 1)
    assert parse_rule_set(document).meta.effective_from == date(2016, 1, 1)


def test_the_diff_lists_added_removed_and_changed_rules_in_yuan(book: RuleBook, doc: Doc) -> None:
    newer = doc("cn-eco-field-violations@1")
    newer.update(version="2", effective_from="2026-01-01")
    _entry(newer, "AIR_VOC")["fine"]["max_fen"] = 30_000_000
    newer["entries"] = [e for e in newer["entries"] if e["code"] != "OBSTRUCT"]
    newer["entries"].append({**_entry(newer, "AIR_DUST"), "code": "AIR_ODOUR"})
    diff = diff_rule_sets(book.get("cn-eco-field-violations@1"), parse_rule_set(newer))
    (added_path, added_label), = diff.added
    assert added_path == "entries[AIR_ODOUR]"
    assert added_label.endswith("/ Dust-prone materials not closed or covered, loading not sprayed")
    assert [path for path, _ in diff.removed] == ["entries[OBSTRUCT]"]
    lines = diff.lines("en")
    assert "changed entries[AIR_VOC].fine.max_fen: 200,000 yuan → 300,000 yuan" in lines
    assert "changed version: 1 → 2" in lines
    assert "changed effective_from: 2016-01-01 → 2026-01-01" in lines
    assert diff.to_text("zh").startswith("cn-eco-field-violations@1 → cn-eco-field-violations@2")
    assert diff.to_dict()["removed"][0]["path"] == "entries[OBSTRUCT]"


def test_importing_previews_the_diff_without_changing_anything(book: RuleBook, doc: Doc) -> None:
    revision = doc("sh-eco-minor-offence-waiver@2020")
    revision.update(version="2025", effective_from="2025-05-01", effective_until=None)
    revision["items"][4]["verified"] = True
    revision["items"][4]["correction_window"] = {"days": 7, "kind": "calendar", "verified": True}
    before = book.versions()
    preview = preview_import(book, revision)
    assert book.versions() == before
    assert preview.supersedes is book.get("sh-eco-minor-offence-waiver@2020")
    changed = {c.path: (c.old, c.new) for c in preview.diff.changed}
    assert changed["items[5].verified"] == (False, True)
    assert changed["items[5].correction_window.days"] == (5, 7)
    assert preview.book.waiver_lists_on(date(2025, 6, 1))[0].meta.version == "2025"
    with pytest.raises(RuleSetError, match="already exists"):
        preview_import(preview.book, revision)


def test_a_first_version_diffs_as_entirely_new(doc: Doc) -> None:
    fresh = doc("gd-2022-weighted-accumulation@1")
    diff = diff_rule_sets(None, parse_rule_set(fresh))
    assert diff.old_ref is None and not diff.changed and not diff.removed
    assert [path for path, _ in diff.added] == ["tables[eia]", "tables[general]", "tables[permit]"]
    assert diff.to_text("en").startswith("first version → gd-2022-weighted-accumulation@1")
