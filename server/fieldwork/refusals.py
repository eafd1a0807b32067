"""PURE: the refusals of a record's officers (处罚法 第42条) as stable message keys with
parameters, said in English for the API here (its contract, unchanged); the console says the
same keys in the user's language (its catalogues, context "refusal")."""

from __future__ import annotations

from server.messages import Catalogue

CATALOGUE = Catalogue({
    "officers.twice": "An officer is listed twice.",
    "officers.cannot_sign": "The officers cannot sign this record.",
    "officers.sign_on_site": "Signatures are made on site, on the officers' tablet: only an "
                             "officer on the record adds one.",
    # notes next to a field
    "officer_field.distinct": "officers must be distinct",
    "officer_field.sign_on_site": "added only by an officer on the record",
    "officer_field.not_inspector": "{user_id} is not an active inspector",
    "officer_field.certificate": "{name}'s enforcement certificate is not valid on {day}",
})
said, refused = CATALOGUE.said, CATALOGUE.refused
