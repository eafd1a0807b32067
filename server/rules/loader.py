"""Read rule files (YAML or JSON), validate them against their JSON Schema, build rule sets."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from server.rules.errors import RuleSetError
from server.rules.model import (
    BP,
    RULE_KINDS,
    Catalogue,
    CatalogueEntry,
    ChecklistItem,
    ChecklistTemplate,
    Discretion,
    Factor,
    FactorTable,
    FineRange,
    FineShape,
    HearingThreshold,
    MitigationRule,
    Procedure,
    RepeatRule,
    RuleSet,
    RuleSetMeta,
    Text,
    WaiverItem,
    WaiverList,
)

SCHEMA_DIR = Path(__file__).with_name("schemas")
DATA_DIR = Path(__file__).with_name("data")
RULE_FILE_SUFFIXES = (".yaml", ".yml", ".json")
ESCALATION_FACTS = ("not_corrected_by_deadline", "refused_correction")
_KEYS = ("code", "number", "key", "id")

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _YamlLoader(_BaseLoader):
    """Safe YAML without implicit timestamps: dates stay strings so the schema can check them."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@lru_cache(maxsize=1)
def _validators() -> Mapping[str, Draft202012Validator]:
    schemas = [json.loads(p.read_text("utf-8")) for p in sorted(SCHEMA_DIR.glob("*.json"))]
    registry: Registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas
    )
    by_id = {schema["$id"]: schema for schema in schemas}
    return {
        kind: Draft202012Validator(by_id[f"urn:rules:{kind}"], registry=registry)
        for kind in RULE_KINDS
    }


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()[:10]
    raise TypeError(f"{type(value).__name__} is not allowed in a rule file")


