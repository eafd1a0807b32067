"""Use cases of planning: plans, random draws, their verification and publication."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from schemas.planning import cron_trigger
from server import clock
from server.audit import service as audit
from server.auth import service as auth
from server.auth.policy import CITY, Actor, authorize
from server.errors import Conflict, NotFound, ValidationFailed
from server.extensions import db
from server.planning import draw as algorithm
from server.planning import tasks
from server.planning.lifecycle import NOT_STARTED, OPEN
from server.planning.models import Draw, Plan, Recusal, Task, TaskAssignee
from server.planning.refusals import refused, said
from server.registry import districts
from server.registry import service as registry
from server.uow import unit_of_work
from server.workdays import add_working_days

# Reads done on behalf of the scheduler or of an already authorized use case.
SYSTEM = Actor(uuid.UUID(int=0), "system", "admin", CITY)
PAGE = 2000
MAX_CATCH_UP = timedelta(days=31)


def create_plan(actor: Actor, data: dict[str, Any]) -> Plan:
    """Define a plan: population, sample rule, officers per unit, period, optional schedule."""
    authorize(actor, "plan.create", data["district"], exists_for_others=False)
    if data["district"] != CITY and not districts.exists(data["district"]):
        raise refused(ValidationFailed, said("plan.district"),
                      {"district": said("plan_field.district")})
    with unit_of_work() as session:
        plan = Plan(name=data["name"], district=data["district"],
                    population=data["population"], sample=data["sample"],
                    inspectors_per_task=data["inspectors_per_task"],
                    cross_district=data["cross_district"], period_start=data["period"]["start"],
                    period_end=data["period"]["end"], due_working_days=data["due_working_days"],
                    max_open_tasks=data.get("max_open_tasks"), schedule=data.get("schedule"),
                    created_by=actor.user_id, created_at=clock.utcnow())
        session.add(plan)
        session.flush()
        audit.record(actor, "plan.create", "plan", plan.id,
                     {"name": plan.name, "district": plan.district, "sample": plan.sample,
                      "max_open_tasks": plan.max_open_tasks})
    return plan


def _unknown_plan() -> NotFound:
    return refused(NotFound, said("plan.unknown"))


def _unknown_draw() -> NotFound:
    return refused(NotFound, said("draw.unknown"))


def get_plan(actor: Actor, plan_id: uuid.UUID, action: str = "plan.read") -> Plan:
    """One plan in the caller's scope, else NotFound."""
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise _unknown_plan()
    # A district user may read the publication of a city-wide plan too.
    if not (action == "plan.publication" and plan.district == CITY):
        authorize(actor, action, plan.district, unknown=_unknown_plan)
    else:
        authorize(actor, action)
    return plan


def list_plans(actor: Actor) -> list[Plan]:
    """Plans in the caller's scope, newest first."""
    authorize(actor, "plan.read")
    query = select(Plan).order_by(Plan.created_at.desc(), Plan.id)
    if not actor.city_wide:
        query = query.where(Plan.district == actor.scope)
    return list(db.session.scalars(query))


def _population(plan: Plan, on: date) -> Iterator[Any]:
    """Live enterprises of the plan's area that match its filters."""
    population = plan.population
    classes, industries = set(population["permit_classes"]), set(population["industries"])
    district = None if plan.district == CITY else plan.district
    page = 1
    while True:
        rows, _ = registry.list_enterprises(SYSTEM, registry.EnterpriseFilter(district=district),
                                            page, PAGE)
        for row in rows:
            if (not classes or row.permit_class in classes) and (
                    not industries or row.industry in industries):
                yield row
        if len(rows) < PAGE:
            return
        page += 1


def planned_date(plan: Plan, today: date) -> date:
    """When drawn units are due: the plan's working days from the draw, within its period."""
    if today > plan.period_end:
        raise refused(Conflict, said("plan.period_ended", end=plan.period_end))
    due = add_working_days(max(today, plan.period_start), plan.due_working_days)
    return min(due, plan.period_end)


