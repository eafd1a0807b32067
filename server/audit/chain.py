"""PURE: how an audit entry is hashed and how a chain is checked."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64
HASHED_FIELDS = ("seq", "at", "actor_id", "actor_name", "device_id", "action", "entity",
                 "entity_id", "details", "prev_hash")


def _canonical(value: Any) -> Any:
    """Datetimes as ISO-8601 UTC with microseconds; everything else as JSON has it."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def entry_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of an entry's hashed fields."""
    payload = {name: _canonical(fields[name]) for name in HASHED_FIELDS}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """Result of verifying the chain."""

    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None


def verify_chain(
    entries: Iterable[Mapping[str, Any]], head_seq: int, head_hash: str
) -> ChainReport:
    """Walk entries in seq order: consecutive seqs, linked hashes, recomputed hashes, head."""
    expected_seq, prev = 1, GENESIS_HASH
    checked = 0
    for entry in entries:
        seq = entry["seq"]
        if seq != expected_seq:
            return ChainReport(False, checked, expected_seq,
                               f"entry {expected_seq} is missing (next present is {seq})")
        if entry["prev_hash"] != prev:
            return ChainReport(False, checked, seq, "prev_hash does not match the previous entry")
        if entry_hash(entry) != entry["hash"]:
            return ChainReport(False, checked, seq, "content does not match its hash (altered)")
        prev, expected_seq, checked = entry["hash"], seq + 1, checked + 1
    if checked != head_seq:
        return ChainReport(False, checked, checked + 1,
                           f"chain ends at {checked} but the head records {head_seq} "
                           "(entries removed from the end)")
    if prev != head_hash:
        return ChainReport(False, checked, checked, "last entry does not match the head hash")
    return ChainReport(True, checked)
