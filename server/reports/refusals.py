"""The refusals of a report's period as stable message keys with parameters, said in English
for the API here; the console says the same keys in the user's language (its catalogues,
context "refusal")."""

from __future__ import annotations

from server.messages import Catalogue

# key -> the API's English (str.format); these texts are the API contract, unchanged
CATALOGUE = Catalogue({
    "report.period_reversed": "The period ends before it starts.",
    "report.period_too_long": "A report covers at most {years} years.",
    # notes next to a field
    "report_field.before_from": "before from",
    "report_field.too_long": "period too long",
})
said, refused = CATALOGUE.said, CATALOGUE.refused
