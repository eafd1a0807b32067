"""The refusals of identity and account maintenance as stable message keys with parameters,
said in English for the API here; the console says the same keys in the user's language (its
catalogues, context "refusal"), so a page never shows the API's English."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from server.errors import DomainError
from server.messages import Message

# key -> the API's English (str.format); these texts are the API contract, unchanged
ENGLISH: dict[str, str] = {
    "account.invalid": "The user is not valid.",
    "account.exists": "User {username!r} already exists.",
    "account.stale": "The user is at version {current}, not {given}.",
    "account.self": "You may not disable, demote or move yourself.",
    "account.unchangeable": "These fields cannot be changed here.",
    "account.unknown": "No such user.",
    "account.password_changed": "The password changed since the reset was asked for "
                                "(reset already, or changed meanwhile); it was not reset "
                                "again.",
    "password.unacceptable": "The password is not acceptable.",
    "scope.unknown": "No such record.",
    "scope.role": "Role {role!r} may not perform {action!r}.",
    "scope.district": "District {district} is outside your scope ({scope}).",
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
E = TypeVar("E", bound=DomainError)


def english(message: Message) -> str:
    """The message in the API's English (lists joined with commas)."""
    params = {name: ", ".join(map(str, value)) if isinstance(value, list | tuple) else value
              for name, value in message.params.items()}
    return ENGLISH[message.key].format(**params)


def said(key: str, **params: Any) -> Message:
    """A message of this catalogue (KeyError for a key it lacks, so none goes unsaid)."""
    ENGLISH[key]  # noqa: B018 - fail at the raise, not when a page says it
    return Message(key, params)


def refused(kind: type[E], message: Message, notes: Mapping[str, Note] | None = None,
            **extra: Any) -> E:
    """A DomainError of `kind` whose detail and field errors are the messages' English, and
    which carries the messages themselves for the console."""
    lists = {name: [note] if isinstance(note, Message) else list(note)
             for name, note in (notes or {}).items()}
    errors = {name: [english(note) for note in items] for name, items in lists.items()}
    return kind(english(message), errors=errors or None, message=message, notes=lists,
                **extra)
