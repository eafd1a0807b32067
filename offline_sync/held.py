"""What the tablet holds, as an inspector on site asks for it: the people it can name as
officers, an inspection record with the parts recorded here since the last pull, what a
submission still lacks, captured files by digest."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

from offline_sync.errors import Invalid
from offline_sync.files import NOT_OWED, EvidenceItem
from offline_sync.position import photo_position
from offline_sync.store import Store

MIN_OFFICERS = 2  # 处罚法 第42条: the server refuses a submission with fewer officers signed
HEX_PREFIX = re.compile(r"^[0-9a-f]{6,64}$")


def is_uuid(value: str) -> bool:
    """Whether the text is a UUID (an id the server may know though the tablet does not)."""
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


def answer_id(inspection_id: str, item: str) -> str:
    """The id of the answer to one checklist item of one record: the same pair always gets
    the same id (a second answer edits the first), in 36 characters."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"checklist-answer:{inspection_id}:{item}"))


class Holdings:
    """Read-only views over the store; mixed into Tablet, which owns `store` and `user`."""

    store: Store
    user: dict[str, Any] | None

    def people(self) -> dict[str, dict[str, Any]]:
        """Everyone the tablet can name as an officer, by user id: the signed-in user, the
        active inspectors of the user's district as pulled (their certificates as the server
        holds them now), the inspectors of pulled tasks and the officers of pulled records."""
        found: dict[str, dict[str, Any]] = {}

        def note(user_id: Any, source: str, current: bool = False, **facts: Any) -> None:
            person = found.setdefault(str(user_id), {
                "id": str(user_id), "name": None, "username": None, "certificate_no": None,
                "certificate_expires": None, "known_from": []})
            person.update({key: value for key, value in facts.items()
                           if value and (current or not person.get(key))})
            if source not in person["known_from"]:
                person["known_from"].append(source)

        if self.user:
            note(self.user["id"], "you", name=self.user.get("display_name"),
                 username=self.user.get("username"),
                 certificate_no=self.user.get("certificate_no"),
                 certificate_expires=self.user.get("certificate_expires"))
        for officer in self.store.records("officer"):
            note(officer["id"], "district", current=True, name=officer.get("name"),
                 certificate_no=officer.get("certificate_no"),
                 certificate_expires=officer.get("certificate_expires"))
        for task in self.store.records("task"):
            for assignee in task.get("assignees") or []:
                note(assignee["id"], "task", name=assignee.get("display_name"),
                     username=assignee.get("username"))
        for record in self.store.records("inspection"):
            for officer in record.get("officers") or []:
                note(officer["user_id"], "record", name=officer.get("name"),
                     certificate_no=officer.get("certificate_no"),
                     certificate_expires=officer.get("certificate_expires"))
        return found

    def person(self, who: str, among: list[str] | None = None) -> dict[str, Any]:
        """The one person `who` names (user id, username or name), among the user ids
        `among` when given. A UUID the tablet does not know is taken as given (the server
        knows its inspectors); Invalid for a name of nobody or of several."""
        known = self.people()
        if among is not None:
            known = {key: known.get(key) or {"id": key, "name": None, "username": None}
                     for key in among}
        if who in known:
            return known[who]
        named = [p for p in known.values() if who in (p["username"], p["name"])]
        if len(named) == 1:
            return named[0]
        if named:
            raise Invalid(f"{len(named)} people are called {who}: give the user id (one of "
                          f"{', '.join(p['id'] for p in named)})")
        if among is None and is_uuid(who):
            return {"id": who, "name": None, "username": None}
        where = "of the record's officers" if among is not None else "person this tablet knows"
        listed = ", ".join(f"{p['name'] or '?'} ({p['id']})" for p in known.values()) or "none"
        raise Invalid(f"No {where} is called {who} (they are: {listed}); `officers` lists "
                      "whom the tablet knows, with their user ids.")

    def refuse_lapsed(self, user_ids: list[str], day: date,
                      inspection_id: str | None = None) -> None:
        """Invalid when one of these officers' certificates expired before `day`, as far as
        the tablet knows: as the record shows it (a signature), else as last pulled (a new
        record, as the server checks it, or a record whose officers are queued to be
        refreshed). Unknown certificates are left to the server."""
        held = self.store.record_of("inspection", inspection_id) if inspection_id else None
        if held and self._refreshing(inspection_id):  # the server re-snapshots them first
            held = None
        shown = {o.get("user_id"): o for o in (held[1].get("officers") or [] if held else [])}
        known = self.people()
        for user_id in user_ids:
            officer = shown.get(user_id) or known.get(user_id) or {}
            expires = officer.get("certificate_expires")
            if expires and date.fromisoformat(expires) < day:
                number = f" {officer['certificate_no']}" if officer.get("certificate_no") else ""
                raise Invalid(f"{officer.get('name') or user_id}'s enforcement certificate"
                              f"{number} expired on {expires}: not a certified officer on "
                              f"{day.isoformat()} (处罚法 Art. 42); name another officer.")

    def _refreshing(self, inspection_id: str) -> bool:
        """Whether a re-sending of the record's officers is queued (refresh_officers)."""
        return any(m.entity == "inspection" and m.op == "update" and m.record_id ==
                   inspection_id and "inspector_ids" in m.fields for m in self.store.queued())

    def inspection(self, inspection_id: str) -> dict[str, Any]:
        """The record as this tablet sees it: the pulled copy with local edits, plus the
        signatures, checklist answers and violations' photo links recorded here that the copy
        does not show yet; Invalid when the tablet does not hold it."""
        held = self.store.record_of("inspection", inspection_id)
        if held is None:
            raise Invalid(f"No inspection {inspection_id} on this tablet: check the id "
                          "(`inspections` lists them), or pull first.")
        version, data = held
        record = {**data, "id": inspection_id, "version": version}
        queue = self.store.queued()
        order = {m.record_id: m.seq for m in queue}  # parts not pulled yet: as recorded
        signatures = list(record.get("signatures") or [])
        shown = {_signed(s) for s in signatures}  # the pulled copy's carry no id
        signatures += [_part(row) for row in sorted(
            self.store.records("signature"), key=lambda row: order.get(row["id"], 0))
            if row.get("inspection_id") == inspection_id and _signed(row) not in shown]
        queued = {m.record_id for m in queue if m.entity == "checklist_answer"}
        answers = {a["item"]: a for a in record.get("checklist") or []}
        for row in sorted(self.store.records("checklist_answer"),
                          key=lambda row: order.get(row["id"], 0)):
            if row.get("inspection_id") == inspection_id and (
                    row["id"] in queued or row["item"] not in answers):
                answers[row["item"]] = _part(row)
        record["signatures"], record["checklist"] = signatures, list(answers.values())
        links: dict[str, list[str]] = {}  # photos cited since: queued, or sent before a pull
        for row in self.store.records("evidence_link"):
            links.setdefault(str(row.get("violation_id")), []).append(row.get("sha256"))
        record["violations"] = [
            {**v, "evidence": list(dict.fromkeys([*(v.get("evidence") or ()),
                                                  *links.get(v.get("id"), ())]))}
            for v in self.store.records("violation") if v.get("inspection_id") == inspection_id]
        record["unsent"] = sum(m.target == ("inspection", inspection_id) or (
            m.entity == "violation" and m.fields.get("inspection_id") == inspection_id)
            for m in queue)
        return record

    def held_items(self, inspection_id: str) -> set[str]:
        """The checklist items the server holds an answer to on this record, as far as the
        tablet knows: those of the pulled copy and those of its own answers the server took
        (a row no longer queued). The server does not check these against the templates
        again (server/fieldwork/checklists.py), since theirs may have left force."""
        held = self.store.record_of("inspection", inspection_id)
        items = {a.get("item") for a in (held[1].get("checklist") or [] if held else [])}
        queued = {m.record_id for m in self.store.queued() if m.entity == "checklist_answer"}
        return items | {row["item"] for row in self.store.records("checklist_answer")
                        if row.get("inspection_id") == inspection_id
                        and row["id"] not in queued}

    def lacking(self, record: dict[str, Any]) -> list[str]:
        """What the record (as `inspection` shows it) lacks for its submission, in words."""
        officers = list(record.get("inspector_ids") or [])
        names = {o["user_id"]: o["name"] for o in record.get("officers") or []}
        known = self.people()
        signed: set[str] = set()
        for signature in record["signatures"]:
            if signature.get("role") != "officer" or not signature.get("evidence_sha256"):
                continue
            user_id = signature.get("signer_user_id")
            if user_id is None:
                same = [o for o in officers if signature["signer"] in (
                    names.get(o), (known.get(o) or {}).get("name"))]
                user_id = same[0] if len(same) == 1 else None
            if user_id in officers:
                signed.add(user_id)
        problems = []
        if len(signed) < MIN_OFFICERS:
            unsigned = [names.get(o) or (known.get(o) or {}).get("name") or o
                        for o in officers if o not in signed]
            problems.append(f"at least {MIN_OFFICERS} of the record's officers must each sign "
                            f"with a signature image; not signed: {'、'.join(unsigned) or '—'}")
        if not any(s.get("role") == "party" for s in record["signatures"]):
            problems.append("the party's signature, or its refusal with the reason, is missing")
        return problems

    def captured(self, ref: str) -> EvidenceItem:
        """A file captured on this tablet, by its SHA-256 or a prefix of it (6 or more hex
        digits, as add-photo and push print it); Invalid for none or several."""
        ref = ref.strip().lower()
        found = [item for item in self.store.evidence() if item.sha256.startswith(ref)] \
            if HEX_PREFIX.match(ref) else []
        if len(found) == 1:
            return found[0]
        if found:
            raise Invalid(f"{len(found)} captured files start with {ref}: give more digits.")
        raise Invalid(f"No file captured on this tablet has the SHA-256 {ref}: give the "
                      "photo's file to capture it, or its digest as add-photo printed it.")

    def open_records(self) -> list[str]:
        """The records this tablet holds not submitted, by when they started, last first."""
        open_ones = [r for r in self.store.records("inspection")
                     if r.get("status") != "submitted" and aware(r.get("started_at"))]
        return [r["id"] for r in sorted(open_ones, key=lambda r: aware(r["started_at"]),
                                        reverse=True)]

    def visiting(self) -> str | None:
        """The record being visited: the one this tablet holds, not submitted, that started
        last (None when it holds none)."""
        return next(iter(self.open_records()), None)

    def photo_record(self, violation_id: str | None = None,
                     inspection_id: str | None = None) -> str | None:
        """The record a file captured now is kept for: the one given, else the violation's,
        else the one being visited. Invalid for a record the tablet does not hold, or one
        that is not the violation's."""
        held = self.store.record_of("violation", violation_id) if violation_id else None
        of_violation = held[1].get("inspection_id") if held else None
        if inspection_id:
            self.inspection(inspection_id)  # Invalid when the tablet does not hold it
            if of_violation and of_violation != inspection_id:
                raise Invalid(f"The violation {violation_id} is of inspection {of_violation}, "
                              f"not {inspection_id}: give that record, or leave --inspection "
                              "out.")
        return inspection_id or of_violation or self.visiting()

    def uncited(self, inspection_id: str) -> list[EvidenceItem]:
        """The files captured for the record (not refused nor given up) that nothing the
        tablet knows cites: no violation's evidence, photo link or signature. On the server
        they would be in no record, gallery or case file."""
        cited = {s.get("evidence_sha256") for s in self.inspection(inspection_id)["signatures"]}
        cited |= {row.get("evidence_sha256") for row in self.store.records("signature")}
        cited |= {row.get("sha256") for row in self.store.records("evidence_link")}
        for violation in self.store.records("violation"):
            cited |= set(violation.get("evidence") or ())
        return [item for item in self.store.evidence() if item.inspection_id == inspection_id
                and item.state not in NOT_OWED and item.sha256 not in cited]

    def citing(self, sha256: str) -> list[str]:
        """The violations that cite a file, as far as the tablet knows (their evidence, or a
        photo link made here)."""
        ids = [v["id"] for v in self.store.records("violation")
               if sha256 in (v.get("evidence") or ())]
        ids += [str(row.get("violation_id")) for row in self.store.records("evidence_link")
                if row.get("sha256") == sha256]
        return list(dict.fromkeys(ids))

    def cited_on(self, violation_id: str, ref: str) -> str:
        """The digest a SHA-256 or its first digits name among the files a violation cites
        (captured here or on another tablet), else among the files captured here (Invalid as
        `captured`)."""
        ref = ref.strip().lower()
        held = self.store.record_of("violation", violation_id)
        cited = [*((held[1].get("evidence") or ()) if held else ()),
                 *(row.get("sha256") for row in self.store.records("evidence_link")
                   if str(row.get("violation_id")) == violation_id)]
        found = {sha for sha in cited if isinstance(sha, str) and sha.startswith(ref)} \
            if HEX_PREFIX.match(ref) else set()
        return found.pop() if len(found) == 1 else self.captured(ref).sha256

    def cited_anywhere(self, sha256: str) -> bool:
        """Whether anything the tablet knows cites the file: a violation or a signature."""
        return bool(self.citing(sha256)) or any(
            sha256 == s.get("evidence_sha256") for s in [
                *self.store.records("signature"),
                *(s for r in self.store.records("inspection") for s in r.get("signatures") or ())])

    def uncited_by_record(self) -> dict[str, list[EvidenceItem]]:
        """uncited, for each record the tablet holds not submitted yet that has any."""
        found = {}
        for record_id in dict.fromkeys(i.inspection_id for i in self.store.evidence()):
            held = self.store.record_of("inspection", record_id) if record_id else None
            if held and held[1].get("status") != "submitted" and (
                    items := self.uncited(record_id)):  # type: ignore[arg-type]
                found[record_id] = items
        return found

    def last_position(self, since: str | None) -> tuple[dict[str, float], EvidenceItem] | None:
        """The GPS position of the last photo captured since `since` (ISO time) that has one,
        with that photo; None when none has."""
        start = aware(since)
        for item in reversed(self.store.evidence()):
            taken = aware(item.captured_at)
            if item.kind != "photo" or (start and (taken is None or taken < start)):
                continue
            if (position := photo_position(item.path)) is not None:
                return position, item
        return None


def _signed(signature: dict[str, Any]) -> tuple[Any, ...]:
    """What makes a signature that one: who signed, as what, and the image or refusal."""
    return tuple(signature.get(key) for key in (
        "signer", "role", "signer_user_id", "evidence_sha256", "refused", "refusal_reason"))


def _part(row: dict[str, Any]) -> dict[str, Any]:
    """A signature or checklist answer row as the record lists it."""
    return {key: value for key, value in row.items() if key not in ("inspection_id", "version")}


def aware(text: str | None) -> datetime | None:
    """An ISO time with its offset as a datetime (None for none, or one without an offset)."""
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None
