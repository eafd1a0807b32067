"""Write a case file (案卷): its documents and evidence in archival order, then the signed
manifest.

The ZIP is streamed member by member (memory stays bounded by one chunk and one document) and
each member is hashed as it is written; the originals' digests are their content addresses.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app

from server import clock
from server.audit import service as audit
from server.auth.policy import Actor
from server.cases import (
    casefile,
    contact_sheet,
    documents,
    forms,
    history_doc,
    render,
    service,
    signature_images,
)
from server.cases.casefile_guide import guide
from server.cases.casefile_keys import Key
from server.cases.casefile_keys import current as current_key
from server.evidence import service as evidence
from server.fieldwork import violations
from server.uow import unit_of_work

DOC_WEIGHT = 256 * 1024  # progress units a document counts for, next to evidence bytes


def signing_key() -> Key:
    """The current manifest key (Ed25519, derived from CASEFILE_SIGNING_KEY, else from
    SECRET_KEY); retired keys only verify (casefile_keys.py)."""
    return current_key(current_app.config)


def _missing_evidence(actor: Actor, case) -> list[str]:
    """The case's cited evidence digests its district does not (yet) hold (a digest cited
    from another district's file is not that file)."""
    cited: list[str] = []
    for link in service.case_links(case):
        cited += list(violations.get_violation(actor, link.violation_id).evidence or [])
    return evidence.missing_evidence(cited, case.district)


def _stated(item: dict[str, Any]) -> dict[str, Any]:
    """What the manifest states of an original besides its digest (LAW.md §6)."""
    return {"captured_at": item["captured_at_iso"], "position": item["position"],
            "maker": item["maker"], "method": item["method"], "proves": item["proves"],
            "flags": item["flags"]}


def _fixed_info(name: str) -> zipfile.ZipInfo:
    """A stored (uncompressed) member dated 1980-01-01."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    return info


class _Writer:
    """Writes members into the ZIP while hashing them; remembers what the manifest lists."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive, self.files = archive, []

    def write(self, member: casefile.Member, chunks: Iterator[bytes], *,
              known_sha256: str | None = None, **extra: Any) -> int:
        """Store one member; an original's digest is its content address, not re-hashed."""
        digest, size = (None if known_sha256 else hashlib.sha256()), 0
        with self.archive.open(_fixed_info(member.name), "w", force_zip64=True) as out:
            for chunk in chunks:
                if digest is not None:
                    digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        self.files.append({"name": member.name,
                           "sha256": known_sha256 or digest.hexdigest(), "size": size,
                           "role": member.role, "volume": member.volume,
                           "title": member.title, **extra})
        return size


def _stream(source: BinaryIO) -> Iterator[bytes]:
    with source:
        while chunk := source.read(casefile.CHUNK):
            yield chunk


def originals_of(actor: Actor, sha256s: list[str]) -> list:
    """The evidence records of originals about to be released; read before the releasing
    transaction (get_evidence may finish a pending thumbnail in its own)."""
    return list(evidence.get_evidences(actor, sha256s).values())


def note_release(actor: Actor, case, sha256s: list[str], records: list, *,
                 audited: bool = True, export_id: uuid.UUID | None = None) -> None:
    """In the caller's transaction: check that the actor may export the originals (else
    NotFound or Forbidden) and, when `audited`, keep the chain of custody: one audit entry per
    original exported (what evidence.open_original records per file)."""
    evidence.visible_evidence(actor, sha256s, "evidence.view_original")
    for record in records if audited else ():
        audit.record(actor, "evidence.export_original", "evidence", record.sha256,
                     {"size": record.size, "mime": record.mime, "case_id": str(case.id)}
                     | ({"export_id": str(export_id)} if export_id else {}))


def release_originals(actor: Actor, case, sha256s: list[str], *, audited: bool = True,
                      export_id: uuid.UUID | None = None) -> list[int]:
    """note_release in a transaction of its own; returns the originals' sizes."""
    records = originals_of(actor, sha256s)
    with unit_of_work():
        note_release(actor, case, sha256s, records, audited=audited, export_id=export_id)
    return [record.size for record in records]


def fixed_data(actor: Actor, case) -> str:
    """What the case file is set from besides the case's own row, its history and the stored
    originals, as JSON text: the documents' data (the party, the violations and records, the
    evidence with what each proves and who made it, the bureau), the cited evidence and the
    records' signature images its district does not hold. Taken in the archive transaction,
    it is what the archived copy shows (LAW.md §6); every build reads it through JSON, so
    both render alike."""
    data = documents.document_data(actor, case)
    del data["case"]
    return json.dumps({"data": data, "missing": _missing_evidence(actor, case),
                       "missing_signatures": evidence.missing_evidence(
                           signature_images.cited(data["inspections"], data["inquiries"]),
                           case.district)},
                      ensure_ascii=False)