def build_snapshot(plan: Plan, today: date) -> tuple[algorithm.Snapshot, dict[str, str]]:
    """Freeze what the draw depends on: population, certified inspectors, recusals, load.

    Also returns the district of every enterprise in the population.
    """
    on_date = planned_date(plan, today)
    units, offsite, where = [], [], {}
    for row in _population(plan, today):
        listed = registry.positive_list_active(row, today)
        where[str(row.id)] = row.district
        if listed and not plan.population.get("include_positive_list"):
            offsite.append(str(row.id))
        else:
            units.append(algorithm.Unit(str(row.id), row.district, listed))
    whole_city = plan.cross_district or plan.district == CITY
    inspectors = [algorithm.Inspector(str(u.id), u.district, u.certificate_expires)
                  for u in auth.list_users()
                  if u.role == "inspector" and u.active and u.certificate_no
                  and u.certificate_expires and u.certificate_expires >= on_date
                  and (whole_city or u.district in (plan.district, CITY))]
    pool = {i.id for i in inspectors}
    unit_ids = {u.id for u in units}
    recusals = frozenset(
        (str(user), str(enterprise)) for user, enterprise in db.session.execute(
            select(Recusal.user_id, Recusal.enterprise_id))
        if str(user) in pool and str(enterprise) in unit_ids)
    workload = {str(user): count for user, count in db.session.execute(
        select(TaskAssignee.user_id, func.count()).join(Task, Task.id == TaskAssignee.task_id)
        .where(Task.status.in_(OPEN)).group_by(TaskAssignee.user_id)) if str(user) in pool}
    return algorithm.Snapshot(
        units=tuple(units), inspectors=tuple(inspectors), planned_date=on_date,
        sample=plan.sample, inspectors_per_task=plan.inspectors_per_task,
        cross_district=plan.cross_district, recusals=recusals, workload=workload,
        offsite=tuple(offsite), algorithm=algorithm.ALGORITHM,
        max_open_tasks=plan.max_open_tasks), where


def _infeasible(error: algorithm.DrawInfeasible) -> Conflict:
    """The refusal naming each unit as the register shows it: name and credit code."""
    units = {str(unit.id): unit for unit in registry.parties_of(
        [uuid.UUID(unit) for unit in error.units])}
    return refused(Conflict, said("draw.infeasible", count=len(error.units),
                                  needed=error.needed),
                   {"inspectors": [said("draw_field.unit", enterprise=unit,
                                        name=units[unit].name,
                                        credit_code=units[unit].credit_code, count=count)
                                   for unit, count in sorted(error.units.items())]})


def _execute_draw(plan: Plan, seed: str, actor: Actor | None,
                  scheduled_for: datetime | None = None, reason: str | None = None,
                  supersedes: list[str] | None = None) -> Draw:
    """Inside the caller's transaction: snapshot, draw, and create the tasks."""
    snapshot, where = build_snapshot(plan, clock.today_shanghai())
    try:
        result = algorithm.run_draw(snapshot, seed)
    except algorithm.DrawInfeasible as error:
        raise _infeasible(error) from error
    selected = [item | {"task_id": str(uuid.uuid4())} for item in result.to_json()]
    record = Draw(plan_id=plan.id, district=plan.district, seed=seed,
                  algorithm=algorithm.ALGORITHM, population_hash=result.population_hash,
                  snapshot=snapshot.to_json(), selected=selected,
                  planned_date=snapshot.planned_date, scheduled_for=scheduled_for,
                  reason=reason, supersedes=supersedes or [],
                  drawn_by=actor.user_id if actor else None, drawn_at=clock.utcnow())
    db.session.add(record)
    db.session.flush()
    for item in selected:
        tasks.new_task(actor, kind="random_check", enterprise_id=uuid.UUID(item["enterprise_id"]),
                       district=where[item["enterprise_id"]], due=snapshot.planned_date,
                       plan_id=plan.id, draw_id=record.id, inspectors=item["inspectors"],
                       task_id=uuid.UUID(item["task_id"]), positive_list=item["positive_list"])
    for enterprise_id in result.offsite:
        tasks.new_task(actor, kind="offsite_review", enterprise_id=uuid.UUID(enterprise_id),
                       district=where[enterprise_id], due=snapshot.planned_date,
                       plan_id=plan.id, draw_id=record.id, positive_list=True)
    audit.record(actor, "draw.create", "draw", record.id, {
        "plan_id": str(plan.id), "seed": seed, "population_hash": result.population_hash,
        "population": len(snapshot.units), "selected": len(result.selected),
        "offsite": len(result.offsite),
        "scheduled_for": scheduled_for.isoformat() if scheduled_for else None,
        "reason": reason, "supersedes": supersedes or []})
    return record


