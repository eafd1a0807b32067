"""The refusals of identity and account maintenance as stable message keys with parameters,
said in English for the API here; the console says the same keys in the user's language (its
catalogues, context "refusal"), so a page never shows the API's English."""

from __future__ import annotations

from collections.abc import Sequence

from server.messages import Catalogue, Message

# key -> the API's English (str.format); these texts are the API contract, unchanged
ENGLISH: dict[str, str] = {
    "account.invalid": "The user is not valid.",
    "account.exists": "User {username!r} already exists.",
    "account.stale": "The user is at version {current}, not {given}.",
    "account.self": "You may not disable, demote or move yourself.",
    "account.unchangeable": "These fields cannot be changed here.",
    "account.password_changed": "The password changed since the reset was asked for "
                                "(reset already, or changed meanwhile); it was not reset "
                                "again.",
    "password.unacceptable": "The password is not acceptable.",
    "scope.unknown": "No such record.",
    "device.none": "No live tokens for device {device!r} of this user.",
    "scope.role": "Role {role!r} may not perform {action!r}.",
    "scope.district": "District {district} is outside your scope ({scope}).",
    "scope.city_wide": "A rule set is in force in every district: only city-wide staff may "
                       "store one (your scope is {scope}); a dry run shows what it changes.",
    # notes next to a field
    "account_field.username": "1-80 letters, digits, '.', '_' or '-'",
    "account_field.role": "must be one of {roles}",
    "account_field.district": "unknown district code {district!r} (use {city} for the city)",
    "account_field.display_name": "1-120 characters, not blank",
    "account_field.certificate_no": "1-40 characters, not blank",
    "account_field.certificate_needed": "inspectors need a certificate number and its "
                                        "expiry date",
    "account_field.active": "true or false",
    "account_field.own_account": "not on your own account",
    "account_field.not_changeable": "not changeable",
    "password_field.too_short": "must be at least {length} characters",
    "password_field.whitespace": "must not start or end with whitespace",
    "password_field.same": "must differ from the current password",
}

Note = Message | Sequence[Message]
CATALOGUE = Catalogue(ENGLISH)
english, said, refused = CATALOGUE.english, CATALOGUE.said, CATALOGUE.refused
