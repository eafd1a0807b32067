"""PURE: hashing and verification of the audit chain."""

from __future__ import annotations

from datetime import UTC, datetime

from server.audit.chain import (
    GENESIS_HASH,
    entry_hash,
    entry_seal,
    head_seal,
    key_id,
    rotation,
    seal_key,
    verify_chain,
)


def _chain(n: int) -> list[dict]:
    entries, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        entry = {"seq": seq, "at": datetime(2026, 1, 1, 8, 0, seq, 123456, tzinfo=UTC),
                 "actor_id": "u1", "actor_name": "张三", "device_id": "tab",
                 "action": "enterprise.update", "entity": "enterprise", "entity_id": f"e{seq}",
                 "details": {"fields": ["name"], "version": seq}, "prev_hash": prev}
        entry["hash"] = prev = entry_hash(entry)
        entries.append(entry)
    return entries


def test_an_untouched_chain_verifies():
    entries = _chain(5)
    report = verify_chain(entries, 5, entries[-1]["hash"])
    assert report.ok and report.checked == 5


def test_the_hash_covers_every_field_including_details_and_time():
    base = _chain(1)[0]
    for field, value in (("details", {"fields": ["address"], "version": 1}),
                         ("at", base["at"].replace(microsecond=0)), ("actor_name", "李四")):
        assert entry_hash(base | {field: value}) != base["hash"], field


def test_an_altered_entry_is_named():
    entries = _chain(5)
    entries[2] = entries[2] | {"entity_id": "forged"}
    report = verify_chain(entries, 5, entries[-1]["hash"])
    assert (report.ok, report.broken_seq) == (False, 3) and "altered" in report.reason


def test_a_rehashed_forgery_breaks_the_link_to_the_next_entry():
    entries = _chain(5)
    forged = entries[2] | {"entity_id": "forged"}
    forged["hash"] = entry_hash(forged)
    entries[2] = forged
    report = verify_chain(entries, 5, entries[-1]["hash"])
    assert (report.ok, report.broken_seq) == (False, 4)


def test_a_missing_entry_is_named():
    entries = _chain(5)
    del entries[1]
    report = verify_chain(entries, 5, entries[-1]["hash"])
    assert (report.ok, report.broken_seq) == (False, 2) and "missing" in report.reason


def test_a_truncated_tail_is_caught_by_the_head():
    entries = _chain(5)
    report = verify_chain(entries[:4], 5, entries[-1]["hash"])
    assert not report.ok and "removed from the end" in report.reason


KEY = seal_key("a secret the database does not hold")


def _sealed(n: int) -> list[dict]:
    return [entry | {"seal": entry_seal(KEY, entry["hash"])} for entry in _chain(n)]


def test_a_sealed_chain_verifies_under_its_key_and_not_under_another():
    entries = _sealed(3)
    head = head_seal(KEY, 3, entries[-1]["hash"])
    assert verify_chain(entries, 3, entries[-1]["hash"], KEY, head).ok
    report = verify_chain(entries, 3, entries[-1]["hash"], seal_key("another"), head)
    assert (report.ok, report.broken_seq) == (False, 1) and "seal" in report.reason


def test_a_chain_hashed_again_from_an_edited_entry_is_named_by_the_first_seal_that_fails():
    entries, prev = _sealed(5), None
    for entry in entries[2:]:  # the edit, then every later entry linked and hashed again
        if prev is None:
            entry["entity_id"] = "forged"
        else:
            entry["prev_hash"] = prev
        entry["hash"] = prev = entry_hash(entry)
    report = verify_chain(entries, 5, prev, KEY, head_seal(KEY, 5, prev))
    assert (report.ok, report.broken_seq) == (False, 3) and "seal" in report.reason


def test_a_tail_cut_with_the_head_moved_back_is_caught_by_the_heads_seal():
    entries = _sealed(5)
    cut = entries[:4]
    # an entry's seal is no head's seal: it cannot be copied over
    for sealed in (None, cut[-1]["seal"], head_seal(KEY, 5, entries[-1]["hash"])):
        report = verify_chain(cut, 4, cut[-1]["hash"], KEY, sealed)
        assert not report.ok and "head's seal" in report.reason
    assert verify_chain(cut, 4, cut[-1]["hash"], KEY, head_seal(KEY, 4, cut[-1]["hash"])).ok


def test_an_empty_chain_needs_no_seal():
    assert verify_chain([], 0, GENESIS_HASH, KEY, None).ok


NEW = seal_key("the key the chain moved to")


