"""PURE: a message as a stable key with its parameters, for each reader to say in its language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Message:
    """A key and its parameters: amounts as integer fen (named *_fen), dates as dates."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
