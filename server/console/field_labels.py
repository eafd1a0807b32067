"""How the console names the fields a refusal is about: a refused import row's, or the error
page's, by their labels (nested ones without their list index), never by the API's names."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext

LABELS = {
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
    "_row": lazy_gettext("Row"), "file": lazy_gettext("CSV or GeoJSON file"),
    # plans, draws and tasks
    "inspectors": lazy_gettext("Inspectors"), "reason": lazy_gettext("Reason"),
    "due_date": lazy_gettext("Due"), "period.start": lazy_gettext("Period start"),
    "period.end": lazy_gettext("Period end"), "sample.count": lazy_gettext("Sample size"),
    "sample.ratio": lazy_gettext("Sample size"),
}


def label(field: str) -> str:
    """The field's label (contacts.0.phone as contacts.phone), or its name if it has none."""
    found = LABELS.get(re.sub(r"\.\d+(?=\.|$)", "", field))
    return field if found is None else str(found)
