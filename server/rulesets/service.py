"""Use cases around the pure rules engine: the rule book in use, evaluation, imports."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select

from server.audit import service as audit
from server.auth.policy import Actor, authorize, require_city_wide
from server.clock import today_shanghai
from server.db_types import json_safe
from server.errors import Conflict, NotFound, ValidationFailed
from server.extensions import db
from server.rules import (
    EvaluationInput,
    InvalidInput,
    RuleBook,
    RuleSetError,
    evaluate,
    load_rule_book,
    preview_import,
    violated,
)
from server.rules.model import RULE_KINDS
from server.rules.violated import Provision
from server.rulesets.models import ImportedRuleSet
from server.uow import forget_in_transaction, once_per_transaction, unit_of_work

LANGS = ("zh", "en")
_shipped: dict[str, RuleBook] = {}
_cache: dict[str, Any] = {}
_lock = threading.Lock()
IMPORTS_STAMP = "rule_book_imports_stamp"


def shipped_book() -> RuleBook:
    """The rule files shipped in server/rules/data, loaded once per process."""
    if "book" not in _shipped:
        _shipped["book"] = load_rule_book()
    return _shipped["book"]


def _imports_stamp() -> tuple[int, Any]:
    """(count, latest) of the imported rule sets, asked once per transaction: a sync push of
    hundreds of violations decides each against the same book."""
    return once_per_transaction(IMPORTS_STAMP, lambda: tuple(db.session.execute(
        select(func.count(), func.max(ImportedRuleSet.imported_at))).one()))


def rule_book() -> RuleBook:
    """Shipped versions plus every imported one; rebuilt only after an import."""
    key = _imports_stamp()
    with _lock:
        if _cache.get("key") != key:
            book = shipped_book()
            rows = db.session.scalars(select(ImportedRuleSet)
                                      .order_by(ImportedRuleSet.imported_at)).all()
            for row in rows:
                book = preview_import(book, row.document).book
            _cache.update(key=key, book=book)
        return _cache["book"]


def rule_set_names(lang: str) -> dict[str, str]:
    """Each rule-set version's ref and the name users read: 《title》 in Chinese, the title in
    English."""
    return {rs.meta.ref: rs.meta.name.zh if lang == "zh" else rs.meta.title.en
            for rs in rule_book().rule_sets}


def violated_provisions(stored: Mapping[str, Any], code: str) -> tuple[Provision, ...]:
    """The provisions a violation violated, as its stored decision (one language's answer)
    gives them, or the rule-set versions it cites when it was stored without them."""
    return violated.violated_provisions(rule_book(), stored, code)


def code_known(code: str, on: date) -> bool:
    """Whether the catalogue in force on `on` has this violation code."""
    catalogue = rule_book().catalogue_on(on)
    return catalogue is not None and code in catalogue.entries


def same_act(code: str) -> frozenset[str]:
    """The codes an earlier act of the same kind may have been recorded under (split codes)."""
    return rule_book().same_act(code)


def unknown_checklist_items(items: Iterable[str], on: date) -> list[str]:
    """The item ids no checklist template in force on `on` holds, in the order given."""
    known = {item for template in rule_book().checklists_on(on) for item in template.by_id}
    return [item for item in dict.fromkeys(items) if item not in known]


def _evaluate(body: dict[str, Any]):
    try:
        return evaluate(EvaluationInput.from_dict(body), rule_book())
    except InvalidInput as error:
        raise ValidationFailed("The rules engine cannot use this input.",
                               errors={k: [v] for k, v in error.errors.items()}) from error


def evaluate_dry_run(actor: Actor, body: dict[str, Any], lang: str) -> dict[str, Any]:
    """POST /rules/evaluate: what the rules decide for the given facts (nothing is stored)."""
    authorize(actor, "rules.evaluate")
    return _evaluate(body).to_dict(lang)


def evaluation_input(violation: Any, history: list[Any], decided_on: date | None = None
                     ) -> dict[str, Any]:
    """The engine input of a recorded violation; the server's history gives first offence,
    `decided_on` the day whose rules may be lighter than the act's (处罚法 第37条)."""
    facts = {k: v for k, v in (violation.facts or {}).items() if v is not None}
    facts["first_offence"] = violation.first_offence
    bases = violation.bases or {}
    return json_safe({
        "violation_code": violation.code, "occurred_on": violation.occurred_on,
        "discovered_on": violation.discovered_on, "party_type": violation.party_type,
        "continuing": bool(violation.continuing), "ended_on": violation.ended_on,
        **({"decided_on": decided_on} if decided_on is not None else {}),
        "facts": facts, "factors": violation.factors or {},
        "base": {k: bases[k] for k in ("investment_yuan", "disposal_cost_yuan", "instances")
                 if k in bases},
        "mitigation": list(violation.mitigation or []),
        "prior_violations": sorted(({"occurred_on": h.occurred_on.isoformat(), "code": h.code}
                                    for h in history),
                                   key=lambda p: (p["occurred_on"], p["code"]))})


def decide_violation(violation: Any, history: list[Any], decided_on: date | None = None
                     ) -> dict[str, Any]:
    """Evaluate a recorded violation as if decided on `decided_on`; the columns of its
    decision record."""
    inputs = evaluation_input(violation, history, decided_on)
    result = _evaluate(inputs)
    return {"inputs": inputs,
            "rule_sets": sorted(ref for ref in dict(result.rule_sets).values() if ref),
            "outcome": result.decision, "amount_fen": result.penalty.amount_fen,
            "would_be_fen": result.penalty.would_be_amount_fen,
            "result": {lang: result.to_dict(lang) for lang in LANGS}}


def list_versions(actor: Actor) -> list[dict[str, Any]]:
    """Every rule-set version, with what is in force today."""
    authorize(actor, "rules.read")
    book, today = rule_book(), today_shanghai()
    in_force = {rs.meta.ref for kind in RULE_KINDS for rs in book.in_force(kind, today)}
    return [{"ref": m.ref, "id": m.id, "version": m.version, "kind": m.kind,
             "title": m.title.zh, "title_en": m.title.en, "effective_from": m.effective_from,
             "effective_until": m.effective_until, "verified": m.verified, "source": m.source,
             "in_force_today": m.ref in in_force} for m in book.versions()]


def get_version(actor: Actor, ref: str) -> dict[str, Any]:
    """One version's validated document."""
    authorize(actor, "rules.read")
    try:
        return rule_book().get(ref).as_dict()
    except KeyError as error:
        raise NotFound(f"No rule set {ref}.") from error


def import_rule_set(actor: Actor | None, document: Any, dry_run: bool) -> dict[str, Any]:
    """Validate a new version and show its diff; store it unless this is a dry run.

    Decisions already stored keep the versions they name: an import changes nothing made."""
    if actor is not None:
        authorize(actor, "rules.import")
    if not isinstance(document, dict):
        raise ValidationFailed("A rule set is a JSON/YAML object.", errors={"document": ["object"]})
    ref = f"{document.get('id')}@{document.get('version')}"
    book = rule_book()
    if ref in {meta.ref for meta in book.versions()}:
        raise Conflict(f"{ref} is already in use; give the new text a new version.")
    try:
        preview = preview_import(book, document)
    except RuleSetError as error:
        raise ValidationFailed("The rule set is refused.",
                               errors={"document": list(error.problems)}) from error
    meta = preview.rule_set.meta
    answer = {"ref": meta.ref, "kind": meta.kind, "verified": meta.verified,
              "supersedes": preview.supersedes.meta.ref if preview.supersedes else None,
              "diff": preview.diff.to_dict(), "diff_text": preview.diff.to_text("zh"),
              "stored": False}
    if dry_run:
        return answer
    if actor is not None:  # in force for every district: stored by city-wide staff only
        require_city_wide(actor)
    with unit_of_work() as session:
        forget_in_transaction(IMPORTS_STAMP)
        session.add(ImportedRuleSet(
            ref=meta.ref, kind=meta.kind, rule_id=meta.id, version=meta.version,
            effective_from=meta.effective_from, effective_until=meta.effective_until,
            verified=meta.verified, document=preview.rule_set.as_dict(),
            diff_summary=answer["diff_text"], imported_by=actor.user_id if actor else None))
        audit.record(actor, "rules.import", "rule_set", meta.ref,
                     {"supersedes": answer["supersedes"], "verified": meta.verified})
    return answer | {"stored": True}
