"""Settings from environment variables; the defaults are the embedded deployment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from server.cases.casefile_keys import parse_key_dates, split_secrets
from server.db_types import json_text

MiB = 1024 * 1024
# Pages load only their own scripts and styles; Swagger UI sets inline style attributes.
DEFAULT_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
               "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver that requirements.txt installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key(instance_path: Path) -> str:
    """Use SECRET_KEY, or a random key generated once into instance/ (embedded default)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    """Read a yes/no setting (1/true/yes/on)."""
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    """Read an integer setting."""
    return int(os.environ.get(name, default))


def _positive(value: int, name: str) -> int:
    """A setting that must be at least 1: a value below stops the start."""
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return value


def _key_dates(value: str | None) -> dict[str, Any]:
    """CASEFILE_KEY_DATES read at start: a value that cannot be read stops the start."""
    try:
        return parse_key_dates(value)
    except ValueError as error:
        raise ValueError(f"CASEFILE_KEY_DATES: {error}") from None


def load_config(instance_path: Path) -> dict[str, Any]:
    """Build the Flask config from the environment."""
    instance_path.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'enforcement.db'}"
    evidence_store = os.environ.get("EVIDENCE_STORE") or f"file://{instance_path / 'evidence'}"
    app_env = os.environ.get("APP_ENV", "development")
    return {
        "APP_ENV": app_env,
        "SECRET_KEY": _secret_key(instance_path),
        "SECRET_KEY_GENERATED": not os.environ.get("SECRET_KEY"),
        # The audit chain's seals (server/audit/chain.py): keep it when SECRET_KEY rotates.
        "AUDIT_SEAL_KEY": os.environ.get("AUDIT_SEAL_KEY") or None,
        "AUDIT_SEAL_RETIRED_KEYS": split_secrets(os.environ.get("AUDIT_SEAL_RETIRED_KEYS")),
        # Case-file manifests: signed under the first, verified under it and the retired ones
        # (comma-separated secrets), found by key id (server/cases/casefile_keys.py).
        "CASEFILE_SIGNING_KEY": os.environ.get("CASEFILE_SIGNING_KEY") or None,
        "CASEFILE_RETIRED_KEYS": split_secrets(os.environ.get("CASEFILE_RETIRED_KEYS")),
        "CASEFILE_KEY_DATES": _key_dates(os.environ.get("CASEFILE_KEY_DATES")),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "json_serializer": json_text},
        "EVIDENCE_STORE": evidence_store,
        "TOKEN_TTL_HOURS": _int("TOKEN_TTL_HOURS", 72),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per 15 minutes"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Reverse proxies in front (0: none): X-Forwarded-For/-Proto are believed from that
        # many hops, so the sign-in throttle counts the real client, not the proxy.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # X-Forwarded-Host too, only when said: a proxy passing the client's Host header on
        # would let a client choose the host of the links the server writes.
        "TRUSTED_PROXY_HOST": _flag("TRUSTED_PROXY_HOST", False),
        "MAX_CONTENT_LENGTH": _int("MAX_JSON_BYTES", 2 * MiB),
        "MAX_IMPORT_BYTES": _int("MAX_IMPORT_BYTES", 32 * MiB),
        "IDEMPOTENCY_TTL_HOURS": _int("IDEMPOTENCY_TTL_HOURS", 24),
        # Mutations one user may have held (pending) at once (server/sync/push.py).
        "SYNC_MAX_HELD": _int("SYNC_MAX_HELD", 1000),
        # Days a held mutation waits for its record before it is rejected (server/sync/held.py).
        "SYNC_HELD_EXPIRY_DAYS": _positive(_int("SYNC_HELD_EXPIRY_DAYS", 30),
                                           "SYNC_HELD_EXPIRY_DAYS"),
        "MAX_JSON_DEPTH": _int("MAX_JSON_DEPTH", 32),
        # HTML pages (API docs, console): headers and the session cookie.
        "CONTENT_SECURITY_POLICY": os.environ.get("CONTENT_SECURITY_POLICY", DEFAULT_CSP),
        "HSTS_MAX_AGE": _int("HSTS_MAX_AGE", 31_536_000),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", app_env == "production"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": os.environ.get("SESSION_COOKIE_SAMESITE", "Lax"),
        # Production refuses SQLite on a path several hosts share (server/deployment.py).
        "APP_HOSTS": _int("APP_HOSTS", 1),
        # Evidence: tus uploads, the S3 backend, and what files are accepted.
        "TUS_MAX_SIZE": _int("TUS_MAX_SIZE", 50 * MiB),
        "TUS_EXPIRY_HOURS": _int("TUS_EXPIRY_HOURS", 72),
        "TUS_MAX_OPEN_UPLOADS": _int("TUS_MAX_OPEN_UPLOADS", 200),
        # A signature image sent with a console form (never more than TUS_MAX_SIZE).
        "CONSOLE_IMAGE_MAX_BYTES": _int("CONSOLE_IMAGE_MAX_BYTES", 10 * MiB),
        "EVIDENCE_S3_ENDPOINT_URL": os.environ.get("EVIDENCE_S3_ENDPOINT_URL"),
        "EVIDENCE_S3_REGION": os.environ.get("EVIDENCE_S3_REGION"),
        "EVIDENCE_S3_ACCESS_KEY_ID": os.environ.get("EVIDENCE_S3_ACCESS_KEY_ID"),
        "EVIDENCE_S3_SECRET_ACCESS_KEY": os.environ.get("EVIDENCE_S3_SECRET_ACCESS_KEY"),
        "EVIDENCE_S3_ADDRESSING_STYLE": os.environ.get("EVIDENCE_S3_ADDRESSING_STYLE", "auto"),
        "EVIDENCE_MAX_IMAGE_PIXELS": _int("EVIDENCE_MAX_IMAGE_PIXELS", 89_478_485),
        "EVIDENCE_UNDECODED_TYPES": [t.strip().lower() for t in os.environ.get(
            "EVIDENCE_UNDECODED_TYPES",
            "audio/mp4,audio/mpeg,audio/aac,audio/amr,video/mp4,application/pdf").split(",")
            if t.strip()],
        # Planning: tasks overdue by this many working days reach escalation level 1, 2.
        "ESCALATION_WORKING_DAYS": [int(n) for n in os.environ.get(
            "ESCALATION_WORKING_DAYS", "1,3").split(",")],
        "REINSPECTION_WORKING_DAYS": _int("REINSPECTION_WORKING_DAYS", 5),
        "TASK_DUE_WORKING_DAYS": _int("TASK_DUE_WORKING_DAYS", 10),
        # Scheduler: a lease on SQLite, an advisory lock on PostgreSQL (server/scheduler.py).
        "SCHEDULER_LEASE_SECONDS": _int("SCHEDULER_LEASE_SECONDS", 60),
        "SCHEDULER_LOCK_KEY": _int("SCHEDULER_LOCK_KEY", 61_006),
        "SITE_MIN_AREA_M2": float(os.environ.get("SITE_MIN_AREA_M2", 20)),
        "SITE_MAX_AREA_M2": float(os.environ.get("SITE_MAX_AREA_M2", 50_000_000)),
        "SITE_MIN_SHARE_IN_DISTRICT": float(os.environ.get("SITE_MIN_SHARE_IN_DISTRICT", 0.99)),
        "OUTSIDE_SITE_M": float(os.environ.get("OUTSIDE_SITE_M", 200)),
        "LOCATION_MISMATCH_M": float(os.environ.get("LOCATION_MISMATCH_M", 300)),
        "CAPTURE_TOLERANCE_MIN": int(os.environ.get("CAPTURE_TOLERANCE_MIN", 30)),
        "CASE_EXPORT_TTL_HOURS": _int("CASE_EXPORT_TTL_HOURS", 168),
        # A stored archived-copy file no case names is deleted this long after it was stored.
        "ARCHIVE_COPY_GRACE_HOURS": max(1, _int("ARCHIVE_COPY_GRACE_HOURS", 24)),
        # Console: a basemap tile URL ({z}/{x}/{y}, GCJ-02 tiles).
        "CONSOLE_TILE_URL": os.environ.get("CONSOLE_TILE_URL") or None,
        "PASSWORD_HASH": {"time_cost": 3, "memory_cost": 65536, "parallelism": 4},
        # flask-smorest: the OpenAPI document is generated from the marshmallow schemas.
        "API_TITLE": "Field enforcement API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",  # the Swagger UI we serve renders 3.0
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_SORT_KEYS": False,
    }
