"""PURE: the officers' signatures of an inquiry record (调查询问笔录). Each officer who asked
(询问人) and the recorder (记录人, one of them) sign it once it has ended, as the interviewee
does (LAW.md §6: a record is signed by the officers and the party). Only the interviewee may
refuse, the refusal noted with its reason (SPC evidence rules Art. 15); an officer has no such
right: signing the record is part of the duty, and an officer absent when it is signed did not
ask (处罚法 第42条: at least two officers take the inquiry), so no reason excuses a missing
officer's signature."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from server.cases.record_refusals import said
from server.messages import Message

Officer = Mapping[str, Any]


def _names(officers: Sequence[Officer]) -> str:
    return "、".join(o["name"] for o in officers)


def officer_problems(signed: Sequence[Mapping[str, Any]],
                     officers: Sequence[Officer]) -> list[Message]:
    """Why the officer signatures are not one by each officer who asked."""
    ids = Counter(str(s["user_id"]) for s in signed)
    asked = {o["user_id"] for o in officers}
    problems = []
    if strangers := [i for i in ids if i not in asked]:
        problems.append(said("inquiry_field.strangers", users=strangers))
    if twice := [i for i, n in ids.items() if n > 1]:
        problems.append(said("inquiry_field.twice", users=twice))
    if unsigned := [o for o in officers if o["user_id"] not in ids]:
        problems.append(said("inquiry_field.unsigned", names=_names(unsigned)))
    return problems


def time_problem(signed_at: datetime, ended_at: datetime, now: datetime) -> Message | None:
    """Why a signature cannot have been made then: before the record was complete, or later
    than now."""
    if signed_at < ended_at:
        return said("inquiry_field.before_end")
    if signed_at > now:
        return said("inquiry_field.future")
    return None


def lapsed(officer: Officer, day: date) -> Message | None:
    """Why the officer, whose certificate the record shows as valid when the inquiry began,
    was no certified officer on `day`, the (Shanghai) day of the signature."""
    expires = officer.get("certificate_expires")
    if not expires or date.fromisoformat(expires) >= day:
        return None
    return said("inquiry_field.lapsed", name=officer["name"],
                certificate_no=officer.get("certificate_no") or "",
                expires=date.fromisoformat(expires), day=day)


def kept(officer: Officer, signature: Mapping[str, Any]) -> dict[str, Any]:
    """An officer's signature as the record keeps it: who (with the name at the time), the
    image and when (UTC)."""
    return {"user_id": officer["user_id"], "name": officer["name"],
            "evidence_sha256": signature["evidence_sha256"],
            "signed_at": signature["signed_at"].astimezone(UTC).isoformat()}


def images(data: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
    """Each signature image an inquiry cites, by the path of its field in the request body
    (signature.evidence_sha256, officer_signatures.<i>.evidence_sha256, …)."""
    found = {}
    if digest := (data.get("signature") or {}).get("evidence_sha256"):
        found[("signature", "evidence_sha256")] = digest
    for index, signature in enumerate(data.get("officer_signatures") or ()):
        found[("officer_signatures", str(index), "evidence_sha256")] = \
            signature["evidence_sha256"]
    if recorder := data.get("recorder_signature"):
        found[("recorder_signature", "evidence_sha256")] = recorder["evidence_sha256"]
    return found


def nested(paths: Mapping[tuple[str, ...], list[str]]) -> dict[str, Any]:
    """Field messages by path as the nested errors object marshmallow gives."""
    errors: dict[str, Any] = {}
    for path, messages in paths.items():
        level = errors
        for key in path[:-1]:
            level = level.setdefault(key, {})
        level[path[-1]] = messages
    return errors


def lines(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The officers' signature lines of a kept record (as the case documents read it): each
    officer who asked (role inquirer), then the recorder; the image of each, or None on a
    record kept before the officers' signatures were (it names its officers only)."""
    signed, recorder = record.get("officer_signatures"), record.get("recorder_signature")
    if signed is None or recorder is None:
        return [*({"role": "inquirer", "signer": o.get("name"), "evidence_sha256": None}
                  for o in record.get("officers") or ()),
                {"role": "recorder", "signer": (record.get("recorder") or {}).get("name"),
                 "evidence_sha256": None}]
    return [*({"role": "inquirer", "signer": s["name"], "evidence_sha256": s["evidence_sha256"]}
              for s in signed),
            {"role": "recorder", "signer": recorder["name"],
             "evidence_sha256": recorder["evidence_sha256"]}]
