"""Use cases of inspection records: open, correct, submit, read; corrections keep history."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Text, func, or_, select, true

from server.audit import service as audit
from server.auth.models import User
from server.auth.policy import Actor, authorize, in_scope, unknown_record
from server.cases.locks import ensure_not_locked
from server.clock import SHANGHAI, utcnow
from server.db_types import json_safe
from server.errors import Conflict, Forbidden, ValidationFailed, VersionConflict
from server.evidence.service import share
from server.extensions import db
from server.fieldwork import checklists, signers
from server.fieldwork.models import Inspection, InspectionRevision, signature_digests
from server.fieldwork.refusals import refused, said
from server.geo import location_as_wgs84
from server.planning import tasks
from server.planning.models import Task
from server.registry import service as registry
from server.registry.models import Enterprise
from server.uow import find, unit_of_work

CONTENT = ("enterprise_id", "task_id", "officers", "started_at", "ended_at", "checkin",
           "people_present", "checklist", "findings", "signatures")
MIN_OFFICERS = 2  # 处罚法 Art. 42


def _officers(inspector_ids: list[uuid.UUID], started_at: datetime) -> list[dict[str, Any]]:
    """Snapshot the officers with the certificates valid on the inspection day."""
    day = started_at.astimezone(SHANGHAI).date()
    if len(set(inspector_ids)) != len(inspector_ids):
        raise refused(ValidationFailed, said("officers.twice"),
                      {"inspector_ids": said("officer_field.distinct")})
    users = {user_id: db.session.get(User, user_id) for user_id in inspector_ids}
    problems = []
    officers = []
    for user_id in inspector_ids:
        user = users.get(user_id)
        if user is None or not user.active or user.role != "inspector":
            problems.append(said("officer_field.not_inspector", user_id=str(user_id)))
        elif not user.certificate_no or not user.certificate_expires \
                or user.certificate_expires < day:
            problems.append(said("officer_field.certificate", name=user.display_name, day=day))
        else:
            officers.append({"user_id": str(user.id), "name": user.display_name,
                             "certificate_no": user.certificate_no,
                             "certificate_expires": user.certificate_expires.isoformat()})
    if problems:
        raise refused(ValidationFailed, said("officers.cannot_sign"),
                      {"inspector_ids": problems})
    return officers


def certified_officers(inspector_ids: list[uuid.UUID], at: datetime) -> list[dict[str, Any]]:
    """Distinct active inspectors with a certificate valid on the day (处罚法 Art. 42), snapshot."""
    return _officers(inspector_ids, at)


def _check_times(data: dict[str, Any]) -> None:
    ended = data.get("ended_at")
    if ended is not None and ended < data["started_at"]:
        raise ValidationFailed("The inspection ends before it starts.",
                               errors={"ended_at": ["must not be before started_at"]})


def _content(data: dict[str, Any], officers: list[dict[str, Any]]) -> dict[str, Any]:
    values = {k: data[k] for k in CONTENT if k in data and k != "officers"}
    if "checkin" in values:
        values["checkin"] = location_as_wgs84(values["checkin"])
    for key in ("checkin", "people_present", "checklist", "signatures"):
        if key in values:
            values[key] = json_safe(values[key])
    values["officers"] = officers
    return values


def _check_signers(actor: Actor, signatures: list[dict[str, Any]],
                   officers: list[dict[str, Any]], signed_at: datetime | None,
                   vouched: Iterable[dict[str, Any]] = ()) -> dict[str, str]:
    """Refuse signatures being written by anyone but an officer on the record (they are made
    on site, on the officers' tablet: a supervisor who directs and reviews the work cannot
    make them), and officer signatures (at `signed_at`, the tablet's clock; never later than
    now, when they arrive) that cannot be matched to one officer on the record, or whose
    officer's certificate had expired. `vouched`: signatures the officers made that the caller
    applies (a conflict's sides, which a supervisor chooses between). What to audit: the
    tablet's time of officer signatures, the day their certificates were checked on, which
    only the tablet vouches for."""
    made_elsewhere = {signers.identity(s) for s in vouched}  # e.g. a conflict's two sides
    if any(signers.identity(s) not in made_elsewhere for s in signatures) \
            and not is_officer(actor, officers):
        raise refused(ValidationFailed, said("officers.sign_on_site"),
                      {"signatures": said("officer_field.sign_on_site")})
    now = utcnow()
    moment = min(signed_at, now) if signed_at else now
    if problems := signers.refused_at_signing(signatures, officers,
                                              moment.astimezone(SHANGHAI).date()):
        raise ValidationFailed("An officer signature does not match the record's officers.",
                               errors={"signatures": problems})
    officer_signed = any(s["role"] == "officer" for s in signatures)
    return {"signed_at": moment.isoformat()} if signed_at and officer_signed else {}


def _keep_ids(signatures: list[dict[str, Any]], held: list[dict[str, Any]]) -> None:
    """Give each signature written the id of the same signature the record holds (a tablet
    withdraws its signature by that id, and REST representations do not carry it)."""
    ids: dict[tuple[Any, ...], list[str]] = {}
    for signature in held:
        if signature.get("id"):
            ids.setdefault(signers.identity(signature), []).append(signature["id"])
    for signature in signatures:
        if "id" not in signature and (free := ids.get(signers.identity(signature))):
            signature["id"] = free.pop(0)


def _snapshot(inspection: Inspection) -> dict[str, Any]:
    return json_safe({k: getattr(inspection, k) for k in CONTENT})


def is_officer(actor: Actor, officers: list[dict[str, Any]]) -> bool:
    """Whether the actor is an inspector named among these officers."""
    return actor.role == "inspector" and str(actor.user_id) in {o["user_id"] for o in officers}


def must_be_officer(actor: Actor, officers: list[dict[str, Any]]) -> None:
    """An inspector writes only records they are an officer on."""
    if actor.role == "inspector" and not is_officer(actor, officers):
        raise ValidationFailed("You must be one of the record's officers.",
                               errors={"inspector_ids": ["must include yourself"]})


def authorize_on(actor: Actor, action: str, inspection: Inspection) -> None:
    """Authorize an action on a record (or its violations): in the actor's district scope, or
    by an inspector the record names as an officer, whatever its district (交叉检查: the
    record stays the visited district's, and the officers' own district sees nothing). Across
    districts an officer changes it only while still sent there: taken off the task, or the
    task cancelled, they read what they recorded and change nothing."""
    across = not in_scope(actor, inspection.district) and is_officer(actor, inspection.officers)
    authorize(actor, action, None if across else inspection.district)
    if across and not action.endswith(".read") \
            and not tasks.still_sent(actor.user_id, inspection.enterprise_id):
        raise Forbidden("You are no longer sent to this enterprise (taken off the task, or "
                        "the task was cancelled): its district's staff change the record.")


def _workplace(actor: Actor, enterprise_id: uuid.UUID) -> Enterprise:
    """The enterprise a record is opened at: in the actor's scope, or one the inspector is
    sent to on an open task, whatever its district."""
    found = db.session.get(Enterprise, enterprise_id)  # held in a push: no query, no flush
    if found is not None and actor.role == "inspector" and not in_scope(actor, found.district) \
            and tasks.sent_to(actor.user_id, enterprise_id):  # a query: only across districts
        return registry.get_enterprise(tasks.SYSTEM_SCOPE, enterprise_id)
    return registry.get_enterprise(actor, enterprise_id)


def _check_task(task_id: uuid.UUID | None, enterprise: Enterprise) -> None:
    """A record made on a task is made at that task's enterprise."""
    if task_id is None:
        return
    with db.session.no_autoflush:  # a push never makes tasks: no need to flush its records
        task = db.session.get(Task, task_id)
    if task is None or task.enterprise_id != enterprise.id:
        raise ValidationFailed("The task is not a task at this record's enterprise.",
                               errors={"task_id": ["no task at this enterprise"]})


def check_writable(actor: Actor, inspection: Inspection) -> None:
    """Refuse a change of the record by this actor: role, an officer on it, no case lock."""
    authorize_on(actor, "inspection.update", inspection)
    must_be_officer(actor, inspection.officers)
    ensure_not_locked(inspection_id=inspection.id)


def open_inspection(actor: Actor, data: dict[str, Any], *, new: bool = False,
                    signed_at: datetime | None = None) -> tuple[Inspection, bool]:
    """Create a draft record under the tablet's id; a retry of the same create is harmless.

    `new`: the caller saw that no record has this id (a sync push asks once for many);
    `signed_at`: when its signatures were made (default now)."""
    authorize(actor, "inspection.create")
    existing = None if new else db.session.get(Inspection, data["id"])
    if existing is not None:
        authorize_on(actor, "inspection.read", existing)
        if existing.created_by != actor.user_id or existing.enterprise_id != data["enterprise_id"]:
            raise Conflict("An inspection with this id already exists.")
        return existing, False
    enterprise = _workplace(actor, data["enterprise_id"])
    _check_task(data.get("task_id"), enterprise)
    _check_times(data)
    with unit_of_work() as session:
        officers = _officers(data["inspector_ids"], data["started_at"])
        must_be_officer(actor, officers)
        checklists.refuse_unknown_items(data.get("checklist") or [], data["started_at"])
        content = _content(data, officers)
        signing = _check_signers(actor, content.get("signatures", []), officers, signed_at)
        inspection = Inspection(id=data["id"], district=enterprise.district, status="draft",
                                created_by=actor.user_id, device_id=actor.device_id,
                                version=1, **content)
        session.add(inspection)  # flushed by the caller's savepoint or commit
        share(actor, signature_digests(inspection.signatures), inspection.district)
        audit.record(actor, "inspection.create", "inspection", inspection.id,
                     {"enterprise_id": str(enterprise.id), **signing})
    return inspection, True


def get_inspection(actor: Actor, inspection_id: uuid.UUID, *, lock: bool = False) -> Inspection:
    """One record in the caller's scope."""
    inspection = find(Inspection, inspection_id, lock=lock)
    if inspection is None:
        raise unknown_record()
    authorize_on(actor, "inspection.read", inspection)
    return inspection


def in_reach(actor: Actor) -> Any:
    """Records the actor may read (SQL predicate): of their scope, and for an inspector also
    those naming them as an officer (authorize_on)."""
    if actor.city_wide:
        return true()
    mine = Inspection.district == actor.scope
    if actor.role != "inspector":
        return mine
    return or_(mine, Inspection.officers.cast(Text).contains(f'"{actor.user_id}"'))


def list_inspections(actor: Actor, enterprise_id: uuid.UUID | None, status: str | None,
                     page: int, per_page: int) -> tuple[list[Inspection], int]:
    """Records in scope, newest first."""
    authorize(actor, "inspection.read")
    query = select(Inspection).where(in_reach(actor))
    if enterprise_id:
        query = query.where(Inspection.enterprise_id == enterprise_id)
    if status:
        query = query.where(Inspection.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(query.order_by(Inspection.started_at.desc(), Inspection.id)
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


def update_inspection(actor: Actor, inspection_id: uuid.UUID, version: int,
                      changes: dict[str, Any], reason: str | None,
                      signed_at: datetime | None = None,
                      vouched: Iterable[dict[str, Any]] = ()) -> Inspection:
    """Edit a draft, or correct a submitted record (a reason is required; history kept);
    signatures it adds were made at `signed_at` (default now), by the actor as an officer
    on the record unless `vouched` (made by the officers on a tablet: a conflict's side)."""
    with unit_of_work() as session:
        inspection = get_inspection(actor, inspection_id, lock=True)
        check_writable(actor, inspection)
        if inspection.version != version:
            raise VersionConflict(f"The record is at version {inspection.version}, not {version}.",
                                  current_version=inspection.version)
        if "enterprise_id" in changes and changes["enterprise_id"] != inspection.enterprise_id:
            raise ValidationFailed("A record cannot move to another enterprise.",
                                   errors={"enterprise_id": ["cannot be changed"]})
        submitted = inspection.status == "submitted"
        if submitted and not (reason or "").strip():
            raise ValidationFailed("A submitted record is corrected, not edited: give a reason.",
                                   errors={"correction_reason": ["required after submission"]})
        merged = {k: getattr(inspection, k) for k in ("started_at", "ended_at")} | changes
        _check_times(merged)
        if "task_id" in changes:
            _check_task(changes["task_id"], db.session.get(Enterprise, inspection.enterprise_id))
        officers = inspection.officers
        if "inspector_ids" in changes or "started_at" in changes:
            ids = changes.get("inspector_ids") or [uuid.UUID(o["user_id"]) for o in officers]
            officers = _officers(ids, merged["started_at"])
            must_be_officer(actor, officers)
        if "checklist" in changes:
            checklists.refuse_unknown_items(changes["checklist"], merged["started_at"],
                                            held=inspection.checklist)
        lacking = _submission_problems(inspection) if submitted else {}
        if submitted:
            session.add(InspectionRevision(
                inspection_id=inspection.id, version=inspection.version,
                content=_snapshot(inspection), replaced_by_version=inspection.version + 1,
                reason=reason.strip(), corrected_by=actor.user_id))
        content = _content(changes, officers)
        if "signatures" in content:
            _keep_ids(content["signatures"], inspection.signatures)
        signing = _check_signers(actor, [s for s in content.get("signatures", [])
                                         if s not in inspection.signatures], officers, signed_at,
                                 vouched)
        cited = signature_digests(inspection.signatures)
        for key, value in content.items():
            setattr(inspection, key, value)
        share(actor, signature_digests(inspection.signatures) - cited, inspection.district)
        if submitted and (problems := _new_problems(lacking, _submission_problems(inspection))):
            raise ValidationFailed("A correction may not leave a submitted record without what "
                                   "its submission needed.", errors=problems)
        inspection.version += 1
        inspection.updated_at = utcnow()
        audit.record(actor, "inspection.correct" if submitted else "inspection.update",
                     "inspection", inspection.id,
                     {"fields": sorted(changes), "version": inspection.version, **signing,
                      **({"reason": reason.strip()} if submitted else {})})
    return inspection


def _new_problems(before: dict[str, list[str]], after: dict[str, list[str]]
                  ) -> dict[str, list[str]]:
    """What a correction lacks that the record did not lack before it (a record submitted
    under older rules can still be corrected for other things)."""
    added = {key: [p for p in found if p not in before.get(key, [])]
             for key, found in after.items()}
    return {key: found for key, found in added.items() if found}


def _submission_problems(inspection: Inspection) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if inspection.ended_at is None:
        problems["ended_at"] = ["the end time is required to submit"]
    if officer_problems := signers.submission_problems(inspection.signatures,
                                                       inspection.officers, MIN_OFFICERS):
        problems["signatures"] = officer_problems
    if not any(s["role"] == "party" for s in inspection.signatures):
        problems.setdefault("signatures", []).append(
            "the party's signature, or its refusal with the reason, is required")
    return problems


def submit_inspection(actor: Actor, inspection_id: uuid.UUID, version: int) -> Inspection:
    """Close a draft: from now on it is only corrected, never edited in place."""
    with unit_of_work():
        inspection = get_inspection(actor, inspection_id, lock=True)
        authorize_on(actor, "inspection.submit", inspection)
        must_be_officer(actor, inspection.officers)
        if inspection.version != version:
            raise VersionConflict(f"The record is at version {inspection.version}, not {version}.",
                                  current_version=inspection.version)
        if inspection.status == "submitted":
            raise Conflict("The record is already submitted.")
        ensure_not_locked(inspection_id=inspection.id)
        if problems := _submission_problems(inspection):
            raise ValidationFailed("The record cannot be submitted yet.", errors=problems)
        inspection.status = "submitted"
        inspection.submitted_at = inspection.updated_at = utcnow()
        inspection.version += 1
        audit.record(actor, "inspection.submit", "inspection", inspection.id,
                     {"version": inspection.version})
    return inspection


def revisions(actor: Actor, inspection_id: uuid.UUID) -> list[InspectionRevision]:
    """Earlier versions of a corrected record, oldest first."""
    get_inspection(actor, inspection_id)
    return list(db.session.scalars(select(InspectionRevision)
                                   .where(InspectionRevision.inspection_id == inspection_id)
                                   .order_by(InspectionRevision.version)))
