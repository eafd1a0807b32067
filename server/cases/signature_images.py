"""PURE: the signature images of a case's inspection records in its case file (LAW.md §6: an
on-site record is signed by the officers and the party). The 笔录 names each tablet signature's
image by SHA-256; the file holds those images so a reader can check them: who signed with each
image on which record, the title the manifest and the catalogue give it, and the lines that
name an image not uploaded yet."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from server.cases.forms import SIGNER_ROLES

TITLE = "签名图像"
RECORD = "现场检查（勘察）笔录"


def cited(inspections: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Each image the records' signatures name (sha256 → who signed with it, as what, on the
    record of which start), in record order; refusals name none."""
    found: dict[str, list[dict[str, Any]]] = {}
    for record in inspections:
        for signature in record.get("signatures") or []:
            if digest := signature.get("evidence_sha256"):
                found.setdefault(digest, []).append({
                    "role": signature.get("role"), "signer": signature.get("signer"),
                    "record": record.get("started_at")})
    return found


def _who(signed: Sequence[Mapping[str, Any]]) -> str:
    return "、".join(f"{SIGNER_ROLES.get(s['role'] or '', s['role'] or '')} {s['signer']}"
                    for s in signed)


def title(signed: Sequence[Mapping[str, Any]]) -> str:
    """签名图像（现场检查（勘察）笔录 <start>：<role> <name>、…）."""
    records = "、".join(dict.fromkeys(str(s["record"] or "—") for s in signed))
    return f"{TITLE}（{RECORD} {records}：{_who(signed)}）"


def missing_lines(images: Mapping[str, Sequence[Mapping[str, Any]]],
                  missing: Iterable[str]) -> list[str]:
    """One line per image not uploaded yet: whose signature on which record, and its digest."""
    return [f"未上传的{title(images.get(digest) or [])}：SHA-256 {digest}"
            for digest in missing]