def normalise(document: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """The document as plain JSON data (date objects become ISO strings, keys become strings)."""
    try:
        return json.loads(json.dumps(document, default=_json_default, ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        raise RuleSetError(origin, [str(exc)]) from exc


def read_document(path: Path) -> dict[str, Any]:
    """Parse one YAML or JSON rule file into plain data, without validating it."""
    origin = path.name
    try:
        text = path.read_text("utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.load(text, _YamlLoader)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise RuleSetError(origin, [f"cannot be read: {exc}"]) from exc
    if not isinstance(data, dict):
        raise RuleSetError(origin, ["the file must hold one mapping (a rule set)"])
    return normalise(data, origin)


def _where(document: Any, path: list[Any]) -> str:
    """A readable path such as `entries[AIR_VOC].fine.max_fen` (list items named by key)."""
    out, node = "", document
    for part in path:
        if isinstance(part, int) and isinstance(node, list):
            item = node[part] if part < len(node) else None
            label = next((item[k] for k in _KEYS if isinstance(item, dict) and k in item), part)
            out += f"[{label}]"
            node = item
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"


def _schema_problems(document: dict[str, Any]) -> list[str]:
    kind = document.get("kind")
    validators = _validators()
    if kind not in validators:
        return [f"kind: must be one of {sorted(validators)}, got {kind!r}"]
    errors = sorted(validators[kind].iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{_where(document, list(e.absolute_path))}: {e.message}" for e in errors[:50]]


def _date(value: str, where: str, problems: list[str]) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{where}: {value!r} is not a calendar date")
        return date.min


def _bp(value: int | str, unit: int) -> int:
    return int(Decimal(str(value)) * unit)


def _text(data: Mapping[str, str]) -> Text:
    return Text(zh=data["zh"], en=data["en"])


def _meta(doc: dict[str, Any], problems: list[str]) -> RuleSetMeta:
    start = _date(doc["effective_from"], "effective_from", problems)
    until_raw = doc["effective_until"]
    until = None if until_raw is None else _date(until_raw, "effective_until", problems)
    if until is not None and until < start:
        problems.append("effective_until: is before effective_from")
    return RuleSetMeta(
        id=doc["id"], version=doc["version"], kind=doc["kind"], title=_text(doc["title"]),
        effective_from=start, effective_until=until, verified=doc["verified"],
        source=doc["source"],
    )


def _range(data: Mapping[str, Any] | None, where: str, problems: list[str]) -> FineRange | None:
    if data is None:
        return None
    if data["min_fen"] > data["max_fen"]:
        problems.append(f"{where}: min_fen is above max_fen")
    fact = data.get("fact")
    if fact is not None and fact not in ESCALATION_FACTS:
        problems.append(f"{where}.fact: {fact!r} is not one of {list(ESCALATION_FACTS)}")
    return FineRange(data["min_fen"], data["max_fen"], data["article"], fact)


def _fine(data: Mapping[str, Any], where: str, problems: list[str]) -> FineShape:
    shape = data["shape"]
    if shape in ("range", "per_instance"):
        _range({**data, "article": "-"}, where, problems)
        return FineShape(shape, min_fen=data["min_fen"], max_fen=data["max_fen"])
    if shape == "percent_of_base":
        low, high = _bp(data["min_percent"], 100), _bp(data["max_percent"], 100)
        floor, applies = 0, "base"
    else:
        low, high = _bp(data["min_multiple"], BP), _bp(data["max_multiple"], BP)
        floor, applies = data["base_floor_fen"], data["floor_applies_to"]
    if low > high:
        problems.append(f"{where}: the minimum ratio is above the maximum")
    return FineShape(shape, base=data["base"], min_ratio_bp=low, max_ratio_bp=high,
                     base_floor_fen=floor, floor_applies_to=applies)


def _split_problems(entries: Mapping[str, CatalogueEntry]) -> list[str]:
    """A code is split from another code of the same catalogue, itself not split from one."""
    problems = []
    for code, entry in entries.items():
        parent, where = entry.split_from, f"entries[{code}].split_from"
        if parent is None:
            continue
        if parent == code:
            problems.append(f"{where}: a code cannot be split from itself")
        elif parent not in entries:
            problems.append(f"{where}: {parent} is not a code of this catalogue")
        elif (grand := entries[parent].split_from) is not None:
            problems.append(f"{where}: {parent} was itself split from {grand}")
    return problems


def _catalogue(doc: dict[str, Any], meta: RuleSetMeta, problems: list[str]) -> Catalogue:
    entries: dict[str, CatalogueEntry] = {}
    for raw in doc["entries"]:
        where = f"entries[{raw['code']}]"
        if raw["code"] in entries:
            problems.append(f"{where}: code appears twice")
        entries[raw["code"]] = CatalogueEntry(
            code=raw["code"], title=_text(raw["title"]),
            violated_articles=tuple(raw["violated_articles"]),
            penalty_article=raw["penalty_article"],
            fine=_fine(raw["fine"], f"{where}.fine", problems),
            escalation=_range(raw.get("escalation"), f"{where}.escalation", problems),
            responsible_persons=_range(
                raw.get("responsible_persons"), f"{where}.responsible_persons", problems),
            daily_penalty_article=raw.get("daily_penalty_article"),
            additional_measures=tuple(_text(m) for m in raw.get("additional_measures", ())),
            in_force_from=_date(raw["in_force_from"]["date"], f"{where}.in_force_from", problems),
            in_force_from_verified=raw["in_force_from"]["verified"],
            verified=raw["verified"],
            split_from=raw.get("split_from"),
        )
    problems += _split_problems(entries)
    proc = doc["procedure"]
    summary, limit, pay = proc["summary_procedure"], proc["limitation"], proc["payment"]
    procedure = Procedure(
        summary_individual_max_fen=summary["individual_max_fen"],
        summary_organisation_max_fen=summary["organisation_max_fen"],
        summary_article=summary["article"],
        summary_in_force_from=_date(summary["in_force_from"], "procedure.summary", problems),
        limitation_years=limit["years"], limitation_extended_years=limit["extended_years"],
        limitation_article=limit["article"],
        payment_period_days=pay["period_days"], payment_day_kind=pay["period_day_kind"],
        surcharge_bp_per_day=_bp(pay["surcharge_percent_per_day"], 100),
        surcharge_article=pay["article"], verified=proc["verified"],
        hearing=HearingThreshold(**proc["hearing"]) if "hearing" in proc else None,
    )
    return Catalogue(meta=meta, document=json.dumps(doc, ensure_ascii=False),
                     entries=MappingProxyType(entries), procedure=procedure)


def _waiver_list(doc: dict[str, Any], meta: RuleSetMeta, problems: list[str]) -> WaiverList:
    items: list[WaiverItem] = []
    by_code: dict[str, list[WaiverItem]] = {}
    for raw in doc["items"]:
        if any(item.number == raw["number"] for item in items):
            problems.append(f"items[{raw['number']}]: item number appears twice")
        window = raw["correction_window"]
        item = WaiverItem(
            number=raw["number"], field=_text(raw["field"]), behaviour=_text(raw["behaviour"]),
            codes=tuple(raw["codes"]), violated_articles=tuple(raw["violated_articles"]),
            penalty_article=raw["penalty_article"], conditions=tuple(raw["conditions"]),
            window_days=window["days"], window_kind=window["kind"],
            window_verified=window["verified"], verified=raw["verified"],
        )
        items.append(item)
        for code in item.codes:
            by_code.setdefault(code, []).append(item)
    return WaiverList(
        meta=meta, document=json.dumps(doc, ensure_ascii=False), basis=tuple(doc["basis"]),
        items=tuple(sorted(items, key=lambda i: i.number)),
        by_code=MappingProxyType({code: tuple(found) for code, found in by_code.items()}),
    )


def _factor(raw: Mapping[str, Any], where: str, problems: list[str]) -> Factor:
    weights = tuple(_bp(w, 100) for w in raw["weights_percent"])
    if any(later < earlier for earlier, later in zip(weights, weights[1:], strict=False)):
        problems.append(f"{where}.weights_percent: must not decrease from grade 1 to grade 5")
    return Factor(
        key=raw["key"], name=_text(raw["name"]), name_verified=raw["name_verified"],
        weights_bp=weights,
        grades=MappingProxyType({int(g): _text(t) for g, t in raw.get("grades", {}).items()}),
        verified=raw["verified"],
    )


def _discretion(doc: dict[str, Any], meta: RuleSetMeta, problems: list[str]) -> Discretion:
    tables, by_code, default = [], {}, None
    for raw in doc["tables"]:
        where = f"tables[{raw['id']}]"
        factors = tuple(_factor(f, f"{where}.factors[{f['key']}]", problems)
                        for f in raw["factors"])
        if len({f.key for f in factors}) != len(factors):
            problems.append(f"{where}: a factor key appears twice")
        table = FactorTable(id=raw["id"], codes=tuple(raw["codes"]),
                            starting_bp=_bp(raw["starting_weight"]["percent"], 100),
                            starting_verified=raw["starting_weight"]["verified"], factors=factors,
                            title=_text(raw["title"]) if "title" in raw else None)
        tables.append(table)
        for code in table.codes:
            if code == "*":
                if default is not None:
                    problems.append(f"{where}: only one table may cover every other code ('*')")
                default = table
            elif code in by_code:
                problems.append(f"{where}: code {code} is already covered by another table")
            else:
                by_code[code] = table
    rounding, repeat, mit = doc["rounding"], doc["repeat_offence"], doc["mandatory_mitigation"]
    return Discretion(
        meta=meta, document=json.dumps(doc, ensure_ascii=False),
        cap_bp=_bp(doc["cap_percent"], 100), rounding_step_fen=rounding["step_fen"],
        rounding_verified=rounding["verified"],
        repeat=RepeatRule(window_years=repeat["window_years"],
                          same_code_only=repeat["same_code_only"],
                          bp_per_offence=_bp(repeat["weight_percent_per_offence"], 100),
                          max_counted=repeat["max_counted"], verified=repeat["verified"]),
        mitigation=MitigationRule(
            article=mit["article"], reduce_bp=min(_bp(mit["reduce_percent"], 100), BP),
            grounds=MappingProxyType({k: _text(v) for k, v in mit["grounds"].items()}),
            verified=mit["verified"]),
        tables=tuple(tables), by_code=MappingProxyType(by_code), default_table=default,
    )


def _checklist(doc: dict[str, Any], meta: RuleSetMeta, problems: list[str]
               ) -> ChecklistTemplate:
    scope, by_id = doc["applies_to"], {}
    every = scope.get("every_enterprise", False)
    if every and len(scope) > 1:
        problems.append("applies_to: every_enterprise goes alone (no industries or classes)")
    for raw in doc["items"]:
        if raw["id"] in by_id:
            problems.append(f"items[{raw['id']}]: item id appears twice")
        by_id[raw["id"]] = ChecklistItem(id=raw["id"], question=_text(raw["question"]),
                                         suggests=raw.get("suggests"))
    return ChecklistTemplate(
        meta=meta, document=json.dumps(doc, ensure_ascii=False), every_enterprise=every,
        industries=tuple(scope.get("industries", ())),
        permit_classes=tuple(scope.get("permit_classes", ())),
        items=tuple(by_id.values()), by_id=MappingProxyType(by_id))


_BUILDERS: Mapping[str, Callable[[dict[str, Any], RuleSetMeta, list[str]], RuleSet]] = {
    "catalogue": _catalogue, "waiver_list": _waiver_list, "discretion": _discretion,
    "checklist": _checklist,
}


def parse_rule_set(document: Mapping[str, Any], origin: str = "<dict>") -> RuleSet:
    """Validate a rule-set document (schema, then consistency) and build it; never mutates it."""
    doc = normalise(document, origin)
    problems = _schema_problems(doc)
    if problems:
        raise RuleSetError(origin, problems)
    meta = _meta(doc, problems)
    rule_set = _BUILDERS[doc["kind"]](doc, meta, problems)
    if problems:
        raise RuleSetError(origin, problems)
    return rule_set


def load_rule_set_file(path: Path | str) -> RuleSet:
    """Read, validate and build one rule file."""
    path = Path(path)
    return parse_rule_set(read_document(path), origin=path.name)


def load_rule_sets(directory: Path | str = DATA_DIR) -> tuple[RuleSet, ...]:
    """Every rule file of a directory, validated, in file-name order."""
    paths = sorted(p for p in Path(directory).iterdir() if p.suffix in RULE_FILE_SUFFIXES)
    return tuple(load_rule_set_file(path) for path in paths)
