"""Backups: the database (SQLite online backup, or pg_dump) and the evidence store, with a
manifest of SHA-256 hashes; a restore verifies the manifest before it touches anything.

A backup is a folder:
  manifest.json              format, time, database dialect and revision, every file's hash
  database.sqlite3 | database.pgdump
  evidence/ab/<sha256>       originals (their name is their hash)
  casefiles/ab/<sha256>      archived case files, the store's copies (older backups: in evidence/)
  derived/<sha256>.<variant>.jpg, exports/<case file>.zip
The database is copied first; the evidence list is read afterwards, so every original the
copied database refers to is included (evidence is write-once: later ones only add).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.engine import URL, make_url

from server import clock
from server.audit import service as audit
from server.cases.casefile import safe_member_name
from server.cases.exports import export_dir
from server.cases.models import Case
from server.evidence.models import Evidence
from server.evidence.storage import CHUNK, VARIANTS, store_from_url
from server.extensions import db
from server.uow import unit_of_work

FORMAT = "enforcement-backup/1"
MANIFEST = "manifest.json"
DB_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ROLE_FOLDERS = {"evidence": "evidence", "casefile": "casefiles"}  # stored by their SHA-256
# Rows every migrated instance has: they do not make a target "not empty".
NOT_DATA = frozenset({"alembic_version", "audit_head", "sync_counter"})


class BackupError(Exception):
    """The backup or restore cannot proceed; `problems` lists why."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """libpq connection arguments; the password travels in the environment, not argv."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return [f"--dbname={plain.render_as_string(hide_password=False)}"], env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise BackupError([f"{command[0]} is not installed (Debian: postgresql-client)"]) \
            from error
    if done.returncode != 0:
        raise BackupError([f"{command[0]} failed: {done.stderr.strip()[:2000]}"])


def _copy(source: BinaryIO, target: Path) -> tuple[str, int]:
    """Copy a stream to a new file, fsynced; returns its SHA-256 and size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), size


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _dump_database(dest: Path) -> tuple[str, Path]:
    url = _url()
    dialect = url.get_backend_name()
    target = dest / DB_FILES.get(dialect, "")
    if dialect == "sqlite":
        source = sqlite3.connect(url.database)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # the online backup API: a consistent snapshot while in use
        finally:
            copy.close()
            source.close()
    elif dialect == "postgresql":
        args, env = _pg_args(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={target}", *args], env)
    else:
        raise BackupError([f"no backup method for the {dialect} database"])
    return dialect, target


def backup(dest: Path) -> dict[str, Any]:
    """Write a backup into `dest` (new or empty); returns the manifest."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError([f"{dest} exists and is not an empty folder"])
    dest.mkdir(parents=True, exist_ok=True)
    revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.rollback()
    dialect, database = _dump_database(dest)
    files = [_entry(dest, database, "database")]
    store = store_from_url(current_app.config["EVIDENCE_STORE"])
    # An archived case's file lives in the evidence store too (among its copies), and can
    # never be built again.
    originals = set(db.session.scalars(select(Evidence.sha256)))
    copies = set(db.session.scalars(
        select(Case.archive_sha256).where(Case.archive_sha256.is_not(None))))
    stored = [(sha, "evidence") for sha in originals] + [(sha, "casefile") for sha in copies]
    for sha, role in sorted(stored):
        name = f"{ROLE_FOLDERS[role]}/{sha[:2]}/{sha}"
        with (store.open if role == "evidence" else store.open_copy)(sha) as original:
            digest, size = _copy(original, dest / name)
        if digest != sha:
            raise BackupError([f"{role} {sha} in the store does not match its hash "
                               f"(found {digest}): run the integrity audit"])
        files.append({"name": name, "sha256": digest, "size": size, "role": role})
        if role != "evidence":
            continue
        for variant in sorted(VARIANTS):
            derived = store.open_derived(sha, variant)
            if derived is not None:
                with derived:
                    digest, size = _copy(derived, dest / f"derived/{sha}.{variant}.jpg")
                files.append({"name": f"derived/{sha}.{variant}.jpg", "sha256": digest,
                              "size": size, "role": "derived"})
    for path in sorted(export_dir().glob("*.zip")):
        with path.open("rb") as source:
            digest, size = _copy(source, dest / "exports" / path.name)
        files.append({"name": f"exports/{path.name}", "sha256": digest, "size": size,
                      "role": "export"})
    manifest = {"format": FORMAT, "created_at": clock.utcnow().isoformat(),
                "database": {"dialect": dialect, "revision": revision}, "files": files}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), "utf-8")
    with unit_of_work():
        audit.record(None, "system.backup", "backup", dest.name,
                     {"files": len(files), "bytes": sum(f["size"] for f in files)})
    return manifest


def _entry(dest: Path, path: Path, role: str) -> dict[str, Any]:
    digest, size = file_digest(path)
    return {"name": path.relative_to(dest).as_posix(), "sha256": digest, "size": size,
            "role": role}