def unvisited_draws(plan_id: uuid.UUID) -> list[str]:
    """Draws of a plan with a drawn on-site unit never visited (waiting, or cancelled unseen)
    that no later draw superseded yet (its reason already says why they were left)."""
    explained = {earlier for found in db.session.scalars(
        select(Draw.supersedes).where(Draw.plan_id == plan_id)) for earlier in found or ()}
    return [str(draw_id) for draw_id in db.session.scalars(
        select(Draw.id).join(Task, Task.draw_id == Draw.id)
        .where(Draw.plan_id == plan_id, Task.kind == "random_check", Task.started_at.is_(None))
        .group_by(Draw.id, Draw.drawn_at).order_by(Draw.drawn_at, Draw.id))
        if str(draw_id) not in explained]


def draw(actor: Actor, plan_id: uuid.UUID, reason: str = "") -> Draw:
    """Run a draw of a plan now, on a seed from the server's random source (never chosen).

    Drawing again while an earlier draw still has units not visited needs a stated reason."""
    with unit_of_work() as session:
        plan = get_plan(actor, plan_id, "draw.create")
        # Two supervisors drawing at once must each see the other's draw.
        session.execute(select(Plan.id).where(Plan.id == plan.id).with_for_update())
        earlier, reason = unvisited_draws(plan.id), reason.strip()
        if earlier and not reason:
            raise refused(ValidationFailed, said("draw.reason_needed", earlier=len(earlier)),
                          {"reason": said("draw_field.reason")})
        return _execute_draw(plan, secrets.token_hex(16), actor, reason=reason or None,
                             supersedes=earlier)


def superseded_by(draws: list[Draw]) -> dict[str, list[str]]:
    """For each draw, the later draws made (with a reason) while it had units not visited."""
    later: dict[str, list[str]] = {str(d.id): [] for d in draws}
    for record in sorted(draws, key=lambda d: (d.drawn_at, str(d.id))):
        for earlier in record.supersedes or []:
            later.setdefault(earlier, []).append(str(record.id))
    return later


def preview(actor: Actor, plan_id: uuid.UUID) -> dict[str, Any]:
    """What a draw run now would work on, without drawing or storing anything."""
    plan = get_plan(actor, plan_id, "draw.create")
    snapshot, _ = build_snapshot(plan, clock.today_shanghai())
    return {"population": len(snapshot.units),
            "sample": algorithm.sample_size(plan.sample, len(snapshot.units)),
            "offsite": len(snapshot.offsite), "inspectors": len(snapshot.inspectors),
            "inspectors_per_task": plan.inspectors_per_task,
            "planned_date": snapshot.planned_date,
            "population_hash": algorithm.population_hash(snapshot)}


def get_draw(actor: Actor, draw_id: uuid.UUID) -> Draw:
    """One draw (confidential: supervisors only)."""
    record = db.session.get(Draw, draw_id)
    if record is None:
        raise _unknown_draw()
    authorize(actor, "draw.read", record.district, unknown=_unknown_draw)
    return record


def list_draws(actor: Actor, plan_id: uuid.UUID) -> list[Draw]:
    """The draws of a plan, newest first."""
    plan = get_plan(actor, plan_id, "draw.read")
    return list(db.session.scalars(select(Draw).where(Draw.plan_id == plan.id)
                                   .order_by(Draw.drawn_at.desc(), Draw.id)))


def reproduce(record: Draw) -> dict[str, Any]:
    """Re-run the published algorithm on the stored snapshot and seed and compare."""
    snapshot = algorithm.Snapshot.from_json(record.snapshot)
    recomputed_hash = algorithm.population_hash(snapshot)
    try:
        again = algorithm.run_draw(snapshot, record.seed).to_json()
    except (algorithm.DrawInfeasible, ValueError, KeyError):
        again = None
    stored = [{"enterprise_id": s["enterprise_id"], "inspectors": s["inspectors"],
               "positive_list": s.get("positive_list", False)} for s in record.selected]
    # The snapshot names the algorithm it was drawn with; the record must say the same.
    hash_ok = (recomputed_hash == record.population_hash
               and snapshot.algorithm == record.algorithm)
    return {"draw_id": record.id, "reproduced": hash_ok and again == stored,
            "population_hash_matches": hash_ok, "selection_matches": again == stored,
            "algorithm": record.algorithm, "seed": record.seed,
            "population_hash": record.population_hash}


