"""PURE: the case file (案卷) ZIP — archival order, the signed manifest, and its verification.

The manifest lists every member with SHA-256, size, role and volume; it is signed with
HMAC-SHA256 over its canonical JSON (sorted keys, no spaces, UTF-8) under a server key, whose
id it names: verification takes every key the server knows, by id (casefile_keys.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import zipfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
FORMAT = "casefile/v1"
ALGORITHM = "HMAC-SHA256"
CHUNK = 1024 * 1024
MAX_KEY_ID = 64
PHOTOS_PER_SHEET = 63  # one contact-sheet file per 7 pages keeps the builder's memory bounded

# Main volume (正卷) order of the 2010 filing rules (decision and service receipt; filing
# approval; evidence; notices; hearing record; …; closing), then the secondary volume (副卷:
# …; hearing report; review opinions, which the case history holds).
MAIN_ORDER = ("decision", "not_penalised", "service_receipt", "filing_approval",
              "inspection_record", "inquiry_record", "contact_sheet", "evidence",
              "correction_order", "notice", "hearing_notice", "hearing_record",
              "closing_approval")
SECONDARY_ORDER = ("hearing_report", "history")
TITLES = {"catalogue": "卷内目录", "decision": "行政处罚决定书",
          "not_penalised": "不予行政处罚决定书", "service_receipt": "送达回证",
          "filing_approval": "立案审批表", "inspection_record": "现场检查（勘察）笔录",
          "inquiry_record": "调查询问笔录", "contact_sheet": "现场照片证据（照片目录）",
          "evidence": "证据原件", "correction_order": "责令改正违法行为决定书",
          "notice": "行政处罚事先（听证）告知书", "hearing_notice": "听证通知书",
          "hearing_record": "听证笔录", "hearing_report": "听证报告",
          "closing_approval": "结案审批表",
          "history": "案件流转记录（审核、延期、中止、听证）"}


@dataclass(frozen=True, slots=True)
class Member:
    """A planned member of the ZIP: its path, role and volume."""

    name: str
    role: str
    volume: str
    title: str
    part: int = 0


def plan(forms: list[str], evidence: list[tuple[str, str]], with_history: bool) -> list[Member]:
    """Every member in archival order; `evidence` holds (sha256, file extension) pairs."""
    members = [Member("00_卷内目录.pdf", "catalogue", "catalogue", TITLES["catalogue"])]
    number = 0
    for role in MAIN_ORDER:
        if role == "evidence":
            for sha256, ext in evidence:
                number += 1
                members.append(Member(f"正卷/{number:02d}_证据/{sha256}{ext}", "evidence",
                                      "main", TITLES["evidence"]))
            continue
        if role == "contact_sheet":
            parts = -(-len(evidence) // PHOTOS_PER_SHEET)
            for part in range(parts):
                number += 1
                suffix = f"_{part + 1}" if parts > 1 else ""
                members.append(Member(f"正卷/{number:02d}_{TITLES[role]}{suffix}.pdf", role,
                                      "main", TITLES[role], part))
            continue
        if role not in forms:
            continue
        number += 1
        members.append(Member(f"正卷/{number:02d}_{TITLES[role]}.pdf", role, "main",
                              TITLES[role]))
    secondary = [r for r in SECONDARY_ORDER if r in forms or (r == "history" and with_history)]
    for index, role in enumerate(secondary, start=1):
        members.append(Member(f"副卷/{index:02d}_{TITLES[role]}.pdf", role, "secondary",
                              TITLES[role]))
    return members


def canonical(manifest: dict[str, Any]) -> bytes:
    """The signed bytes: the manifest without its signature, canonical JSON."""
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(manifest: dict[str, Any], key: bytes, key_id: str) -> dict[str, Any]:
    """The manifest with its signature."""
    value = hmac.new(key, canonical(manifest), hashlib.sha256).hexdigest()
    return {**manifest, "signature": {"algorithm": ALGORITHM, "key_id": key_id, "value": value}}


@dataclass
class Report:
    """What verification found: nothing wrong means intact."""

    problems: list[str] = field(default_factory=list)
    checked: int = 0
    key_id: str | None = None  # the signing key the manifest names, when it names one

    @property
    def ok(self) -> bool:
        """True when every member matched and the signature holds."""
        return not self.problems


def _digest(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with archive.open(name) as member:
        while chunk := member.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _check_signature(report: Report, manifest: dict[str, Any], keys: Mapping[str, bytes]) -> None:
    """The signature holds under the key its id names, one of `keys` (key id → key)."""
    signature = manifest["signature"]
    key_id = signature.get("key_id")
    if isinstance(key_id, str) and 0 < len(key_id) <= MAX_KEY_ID:
        report.key_id = key_id
    key = keys.get(report.key_id) if report.key_id else None
    if key is None:
        named = report.key_id or "(the manifest names no usable key id)"
        report.problems.append(f"unknown signing key {named}: neither the current key nor a "
                               "retired one")
        return
    expected = hmac.new(key, canonical(manifest), hashlib.sha256).hexdigest()
    if signature.get("algorithm") != ALGORITHM or not hmac.compare_digest(
            str(signature.get("value")), expected):
        report.problems.append("bad signature: the manifest was altered or signed with "
                               "another key")


def verify(path: Path | str, keys: Mapping[str, bytes]) -> Report:
    """Check the signature under the key its id names among `keys` (key id → key), then
    every listed member (missing, altered) and unlisted ones."""
    report = Report()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        report.problems.append(f"not a readable ZIP: {error}")
        return report
    with archive:
        every = archive.namelist()
        names = set(every)
        if MANIFEST not in names:
            report.problems.append(f"missing member: {MANIFEST}")
            return report
        # Readers differ in which of two same-named members they show, and zipfile reads the
        # last: a forged copy before the original must not verify.
        for name, count in sorted(Counter(every).items()):
            if count > 1:
                report.problems.append(f"duplicate member: {name} ({count} entries)")
        try:
            manifest = json.loads(archive.read(MANIFEST))
            signature = manifest["signature"]
            files = manifest["files"]
            if not isinstance(signature, dict) or not isinstance(files, list) or not all(
                    isinstance(entry, dict) for entry in files):
                raise TypeError("signature must be an object and files a list of objects")
        except (ValueError, KeyError, TypeError) as error:
            report.problems.append(f"unreadable manifest: {error}")
            return report
        _check_signature(report, manifest, keys)
        listed = set()
        for entry in files:
            name = entry.get("name")
            listed.add(name)
            if name not in names:
                report.problems.append(f"missing member: {name}")
                continue
            try:
                digest, size = _digest(archive, name)
            except (zipfile.BadZipFile, OSError) as error:  # e.g. a CRC error
                report.problems.append(f"altered member: {name} ({error})")
                continue
            report.checked += 1
            if (digest, size) != (entry.get("sha256"), entry.get("size")):
                report.problems.append(f"altered member: {name}")
        for name in sorted(names - listed - {MANIFEST}):
            report.problems.append(f"extra member: {name}")
        unsafe = {str(n) for n in names | listed if not safe_member_name(str(n or ""))}
        for name in sorted(unsafe):
            report.problems.append(f"unsafe member name (would unpack outside): {name}")
    return report


def safe_member_name(name: str) -> bool:
    """A relative archive path that stays inside the folder it is unpacked into."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or (
            len(name) > 1 and name[1] == ":"):  # a Windows drive
        return False
    return all(part not in ("", "..") for part in name.rstrip("/").split("/"))
