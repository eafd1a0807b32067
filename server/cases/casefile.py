"""PURE: the case file (案卷) ZIP — archival order, the signed manifest, and its verification.

The manifest lists every member with SHA-256, size, role and volume. casefile/v2 signs its
canonical JSON (no signature, sorted keys, no spaces, UTF-8) with Ed25519 and carries what a
third party needs to check it with OpenSSL and sha256sum besides the public key: those exact
bytes, their detached signature, and SHA256SUMS with its own signature. casefile/v1 files were
signed with HMAC-SHA256 under a server secret and still verify. Each manifest names the id of
its key; the key, not the manifest, decides the algorithm (casefile_keys.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import zipfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

MANIFEST = "manifest.json"
SIGNED = "manifest.canonical.json"  # the exact bytes the signature covers
SIGNATURE = "manifest.canonical.json.sig"  # raw 64-byte Ed25519 signature (openssl -sigfile)
SUMS = "SHA256SUMS"  # `sha256sum -c` input: every listed member
SUMS_SIGNATURE = "SHA256SUMS.sig"
GUIDE = "VERIFY_校验说明.txt"  # listed (and so signed) like a document
KEYS_PATH = "/api/v1/casefile/keys"  # where the server publishes its public keys
FORMAT, FORMAT_V1 = "casefile/v2", "casefile/v1"
ALGORITHM, ALGORITHM_V1 = "Ed25519", "HMAC-SHA256"
ALGORITHMS = {FORMAT: ALGORITHM, FORMAT_V1: ALGORITHM_V1}  # a format is signed one way only
UNLISTED = {FORMAT: (SIGNED, SIGNATURE, SUMS, SUMS_SIGNATURE, MANIFEST), FORMAT_V1: (MANIFEST,)}
CHUNK = 1024 * 1024
MAX_KEY_ID = 64
PHOTOS_PER_SHEET = 63  # one contact-sheet file per 7 pages keeps the builder's memory bounded

# Main volume (正卷) order of the 2010 filing rules (decision and service receipt; filing
# approval; evidence, the records' signature images right after the record they sign first;
# notices; hearing record; …; closing), then the secondary volume (副卷: …; hearing report;
# review opinions, which the case history holds).
MAIN_ORDER = ("decision", "not_penalised", "service_receipt", "filing_approval",
              "inspection_record", "inquiry_record", "contact_sheet", "evidence",
              "correction_order", "earlier_notice", "notice", "hearing_notice", "hearing_record",
              "closing_approval")
SECONDARY_ORDER = ("earlier_hearing_report", "hearing_report", "history")
TITLES = {"catalogue": "卷内目录", "decision": "行政处罚决定书",
          "not_penalised": "不予行政处罚决定书", "service_receipt": "送达回证",
          "filing_approval": "立案审批表", "inspection_record": "现场检查（勘察）笔录",
          "inquiry_record": "调查询问笔录", "contact_sheet": "现场照片证据（照片目录）",
          "evidence": "证据原件", "correction_order": "责令改正违法行为决定书",
          "earlier_notice": "行政处罚事先（听证）告知记录（已重新告知）",
          "notice": "行政处罚事先（听证）告知书", "hearing_notice": "听证通知书",
          "hearing_record": "听证笔录", "hearing_report": "听证报告",
          "earlier_hearing_report": "听证报告（原告知下，已因重新告知失效）",
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
    contents: tuple[str, ...] = ()  # the documents it holds besides its own kind, for the index


def plan(forms: list[str], evidence: list[tuple[str, str]], with_history: bool,
         signatures: Mapping[str, Sequence[tuple[str, str, str]]] | None = None,
         contents: Mapping[str, Sequence[str]] | None = None) -> list[Member]:
    """Every member in archival order; `evidence` holds (sha256, file extension) pairs,
    `signatures` the records' signature images (sha256, extension, title) by the form of the
    record they follow, and `contents` the documents a form's member holds (title · number)
    when they are not all of its kind (an earlier notice with its lapsed hearing's)."""
    held = contents or {}
    members = [Member("00_卷内目录.pdf", "catalogue", "catalogue", TITLES["catalogue"])]
    number = 0
    for role in MAIN_ORDER:
        if role == "evidence":
            for sha256, ext in evidence:
                number += 1
                members.append(Member(f"正卷/{number:02d}_证据/{sha256}{ext}", "evidence",
                                      "main", TITLES["evidence"]))
        elif role == "contact_sheet":
            parts = -(-len(evidence) // PHOTOS_PER_SHEET)
            for part in range(parts):
                number += 1
                suffix = f"_{part + 1}" if parts > 1 else ""
                members.append(Member(f"正卷/{number:02d}_{TITLES[role]}{suffix}.pdf", role,
                                      "main", TITLES[role], part))
        elif role in forms:
            number += 1
            members.append(Member(f"正卷/{number:02d}_{TITLES[role]}.pdf", role, "main",
                                  TITLES[role], contents=tuple(held.get(role, ()))))
        for sha256, ext, title in (signatures or {}).get(role, ()):
            number += 1
            members.append(Member(f"正卷/{number:02d}_签名图像/{sha256}{ext}", "signature",
                                  "main", title))
    secondary = [r for r in SECONDARY_ORDER if r in forms or (r == "history" and with_history)]
    for index, role in enumerate(secondary, start=1):
        members.append(Member(f"副卷/{index:02d}_{TITLES[role]}.pdf", role, "secondary",
                              TITLES[role], contents=tuple(held.get(role, ()))))
    return members


GUIDE_MEMBER = Member(GUIDE, "verification_guide", "verification",
                      "案卷校验说明 / How to verify this case file")


def canonical(manifest: dict[str, Any]) -> bytes:
    """The signed bytes: the manifest without its signature, canonical JSON."""
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def checksums(files: list[dict[str, Any]]) -> bytes:
    """SHA256SUMS: a `<sha256>  <name>` line per listed member, as `sha256sum -c` reads it."""
    return "".join(f"{entry.get('sha256')}  {entry.get('name')}\n" for entry in files).encode()


def sign(manifest: dict[str, Any], seed: bytes, key_id: str
         ) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest signed with the Ed25519 key `seed` (its 32 private bytes), and the members
    that let anyone check it with the public key alone: the signed bytes, their detached
    signature, SHA256SUMS and its signature."""
    private = Ed25519PrivateKey.from_private_bytes(seed)
    signed, sums = canonical(manifest), checksums(manifest["files"])
    signature = private.sign(signed)
    return ({**manifest, "signature": {"algorithm": ALGORITHM, "key_id": key_id,
                                       "value": signature.hex()}},
            {SIGNED: signed, SIGNATURE: signature, SUMS: sums, SUMS_SIGNATURE: private.sign(sums)})


@dataclass(frozen=True, slots=True)
class Verifier:
    """What checks a signature: its algorithm and key (the raw Ed25519 public key, or the
    casefile/v1 HMAC key, which is secret)."""

    algorithm: str
    key: bytes = field(repr=False)

    def holds(self, message: bytes, value: Any) -> bool:
        """Whether `value` (the hex the manifest states) signs `message` under this key."""
        if self.algorithm == ALGORITHM_V1:
            expected = hmac.new(self.key, message, hashlib.sha256).hexdigest()
            return str(value).isascii() and hmac.compare_digest(str(value), expected)
        try:
            Ed25519PublicKey.from_public_bytes(self.key).verify(bytes.fromhex(value), message)
        except (InvalidSignature, TypeError, ValueError):
            return False
        return True


@dataclass
class Report:
    """What verification found: nothing wrong means intact."""

    problems: list[str] = field(default_factory=list)
    checked: int = 0
    key_id: str | None = None  # the signing key the manifest names, when it names one
    format: str | None = None  # casefile/v2 or casefile/v1, when the manifest names one

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


def _check_signature(report: Report, manifest: dict[str, Any],
                     keys: Mapping[str, Verifier]) -> Verifier | None:
    """The signature holds under the key its id names, one of `keys` (key id → verifier), by
    that key's algorithm, the one the manifest's format is signed with; returns the key."""
    signature = manifest["signature"]
    key_id = signature.get("key_id")
    if isinstance(key_id, str) and 0 < len(key_id) <= MAX_KEY_ID:
        report.key_id = key_id
    key = keys.get(report.key_id) if report.key_id else None
    if key is None:
        named = report.key_id or "(the manifest names no usable key id)"
        report.problems.append(f"unknown signing key {named}: neither the current key nor a "
                               "retired one")
        return None
    if not (signature.get("algorithm") == key.algorithm == ALGORITHMS.get(report.format)
            and key.holds(canonical(manifest), signature.get("value"))):
        report.problems.append("bad signature: the manifest was altered or signed with "
                               "another key")
    return key


def _read(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """At most `limit` bytes of a member (a forged one may be huge)."""
    with archive.open(name) as member:
        return member.read(limit)


def _check_detached(report: Report, archive: zipfile.ZipFile, names: set[str],
                    manifest: dict[str, Any], key: Verifier | None) -> None:
    """casefile/v2: the signed bytes, their signature and SHA256SUMS are exactly what the
    manifest gives, and SHA256SUMS.sig signs that SHA256SUMS under the manifest's key."""
    value = manifest["signature"].get("value")
    try:
        signature = bytes.fromhex(value)
    except (TypeError, ValueError):
        signature = None  # a bad signature, already reported
    sums = checksums(manifest["files"])
    expected = {SIGNED: canonical(manifest), SIGNATURE: signature, SUMS: sums,
                SUMS_SIGNATURE: None}
    for name, body in expected.items():
        if name not in names:
            report.problems.append(f"missing member: {name}")
            continue
        try:
            found = _read(archive, name, len(body or b"") + 65)
        except (zipfile.BadZipFile, OSError) as error:
            report.problems.append(f"altered member: {name} ({error})")
            continue
        if name == SUMS_SIGNATURE:
            if key is not None and key.algorithm == ALGORITHM and not key.holds(sums,
                                                                                found.hex()):
                report.problems.append(f"altered member: {name}")
        elif body is not None and found != body:
            report.problems.append(f"altered member: {name}")


def verify(path: Path | str, keys: Mapping[str, Verifier]) -> Report:
    """Check the signature under the key its id names among `keys` (key id → verifier), for
    casefile/v2 the files a third party checks, then every listed member (missing, altered)
    and unlisted ones."""
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
                    isinstance(entry, dict) and isinstance(entry.get("name"), str)
                    for entry in files):
                raise TypeError("signature must be an object and files a list of objects "
                                "with a name")
        except (ValueError, KeyError, TypeError) as error:
            report.problems.append(f"unreadable manifest: {error}")
            return report
        stated = manifest.get("format")
        report.format = stated if isinstance(stated, str) and stated in ALGORITHMS else None
        key = _check_signature(report, manifest, keys)
        if report.format == FORMAT:
            _check_detached(report, archive, names, manifest, key)
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
        for name in sorted(names - listed - set(UNLISTED.get(report.format, (MANIFEST,)))):
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