def _rotated(before: int, after: int) -> tuple[list[dict], str]:
    """`before` entries sealed under KEY, the rotation entry and `after` more under NEW; the
    head's seal under NEW."""
    entries = _sealed(before)
    prev = entries[-1]["hash"]
    for seq in range(before + 1, before + after + 2):
        fields = rotation(KEY, NEW) if seq == before + 1 else {
            "actor_id": "u1", "actor_name": "张三", "device_id": "tab",
            "action": "enterprise.update", "entity": "enterprise", "entity_id": f"e{seq}",
            "details": {}}
        entry = fields | {"seq": seq, "at": datetime(2026, 2, 1, tzinfo=UTC), "prev_hash": prev}
        entry["hash"] = prev = entry_hash(entry)
        entries.append(entry | {"seal": entry_seal(NEW, prev)})
    return entries, head_seal(NEW, len(entries), prev)


def test_a_rotated_chain_verifies_with_the_retired_key_and_not_without_it():
    entries, head = _rotated(3, 2)
    assert verify_chain(entries, 6, entries[-1]["hash"], NEW, head, (KEY,)).ok
    report = verify_chain(entries, 6, entries[-1]["hash"], NEW, head)
    assert (report.ok, report.broken_seq) == (False, 1)


def test_an_entry_under_the_old_key_after_the_rotation_is_named():
    entries, _ = _rotated(3, 2)
    last = entries[-1]
    last["seal"] = entry_seal(KEY, last["hash"])  # a retired key's holder adds to the chain
    report = verify_chain(entries, 6, last["hash"], NEW, head_seal(NEW, 6, last["hash"]),
                          (KEY,))
    assert (report.ok, report.broken_seq) == (False, 6) and "seal" in report.reason


def test_a_chain_cut_back_to_before_its_rotation_does_not_verify():
    entries, _ = _rotated(3, 2)
    cut = entries[:3]  # what a holder of the retired key can seal a head for
    report = verify_chain(cut, 3, cut[-1]["hash"], NEW, head_seal(KEY, 3, cut[-1]["hash"]),
                          (KEY,))
    assert not report.ok and "retired key" in report.reason and key_id(KEY) in report.reason


def test_a_rotation_entry_must_start_from_the_key_the_chain_was_at():
    entries, head = _rotated(3, 0)
    other = seal_key("a third key")
    forged = entries[3] | {"details": {"from": key_id(other), "to": key_id(NEW)}}
    forged["hash"] = entry_hash(forged)
    entries[3] = forged | {"seal": entry_seal(NEW, forged["hash"])}
    report = verify_chain(entries, 4, forged["hash"], NEW,
                          head_seal(NEW, 4, forged["hash"]), (KEY, other))
    assert (report.ok, report.broken_seq) == (False, 4) and "rotation" in report.reason


def test_a_key_id_names_the_key_without_showing_it():
    assert key_id(KEY) != key_id(NEW) and len(key_id(KEY)) == 16
    assert KEY.hex()[:16] != key_id(KEY)


def _append(entries: list[dict], fields: dict, key: bytes) -> None:
    """Append an entry with these fields, sealed under `key` (what a key's holder can do)."""
    prev = entries[-1]["hash"]
    entry = fields | {"seq": len(entries) + 1, "at": datetime(2026, 3, 1, tzinfo=UTC),
                      "prev_hash": prev}
    entry["hash"] = entry_hash(entry)
    entries.append(entry | {"seal": entry_seal(key, entry["hash"])})


def test_a_rotation_back_to_a_retired_key_is_named_as_the_break():
    entries, _ = _rotated(3, 1)
    # the holder of the retired key turns the chain back to it and writes what they like
    _append(entries, rotation(NEW, KEY), KEY)
    _append(entries, {"actor_id": "u9", "actor_name": "伪造", "device_id": None,
                      "action": "case.close", "entity": "case", "entity_id": "c1",
                      "details": {}}, KEY)
    head = head_seal(KEY, len(entries), entries[-1]["hash"])
    report = verify_chain(entries, len(entries), entries[-1]["hash"], NEW, head, (KEY,))
    assert (report.ok, report.broken_seq) == (False, 6) and "rotation" in report.reason
    # nor does `audit rotate` (a rotation to the current key on top) make it verify
    _append(entries, rotation(KEY, NEW), NEW)
    head = head_seal(NEW, len(entries), entries[-1]["hash"])
    report = verify_chain(entries, len(entries), entries[-1]["hash"], NEW, head, (KEY,))
    assert (report.ok, report.broken_seq) == (False, 6)
