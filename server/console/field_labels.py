"""How the console names the fields a refusal is about, never by the API's names: a known
field by its label, an item of a list by its number (rounds.1.reinspected_on as 第2轮 复查日期),
any other by the label of its nearest known part."""

from __future__ import annotations

import re

from flask_babel import LazyString, gettext, lazy_gettext, pgettext

LABELS: dict[str, LazyString] = {
    # a form as a whole (marshmallow's schema-level errors), and the record's version a form
    # was opened at (its optimistic lock: a hidden input; schema_messages says what to do)
    "_schema": lazy_gettext("The form as a whole"), "_": lazy_gettext("The form as a whole"),
    "version": lazy_gettext("Version of the page"),
    # an enterprise's fields (the register and its import)
    "credit_code": lazy_gettext("Credit code"), "name": lazy_gettext("Name"),
    "address": lazy_gettext("Address"), "district": lazy_gettext("District"),
    "industry": lazy_gettext("Industry"), "permit_class": lazy_gettext("Permit class"),
    "permit_number": lazy_gettext("Permit number"),
    "positive_list": lazy_gettext("Positive list"),
    "positive_list_from": lazy_gettext("Listed from"),
    "positive_list_until": lazy_gettext("Listed until"),
    "credit_rating": lazy_gettext("Credit rating"), "contacts": lazy_gettext("Contacts"),
    "contacts.name": lazy_gettext("Contact name"), "contacts.role": lazy_gettext("Contact role"),
    "contacts.phone": lazy_gettext("Contact phone"), "site": lazy_gettext("Site"),
    "site.type": lazy_gettext("Site"), "site.coordinates": lazy_gettext("Site"),
    "_row": lazy_gettext("Row"), "file": lazy_gettext("CSV or GeoJSON file"),
    "_file": lazy_gettext("CSV or GeoJSON file"), "mode": lazy_gettext("Rows with errors"),
    "dry_run": lazy_gettext("Check only"),
    # plans, draws and tasks
    "inspectors": lazy_gettext("Inspectors"), "reason": lazy_gettext("Reason"),
    "due_date": lazy_gettext("Due"), "period": lazy_gettext("Period"),
    "period.start": lazy_gettext("Period start"), "period.end": lazy_gettext("Period end"),
    "sample": lazy_gettext("Sample size"), "sample.count": lazy_gettext("Sample size"),
    "sample.ratio": lazy_gettext("Sample size"),
    "population": lazy_gettext("Units drawn from"),
    "population.permit_classes": lazy_gettext("Permit classes"),
    "population.industries": lazy_gettext("Industries"),
    "population.include_positive_list": lazy_gettext("Include positive-list units on site"),
    "inspectors_per_task": lazy_gettext("Inspectors per task"),
    "cross_district": lazy_gettext("Cross-district inspectors"),
    "due_working_days": lazy_gettext("Due in working days"),
    "max_open_tasks": lazy_gettext("Most open tasks of an inspector drawn"),
    "schedule": lazy_gettext("Schedule"), "items": lazy_gettext("Tasks"),
    "items.task_id": lazy_gettext("Task"), "items.inspectors": lazy_gettext("Inspectors"),
    "task_id": lazy_gettext("Task"),
    # accounts
    "username": lazy_gettext("Username"), "password": lazy_gettext("Password"),
    "display_name": lazy_gettext("Display name"), "role": lazy_gettext("Role"),
    "certificate_no": lazy_gettext("Certificate number"),
    "certificate_expires": lazy_gettext("Certificate expires"), "active": lazy_gettext("Status"),
    # sync conflicts
    "choice": lazy_gettext("Keep"), "values": lazy_gettext("Merged values"),
    # filing a case from violations
    "violation_ids": lazy_gettext("Violations"), "same_act": lazy_gettext("Same act"),
    "complex": lazy_gettext("Complex case"),
    "filing_extension_approved": lazy_gettext("Filing deadline extended"),
    "late_reason": lazy_gettext("Reason for filing late"), "summary": lazy_gettext("Summary"),
    # a case's next step
    "to": lazy_gettext("Move to"), "on": lazy_gettext("Date"),
    "intended_fen": lazy_gettext("Intended fine (yuan)"),
    "intended_yuan": lazy_gettext("Intended fine (yuan)"),
    "fine_fen": lazy_gettext("Fine (yuan)"), "fine_yuan": lazy_gettext("Fine (yuan)"),
    "amount_fen": lazy_gettext("Amount paid (yuan)"),
    "amount_yuan": lazy_gettext("Amount paid (yuan)"),
    "act_fine": lazy_gettext("Fine (yuan)"), "act_fines": lazy_gettext("Fine of each act"),
    "act_fines.act": lazy_gettext("Act"), "act_fines.fine_fen": lazy_gettext("Amount (yuan)"),
    "mitigation": lazy_gettext("Mitigation ground (Art. 32)"),
    "rights_waived": lazy_gettext("Rights waived"),
    "review_opinion": lazy_gettext("Review opinion"),
    "renotice_reason": lazy_gettext("Reason for the new notice"),
    "renotice_note": lazy_gettext("What was found or corrected"),
    "notice": lazy_gettext("Notice the statement answers"),
    "statements": lazy_gettext("Party's statements and defence (summary)"),
    "hearing_record": lazy_gettext("Hearing record (summary)"),
    "hearing_notice_on": lazy_gettext("Hearing notice served on"),
    "hearing_on": lazy_gettext("Hearing date"), "hearing_place": lazy_gettext("Hearing place"),
    "chair": lazy_gettext("Hearing chair"), "chair.name": lazy_gettext("Chair (name)"),
    "chair.user_id": lazy_gettext("Chair's account"),
    "education": lazy_gettext("Education of the party"),
    "education.on": lazy_gettext("Educated on"),
    "education.method": lazy_gettext("Method of education"),
    "education.content": lazy_gettext("Content of the education"),
    "education.educated_person": lazy_gettext("Person educated"),
    "method": lazy_gettext("Service method"), "recipient": lazy_gettext("Recipient"),
    "consent": lazy_gettext("Consent to electronic service"),
    "measure": lazy_gettext("Enforcement measure"),
    # deadlines and the daily penalty
    "approval": lazy_gettext("Approval"), "days": lazy_gettext("Days of extension"),
    "kind": lazy_gettext("Kind of period"), "start": lazy_gettext("Period start"),
    "end": lazy_gettext("End of the period"), "act": lazy_gettext("Continuing act"),
    "production_restricted_on": lazy_gettext(
        "Production restricted, stopped or sealed on (if so)"),
    "rounds": lazy_gettext("Rounds"),
    "rounds.order_served_on": lazy_gettext("Order to correct served on"),
    "rounds.reinspected_on": lazy_gettext("Re-inspection date"),
    # inquiry records and statements
    "interviewee": lazy_gettext("Interviewee"),
    "interviewee.name": lazy_gettext("Interviewee's name"),
    "interviewee.relation": lazy_gettext("Role or relation to the party"),
    "interviewee.id_type": lazy_gettext("Identity document"),
    "interviewee.id_number": lazy_gettext("Document number"),
    "interviewee.phone": lazy_gettext("Interviewee's phone"),
    "place": lazy_gettext("Place"), "started_at": lazy_gettext("Started at"),
    "ended_at": lazy_gettext("Ended at"), "signed_at": lazy_gettext("Signed at"),
    "inspector_ids": lazy_gettext("Officers who asked"),
    "recorder_id": lazy_gettext("Recorder"), "qa": lazy_gettext("Questions and answers"),
    "qa.q": lazy_gettext("Question"), "qa.a": lazy_gettext("Answer"),
    "signature": lazy_gettext("Interviewee's signature"),
    "signature.evidence_sha256": lazy_gettext("Signature image of the interviewee"),
    "signature_image": lazy_gettext("Signature image of the interviewee"),
    "signature.refused": lazy_gettext("The interviewee refused to sign"),
    "signature.refusal_reason": lazy_gettext("Reason given for refusing"),
    "officer_signatures": lazy_gettext("Officers' signatures"),
    "officer_signatures.evidence_sha256": lazy_gettext("Signature image"),
    "officer_signatures.signed_at": lazy_gettext("Signed at"),
    "officer_signatures.user_id": lazy_gettext("Officer"),
    "officer_image": lazy_gettext("Signature image"),
    "recorder_signature": lazy_gettext("Recorder's signature"),
    "recorder_signature.evidence_sha256": lazy_gettext("Recorder's signature image"),
    "recorder_image": lazy_gettext("Recorder's signature image"),
    "recorder_signature.signed_at": lazy_gettext("Signed at"),
    "received_on": lazy_gettext("Received on"), "form": lazy_gettext("Made"),
    "made_by": lazy_gettext("Made by"), "content": lazy_gettext("What the party stated"),
    "adopted": lazy_gettext("Review"), "reasoning": lazy_gettext("Reasons of the review"),
    # a violation's facts, grades and bases (the others by their sync field labels), and a
    # checklist answer's parts
    "factors": lazy_gettext("Discretion factors"), "corrected_on": lazy_gettext("Corrected on"),
    "signatures.signer": lazy_gettext("Signer"),
    "signatures.role": lazy_gettext("Signer's role"),
    "signatures.signer_user_id": lazy_gettext("Officer"),
    "signatures.evidence_sha256": lazy_gettext("Signature image"),
    "signatures.refused": lazy_gettext("Refused to sign"),
    "signatures.refusal_reason": lazy_gettext("Reason given for refusing"),
    "people_present.name": lazy_gettext("Person's name"),
    "people_present.role": lazy_gettext("Role or relation to the party"),
    "people_present.organisation": lazy_gettext("Organisation"),
    "inspection_id": lazy_gettext("Inspection record"), "item": lazy_gettext("Checklist item"),
    "answer": lazy_gettext("Checklist answer"), "note": lazy_gettext("Note"),
    # list filters (a page names them by its own inputs first: web.load_query)
    "page": lazy_gettext("Page"), "per_page": lazy_gettext("Per page"),
    "state": lazy_gettext("State"), "from": lazy_gettext("From"),
    "decision": lazy_gettext("Decision"), "in_case": lazy_gettext("In a case"),
    "enterprise_id": lazy_gettext("Party"), "crs": lazy_gettext("Coordinate system"),
    "limit": lazy_gettext("Number shown"), "due_within": lazy_gettext("Deadline within (days)"),
}
# an item of a list by its number (the index plus one), or by the number it is named by
ITEMS: dict[str, tuple[LazyString, int]] = {
    "rounds": (lazy_gettext("Round %(n)s"), 1),
    "qa": (lazy_gettext("Question and answer %(n)s"), 1),
    "contacts": (lazy_gettext("Contact %(n)s"), 1),
    "act_fines": (lazy_gettext("Fine %(n)s"), 1),
    "act_fine": (lazy_gettext("Fine of act %(n)s"), 0),
    "items": (lazy_gettext("Task %(n)s"), 1),
    "officer_signatures": (lazy_gettext("Signature %(n)s"), 1),
    "signatures": (lazy_gettext("Signature %(n)s"), 1),
}
_BRACKETED = re.compile(r"\[(\d+)\]")  # the rules' rounds[1], as rounds.1
_NUMBER = re.compile(r"\d{1,9}")


