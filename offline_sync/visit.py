"""A site visit recorded offline: the record opened, violations, checklist answers, findings,
signatures, the submission. Each is checked against the schemas/ contract and what the tablet
holds before it is queued: what is refused (Invalid) leaves nothing in the outbox."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError

from offline_sync import checklists
from offline_sync.errors import Invalid, invalid
from offline_sync.files import EvidenceItem
from offline_sync.held import Holdings, answer_id, aware
from offline_sync.store import Mutation
from schemas.fieldwork import InspectionFields, ViolationFields
from schemas.sync import ChecklistAnswerPushFields, SignaturePushFields, StatusFields

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Changed fields only, but a nested value given (a person present) is checked whole: the
# server's own reading of an update (server/sync/records.py changes_schema).
INSPECTION_CHANGES = InspectionFields(partial=tuple(InspectionFields().fields))
# The status an inspector moves a task to, from the one it must have (the planning lifecycle).
TASK_STEPS = {"in_progress": "assigned", "submitted": "in_progress"}


def check(schema: Schema, fields: dict[str, Any], what: str) -> dict[str, Any]:
    """The fields as the contract reads them; Invalid, with its field messages, when it
    refuses them."""
    try:
        return schema.load(fields)
    except ValidationError as error:
        raise invalid(what, error.messages) from error


def now_text() -> str:
    """The tablet's clock, UTC, ISO 8601 (the time a record starts or ends)."""
    return datetime.now(UTC).isoformat()


def today() -> date:
    """Today in Shanghai, where legal days are counted."""
    return datetime.now(SHANGHAI).date()


