"""Argon2id password hashing (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.auth.refusals import said
from server.messages import Message

MIN_LENGTH = 12


def hasher(params: dict[str, int]) -> PasswordHasher:
    """An Argon2id hasher with the configured cost."""
    return PasswordHasher(**params)


def hash_password(params: dict[str, int], password: str) -> str:
    """Hash a password for storage."""
    return hasher(params).hash(password)


def verify_password(params: dict[str, int], stored: str, password: str) -> bool:
    """Check a password against its stored hash, in constant time."""
    try:
        return hasher(params).verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def password_notes(password: str) -> list[Message]:
    """Why a new password is refused, as message keys (empty when acceptable)."""
    notes = []
    if len(password) < MIN_LENGTH:
        notes.append(said("password_field.too_short", length=MIN_LENGTH))
    if password.strip() != password:
        notes.append(said("password_field.whitespace"))
    return notes