def _signatures(given: dict[str, Any], district: str) -> tuple[dict[str, list], list[str]]:
    """The records' signature images (sha256 → who signed with it) and those missing: named
    so by the fixed data, or not held by the district now (data fixed before the file held
    the inspection records' images names none, before it held the inquiry records' names
    only the former)."""
    data = given["data"]
    images = signature_images.cited(data["inspections"], data.get("inquiries") or [])
    missing = {*(given.get("missing_signatures") or []),
               *evidence.missing_evidence(images, district)}
    return images, [digest for digest in images if digest in missing]


def _digest(member: casefile.Member) -> str:
    """The SHA-256 an original's member is named by (<folder>/<sha256>.<ext>)."""
    return member.name.rsplit("/", 1)[1].split(".")[0]


def _original(member: casefile.Member, stated: dict[str, Any],
              images: dict[str, list]) -> dict[str, Any]:
    """What the manifest states of an original: the evidence's facts, who signed with a
    signature image; an image both (stored once, under 证据) lists both roles."""
    sha256 = _digest(member)
    if member.role != "evidence":
        return {"signed": images[sha256]}
    signing = {"roles": ["evidence", "signature"], "signed": images[sha256]} \
        if sha256 in images else {}
    return _stated(stated[sha256]) | signing


def build_zip(actor: Actor, case_id: uuid.UUID, target: Path, report=lambda fraction: None,
              *, fixed: str | None = None, release: bool = True) -> dict[str, Any]:
    """Write the case file to `target` from `fixed` data (fixed_data; else the data now);
    returns the signed manifest. `release`: audit the originals it exports (False: the caller
    audits those of the file it delivers)."""
    case = service.get_case(actor, case_id)
    given = json.loads(fixed if fixed is not None else fixed_data(actor, case))
    data, missing = given["data"] | {"case": documents.case_values(case)}, given["missing"]
    form_names = [f for f in forms.FORMS if forms.filed(f, case.state, data)]
    stated = {item["sha256"]: item for item in data["evidence"]}
    present = list(stated)
    images, unsigned = _signatures(given, case.district)
    not_recorded = signature_images.unrecorded(data.get("inquiries") or [])
    # an image also cited as evidence is stored once, under 证据, with both roles
    alone = [s for s in images if s not in unsigned and s not in stated]
    originals = [*present, *alone]
    facts = evidence.evidence_facts(originals)
    ext = {s: mimetypes.guess_extension(facts[s].mime) or ".bin" for s in facts}
    members = casefile.plan(form_names, [(s, ext[s]) for s in present], with_history=True,
                            signatures=signature_images.following(images, alone, ext),
                            contents={f: forms.contents(f, data) for f in form_names})
    total = sum(release_originals(actor, case, originals, audited=release)) + \
        DOC_WEIGHT * (len(members) - len(originals))
    store, key = evidence.current_store(), signing_key()
    done = 0
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        writer = _Writer(archive)
        for member in members:
            if member.role == "catalogue":
                body = render.to_pdf(history_doc.catalogue(
                    case, members, data["authority"], key.key_id,
                    signature_images.catalogue_lines(images, unsigned, {
                        _digest(m): m.name for m in members
                        if m.role == "evidence" and _digest(m) in images}, not_recorded)))
            elif member.role == "history":
                body = render.to_pdf(history_doc.history(case, service.history(case),
                                                         data["authority"]))
            elif member.role == "contact_sheet":
                first = member.part * casefile.PHOTOS_PER_SHEET
                body = contact_sheet.build(
                    actor, [stated[s] for s in present[first:first + casefile.PHOTOS_PER_SHEET]])
            elif member.role in ("evidence", "signature"):
                sha256 = _digest(member)
                stream = store.open(sha256)
                # The store is addressed by SHA-256: the manifest states the digest the
                # bytes must have, so a damaged original fails verification, never passes.
                done += writer.write(member, _stream(stream), known_sha256=sha256,
                                     mime=facts[sha256].mime,
                                     **_original(member, stated, images))
                report(done / total)
                continue
            else:
                body = render.to_pdf(forms.documents(member.role, data))
            writer.write(member, iter((body,)))
            done += DOC_WEIGHT
            report(done / total)
        writer.write(casefile.GUIDE_MEMBER, iter((guide(key.key_id),)))
        manifest, detached = casefile.sign({
            "format": casefile.FORMAT, "case_id": str(case.id),
            "filing_number": case.filing_number, "decision_number": case.decision_number,
            "state": case.state, "created_at": clock.utcnow().isoformat(),
            "created_by": actor.username, "missing_evidence": missing,
            "missing_signatures": unsigned, "unrecorded_signatures": not_recorded,
            "files": writer.files}, key.seed, key.key_id)
        body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        for name, detached_body in (detached | {casefile.MANIFEST: body}).items():
            archive.writestr(_fixed_info(name), detached_body)
        count = len(archive.namelist())
    return manifest | {"sha256": hashlib.sha256(body).hexdigest(), "members": count}
