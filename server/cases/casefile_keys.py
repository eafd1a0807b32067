"""PURE: the keys of case-file manifests. The current key signs; it and every retired key
verify, found by the key id each manifest names.

A key is derived from a secret: `CASEFILE_SIGNING_KEY`, else `SECRET_KEY`. casefile/v2 signs
with an Ed25519 key whose private bytes are HKDF-SHA256 of the secret; its id is a fingerprint
of the public key (the first 32 hex digits of the SHA-256 of its DER SubjectPublicKeyInfo, what
`openssl pkey -pubin -outform DER | sha256sum` prints), so the secret alone fixes both and
anyone holding the public key can check the id. casefile/v1 files were signed with an HMAC key
derived from the same secrets, which still verifies them. Archived copies are never re-signed:
the secret of every key that signed one stays in `CASEFILE_RETIRED_KEYS` for as long as the
copies must verify. Secrets carry no dates: when a published key started signing and when it
was retired are recorded apart, by key id, in `CASEFILE_KEY_DATES` (parse_key_dates).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from server.cases.casefile import ALGORITHM, ALGORITHM_V1, Verifier

HMAC_CONTEXT = b"casefile-manifest-v1"
ED25519_INFO = b"casefile-manifest-v2 Ed25519 signing key"
KEY_ID_HEX = 32  # 128 bits of the public key's SHA-256
KEY_ID = re.compile(f"[0-9a-f]{{{KEY_ID_HEX}}}")


@dataclass(frozen=True, slots=True)
class KeyDates:
    """When a key started signing and when it was retired, as recorded (ISO 8601: a date, or
    a date-time in UTC); None where nothing is recorded."""

    signing_since: str | None
    retired_at: str | None


@dataclass(frozen=True, slots=True)
class Key:
    """A manifest key: its id (in every manifest it signs), algorithm, what verifies with it,
    the Ed25519 private bytes when this server signs with it (never shown), retired or not."""

    key_id: str
    algorithm: str
    verifier: Verifier = field(repr=False)
    seed: bytes = field(default=b"", repr=False)
    retired: bool = False

    def public_pem(self) -> str:
        """The Ed25519 public key as PEM (SubjectPublicKeyInfo), as OpenSSL reads it."""
        return _public(self.verifier.key).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _public(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(public: Ed25519PublicKey) -> str:
    """The key id of a public key."""
    der = public.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:KEY_ID_HEX]


@lru_cache(maxsize=64)
def _ed25519(secret: str) -> tuple[bytes, bytes, str]:
    """The private bytes, raw public key and key id a secret gives (derived once)."""
    seed = HKDF(SHA256(), 32, salt=None, info=ED25519_INFO).derive(str(secret).encode())
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return seed, public.public_bytes_raw(), fingerprint(public)


def derive(secret: str, retired: bool = False) -> Key:
    """The Ed25519 key (casefile/v2) a secret gives, and its id."""
    seed, public, key_id = _ed25519(secret)
    return Key(key_id, ALGORITHM, Verifier(ALGORITHM, public), seed, retired)


def derive_v1(secret: str, retired: bool = False) -> Key:
    """The HMAC key casefile/v1 files were signed with under a secret: it only verifies."""
    value = hmac.new(str(secret).encode(), HMAC_CONTEXT, hashlib.sha256).digest()
    return Key(hashlib.sha256(value).hexdigest()[:16], ALGORITHM_V1,
               Verifier(ALGORITHM_V1, value), retired=retired)


def from_pem(pem: bytes) -> Key:
    """A public key (casefile/v2) from PEM, for verifying without any secret; ValueError when
    the PEM is not an Ed25519 public key."""
    try:
        public = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ValueError(f"not a PEM public key: {error}") from error
    if not isinstance(public, Ed25519PublicKey):
        raise ValueError(f"not an Ed25519 public key but {type(public).__name__}")
    return Key(fingerprint(public), ALGORITHM, Verifier(ALGORITHM, public.public_bytes_raw()))


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


def published(config: Mapping[str, Any]) -> list[Key]:
    """The Ed25519 keys, current first, then the retired ones (the current one stays current
    if it is listed as retired too): what GET /api/v1/casefile/keys shows."""
    key = current(config)
    retired = {k.key_id: k for k in (derive(s, retired=True) for s in retired_secrets(config))}
    retired.pop(key.key_id, None)
    return [key, *retired.values()]


def keyring(config: Mapping[str, Any]) -> dict[str, Key]:
    """Every key that verifies, by id: the published Ed25519 keys and the casefile/v1 HMAC
    keys of the same secrets."""
    signing = signing_secret(config)
    v1 = {k.key_id: k for k in (derive_v1(s, retired=True) for s in retired_secrets(config))}
    v1 |= {(key := derive_v1(signing)).key_id: key}
    return v1 | {key.key_id: key for key in published(config)}


def verifiers(ring: Mapping[str, Key]) -> dict[str, Verifier]:
    """What casefile.verify takes: key id → verifier."""
    return {key_id: key.verifier for key_id, key in ring.items()}


def _moment(text: str, entry: str) -> tuple[str | None, datetime | None]:
    """An ISO 8601 date or date-time with its offset: as shown (a date-time in UTC), and
    the instant for ordering (a date: its start in UTC); empty is unknown."""
    if not text:
        return None, None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return day.isoformat(), datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"entry {entry!r}: {text!r} is not an ISO 8601 date or date-time "
                         "(2026-11-28, or 2026-11-28T10:00+08:00)") from None
    if moment.tzinfo is None:
        raise ValueError(f"entry {entry!r}: the date-time {text!r} needs its offset "
                         "(e.g. +08:00)")
    moment = moment.astimezone(UTC)
    return moment.isoformat(), moment


def parse_key_dates(value: str | None) -> dict[str, KeyDates]:
    """The key dates of CASEFILE_KEY_DATES: comma-separated `KEY_ID=SINCE/RETIRED` entries
    (either date may be empty); ValueError saying which entry cannot be read."""
    dates: dict[str, KeyDates] = {}
    for entry in (item.strip() for item in (value or "").split(",")):
        if not entry:
            continue
        key_id, _, span = entry.partition("=")
        since_text, slash, retired_text = span.partition("/")
        if not slash:
            raise ValueError(f"entry {entry!r} is not KEY_ID=SINCE/RETIRED")
        key_id = key_id.strip().lower()
        if not KEY_ID.fullmatch(key_id):
            raise ValueError(f"entry {entry!r}: {key_id!r} is not a key id (the 32 hex digits "
                             "`flask casefile keys` shows)")
        if key_id in dates:
            raise ValueError(f"key {key_id} is given twice")
        since, since_at = _moment(since_text.strip(), entry)
        retired, retired_at = _moment(retired_text.strip(), entry)
        if since_at and retired_at and retired_at < since_at:
            raise ValueError(f"entry {entry!r}: retired before it started signing")
        dates[key_id] = KeyDates(since, retired)
    return dates


def key_dates(config: Mapping[str, Any]) -> Mapping[str, KeyDates]:
    """The recorded key dates (CASEFILE_KEY_DATES; read at start, or given as text)."""
    dates = config.get("CASEFILE_KEY_DATES") or {}
    return parse_key_dates(dates) if isinstance(dates, str) else dates


def describe(key: Key, dates: Mapping[str, KeyDates] | None = None) -> dict[str, str | None]:
    """A published key as the API and `flask casefile keys` show it (no secret), with when
    it started signing and when it was retired where `dates` record it (None: unknown; a
    retirement date is not shown for the key that signs now)."""
    known = (dates or {}).get(key.key_id, KeyDates(None, None))
    return {"key_id": key.key_id, "algorithm": key.algorithm, "public_key_pem": key.public_pem(),
            "status": "retired" if key.retired else "current",
            "signing_since": known.signing_since,
            "retired_at": known.retired_at if key.retired else None}
