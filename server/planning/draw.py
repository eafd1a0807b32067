"""PURE: the double random draw (双随机), deterministic given a snapshot and a seed.

Published algorithm "sha256-rank/v1" — anyone holding the published snapshot and seed can
re-run it with nothing but SHA-256 (e.g. `printf '%s' "$seed|unit|$id" | sha256sum`):

1. The snapshot is a JSON document: the on-site population `units` [{id, district}, with
   "positive_list": true on a unit of the positive list that the plan includes on site], the
   positive-list units reviewed off-site `offsite` [id], the `inspectors` pool [{id, district,
   certificate_expires}], `recusals` [[inspector_id, enterprise_id]], the open-task
   `workload` {inspector_id: n}, and `params` {sample: {"count": n} | {"ratio": "0.05"},
   inspectors_per_task, cross_district, planned_date}. Lists are sorted.
   population_hash = SHA-256 (lower-case hex) of its canonical JSON: keys sorted, separators
   "," and ":", UTF-8, no ASCII escaping.
2. Sample size n: for a count, min(count, number of units); for a ratio, ceil(ratio x units)
   computed exactly on the decimal string.
3. Units: key(u) = SHA-256 hex of the UTF-8 text "<seed>|unit|<unit id>". Sort the units by
   (key, id) ascending and take the first n; that order is the draw order. SHA-256 behaves
   as a random permutation, so every n-subset is equally likely (tests check it).
4. Officers, unit by unit in draw order: an inspector is eligible when the certificate expires
   on or after planned_date, no recusal pairs them with the unit, and — without
   cross_district — they belong to the unit's district or to the city (310000); with
   cross_district they belong to another district than the unit's. Fewer than
   inspectors_per_task eligible makes the draw infeasible. Otherwise pick inspectors_per_task
   of them one at a time, each time the eligible, not yet picked one with the smallest
   (load, SHA-256 hex of "<seed>|officer|<unit id>|<inspector id>", id), where load starts at
   the snapshot's workload and grows by one per pick: workload is balanced, ties are random.
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

ALGORITHM = "sha256-rank/v1"
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

    def to_json(self) -> dict[str, Any]:
        """The canonical JSON form (sorted lists) that is hashed and published."""
        return {
            "algorithm": ALGORITHM,
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
                       "planned_date": self.planned_date.isoformat()},
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
    if snapshot.cross_district:
        return inspector.district != unit.district
    return inspector.district in (unit.district, CITY)


def draw_units(units: Iterable[Unit], n: int, seed: str) -> list[Unit]:
    """The first n units by published rank."""
    return sorted(units, key=lambda u: (rank_key(seed, "unit", u.id), u.id))[:n]


def pick_officers(unit: Unit, pool: list[Inspector], load: dict[str, int], seed: str,
                  count: int) -> tuple[str, ...]:
    """Pick `count` distinct inspectors from `pool`, least loaded first, ties by hash."""
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
        selected.append(Selected(unit.id, pick_officers(unit, pool, load, seed,
                                                        snapshot.inspectors_per_task),
                                 unit.positive_list))
    if short:
        raise DrawInfeasible(short, snapshot.inspectors_per_task)
    return DrawResult(population_hash(snapshot), tuple(selected), tuple(sorted(snapshot.offsite)))
