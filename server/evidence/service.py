"""Use cases of evidence: who holds and sees it, its metadata, its originals (chain of
custody) and derived images; and lookups for the records that cite evidence. Admitting an
upload is admission.py; thumbnails derived.py; the store's integrity integrity.py.

Scope: evidence belongs to the districts holding it: that of each user who uploaded it, and
that of a record citing it by someone who could see it (`share`); users of those districts and
city-wide users see it, and so do the inspectors named officers of a record of such a district
that cites it (交叉检查: they read it as they read the record, and as their tablets pull it);
everyone else gets 404. (Records that cite evidence decide their own scope; this is the scope
of the evidence endpoints.)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.policy import Actor, allowed, authorize, in_scope, unknown_record
from server.errors import ServiceUnavailable
from server.evidence import derived
from server.evidence.models import PENDING, Evidence, EvidenceHolder
from server.evidence.settings import BATCH, current_store
from server.evidence.storage import check_digest
from server.extensions import db
from server.fieldwork import citations
from server.uow import unit_of_work

log = logging.getLogger(__name__)


def hold(session: Session, sha256: str, district: str) -> bool:
    """Make the district a holder of the file unless it is one; whether it became one."""
    if session.get(EvidenceHolder, (sha256, district)) is not None:
        return False
    try:  # an ORM row: the records citing the file in this district sync again
        with session.begin_nested():
            session.add(EvidenceHolder(sha256=sha256, district=district))
    except IntegrityError:
        return False  # a concurrent upload or citation in this district added it
    return True


def share(actor: Actor, sha256s: Iterable[str], district: str) -> list[str]:
    """Inside the caller's transaction: a record of `district` cites these files by this
    actor, so the district comes to hold those the actor may already see (an inspector sent
    across cites their own photos: 交叉检查); a digest alone opens nothing. The digests
    shared, each with its audit entry."""
    if (not actor.city_wide and district == actor.scope) or not allowed(actor.role,
                                                                        "evidence.read"):
        return []  # what the actor sees their district holds already
    wanted = sorted(set(sha256s))
    seen: set[str] = set()
    for start in range(0, len(wanted), BATCH):
        seen |= {sha256 for sha256, holder in db.session.execute(select(
            EvidenceHolder.sha256, EvidenceHolder.district).where(
            EvidenceHolder.sha256.in_(wanted[start:start + BATCH]))) if in_scope(actor, holder)}
    shared = [sha256 for sha256 in wanted
              if sha256 in seen and hold(db.session, sha256, district)]
    for sha256 in shared:
        audit.record(actor, "evidence.share", "evidence", sha256, {"district": district})
    return shared


def _visible(actor: Actor, sha256: str, action: str) -> Evidence:
    """The evidence if it exists in the actor's scope, else NotFound (also for bad digests)."""
    return visible_evidence(actor, [sha256], action)[sha256]


def visible_evidence(actor: Actor, sha256s: Iterable[str],
                     action: str = "evidence.read") -> dict[str, Evidence]:
    """Each named evidence record, if every one exists in a district of the actor's scope
    holding it; NotFound otherwise (also for bad digests). Two queries per BATCH digests."""
    wanted = list(dict.fromkeys(sha256s))
    try:
        for sha256 in wanted:
            check_digest(sha256)
    except ValueError:
        raise unknown_record() from None
    found: dict[str, Evidence] = {}
    holders: dict[str, list[str]] = {}
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start:start + BATCH]
        found |= {row.sha256: row for row in db.session.scalars(
            select(Evidence).where(Evidence.sha256.in_(chunk)))}
        for sha256, district in db.session.execute(select(
                EvidenceHolder.sha256, EvidenceHolder.district).where(
                EvidenceHolder.sha256.in_(chunk))):
            holders.setdefault(sha256, []).append(district)
    for sha256 in wanted:
        evidence = found.get(sha256)
        if evidence is None:
            raise unknown_record()
        held = holders.get(sha256, [])
        district = next((d for d in held if in_scope(actor, d)), None)
        if district is None and _officer_citing(actor, sha256, held):
            authorize(actor, action)
        else:
            authorize(actor, action, district or evidence.district)
    return {sha256: found[sha256] for sha256 in wanted}


