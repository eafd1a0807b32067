"""PURE: grouping (entity, …) keys for queries the primary key can serve."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")


def by_entity(keys: Iterable[tuple[str, T]]) -> dict[str, list[T]]:
    """The rest of each (entity, rest) key grouped by entity, in order.

    Asked as `entity = :e AND id IN (...)` per entity, rows are found through an index on
    (entity, id, …) on SQLite and PostgreSQL alike; a row-value IN of the pairs made SQLite
    scan the table and PostgreSQL read every row of the entity."""
    grouped: dict[str, list[T]] = {}
    for entity, rest in keys:
        grouped.setdefault(entity, []).append(rest)
    return grouped
