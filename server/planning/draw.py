"""PURE: the double random draw (双随机), deterministic given a snapshot and a seed.

Published algorithm "sha256-rank/v2" — anyone holding the published snapshot and seed can
re-run it with nothing but SHA-256 (e.g. `printf '%s' "$seed|unit|$id" | sha256sum`):

1. The snapshot is a JSON document: the `algorithm`, the on-site population `units` [{id,
   district}, with "positive_list": true on a unit of the positive list that the plan includes
   on site], the positive-list units reviewed off-site `offsite` [id], the `inspectors` pool
   as it stood [{id, district, certificate_expires}] (active certified inspectors of the
   plan's scope), `recusals` [[inspector_id, enterprise_id]], the open-task `workload`
   {inspector_id: n} (zero omitted), and `params` {sample: {"count": n} | {"ratio": "0.05"},
   inspectors_per_task, cross_district, planned_date, max_open_tasks: n | null}. Lists are
   sorted. population_hash = SHA-256 (lower-case hex) of its canonical JSON: keys sorted,
   separators "," and ":", UTF-8, no ASCII escaping.
2. Sample size n: for a count, min(count, number of units); for a ratio, ceil(ratio x units)
   computed exactly on the decimal string.
3. Units: key(u) = SHA-256 hex of the UTF-8 text "<seed>|unit|<unit id>". Sort the units by
   (key, id) ascending and take the first n; that order is the draw order. SHA-256 behaves
   as a random permutation, so every n-subset is equally likely (tests check it).
4. Officers, for each drawn unit: an inspector is eligible when the certificate expires on or
   after planned_date, no recusal pairs them with the unit, their workload is not over
   max_open_tasks (when set), and — without cross_district — they belong to the unit's
   district or to the city (310000); with cross_district they belong to another district
   than the unit's. Fewer than inspectors_per_task eligible makes the draw infeasible.
   Otherwise sort the eligible by (SHA-256 hex of "<seed>|officer|<unit id>|<inspector id>",
   id) and send the first inspectors_per_task: every team of eligible officers is equally
   likely, whatever their workload, and nothing but the seed decides who goes.

"sha256-rank/v1" (draws made before v2, still verified) differs in two points: its snapshot
has no max_open_tasks, and in step 4 it picks officers one at a time in draw order, each time
the eligible one not yet picked with the smallest (load, key, id), where load starts at the
workload and grows by one per pick — least-loaded first, so the officers were predictable
whenever workloads differed.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

V1 = "sha256-rank/v1"
ALGORITHM = "sha256-rank/v2"
ALGORITHMS = (V1, ALGORITHM)
CITY = "310000"


class DrawInfeasible(ValueError):
    """Some drawn unit cannot be staffed with enough eligible inspectors."""

    def __init__(self, units: dict[str, int], needed: int):
        super().__init__(f"{len(units)} unit(s) have fewer than {needed} eligible inspectors")
        self.units = units
        self.needed = needed


@dataclass(frozen=True)
class Unit:
    """An enterprise in the on-site population (`positive_list`: on the 正面清单 at the draw)."""

    id: str
    district: str
    positive_list: bool = False


@dataclass(frozen=True)
class Inspector:
    """A certified inspector who may be sent."""

    id: str
    district: str
    certificate_expires: date


@dataclass(frozen=True)
class Snapshot:
    """Everything the draw depends on, frozen at draw time."""

    units: tuple[Unit, ...]
    inspectors: tuple[Inspector, ...]
    planned_date: date
    sample: Mapping[str, Any]
    inspectors_per_task: int = 2
    cross_district: bool = False
    recusals: frozenset[tuple[str, str]] = frozenset()
    workload: Mapping[str, int] = field(default_factory=dict)
    offsite: tuple[str, ...] = ()
    algorithm: str = ALGORITHM
    max_open_tasks: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The canonical JSON form (sorted lists) that is hashed and published."""
        # A v1 snapshot keeps the form it was hashed in: no max_open_tasks.
        cap = {} if self.algorithm == V1 else {"max_open_tasks": self.max_open_tasks}
        return {
            "algorithm": self.algorithm,
            "units": [{"id": u.id, "district": u.district}
                      | ({"positive_list": True} if u.positive_list else {})
                      for u in sorted(self.units, key=lambda u: u.id)],
            "offsite": sorted(self.offsite),
            "inspectors": [{"id": i.id, "district": i.district,
                            "certificate_expires": i.certificate_expires.isoformat()}
                           for i in sorted(self.inspectors, key=lambda i: i.id)],
            "recusals": sorted([list(pair) for pair in self.recusals]),
            "workload": {k: int(v) for k, v in sorted(self.workload.items()) if v},
            "params": {"sample": dict(self.sample),
                       "inspectors_per_task": self.inspectors_per_task,
                       "cross_district": self.cross_district,
                       "planned_date": self.planned_date.isoformat()} | cap,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        """Rebuild a snapshot from its JSON form."""
        params = data["params"]
        return cls(
            units=tuple(Unit(u["id"], u["district"], bool(u.get("positive_list")))
                        for u in data["units"]),
            inspectors=tuple(Inspector(i["id"], i["district"],
                                       date.fromisoformat(i["certificate_expires"]))
                             for i in data["inspectors"]),
            planned_date=date.fromisoformat(params["planned_date"]),
            sample=dict(params["sample"]),
            inspectors_per_task=int(params["inspectors_per_task"]),
            cross_district=bool(params["cross_district"]),
            recusals=frozenset((a, b) for a, b in data["recusals"]),
            workload=dict(data["workload"]),
            offsite=tuple(data["offsite"]),
            algorithm=str(data["algorithm"]),
            max_open_tasks=(None if params.get("max_open_tasks") is None
                            else int(params["max_open_tasks"])),
        )


@dataclass(frozen=True)
class Selected:
    """One drawn unit, the inspectors sent to it, and whether it is on the positive list."""

    enterprise_id: str
    inspectors: tuple[str, ...]
    positive_list: bool = False


@dataclass(frozen=True)
class DrawResult:
    """The outcome of a draw."""

    population_hash: str
    selected: tuple[Selected, ...]
    offsite: tuple[str, ...]

    def to_json(self) -> list[dict[str, Any]]:
        """The selection as JSON (draw order)."""
        return [{"enterprise_id": s.enterprise_id, "inspectors": list(s.inspectors),
                 "positive_list": s.positive_list} for s in self.selected]


def canonical_json(data: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def population_hash(snapshot: Snapshot) -> str:
    """SHA-256 of the snapshot's canonical JSON."""
    return hashlib.sha256(canonical_json(snapshot.to_json())).hexdigest()


def rank_key(seed: str, *parts: str) -> str:
    """SHA-256 hex of "<seed>|part|part…" — the published ranking key."""
    return hashlib.sha256("|".join((seed, *parts)).encode("utf-8")).hexdigest()


def sample_size(sample: Mapping[str, Any], population: int) -> int:
    """How many units a sample setting draws from a population."""
    if "count" in sample:
        return max(0, min(int(sample["count"]), population))
    try:
        ratio = Decimal(str(sample["ratio"]))
    except (KeyError, InvalidOperation) as error:
        raise ValueError(f"bad sample setting {sample!r}") from error
    if not Decimal(0) < ratio <= Decimal(1):
        raise ValueError(f"a ratio must be in (0, 1], got {ratio}")
    return min(population, math.ceil(ratio * population))


def eligible(inspector: Inspector, unit: Unit, snapshot: Snapshot) -> bool:
    """Whether an inspector may be sent to a unit under the snapshot's rules."""
    if inspector.certificate_expires < snapshot.planned_date:
        return False
    if (inspector.id, unit.id) in snapshot.recusals:
        return False
    cap = snapshot.max_open_tasks
    if cap is not None and int(snapshot.workload.get(inspector.id, 0)) > cap:
        return False
    if snapshot.cross_district:
        return inspector.district != unit.district
    return inspector.district in (unit.district, CITY)


def draw_units(units: Iterable[Unit], n: int, seed: str) -> list[Unit]:
    """The first n units by published rank."""
    return sorted(units, key=lambda u: (rank_key(seed, "unit", u.id), u.id))[:n]


def pick_officers(unit: Unit, pool: list[Inspector], seed: str, count: int) -> tuple[str, ...]:
    """v2: the first `count` of the eligible pool by published rank (a random team)."""
    ranked = sorted(pool, key=lambda i: (rank_key(seed, "officer", unit.id, i.id), i.id))
    return tuple(i.id for i in ranked[:count])


def pick_officers_v1(unit: Unit, pool: list[Inspector], load: dict[str, int], seed: str,
                     count: int) -> tuple[str, ...]:
    """v1: pick `count` distinct inspectors from `pool`, least loaded first, ties by hash."""
    chosen: list[str] = []
    remaining = list(pool)
    for _ in range(count):
        best = min(remaining, key=lambda i: (load.get(i.id, 0),
                                             rank_key(seed, "officer", unit.id, i.id), i.id))
        remaining.remove(best)
        load[best.id] = load.get(best.id, 0) + 1
        chosen.append(best.id)
    return tuple(chosen)


def run_draw(snapshot: Snapshot, seed: str) -> DrawResult:
    """Draw units and officers; raise DrawInfeasible if a unit cannot be staffed."""
    if snapshot.inspectors_per_task < 2:
        raise ValueError("at least two inspectors go to every unit")
    if snapshot.algorithm not in ALGORITHMS:
        raise ValueError(f"unknown draw algorithm {snapshot.algorithm!r}")
    if snapshot.algorithm == V1 and snapshot.max_open_tasks is not None:
        raise ValueError("sha256-rank/v1 has no open-task cap")
    units = draw_units(snapshot.units, sample_size(snapshot.sample, len(snapshot.units)), seed)
    load = {k: int(v) for k, v in snapshot.workload.items()}
    inspectors = sorted(snapshot.inspectors, key=lambda i: i.id)
    selected: list[Selected] = []
    short: dict[str, int] = {}
    for unit in units:
        pool = [i for i in inspectors if eligible(i, unit, snapshot)]
        if len(pool) < snapshot.inspectors_per_task:
            short[unit.id] = len(pool)
            continue
        count = snapshot.inspectors_per_task
        team = (pick_officers_v1(unit, pool, load, seed, count) if snapshot.algorithm == V1
                else pick_officers(unit, pool, seed, count))
        selected.append(Selected(unit.id, team, unit.positive_list))
    if short:
        raise DrawInfeasible(short, snapshot.inspectors_per_task)
    return DrawResult(population_hash(snapshot), tuple(selected), tuple(sorted(snapshot.offsite)))