def _officer_citing(actor: Actor, sha256: str, districts: list[str]) -> bool:
    """Whether the actor is an inspector named an officer of a record of these districts (the
    holders) that cites the file, whatever the record's district (inspections.authorize_on).
    Only asked when no holder is in the actor's scope: it reads the citing records."""
    user = str(actor.user_id)
    return actor.role == "inspector" and any(
        user in citations.officers(record)
        for record in citations.records_citing(sha256, districts))


def get_evidence(actor: Actor, sha256: str) -> Evidence:
    """Metadata of one piece of evidence in scope (derived facts complete)."""
    return get_evidences(actor, [sha256])[sha256]


def get_evidences(actor: Actor, sha256s: Iterable[str]) -> dict[str, Evidence]:
    """Metadata of the named evidence, all in scope (else NotFound), derived facts complete."""
    records = visible_evidence(actor, sha256s)
    for sha256, record in records.items():
        if record.derivation == PENDING:
            records[sha256] = derived.ensure_derived(sha256)
    return records


def open_original(actor: Actor, sha256: str, purpose: str = "view") -> tuple[Evidence, BinaryIO]:
    """The untouched bytes; the audit entry (chain of custody) commits before they flow."""
    if purpose not in ("view", "export"):
        raise ValueError(f"unknown purpose {purpose!r}")
    evidence = _visible(actor, sha256, "evidence.view_original")
    try:
        stream = current_store().open(sha256)
    except FileNotFoundError:
        log.error("evidence %s has a record but no original in the store", sha256)
        raise ServiceUnavailable("The original is missing from the evidence store; the "
                                 "integrity check will report it.") from None
    try:
        with unit_of_work():
            audit.record(actor, f"evidence.{purpose}_original", "evidence", sha256,
                         {"size": evidence.size, "mime": evidence.mime})
    except BaseException:
        stream.close()
        raise
    return evidence, stream


def derived_image(actor: Actor, sha256: str, variant: str) -> bytes:
    """A derived JPEG (thumbnail 320 px, preview 1280 px), made once and then kept."""
    return derived.derived_of(get_evidence(actor, sha256), variant)



@dataclass(frozen=True)
class EvidenceFacts:
    """What records citing evidence need to know about it."""

    sha256: str
    kind: str
    mime: str
    captured_at: datetime | None
    lat: float | None
    lon: float | None
    alt: float | None
    flags: tuple[str, ...]
    uploaded_by: Any
    device_id: str | None
    district: str
    make: str | None = None
    model: str | None = None


# EvidenceFacts' columns in its order (a case file asks for hundreds at once).
_FACTS = select(Evidence.sha256, Evidence.kind, Evidence.mime, Evidence.captured_at,
                Evidence.gps_lat, Evidence.gps_lon, Evidence.gps_alt, Evidence.flags,
                Evidence.uploaded_by, Evidence.device_id, Evidence.district, Evidence.make,
                Evidence.model)


def evidence_facts(sha256s: Iterable[str], district: str | None = None
                   ) -> dict[str, EvidenceFacts]:
    """Facts of the named evidence that exists (positions, capture times, flags); given the
    district of the record citing it, only of evidence that district holds.

    A record may cite any digest, so a record's readers learn nothing of another district's
    file from its citation. Safe inside the caller's transaction: it only reads. The flag
    `undecodable` can still be added to a photo whose thumbnail is pending; position and
    times never change.
    """
    wanted = sorted({s for s in sha256s})
    found: dict[str, EvidenceFacts] = {}
    for start in range(0, len(wanted), BATCH):
        query = _FACTS.where(Evidence.sha256.in_(wanted[start:start + BATCH]))
        if district is not None:  # each file's holding by its key, not all of the district's
            query = query.where(exists().where(EvidenceHolder.sha256 == Evidence.sha256,
                                               EvidenceHolder.district == district))
        for row in db.session.execute(query):  # the columns only: no entities to build
            found[row.sha256] = EvidenceFacts(*row[:7], tuple(row.flags), *row[8:])
    return found


def missing_evidence(sha256s: Iterable[str], district: str | None = None) -> list[str]:
    """Which of the named digests are not (yet) evidence — e.g. still uploading — or, given
    a district, not evidence that district holds."""
    wanted = {s for s in sha256s}
    return sorted(wanted - set(evidence_facts(wanted, district)))
