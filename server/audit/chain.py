"""PURE: how an audit entry is hashed and sealed, and how a chain is checked.

The hash links each entry to the one before, so an entry edited alone breaks the link. Its
algorithm is public: whoever can write to the database could hash every entry again from the
one they edit up to the head. So each entry, and the head, also carry a seal, an HMAC of the
hash under the audit key (AUDIT_SEAL_KEY, else SECRET_KEY), which the database does not hold.

The key rotates: the retired keys (AUDIT_SEAL_RETIRED_KEYS) verify what they sealed, and the
first entry sealed under the new key is a rotation entry naming both keys' ids. The head must
hold under the current key, so whoever learns a retired key can neither edit what came before
the rotation (the rotation entry's seal covers their hashes) nor cut the chain back to it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64
ROTATED = "audit.key_rotated"  # the action of the entry where the chain moves to a new key
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


def key_id(key: bytes) -> str:
    """A seal key's public name (the first 16 hex digits of an HMAC of a label, not of data)."""
    return hmac.new(key, b"audit seal key id", hashlib.sha256).hexdigest()[:16]


def rotation(old: bytes | None, new: bytes) -> dict[str, Any]:
    """The fields of the entry that moves the chain from `old` (None: no known key) to `new`."""
    return {"actor_id": None, "actor_name": None, "device_id": None, "action": ROTATED,
            "entity": "audit", "entity_id": "chain",
            "details": {"from": key_id(old) if old is not None else None, "to": key_id(new)}}


def entry_seal(key: bytes, hash_: str) -> str:
    """The seal of an entry: HMAC-SHA256 of its hash."""
    return hmac.new(key, f"entry:{hash_}".encode("ascii"), hashlib.sha256).hexdigest()


def head_seal(key: bytes, seq: int, hash_: str) -> str:
    """The seal of the head (another message than an entry's: no entry's seal fits it)."""
    return hmac.new(key, f"head:{seq}:{hash_}".encode("ascii"), hashlib.sha256).hexdigest()


def _holds(found: str | None, expected: str) -> bool:
    return isinstance(found, str) and found.isascii() and hmac.compare_digest(found, expected)


def head_sealer(keys: Sequence[bytes], seq: int, hash_: str, sealed: str | None
                ) -> bytes | None:
    """Which of `keys` the head is sealed under, or None."""
    return next((k for k in keys if _holds(sealed, head_seal(k, seq, hash_))), None)


@dataclass(frozen=True)
class ChainReport:
    """Result of verifying the chain."""

    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None


def verify_chain(
    entries: Iterable[Mapping[str, Any]], head_seq: int, head_hash: str,
    key: bytes | None = None, sealed_head: str | None = None, retired: Sequence[bytes] = (),
) -> ChainReport:
    """Walk entries in seq order: consecutive seqs, linked hashes, recomputed hashes, head;
    given the audit key, also every entry's seal (under the key the chain is at: the first
    entry's, then each rotation entry's new one) and the head's under the current key."""
    keys = {key_id(k): k for k in (*retired, key)} if key is not None else {}
    expected_seq, prev, sealer = 1, GENESIS_HASH, None
    checked, used = 0, set()  # the ids of the keys the chain has been sealed under
    for entry in entries:
        seq = entry["seq"]
        if seq != expected_seq:
            return ChainReport(False, checked, expected_seq,
                               f"entry {expected_seq} is missing (next present is {seq})")
        if entry["prev_hash"] != prev:
            return ChainReport(False, checked, seq, "prev_hash does not match the previous entry")
        if entry_hash(entry) != entry["hash"]:
            return ChainReport(False, checked, seq, "content does not match its hash (altered)")
        if keys:
            sealer, problem = _sealed_by(entry, sealer, keys, used)
            if problem:
                return ChainReport(False, checked, seq, problem)
            used.add(sealer)
        prev, expected_seq, checked = entry["hash"], seq + 1, checked + 1
    if checked != head_seq:
        return ChainReport(False, checked, checked + 1,
                           f"chain ends at {checked} but the head records {head_seq} "
                           "(entries removed from the end)")
    if prev != head_hash:
        return ChainReport(False, checked, checked, "last entry does not match the head hash")
    if key is not None and head_seq:
        return _head_report(checked, head_hash, key, sealed_head, keys[sealer or ""])
    return ChainReport(True, checked)


def _sealed_by(entry: Mapping[str, Any], sealer: str | None, keys: Mapping[str, bytes],
               used: Set[str]) -> tuple[str | None, str | None]:
    """The id of the key the chain is at after `entry`, or why the entry's seal fails. A
    rotation goes to a key the chain was never under: one back to a retired key is what its
    holder would write to append to the chain."""
    details = entry.get("details") or {}
    if sealer is not None and entry["action"] == ROTATED:
        if (details.get("from") != sealer or details.get("to") not in keys
                or details.get("to") in used):
            return None, (f"a key rotation from {details.get('from')} to {details.get('to')} "
                          f"where the chain was sealed under {sealer} (or to a key this "
                          "instance does not know, or one the chain was sealed under before)")
        sealer = details["to"]
    candidates = [sealer] if sealer is not None else list(keys)
    found = next((k for k in candidates if _holds(
        entry.get("seal"), entry_seal(keys[k], entry["hash"]))), None)
    if found is None:
        return None, ("its seal does not hold: written or hashed again without the audit key "
                      "(or sealed with another key)")
    return found, None


def _head_report(checked: int, head_hash: str, key: bytes, sealed: str | None,
                 last: bytes) -> ChainReport:
    """The head must hold under the current key, and the chain's entries must have reached it
    (a head under a retired key, or entries under one, could be a retired key's forgery)."""
    if _holds(sealed, head_seal(key, checked, head_hash)) and last == key:
        return ChainReport(True, checked)
    if last != key and _holds(sealed, head_seal(last, checked, head_hash)):
        return ChainReport(False, checked, checked, f"the chain is sealed under the retired "
                           f"key {key_id(last)}, not under the current one: if AUDIT_SEAL_KEY "
                           "changed just now, run `flask audit rotate`; if the chain had "
                           "moved to the current key before, it was cut back to before that "
                           "(restore a backup, do not rotate)")
    return ChainReport(False, checked, checked, "the head's seal does not hold: entries "
                       "removed from the end, or the head replaced without the audit key")
