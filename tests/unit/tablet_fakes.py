"""An in-memory sync server that keeps the DESIGN.md §5 contract, for testing the tablet engine.

It is a fake, not a mock: it really versions records, replays the first result of a duplicate
mutation_id, merges non-overlapping stale edits (soft conflict), keeps overlapping ones side by
side (hard conflict), holds an update that arrives before its create (and a part or violation
before the record it names), lets a device withdraw what it holds (404 for a mutation it never
received, 409 for one already settled), and pages a change log. `faults` lets a test lose a
request, or a response after the server applied a batch.
"""

from __future__ import annotations

import copy
from typing import Any

from offline_sync.errors import Offline

REFERENCES = {"inspection_id": "inspection", "violation_id": "violation"}


class FakeSyncServer:
    """The server side of pull and push, in memory."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}  # version, data, history
        self.first: dict[str, dict[str, Any]] = {}
        self.log: list[dict[str, Any]] = []
        self.held: list[dict[str, Any]] = []
        self.applied = 0  # how many mutations changed a row
        self.faults: list[str] = []  # "before" (request lost) or "after" (response lost)
        self.pushes = 0

    # -- pull -------------------------------------------------------------------------------

    def publish(self, entity: str, record_id: str, op: str, data: dict[str, Any] | None,
                version: int) -> None:
        """Append a change the server made (or a row entering / leaving scope)."""
        self.log.append({"entity": entity, "id": record_id, "op": op, "version": version,
                         "data": copy.deepcopy(data) if op == "upsert" else None})

    def pull(self, cursor: str, limit: int) -> dict[str, Any]:
        """Changes after `cursor` (the index into the log)."""
        start = int(cursor or 0)
        page = self.log[start:start + limit]
        end = start + len(page)
        return {"changes": copy.deepcopy(page), "next_cursor": str(end),
                "has_more": end < len(self.log)}

    # -- push -------------------------------------------------------------------------------

    def push(self, device_id: str, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Apply a batch; a fault may lose the request or the response."""
        self.pushes += 1
        if self.faults and self.faults[0] == "before":
            self.faults.pop(0)
            raise Offline("request lost")
        self.released: list[dict[str, Any]] = []
        results = [self._one(copy.deepcopy(m)) for m in mutations]
        if self.faults and self.faults[0] == "after":
            self.faults.pop(0)
            raise Offline("response lost after commit")
        return results + self.released  # as offline_sync.http.Api.push flattens them

    def _one(self, mutation: dict[str, Any]) -> dict[str, Any]:
        mid = mutation["mutation_id"]
        if mid in self.first and self.first[mid]["status"] != "pending":
            return {"mutation_id": mid, "status": "duplicate", "entity": mutation["entity"],
                    "id": mutation["id"], "version": self.first[mid].get("version"),
                    "first": self.first[mid]}
        result = self._apply(mutation)
        self.first[mid] = result
        if result["status"] != "pending":
            self._release_held(mutation)
        return result

    @staticmethod
    def _needs(m: dict[str, Any]) -> tuple[str, str] | None:
        """The record a mutation needs here: an edit its own, a create the one it names."""
        if m["op"] != "create":
            return m["entity"], m["id"]
        named = [(entity, str(m["fields"][field])) for field, entity in REFERENCES.items()
                 if m["fields"].get(field)]
        return named[0] if named else None

    def _release_held(self, mutation: dict[str, Any]) -> None:
        key = (mutation["entity"], mutation["id"])
        for waiting in [m for m in self.held if self._needs(m) == key]:
            self.held.remove(waiting)
            self.first[waiting["mutation_id"]] = self._apply(waiting)
            getattr(self, "released", []).append(self.first[waiting["mutation_id"]])

    def _apply(self, m: dict[str, Any]) -> dict[str, Any]:
        key, base = (m["entity"], m["id"]), {"mutation_id": m["mutation_id"],
                                             "entity": m["entity"], "id": m["id"]}
        row = self.rows.get(key)
        if (m["entity"], m["op"]) == ("mutation", "withdraw"):
            return self._withdraw(m, base)
        needed = self._needs(m)
        if m["op"] == "create" and needed is not None and needed not in self.rows:
            self.held.append(m)
            return {**base, "status": "pending", "version": None}
        if m["op"] == "create":
            if row is not None:
                return {**base, "status": "rejected", "version": row["version"],
                        "problem": {"title": "exists", "status": 409}}
            if m["fields"].get("invalid"):
                return {**base, "status": "rejected", "version": None,
                        "problem": {"title": "Validation failed", "status": 422,
                                    "detail": "invalid is not a field"}}
            self.rows[key] = {"version": 1, "data": m["fields"], "history": {1: set(m["fields"])}}
            return self._applied(base, key)
        if row is None:
            self.held.append(m)
            return {**base, "status": "pending", "version": None}
        changed_since = set().union(*(f for v, f in row["history"].items()
                                      if v > (m["base_version"] or 0)))
        overlap = sorted(changed_since & set(m["fields"]))
        if overlap and m["base_version"] not in (None, row["version"]):
            return {**base, "status": "conflict", "conflict": "hard", "conflict_id": m["id"],
                    "version": row["version"], "conflicting_fields": overlap,
                    "server": dict(row["data"])}
        row["data"].update(m["fields"])
        row["version"] += 1
        row["history"][row["version"]] = set(m["fields"])
        result = self._applied(base, key)
        if m["base_version"] is not None and m["base_version"] != row["version"] - 1:
            result.update(status="conflict", conflict="soft", conflicting_fields=[])
        return result

    def _withdraw(self, m: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
        """Settle a held mutation of the device as withdrawn, as server/sync/withdraw.py."""
        first = self.first.get(m["id"])
        if first is None:
            return {**base, "status": "rejected", "version": None, "problem": {
                "title": "Not found", "status": 404, "detail": "No mutation of yours with this "
                "id reached the server: nothing to withdraw."}}
        if first["status"] != "pending":
            how = "withdrawn" if (first.get("problem") or {}).get("withdrawn_by") \
                else first["status"]
            return {**base, "status": "rejected", "version": None, "problem": {
                "title": "Conflict", "status": 409, "settled": how,
                "detail": f"The mutation was already settled ({how})."}}
        self.held = [h for h in self.held if h["mutation_id"] != m["id"]]
        self.first[m["id"]] = {**first, "status": "rejected", "problem": {
            "title": "Gone", "status": 410, "withdrawn_by": m["mutation_id"]}}
        return {**base, "status": "applied", "version": None}

    def _applied(self, base: dict[str, Any], key: tuple[str, str]) -> dict[str, Any]:
        self.applied += 1
        row = self.rows[key]
        self.publish(*key, "upsert", row["data"], row["version"])
        return {**base, "status": "applied", "version": row["version"]}
