"""Argon2id password hashing (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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


def password_problems(password: str) -> list[str]:
    """Why a new password is refused (empty when acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters")
    if password.strip() != password:
        problems.append("must not start or end with whitespace")
    return problems
