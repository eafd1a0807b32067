"""PURE: the keys of case-file manifests. The current key signs; it and every retired key
verify, found by the key id each manifest names.

A key is derived from a secret: `CASEFILE_SIGNING_KEY`, else `SECRET_KEY`. Its id is a
fingerprint of the derived key, so the secret alone fixes both and nothing else needs
configuring. Archived copies are never re-signed: the secret of every key that signed one
stays in `CASEFILE_RETIRED_KEYS` for as long as the copies must verify.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

CONTEXT = b"casefile-manifest-v1"


@dataclass(frozen=True, slots=True)
class Key:
    """A manifest key: its id (in every manifest it signs), the HMAC key, retired or not."""

    key_id: str
    value: bytes = field(repr=False)
    retired: bool = False


def derive(secret: str, retired: bool = False) -> Key:
    """The key a secret gives, and its id."""
    value = hmac.new(str(secret).encode(), CONTEXT, hashlib.sha256).digest()
    return Key(hashlib.sha256(value).hexdigest()[:16], value, retired)


def signing_secret(config: Mapping[str, Any]) -> str:
    """The secret new manifests are signed under."""
    return config.get("CASEFILE_SIGNING_KEY") or config["SECRET_KEY"]


def split_secrets(value: str | Iterable[str] | None) -> list[str]:
    """Secrets from a comma-separated string (as the environment gives them) or a list."""
    items = (value or "").split(",") if isinstance(value, str | None) else value
    return [item.strip() for item in items if item and item.strip()]


def retired_secrets(config: Mapping[str, Any]) -> list[str]:
    """The secrets of the retired keys (CASEFILE_RETIRED_KEYS)."""
    return split_secrets(config.get("CASEFILE_RETIRED_KEYS"))


def current(config: Mapping[str, Any]) -> Key:
    """The key new manifests are signed with."""
    return derive(signing_secret(config))


def keyring(config: Mapping[str, Any]) -> dict[str, Key]:
    """Every key that verifies, by id: the retired ones and the current one (which stays
    current if it is listed as retired too)."""
    ring = {key.key_id: key for key in (derive(s, retired=True) for s in retired_secrets(config))}
    key = current(config)
    return ring | {key.key_id: key}
