"""A refused form or request as the console says it: the status, the reason and the field
messages in the user's language, from the message keys a refusal carries (server/messages.py)
or, for the contract schemas' messages, from marshmallow's English (schema_messages)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext
from marshmallow import ValidationError

from server.console import schema_messages
from server.console.formatting import said
from server.errors import DomainError
from server.messages import Message


def field_errors(errors: Mapping[str, Any] | None,
                 renamed: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """Field messages keyed by the form's input names (nested ones as chair.name; a field
    the form names otherwise under its `renamed` name)."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            flat.setdefault((renamed or {}).get(prefix, prefix), []).extend(
                [value] if isinstance(value, str) else [str(v) for v in value])

    walk("", errors or {})
    return flat


def _translated(messages: Mapping[str, Any], field: str = "") -> dict[str, Any]:
    """A schema's field messages in the user's language, nested as they came."""
    out: dict[str, Any] = {}
    for key, value in messages.items():
        name = str(key) if not str(key).isdigit() else field  # a list item: its list's name
        if isinstance(value, Mapping):
            out[key] = _translated(value, name)
        else:
            out[key] = [schema_messages.said(name, str(v)) for v in (
                [value] if isinstance(value, str) else value)]
    return out


def _notes(note: Message | Sequence[Message]) -> list[str]:
    """A field's note (or notes) in the user's language."""
    return [said(one) for one in ([note] if isinstance(note, Message) else note)]


def refusal(error: DomainError | ValidationError, renamed: Mapping[str, str] | None = None,
            ) -> tuple[int, str, dict[str, list[str]]]:
    """A refusal's status, message, and field messages keyed by the form's inputs, in the
    user's language when the refusal gives its message keys."""
    if isinstance(error, ValidationError):
        messages = error.messages if isinstance(error.messages, dict) else {
            "_": error.messages}
        return 422, gettext("Some fields are invalid."), field_errors(_translated(messages),
                                                                      renamed)
    if error.message is None:
        return error.status, error.detail, field_errors(error.errors, renamed)
    notes = {name: _notes(note) for name, note in error.notes.items()}
    return error.status, said(error.message), field_errors(notes or error.errors, renamed)