def _known(key: str) -> str | None:
    """A field's own label: the console's, else the conflicts page's (a tablet's fields)."""
    if key in LABELS:
        return str(LABELS[key])
    synced = pgettext("sync field", key)
    return synced if synced != key else None


def _named(names: list[str]) -> str | None:
    """The label of a path of names: its own, else its nearest known tail, else head."""
    for start in range(len(names)):
        if found := _known(".".join(names[start:])):
            return found
    for end in range(len(names) - 1, 0, -1):
        if found := _known(".".join(names[:end])):
            return found
    return None


def _item(names: list[str], number: int, nested: bool) -> str:
    """The label of a list's item: by its list's word for it, else the list's label and number
    (an item of an item by its number alone)."""
    key = ".".join(names)
    if nested:
        return gettext("No. %(n)s", n=number + 1)
    if key in ITEMS:
        text, offset = ITEMS[key]
        return str(text) % {"n": number + offset}
    return gettext("%(list)s no. %(n)s", list=_named(names) or key, n=number + 1)


def label(field: str) -> str:
    """The field's label, each list item it is in named by its number (rounds.1.reinspected_on
    as 'Round 2 Re-inspection date'); a field of no known name as it is."""
    names: list[str] = []
    items: list[str] = []
    parts = _BRACKETED.sub(r".\1", field).split(".")
    for previous, part in zip(["", *parts], parts, strict=False):
        if _NUMBER.fullmatch(part) and names:
            items.append(_item(names, int(part), nested=bool(_NUMBER.fullmatch(previous))))
        else:
            names.append(part)
    if _NUMBER.fullmatch(parts[-1]) and items:
        return " ".join(items)  # the item itself (a round that overlaps the one before)
    own = _named(names)
    if own is None:
        return field
    return " ".join([*items, own])