def not_empty(path: str | Path) -> Path:
    """The file, unless it is empty (Invalid, naming it: the server refuses an empty file)."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise Invalid(f"{path.name} is empty (0 bytes): no photo or file to keep (the "
                      "server refuses an empty file); take it again")
    return path


def file_digest(path: str | Path) -> str:
    """The SHA-256 a file will be captured under (Invalid for an empty one): known before
    capture, so nothing is captured for an edit that is refused."""
    with open(not_empty(path), "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


class Fieldwork(Holdings):
    """The inspector's edits of a visit; mixed into Tablet, which queues and captures."""

    record: Callable[..., Mutation]
    new_inspection: Callable[..., str]
    add_photo: Callable[..., EvidenceItem]

    def open_inspection(self, enterprise_id: str | None, inspectors: Iterable[str], *,
                        task_id: str | None = None, **fields: Any) -> str:
        """new_inspection with its checks. Officers are named by user id, username or name
        (a task's inspectors when none are named); the enterprise is a task's when only the
        task is given; what the tablet holds (enterprises, tasks) must agree."""
        held_task = self.store.record_of("task", task_id) if task_id else None
        task = held_task[1] if held_task else None
        inspectors = list(inspectors)
        if task is not None:
            enterprise_id = enterprise_id or task.get("enterprise_id")
            if enterprise_id != task.get("enterprise_id"):
                raise Invalid(f"The task {task_id} is at another enterprise "
                              f"({task.get('enterprise_id')}).")
            inspectors = inspectors or [a["id"] for a in task.get("assignees") or []]
        if not enterprise_id:
            raise Invalid("Which enterprise? Give its id (`enterprises` lists them) or a task "
                          "this tablet holds (`tasks`).")
        if self.store.counts().get("enterprise") and \
                self.store.record_of("enterprise", enterprise_id) is None:
            raise Invalid(f"No enterprise {enterprise_id} on this tablet: `enterprises` lists "
                          "those of your district and tasks.")
        ids = [self.person(who)["id"] for who in inspectors]
        body = {"enterprise_id": enterprise_id, "inspector_ids": ids,
                "started_at": now_text(), **({"task_id": task_id} if task_id else {}), **fields}
        self.check_inspection(body)
        return self.new_inspection(**body)

    def check_inspection(self, body: dict[str, Any]) -> None:
        """Invalid unless the contract takes the fields of a new record and its officers are
        distinct, certified on the visit day as far as the tablet knows, and include you."""
        read = check(InspectionFields(), body, "inspection record")
        ids = list(body["inspector_ids"])
        self.refuse_lapsed(ids, read["started_at"].astimezone(SHANGHAI).date())
        if len(set(ids)) != len(ids):
            raise Invalid("An officer is named twice: the record needs distinct officers.")
        if self.user and self.user["id"] not in ids:
            raise Invalid("You must be one of the record's officers: name yourself as well.")

    def add_violation(self, inspection_id: str, code: str, occurred_on: str, *,
                      files: Iterable[str | Path] = (), evidence: Iterable[str] = (),
                      **fields: Any) -> str:
        """Record a violation on a record the tablet holds, citing captured files (by
        digest) and files captured now; its id. The code must be in the catalogue the
        tablet holds (when it holds one)."""
        self.inspection(inspection_id)
        if self.store.counts().get("catalogue_entry") and \
                self.store.record_of("catalogue_entry", code) is None:
            raise Invalid(f"{code} is not in the violation catalogue this tablet holds: "
                          "`codes` lists them.")
        files = [Path(f) for f in files]
        cited = list(dict.fromkeys([*evidence, *(file_digest(f) for f in files)]))
        body = {"inspection_id": inspection_id, "code": code, "occurred_on": occurred_on,
                **fields, **({"evidence": cited} if cited else {})}
        self.check_violation(body)
        for file in files:
            self.add_photo(file, inspection_id=inspection_id)
        violation_id = str(uuid.uuid4())
        self.record("violation", "create", violation_id, body)
        return violation_id

    def check_violation(self, body: dict[str, Any]) -> None:
        """Invalid unless the contract takes the fields of a new violation, the act happened
        no later than the visit day of its record (when the tablet holds it, as the server
        checks it) and a continuing act's end day falls between its start and today."""
        read = check(ViolationFields(), body, "violation")
        held = self.store.record_of("inspection", str(body.get("inspection_id")))
        found_on = checklists.visit_day(held[1]) if held else None
        if found_on is not None and read["occurred_on"] > found_on:
            raise Invalid("The act cannot have happened after the inspection that found it "
                          f"(occurred_on: on or before {found_on}, the record's visit day).")
        if read["ended_on"] and not read["continuing"]:
            raise Invalid("Only a continuing act has an end day: say it is continuing.")
        if read["ended_on"] and not read["occurred_on"] <= read["ended_on"] <= today():
            raise Invalid(f"A continuing act ends between its start ({read['occurred_on']}) "
                          "and today.")

    def answer(self, inspection_id: str, item: str, answer: str, note: str = "") -> str:
        """Answer one checklist item (yes, no, na) of a record the tablet holds, an item of a
        template it holds in force on the record's visit day, as the server checks it (any,
        before the first pull brings them; one the record already holds on the server, not
        again); a second answer to the item replaces the first. The answer's id."""
        record = self.inspection(inspection_id)
        fields = {"inspection_id": inspection_id, "item": item, "answer": answer, "note": note}
        check(ChecklistAnswerPushFields(), fields, "checklist answer")
        day = checklists.visit_day(record)
        if checklists.pulled(self.store) and item not in self.held_items(inspection_id) and \
                checklists.find(checklists.on(self.store, day), item) is None:
            raise Invalid(f"No checklist template this tablet holds has an item {item!r} in "
                          f"force on {day}, the record's visit day (the server refuses it "
                          "too).")
        key = answer_id(inspection_id, item)
        # A create made on the record's version as the tablet holds it: an answer another
        # tablet gave the item since then is a hard conflict on the server. A second answer
        # to the item waits for the first, whose answer gives its base (store.next_batch).
        self.record("checklist_answer", "create", key, fields)
        return key

    def edit_inspection(self, inspection_id: str, changes: dict[str, Any],
                        reason: str | None = None) -> None:
        """Change fields of a record the tablet holds (findings, end time, people present);
        a submitted record is corrected, which needs the reason."""
        record = self.inspection(inspection_id)
        if not changes:
            raise Invalid("Nothing to change.")
        if "enterprise_id" in changes:
            raise Invalid("A record cannot move to another enterprise.")
        read = check(INSPECTION_CHANGES, changes, "change of the inspection record")
        started = read.get("started_at") or aware(record.get("started_at"))
        ended = read.get("ended_at") or aware(record.get("ended_at"))
        if started and ended and ended < started:
            raise Invalid(f"The inspection would end ({ended.isoformat()}) before it started "
                          f"({started.isoformat()}).")
        if record.get("status") == "submitted" and not (reason or "").strip():
            raise Invalid("The record is submitted: a change is a correction and needs its "
                          "reason.")
        self.record("inspection", "update", inspection_id,
                    {**changes, **({"correction_reason": reason} if reason else {})})

    def submit(self, inspection_id: str, ended_at: str | None = None) -> None:
        """Queue the submission of a record whose signatures the tablet sees complete, ending
        it now (or at `ended_at`) unless it has ended already."""
        record = self.inspection(inspection_id)
        if record.get("status") == "submitted":
            raise Invalid(f"The record {inspection_id} is submitted already (or its submission "
                          "waits to be sent).")
        if problems := self.lacking(record):
            raise Invalid("The record cannot be submitted yet: " + "; ".join(problems) +
                          ". Signed on another tablet? `pull` first.")
        ended = ended_at or record.get("ended_at") or now_text()
        if ended != record.get("ended_at"):
            self.edit_inspection(inspection_id, {"ended_at": ended})
        status = {"status": "submitted"}
        check(StatusFields(), status, "submission")
        self.record("inspection", "status", inspection_id, status)

    def refresh_officers(self, inspection_id: str) -> list[dict[str, Any]]:
        """Queue the record's officers again (its inspector_ids re-sent), so the server
        snapshots their certificates as it holds them now, e.g. one renewed since; the
        officers as last pulled. Invalid for a submitted record, or when an officer's
        certificate as last pulled has still expired (the server would refuse it too)."""
        record = self.inspection(inspection_id)
        ids = list(record.get("inspector_ids") or [])
        if not ids:
            raise Invalid("The tablet does not know the record's officers yet: `pull` first.")
        if record.get("status") == "submitted":
            raise Invalid("The record is submitted: its officers signed it already.")
        known = self.people()
        for user_id in ids:
            officer = known.get(user_id) or {}
            expires = officer.get("certificate_expires")
            if expires and date.fromisoformat(expires) < today():
                raise Invalid(f"{officer.get('name') or user_id}'s enforcement certificate "
                              f"{officer.get('certificate_no') or ''} expired on {expires} as "
                              "this tablet last pulled it: once it is renewed, `pull`, then "
                              "refresh the record's officers.")
        self.record("inspection", "update", inspection_id, {"inspector_ids": ids})
        return [known.get(user_id) or {"id": user_id} for user_id in ids]

    def move_task(self, task_id: str, status: str) -> None:
        """Start (in_progress) or submit a task the tablet holds, from the status its copy
        shows: started once assigned, submitted once started."""
        held = self.store.record_of("task", task_id)
        if held is None:
            raise Invalid(f"No task {task_id} on this tablet: `tasks` lists yours (pull "
                          "first).")
        fields = {"status": status}
        check(StatusFields(), fields, "task status")
        current, wanted = held[1].get("status"), TASK_STEPS.get(status)
        if current != wanted:
            raise Invalid(f"The task is {current} on this tablet: it is {status} only once "
                          f"{wanted} (`pull` if that changed on the server).")
        self.record("task", "status", task_id, fields)

    # -- signatures -------------------------------------------------------------------------

    def sign(self, inspection_id: str, signer: str, role: str = "officer", *,
             evidence_sha256: str | None = None, refusal_reason: str | None = None,
             signer_user_id: str | None = None) -> str:
        """Queue a signature on a record (its image captured as evidence, or a refusal with
        its reason); returns the signature's id. An officer's signature carries the officer's
        user id: the one given, else that of the record's one officer with this name as
        pulled (none when the tablet does not know the record's officers yet: the server then
        matches the name). Invalid (a ValueError) for a signature the contract refuses, or a
        name that several of the record's officers share without a user id."""
        fields = self._signature(inspection_id, signer, role, evidence_sha256, refusal_reason,
                                 signer_user_id)
        key = str(uuid.uuid4())
        self.record("signature", "create", key, fields)
        return key

    def sign_on_site(self, inspection_id: str, role: str, name: str | None = None, *,
                     user_id: str | None = None, image: str | Path | None = None,
                     refusal_reason: str | None = None) -> str:
        """sign, for a record the tablet holds: the image file captured as a signature, an
        officer found among the record's officers by user id, username or name (and signing
        under the name the server knows them by)."""
        record = self.inspection(inspection_id)
        if role == "officer":
            officer = self.person(user_id or name or "", record.get("inspector_ids"))
            if user_id and name and officer["name"] and name not in (officer["name"],
                                                                     officer["username"]):
                raise Invalid(f"{name} is not the name of the officer {user_id} "
                              f"({officer['name']}).")
            name, user_id = officer["name"] or name, officer["id"]
        if not name:
            raise Invalid("Whose signature? Give the signer's name.")
        digest = file_digest(image) if image is not None else None
        fields = self._signature(inspection_id, name, role, digest, refusal_reason, user_id)
        if image is not None:
            fields["evidence_sha256"] = self.add_photo(
                image, kind="signature", inspection_id=inspection_id).sha256
        key = str(uuid.uuid4())
        self.record("signature", "create", key, fields)
        return key

    def _signature(self, inspection_id: str, signer: str, role: str,
                   evidence_sha256: str | None, refusal_reason: str | None,
                   signer_user_id: str | None) -> dict[str, Any]:
        """The signature's fields, checked against the contract."""
        if role == "officer" and not signer_user_id:
            signer_user_id = self._officer_named(inspection_id, signer)
        if role == "officer" and signer_user_id:
            self.refuse_lapsed([signer_user_id], today(), inspection_id)
        fields: dict[str, Any] = {
            "inspection_id": inspection_id, "signer": signer, "role": role,
            "evidence_sha256": evidence_sha256, "refused": refusal_reason is not None,
            "refusal_reason": refusal_reason,
            **({"signer_user_id": signer_user_id} if signer_user_id else {})}
        check(SignaturePushFields(), fields, "signature")
        return fields

    def _officer_named(self, inspection_id: str, name: str) -> str | None:
        """The user id of the record's one officer called `name` (as pulled), or None."""
        held = self.store.record_of("inspection", inspection_id)
        officers = (held[1].get("officers") or []) if held else []
        named = [o["user_id"] for o in officers if o.get("name") == name]
        if len(named) > 1:
            raise Invalid(f"{len(named)} of the record's officers are called {name}: "
                          "give signer_user_id to say which one signs")
        return named[0] if named else None
