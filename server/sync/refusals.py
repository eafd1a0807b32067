"""PURE: refusals of a conflict's resolution as stable message keys with parameters, said in
English for the API here; the console says the same keys in the user's language (its
catalogues, context "refusal")."""

from __future__ import annotations

from server.messages import Catalogue

CATALOGUE = Catalogue({
    "conflict.moved": "The record's {sync_fields} changed after this conflict was recorded; "
                      "the conflict now shows the record's current value: look at it and "
                      "choose again.",
})
said, refused = CATALOGUE.said, CATALOGUE.refused
