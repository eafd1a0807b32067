"""Reference data every device pulls: the rule sets in force today, the entries of the
violation catalogue in force and the checklist templates in force. They live in rule files, so
they are published into the change log when what is in force differs from what the log holds
(checked cheaply on each pull); one that leaves force arrives as a tombstone."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from server.clock import today_shanghai
from server.db_types import json_safe
from server.extensions import db
from server.rules.model import RULE_KINDS, Catalogue, ChecklistTemplate, RuleSet
from server.rulesets import service as rulesets
from server.sync import changelog
from server.sync.models import SyncChange
from server.sync.payloads import Snapshot
from server.uow import unit_of_work

REFERENCE = ("rule_set", "catalogue_entry", "checklist_template")
_published: dict[str, Any] = {}
_lock = threading.Lock()


def _rule_set(rule_set: RuleSet) -> dict[str, Any]:
    meta = rule_set.meta
    return json_safe({"ref": meta.ref, "id": meta.id, "version": meta.version, "kind": meta.kind,
                      "title": meta.title.zh, "title_en": meta.title.en,
                      "effective_from": meta.effective_from,
                      "effective_until": meta.effective_until, "verified": meta.verified,
                      "document": rule_set.as_dict()})


def _checklist(template: ChecklistTemplate) -> dict[str, Any]:
    """A template as a tablet holds it: its document, named by its id, with its ref."""
    return json_safe(template.as_dict() | {"ref": template.meta.ref})


def in_force() -> dict[tuple[str, str], dict[str, Any]]:
    """What devices should hold now: rule sets in force, catalogue entries and checklist
    templates (by template id: a new version replaces the old on the tablet), by key."""
    book, today = rulesets.rule_book(), today_shanghai()
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for kind in RULE_KINDS:
        for rule_set in book.in_force(kind, today):
            if isinstance(rule_set, ChecklistTemplate):
                found[("checklist_template", rule_set.meta.id)] = _checklist(rule_set)
                continue
            found[("rule_set", rule_set.meta.ref)] = _rule_set(rule_set)
            if isinstance(rule_set, Catalogue):
                for entry in rule_set.as_dict().get("entries", []):
                    found[("catalogue_entry", entry["code"])] = json_safe(
                        entry | {"catalogue": rule_set.meta.ref})
    return found


def publish() -> int:
    """Bring the log's reference rows in line with what is in force; returns rows written."""
    wanted = in_force()
    held_count = db.session.scalar(select(func.count()).select_from(SyncChange).where(
        SyncChange.entity.in_(REFERENCE), SyncChange.op == "upsert"))
    # The versions in force: a new template version keeps its key, so its ref is stamped too.
    refs = tuple(sorted((*key, data.get("ref")) for key, data in wanted.items()
                        if key[0] != "catalogue_entry"))
    stamp = (refs, held_count)
    with _lock:
        if _published.get("stamp") == stamp and held_count == len(wanted):
            return 0
    try:
        written = _write(wanted)
    except IntegrityError:  # another worker published the same rows first: theirs stand
        return 0
    with _lock:
        _published["stamp"] = (stamp[0], len(wanted))
    return written


def _write(wanted: dict[tuple[str, str], dict[str, Any]]) -> int:
    with unit_of_work() as session:
        held = {(e, i) for e, i in session.execute(
            select(SyncChange.entity, SyncChange.entity_id).where(
                SyncChange.entity.in_(REFERENCE), SyncChange.op == "upsert"))}
        touched = {key: key not in wanted for key in held | set(wanted)}

        def resolve(key: tuple[str, str]) -> Snapshot | None:
            data = wanted.get(key)
            return None if data is None else Snapshot("upsert", 1, data, everyone=True)

        return changelog.write_changes(session, touched, resolve)


def forget() -> None:
    """Make the next pull check the log again (after an import, or in tests)."""
    with _lock:
        _published.clear()
