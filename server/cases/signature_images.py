"""PURE: the signature images of a case's records in its case file (LAW.md §6: an on-site
record is signed by the officers and the party, an inquiry record by the person questioned).
The 现场检查（勘察）笔录 and the 调查询问笔录 name each signature's image by SHA-256; the file
holds those images so a reader can check them: who signed with each image on which record,
the record it follows, the title the manifest and the catalogue give it, and the lines that
name an image not uploaded yet or stored once as cited evidence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from server.cases import inquiry_signers
from server.cases.forms import INQUIRY_ROLES, SIGNER_ROLES

TITLE = "签名图像"
INSPECTION, INQUIRY = "inspection_record", "inquiry_record"
RECORDS = {INSPECTION: "现场检查（勘察）笔录", INQUIRY: "调查询问笔录"}
ROLES = {**SIGNER_ROLES, **INQUIRY_ROLES}


def cited(inspections: Iterable[Mapping[str, Any]],
          inquiries: Iterable[Mapping[str, Any]] = ()) -> dict[str, list[dict[str, Any]]]:
    """Each image the records' signatures name (sha256 → who signed with it, as what, on
    which record: its form, start and, for an inquiry, its number), inspection records
    first, each kind in record order; refusals name none. An inquiry record's are the
    interviewee's, each officer's who asked, the recorder's (none on older records)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for record in inspections:
        for signature in record.get("signatures") or []:
            if digest := signature.get("evidence_sha256"):
                found.setdefault(digest, []).append({
                    "form": INSPECTION, "record": record.get("started_at"),
                    "role": signature.get("role"), "signer": signature.get("signer")})
    for record in inquiries:
        for line in _inquiry_lines(record):
            if digest := line.pop("evidence_sha256"):
                found.setdefault(digest, []).append(line)
    return found


def _inquiry_lines(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An inquiry record's signatures, the interviewee's first, each as the manifest names it
    (form, record, seq, role, signer) with its image (None: refused, or not recorded)."""
    where = {"form": INQUIRY, "record": record.get("started_at"), "seq": record.get("seq")}
    interviewee = {"role": "interviewee", "signer": (record.get("interviewee") or {}).get(
        "name"), "evidence_sha256": (record.get("signature") or {}).get("evidence_sha256")}
    return [where | line for line in (interviewee, *inquiry_signers.lines(record))]


def unrecorded(inquiries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The officers' signatures older inquiry records do not hold (kept before they were
    recorded): who should have signed, as what, on which record; never skipped silently."""
    return [{k: v for k, v in line.items() if k != "evidence_sha256"}
            for record in inquiries for line in _inquiry_lines(record)[1:]
            if line["evidence_sha256"] is None]


def _record(signed: Mapping[str, Any]) -> str:
    """现场检查（勘察）笔录 <start>, or 调查询问笔录 第N次询问 <start>."""
    number = f" 第{signed['seq']}次询问" if signed.get("seq") else ""
    return f"{RECORDS[signed.get('form') or INSPECTION]}{number} {signed['record'] or '—'}"


def _who(signed: Sequence[Mapping[str, Any]]) -> str:
    return "、".join(f"{ROLES.get(s['role'] or '', s['role'] or '')} {s['signer']}"
                    for s in signed)


def title(signed: Sequence[Mapping[str, Any]]) -> str:
    """签名图像（<record>：<role> <name>、…；<record>：…）."""
    by_record: dict[str, list[Mapping[str, Any]]] = {}
    for one in signed:
        by_record.setdefault(_record(one), []).append(one)
    return f"{TITLE}（{'；'.join(f'{r}：{_who(s)}' for r, s in by_record.items())}）"


def following(images: Mapping[str, Sequence[Mapping[str, Any]]], stored: Iterable[str],
              ext: Mapping[str, str]) -> dict[str, list[tuple[str, str, str]]]:
    """The images stored as signature members, by the form of the first record each signs
    (the member it follows): (sha256, extension, title) in citation order."""
    placed: dict[str, list[tuple[str, str, str]]] = {}
    for digest in stored:
        first = images[digest][0].get("form") or INSPECTION
        placed.setdefault(first, []).append((digest, ext[digest], title(images[digest])))
    return placed


def catalogue_lines(images: Mapping[str, Sequence[Mapping[str, Any]]], missing: Iterable[str],
                    as_evidence: Mapping[str, str],
                    not_recorded: Sequence[Mapping[str, Any]] = ()) -> list[str]:
    """The catalogue's lines on images without a row of their own: one per image stored once
    as cited evidence (where), one per image not uploaded yet (its digest), one on the
    officers' signatures older inquiry records do not hold."""
    return [*(f"{title(images[digest])}：即证据原件 {path}"
              for digest, path in as_evidence.items()),
            *(f"未上传的{title(images.get(digest) or [])}：SHA-256 {digest}"
              for digest in missing),
            *([f"未记录的{title(not_recorded)}：该笔录记录时未保存询问人、记录人的签名"]
              if not_recorded else [])]
