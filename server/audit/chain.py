"""PURE: how an audit entry is hashed and sealed, and how a chain is checked.

The hash links each entry to the one before, so an entry edited alone breaks the link. Its
algorithm is public: whoever can write to the database could hash every entry again from the
one they edit up to the head. So each entry, and the head, also carry a seal, an HMAC of the
hash under the audit key (AUDIT_SEAL_KEY, else SECRET_KEY), which the database does not hold.
"""

from __future__ import annotations

import hashlib
import hmac
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


def seal_key(secret: str) -> bytes:
    """The key entries are sealed with, derived from the configured secret (its own use)."""
    return hmac.new(secret.encode("utf-8"), b"enforcement audit chain seal v1",
                    hashlib.sha256).digest()


def entry_seal(key: bytes, hash_: str) -> str:
    """The seal of an entry: HMAC-SHA256 of its hash."""
    return hmac.new(key, f"entry:{hash_}".encode("ascii"), hashlib.sha256).hexdigest()


def head_seal(key: bytes, seq: int, hash_: str) -> str:
    """The seal of the head (another message than an entry's: no entry's seal fits it)."""
    return hmac.new(key, f"head:{seq}:{hash_}".encode("ascii"), hashlib.sha256).hexdigest()


def _holds(found: str | None, expected: str) -> bool:
    return isinstance(found, str) and found.isascii() and hmac.compare_digest(found, expected)


@dataclass(frozen=True)
class ChainReport:
    """Result of verifying the chain."""

    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None


def verify_chain(
    entries: Iterable[Mapping[str, Any]], head_seq: int, head_hash: str,
    key: bytes | None = None, sealed_head: str | None = None,
) -> ChainReport:
    """Walk entries in seq order: consecutive seqs, linked hashes, recomputed hashes, head;
    given the audit key, also every entry's seal and the head's (an empty chain has none)."""
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
        if key is not None and not _holds(entry.get("seal"), entry_seal(key, entry["hash"])):
            return ChainReport(False, checked, seq, "its seal does not hold: written or hashed "
                               "again without the audit key (or sealed with another key)")
        prev, expected_seq, checked = entry["hash"], seq + 1, checked + 1
    if checked != head_seq:
        return ChainReport(False, checked, checked + 1,
                           f"chain ends at {checked} but the head records {head_seq} "
                           "(entries removed from the end)")
    if prev != head_hash:
        return ChainReport(False, checked, checked, "last entry does not match the head hash")
    if key is not None and head_seq and not _holds(sealed_head,
                                                   head_seal(key, head_seq, head_hash)):
        return ChainReport(False, checked, checked, "the head's seal does not hold: entries "
                           "removed from the end, or the head replaced without the audit key")
    return ChainReport(True, checked)
