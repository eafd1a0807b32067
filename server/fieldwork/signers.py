"""Which of a record's officers made an officer signature: the one with the signer's user id,
or, from a tablet that sends none, the one officer with the signer's display name (never a
guess between namesakes). Pure: signatures and officers as the record stores them."""

from __future__ import annotations

from typing import Any

Signature = dict[str, Any]
Officer = dict[str, Any]


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


def refused_at_signing(signatures: list[Signature], officers: list[Officer]) -> list[str]:
    """Why officer signatures being written are refused at once: a user id of someone not on
    the record, a user id of another officer than the one named, or no user id for a name
    several officers share. (A name of no officer is only refused at submission, as before
    user ids existed.)"""
    problems = []
    for signature in signatures:
        if signature["role"] != "officer":
            continue
        if wanted := signature.get("signer_user_id"):
            officer = _by_id(officers, wanted)
            if officer is None:
                problems.append(_not_an_officer(signature, officers))
            elif officer["name"] != signature["signer"]:
                problems.append(f"{signature['signer']} signed with the user id {wanted} of "
                                f"the officer {officer['name']}: the name and the user id "
                                "must be of the same officer")
        elif len(found := _by_name(officers, signature["signer"])) > 1:
            problems.append(_ambiguous(signature, found))
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
