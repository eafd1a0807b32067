"""PURE: a message as a stable key with its parameters, for each reader to say in its language,
and a service's catalogue of keys with the API's English for each."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

E = TypeVar("E", bound=Exception)


@dataclass(frozen=True, slots=True)
class Message:
    """A key and its parameters: amounts as integer fen (named *_fen), dates as dates."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


class Catalogue:
    """A service's message keys with the API's English for each (str.format); a parameter
    that is itself a Message is said in English too, lists are joined with commas."""

    def __init__(self, english: Mapping[str, str]) -> None:
        self.texts = dict(english)

    def english(self, message: Message) -> str:
        """The message in the API's English."""
        return self.texts[message.key].format(**{
            name: self._english_value(value) for name, value in message.params.items()})

    def _english_value(self, value: Any) -> Any:
        if isinstance(value, Message):
            return self.english(value)
        if isinstance(value, list | tuple):
            return ", ".join(str(self._english_value(item)) for item in value)
        return value

    def said(self, key: str, **params: Any) -> Message:
        """A message of this catalogue (KeyError for a key it lacks, so none goes unsaid)."""
        self.texts[key]  # noqa: B018 - fail at the raise, not when a page says it
        return Message(key, params)

    def refused(self, kind: Callable[..., E], message: Message,
                notes: Mapping[str, Message | Sequence[Message]] | None = None,
                **extra: Any) -> E:
        """An error of `kind` (a DomainError) whose detail and field errors are the messages'
        English, and which carries the messages themselves for the console."""
        lists = {name: [note] if isinstance(note, Message) else list(note)
                 for name, note in (notes or {}).items()}
        errors = {name: [self.english(note) for note in items] for name, items in lists.items()}
        return kind(self.english(message), errors=errors or None, message=message,
                    notes=lists, **extra)
