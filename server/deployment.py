"""Refuse to start in production with an unsafe configuration.

Production is `APP_ENV=production`. There the app needs a real SECRET_KEY from the environment
(not the per-host generated one: several hosts must sign alike), strong case-file keys (a weak
retired key would let anyone forge a copy that verifies), and it will not run SQLite on a
database file that several hosts share: SQLite's locking is not safe over network filesystems.
"Shared" means the operator says so (`APP_HOSTS` > 1) or the file lies on a network or cluster
filesystem according to /proc/mounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from server.cases.casefile_keys import retired_secrets

MOUNTS = Path("/proc/mounts")
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
    "fuse.glusterfs", "fuse.sshfs", "fuse.s3fs", "fuse.rclone", "fuse.juicefs", "davfs",
    "fuse.davfs2", "lustre", "gpfs", "beegfs", "ocfs2", "gfs2", "fuse.cephfs",
})
PLACEHOLDER_KEYS = frozenset({"secret", "changeme", "change-me", "dev", "development", "test",
                              "default", "your-secret-key", "secret_key", "please-change-me"})
MIN_SECRET_LENGTH = 32


class UnsafeDeployment(RuntimeError):
    """The configuration must not run in production."""


def _unescape(field: str) -> str:
    """/proc/mounts writes spaces, tabs and backslashes in paths as octal escapes."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def filesystem_of(path: Path, mounts: str) -> str | None:
    """The filesystem type of the longest mount point containing `path`."""
    best, best_type = "", None
    target = str(path)
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = _unescape(parts[1]).rstrip("/") or "/"
        inside = point == "/" or target == point or target.startswith(point + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, parts[2]
    return best_type


def _weak(key: str) -> bool:
    return len(key) < MIN_SECRET_LENGTH or len(set(key)) < 8 or key.lower() in PLACEHOLDER_KEYS


def _too_weak(name: str) -> str:
    return (f"{name} is too weak: use at least {MIN_SECRET_LENGTH} random characters "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')")


def secret_key_problem(config: Mapping[str, Any]) -> str | None:
    """Why the SECRET_KEY is not a real one, or None."""
    if config.get("SECRET_KEY_GENERATED"):
        return "SECRET_KEY is not set: production needs one key shared by every host"
    return _too_weak("SECRET_KEY") if _weak(str(config.get("SECRET_KEY") or "")) else None


def _key_problems(config: Mapping[str, Any], name: str, retired_name: str,
                  retired: list[str], what: str) -> list[str]:
    """Why a rotating key (`name`, else SECRET_KEY) and its retired ones are unsafe (never
    quoting a secret); empty when sound."""
    given = config.get(name)
    problems = [_too_weak(name)] if given and _weak(str(given)) else []
    current = given or config.get("SECRET_KEY")
    for number, secret in enumerate(retired, start=1):
        if _weak(secret):
            problems.append(_too_weak(f"{retired_name} entry {number}"))
        if secret == current:
            problems.append(f"{retired_name} lists the current {what} (entry {number}): "
                            f"retire a key only after {name} changed")
    return problems


def casefile_key_problems(config: Mapping[str, Any]) -> list[str]:
    """Why the case-file keys are unsafe; empty when sound."""
    return _key_problems(config, "CASEFILE_SIGNING_KEY", "CASEFILE_RETIRED_KEYS",
                         retired_secrets(config), "signing key")


def audit_key_problems(config: Mapping[str, Any]) -> list[str]:
    """Why the audit seal keys are unsafe; empty when sound."""
    return _key_problems(config, "AUDIT_SEAL_KEY", "AUDIT_SEAL_RETIRED_KEYS",
                         list(config.get("AUDIT_SEAL_RETIRED_KEYS") or ()), "audit key")


def sqlite_problem(config: Mapping[str, Any], mounts: str) -> str | None:
    """Why the SQLite database may not be used by this deployment, or None."""
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        return None
    if int(config.get("APP_HOSTS", 1)) > 1:
        return (f"APP_HOSTS={config['APP_HOSTS']}: several hosts cannot share a SQLite "
                "database; set DATABASE_URL to PostgreSQL")
    if not url.database or url.database == ":memory:":
        return "an in-memory SQLite database keeps nothing; set DATABASE_URL"
    path = Path(url.database).resolve()
    kind = filesystem_of(path, mounts)
    if kind in NETWORK_FILESYSTEMS:
        return (f"the SQLite database {path} lies on a {kind} filesystem that several hosts "
                "may share; SQLite's locks do not hold there: use PostgreSQL")
    return None


def throttle_problem(config: Mapping[str, Any], workers: int = 1) -> str | None:
    """Why the sign-in throttle's counters would not be shared by everything serving, or None:
    in memory, each worker and host would allow the limit of guesses on its own."""
    if not str(config.get("RATELIMIT_STORAGE_URI", "memory://")).startswith("memory://"):
        return None
    hosts = int(config.get("APP_HOSTS", 1))
    if hosts > 1 or workers > 1:
        return (f"RATELIMIT_STORAGE_URI is memory:// with {hosts} host(s) x {workers} "
                "worker(s): each would count failed sign-ins on its own; set it to a shared "
                "store (redis://host:6379)")
    return None


def check_workers(config: Mapping[str, Any], workers: int) -> None:
    """Raise UnsafeDeployment when a production server's workers cannot share what they must
    (called by gunicorn.conf.py in each worker, which knows how many there are)."""
    problem = throttle_problem(config, workers) if config.get("APP_ENV") == "production" \
        else None
    if problem:
        raise UnsafeDeployment("refusing to start in production: " + problem)


def check(config: Mapping[str, Any], mounts: str | None = None) -> None:
    """Raise UnsafeDeployment listing every problem of a production configuration."""
    if config.get("APP_ENV") != "production":
        return
    if mounts is None:
        mounts = MOUNTS.read_text() if MOUNTS.exists() else ""
    problems = [p for p in (secret_key_problem(config), *casefile_key_problems(config),
                            *audit_key_problems(config), sqlite_problem(config, mounts),
                            throttle_problem(config)) if p]
    if problems:
        raise UnsafeDeployment("refusing to start in production: " + "; ".join(problems))