def verify_draw(actor: Actor, draw_id: uuid.UUID) -> dict[str, Any]:
    """GET /draws/<id>/verify."""
    return reproduce(get_draw(actor, draw_id))


def publication(actor: Actor, plan_id: uuid.UUID) -> dict[str, Any]:
    """What may be published (一公开): units whose inspection has started; seed and snapshot
    once no drawn unit is still waiting for its visit."""
    plan = get_plan(actor, plan_id, "plan.publication")
    records = list(db.session.scalars(select(Draw).where(Draw.plan_id == plan.id)
                                      .order_by(Draw.drawn_at, Draw.id)))
    later = superseded_by(records)
    draws = []
    for record in records:
        onsite = list(db.session.scalars(select(Task).where(
            Task.draw_id == record.id, Task.kind == "random_check").order_by(Task.id)))
        waiting = [t for t in onsite if t.status in NOT_STARTED]
        visited = [t for t in onsite if t.started_at is not None]
        dropped = [t for t in onsite if t.status == "cancelled" and t.started_at is None]
        complete = not waiting
        draws.append({
            "draw_id": record.id, "drawn_at": record.drawn_at, "algorithm": record.algorithm,
            "population_hash": record.population_hash, "drawn": len(onsite),
            "pending": len(waiting), "cancelled": len(dropped), "complete": complete,
            "scheduled": record.scheduled_for is not None, "reason": record.reason,
            "supersedes": record.supersedes or [], "superseded_by": later[str(record.id)],
            "seed": record.seed if complete else None,
            "snapshot": record.snapshot if complete else None,
            "inspected": [_published_unit(t) for t in visited]})
    return {"plan_id": plan.id, "name": plan.name, "district": plan.district,
            "period": {"start": plan.period_start, "end": plan.period_end}, "draws": draws}


def _published_unit(task: Task) -> dict[str, Any]:
    unit: dict[str, Any] = {"enterprise_id": task.enterprise_id, "name": None,
                            "credit_code": None, "district": task.district,
                            "inspected_on": task.started_at.astimezone(clock.SHANGHAI).date(),
                            "status": task.status, "positive_list": task.positive_list}
    try:
        enterprise = registry.get_enterprise(SYSTEM, task.enterprise_id)
    except NotFound:  # removed from the register since: the visit still happened
        return unit
    return unit | {"name": enterprise.name, "credit_code": enterprise.credit_code}


def _due_fire_time(plan: Plan, last: datetime | None, now: datetime) -> datetime | None:
    """The latest fire time of the plan's schedule after `last` and not after `now`."""
    trigger = cron_trigger(plan.schedule, clock.SHANGHAI)
    since = max(last or plan.created_at, now - MAX_CATCH_UP)
    found, cursor = None, since + timedelta(seconds=1)
    while (fire := trigger.get_next_fire_time(None, cursor)) is not None and fire <= now:
        found, cursor = fire, fire + timedelta(seconds=1)
    if found is None:
        return None
    day = found.astimezone(clock.SHANGHAI).date()
    return found if plan.period_start <= day <= plan.period_end else None


def run_scheduled_draws(now: datetime) -> dict[str, int]:
    """Job: draw every scheduled plan whose cron time has come, once per fire time."""
    counts = {"plans": 0, "drawn": 0, "already_drawn": 0, "infeasible": 0}
    plan_ids = list(db.session.scalars(select(Plan.id).where(
        Plan.schedule.is_not(None), Plan.period_end >= (now - MAX_CATCH_UP).date())))
    db.session.rollback()
    for plan_id in plan_ids:
        counts["plans"] += 1
        try:
            with unit_of_work() as session:
                plan = session.get(Plan, plan_id)
                last = session.scalar(select(func.max(Draw.scheduled_for))
                                      .where(Draw.plan_id == plan_id))
                fire = _due_fire_time(plan, last, now)
                if fire is None:
                    continue
                _execute_draw(plan, secrets.token_hex(16), None, scheduled_for=fire)
                counts["drawn"] += 1
        except IntegrityError:
            counts["already_drawn"] += 1
        except Conflict:
            counts["infeasible"] += 1
    return counts