_DERIVED = re.compile(r"derived/([0-9a-f]{64})\.([a-z]+)\.jpg")


def named_for_role(name: str, role: Any, dialect: Any) -> bool:
    """Whether a listed file has a name `backup` gives a file of its role (restore reads the
    digest and variant of a derived file from its name): an unknown role, or a name the
    restore could not place, is refused before anything is replaced."""
    if role == "database":
        return name == DB_FILES.get(dialect)
    if role in ROLE_FOLDERS:
        parts = name.split("/")
        return len(parts) == 3 and parts[0] == ROLE_FOLDERS[role] and parts[1] == parts[2][:2]
    if role == "derived":
        found = _DERIVED.fullmatch(name)
        return found is not None and found.group(2) in VARIANTS
    if role == "export":
        parts = name.split("/")
        return len(parts) == 2 and parts[0] == "exports" and parts[1].endswith(".zip")
    return False


def verify_backup(src: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """Read the manifest and check every file against it (and nothing unlisted)."""
    try:
        manifest = json.loads((src / MANIFEST).read_text("utf-8"))
        files, dialect = manifest["files"], manifest["database"]["dialect"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        return None, [f"unreadable manifest: {error}"]
    problems = [] if manifest.get("format") == FORMAT else [
        f"unknown format {manifest.get('format')!r}"]
    listed = set()
    for entry in files:
        name = str(entry.get("name") or "")
        if not safe_member_name(name):
            problems.append(f"unsafe file name (outside the backup): {name!r}")
            continue
        listed.add(name)
        path = src / name
        if not path.is_file():
            problems.append(f"missing file: {name}")
        elif file_digest(path) != (entry.get("sha256"), entry.get("size")):
            problems.append(f"altered file: {name}")
        elif entry.get("role") in ROLE_FOLDERS and entry["sha256"] != name.rsplit("/", 1)[-1]:
            problems.append(f"{entry['role']} file not named by its hash: {name}")
        elif not named_for_role(name, entry.get("role"), dialect):
            problems.append(f"{entry.get('role')} file not named as its role's files are: "
                            f"{name}")
    present = {p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file()}
    problems += [f"unlisted file: {name}" for name in sorted(present - listed - {MANIFEST})]
    if DB_FILES.get(dialect) not in listed:
        problems.append("the backup holds no database file")
    return manifest, problems


def target_is_empty() -> bool:
    """Whether the configured database holds no data (a freshly migrated instance)."""
    tables = [t for t in db.metadata.sorted_tables if t.name not in NOT_DATA]
    for table in tables:
        if db.session.scalar(select(func.count()).select_from(table)):
            return False
    return True


def restore(src: Path, force: bool = False) -> dict[str, Any]:
    """Verify the backup, then restore database and evidence into this instance."""
    manifest, problems = verify_backup(src)
    if problems or manifest is None:
        raise BackupError(problems)
    url = _url()
    dialect = manifest["database"]["dialect"]
    if dialect != url.get_backend_name():
        raise BackupError([f"the backup holds a {dialect} database; this instance uses "
                           f"{url.get_backend_name()}"])
    if not force and not target_is_empty():
        raise BackupError(["the target database is not empty (use --force to replace it)"])
    db.session.remove()
    db.engine.dispose()
    database = src / DB_FILES[dialect]
    if dialect == "sqlite":
        source, target = sqlite3.connect(database), sqlite3.connect(url.database)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        args, env = _pg_args(url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", *args, str(database)], env)
    _restore_files(src, manifest["files"])
    if not audit.head_holds():  # sealed elsewhere: an entry sealed here would break it for good
        raise BackupError([
            "the restored audit log is sealed under another key: set AUDIT_SEAL_KEY (or, "
            "without it, SECRET_KEY) to the key of the instance the backup came from, or "
            "list that key in AUDIT_SEAL_RETIRED_KEYS, then restore again with --force"])
    with unit_of_work():
        audit.rotate_on_commit()  # a backup sealed under a retired key moves to this one
        audit.record(None, "system.restore", "backup", src.name,
                     {"created_at": manifest.get("created_at"), "files": len(manifest["files"])})
    return manifest


def _restore_files(src: Path, files: list[dict[str, Any]]) -> None:
    store = store_from_url(current_app.config["EVIDENCE_STORE"])
    exports = export_dir()
    for entry in files:
        path = src / entry["name"]
        if entry["role"] in ROLE_FOLDERS:  # content-addressed: an existing original stays
            with path.open("rb") as stream:
                stored = (store.put if entry["role"] == "evidence" else store.put_copy)(stream)
            if stored != entry["sha256"]:
                raise BackupError([f"{entry['role']} {entry['name']} stored as {stored}"])
        elif entry["role"] == "derived":
            sha, variant, _ = path.name.split(".")
            store.put_derived(sha, variant, path.read_bytes())
        elif entry["role"] == "export":
            shutil.copyfile(path, exports / path.name)
