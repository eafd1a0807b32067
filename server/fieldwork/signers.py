"""Which of a record's officers made an officer signature: the one with the signer's user id,
or, from a tablet that sends none, the one officer with the signer's display name (never a
guess between namesakes). Pure: signatures and officers as the record stores them."""

from __future__ import annotations

from datetime import date
from typing import Any

Signature = dict[str, Any]
Officer = dict[str, Any]


SIGNED = ("signer", "role", "signer_user_id", "evidence_sha256", "refused", "refusal_reason")


def identity(signature: Signature) -> tuple[Any, ...]:
    """What makes a signature that one (its id aside): who signed, as what, the image or the
    refusal and its reason."""
    return tuple(signature.get(key) or None for key in SIGNED)


def _by_id(officers: list[Officer], user_id: Any) -> Officer | None:
    return next((o for o in officers if o["user_id"] == str(user_id)), None)


def _by_name(officers: list[Officer], name: str) -> list[Officer]:
    return [o for o in officers if o["name"] == name]


def _label(officer: Officer, officers: list[Officer]) -> str:
    """The officer's name, with the user id when another officer has the same name."""
    shared = len(_by_name(officers, officer["name"])) > 1
    return f"{officer['name']} ({officer['user_id']})" if shared else officer["name"]


def _listed(officers: list[Officer]) -> str:
    return "、".join(sorted(_label(o, officers) for o in officers)) or "—"


def _not_an_officer(signature: Signature, officers: list[Officer]) -> str:
    who = signature["signer"]
    if signature.get("signer_user_id"):
        who += f" (user id {signature['signer_user_id']})"
    return (f"{who} signed as an officer but is not one of the record's officers "
            f"({_listed(officers)})")


def _ambiguous(signature: Signature, found: list[Officer]) -> str:
    return (f"{signature['signer']} is the name of {len(found)} of the record's officers: the "
            f"signature needs signer_user_id (one of {', '.join(o['user_id'] for o in found)}) "
            "to say which of them signed")


def match(signature: Signature, officers: list[Officer]) -> tuple[str | None, str | None]:
    """(the user id of the officer who made this officer signature, None), or (None, why no
    officer on the record can be said to have made it)."""
    if wanted := signature.get("signer_user_id"):
        officer = _by_id(officers, wanted)
        return (officer["user_id"], None) if officer else (None,
                                                            _not_an_officer(signature, officers))
    found = _by_name(officers, signature["signer"])
    if len(found) == 1:
        return found[0]["user_id"], None
    return None, _ambiguous(signature, found) if found else _not_an_officer(signature, officers)


def _lapsed(officer: Officer, day: date) -> str | None:
    """Why the officer's certificate, as the record shows it, is not valid on `day`."""
    expires = officer.get("certificate_expires")
    if not expires or date.fromisoformat(expires) >= day:
        return None
    number = f" {officer['certificate_no']}" if officer.get("certificate_no") else ""
    return (f"{officer['name']}'s enforcement certificate{number} expired on {expires}: a "
            f"signature made on {day.isoformat()} is not a certified officer's (处罚法 Art. "
            "42); once the certificate is renewed, save the record's officers (inspector_ids) "
            "again to show the new one")


def refused_at_signing(signatures: list[Signature], officers: list[Officer],
                       day: date) -> list[str]:
    """Why officer signatures being written on `day` are refused at once: made by no officer
    on the record (a user id or a name of no officer), a user id of another officer than the
    one named, no user id for a name several officers share, or an officer whose certificate
    as the record shows it expired before that day."""
    problems = []
    for signature in signatures:
        if signature["role"] != "officer":
            continue
        wanted = signature.get("signer_user_id")
        officer = _by_id(officers, wanted) if wanted else None
        if wanted and officer is not None and officer["name"] != signature["signer"]:
            problems.append(f"{signature['signer']} signed with the user id {wanted} of "
                            f"the officer {officer['name']}: the name and the user id "
                            "must be of the same officer")
            continue
        if not wanted:
            found = _by_name(officers, signature["signer"])
            if len(found) > 1:
                problems.append(_ambiguous(signature, found))
                continue
            officer = found[0] if found else None
        if officer is None:
            problems.append(_not_an_officer(signature, officers))
        elif lapsed := _lapsed(officer, day):
            problems.append(lapsed)
    return list(dict.fromkeys(problems))


def submission_problems(signatures: list[Signature], officers: list[Officer],
                        minimum: int) -> list[str]:
    """Each officer signature made by an officer on the record, and at least `minimum`
    distinct officers signed: one officer signing twice, or someone not on the record, is
    not a second officer (处罚法 Art. 42)."""
    problems: list[str] = []
    signed: dict[str, None] = {}
    for signature in signatures:
        if signature["role"] != "officer" or not signature.get("evidence_sha256"):
            continue
        user_id, problem = match(signature, officers)
        if user_id is not None:
            signed[user_id] = None
        elif problem not in problems:
            problems.append(problem)
    if len(signed) < minimum:
        unsigned = [_label(o, officers) for o in officers if o["user_id"] not in signed]
        problems.append(f"at least {minimum} of the record's officers must each sign; "
                        f"not signed: {'、'.join(unsigned) or '—'}")
    return problems
