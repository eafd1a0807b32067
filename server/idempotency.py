"""Idempotency-Key on POST requests: a retry replays the first response, exactly once.

The key row is inserted at the start of the request's transaction and committed together with
what the view changed and the response it gave (services' units of work become savepoints,
see server.uow): a crash before that commit leaves neither, so the retry runs afresh; a crash
after it leaves both, so the retry replays. A concurrent duplicate waits on the key's unique
index (PostgreSQL) or on SQLite's write lock, then finds the committed row and replays it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Response, current_app, g, request
from sqlalchemy import (
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
    delete,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from server import clock
from server.auth.context import current_actor
from server.db_types import JSONType, UTCDateTime
from server.errors import DomainError, ValidationFailed
from server.extensions import db
from server.uow import DEFERRED_COMMIT
from server.uow import unit_of_work as _uow

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Paths with their own exactly-once protocol: sync mutation ids, tus upload offsets.
EXEMPT_PREFIXES = ("/api/v1/sync/push", "/api/v1/uploads/")
# Sign-in is not idempotent: each call issues a new token, which must never be stored.
NOT_IDEMPOTENT = ("/api/v1/auth/token", "/api/v1/auth/password")
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag", "Content-Disposition", "Retry-After",
                    "Cache-Control")
WITHHELD = "idempotency_withheld"  # g: top-level JSON fields the stored response leaves null
PARAMETER_DOC = {
    "name": HEADER, "in": "header", "required": False,
    "description": "A unique value per intended operation (e.g. a UUID). A retry with the same "
                   "key replays the first response (marked `Idempotent-Replayed: true`); the "
                   "same key with a different request answers 422. Keys are kept "
                   "IDEMPOTENCY_TTL_HOURS.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH,
               "pattern": r"^[\x21-\x7e]+$"},
}


class IdempotencyKey(db.Model):
    """A key a user sent with a POST, the request's fingerprint and the response it got."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)


class KeyReused(ValidationFailed):
    """The key was first used for a different request."""


def fingerprint() -> str:
    """SHA-256 of method, path, query and body (JSON canonicalised, multipart by part)."""
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1")):
        digest.update(part.encode() + b"\0")
    if request.mimetype == "multipart/form-data":
        # a part without a name has the name None: it sorts first, as ""
        for name, value in sorted(request.form.items(multi=True), key=lambda kv: (kv[0] or "",
                                                                                 kv[1])):
            digest.update(f"form:{name}={value}\0".encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda kv: kv[0] or ""):
            digest.update(f"file:{name}:{upload.filename}\0".encode())
            digest.update(hashlib.sha256(upload.stream.read()).digest())
            upload.stream.seek(0)
        return digest.hexdigest()
    raw = request.get_data(cache=True)
    try:
        digest.update(json.dumps(json.loads(raw), sort_keys=True, ensure_ascii=False).encode())
    except (ValueError, RecursionError):
        digest.update(raw)
    return digest.hexdigest()


def _applies() -> bool:
    return (request.method == "POST" and request.path.startswith("/api/")
            and not request.path.startswith(EXEMPT_PREFIXES)
            and request.path not in NOT_IDEMPOTENT and HEADER in request.headers)


def _replay(row: IdempotencyKey, print_: str) -> Response:
    if row.fingerprint != print_:
        raise KeyReused(f"This {HEADER} was already used for a different request; "
                        "send a new key for a new operation.", errors={HEADER: ["reused"]})
    response = Response(row.body or b"", status=row.status)
    for name, value in (row.headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _find(user_id: uuid.UUID, key: str) -> IdempotencyKey | None:
    return db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key,
        IdempotencyKey.expires_at > clock.utcnow()))


def withhold(*fields: str) -> None:
    """Keep this response for replay with these top-level JSON fields null: a secret shown
    once (a generated password) is never written to the database, and a retry does not
    repeat the operation to show it again."""
    g.setdefault(WITHHELD, set()).update(fields)


def _stored_body(response: Response) -> bytes:
    body = response.get_data()
    withheld = g.pop(WITHHELD, None)
    if not withheld or not response.is_json:
        return body
    data = json.loads(body)
    if isinstance(data, dict):
        data.update({name: None for name in withheld if name in data})
    return json.dumps(data, ensure_ascii=False).encode()


def begin() -> Response | None:
    """Before the view: replay a known key, or hold a new one in the request's transaction."""
    if not _applies():
        return None
    key = request.headers[HEADER].strip()
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationFailed(f"{HEADER} must be 1-{MAX_KEY_LENGTH} printable ASCII "
                               "characters.", errors={HEADER: ["invalid"]})
    try:
        actor = current_actor()
    except DomainError:
        return None  # keys are per user: the view answers the missing credentials
    print_ = fingerprint()
    session = db.session
    session.rollback()  # the key row opens the transaction (SQLite: BEGIN IMMEDIATE)
    found = _find(actor.user_id, key)
    if found is not None:
        return _replay(found, print_)
    now = clock.utcnow()
    session.execute(delete(IdempotencyKey).where(  # an expired row would hold the unique key
        IdempotencyKey.user_id == actor.user_id, IdempotencyKey.key == key,
        IdempotencyKey.expires_at <= now))
    row = IdempotencyKey(user_id=actor.user_id, key=key, fingerprint=print_, created_at=now,
                         expires_at=now + timedelta(
                             hours=current_app.config["IDEMPOTENCY_TTL_HOURS"]))
    try:
        session.add(row)
        session.flush()  # waits here while a concurrent duplicate holds the key
    except IntegrityError:
        session.rollback()
        found = _find(actor.user_id, key)
        if found is None:
            raise
        return _replay(found, print_)
    session.info[DEFERRED_COMMIT] = []
    g.idempotency_row = row
    return None


def finish(response: Response) -> Response:
    """After the view: commit its changes with the response, or roll both back (5xx)."""
    row: IdempotencyKey | None = g.pop("idempotency_row", None)
    if row is None:
        return response
    session = db.session
    callbacks = session.info.pop(DEFERRED_COMMIT, [])
    if response.status_code >= 500:
        session.rollback()  # nothing happened: a retry runs afresh
        return response
    if response.direct_passthrough:  # a file stream is not kept: the key is not remembered
        session.delete(row)
        session.commit()
        _run(callbacks)
        return response
    row.status = response.status_code
    row.headers = {name: response.headers[name] for name in REPLAYED_HEADERS
                   if name in response.headers}
    row.body = _stored_body(response)
    session.commit()
    _run(callbacks)
    return response


def _run(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        callback()


def purge_expired_keys(now: datetime) -> dict[str, int]:
    """Delete the keys whose retention has passed."""
    with _uow() as session:
        result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    return {"deleted": result.rowcount or 0}


def document(spec: Any) -> None:
    """Add the header parameter to every POST operation it applies to."""
    spec.components.parameter("IdempotencyKey", "header", dict(PARAMETER_DOC))
    for path, operations in spec._paths.items():  # apispec keeps registered paths here
        if "post" not in operations or not path.startswith("/api/") \
                or path.startswith(EXEMPT_PREFIXES) or path in NOT_IDEMPOTENT:
            continue
        parameters = operations["post"].setdefault("parameters", [])
        parameters.append({"$ref": "#/components/parameters/IdempotencyKey"})


def register(app: Flask) -> None:
    """Install the before/after hooks."""
    app.before_request(begin)
    app.after_request(finish)

    @app.teardown_request
    def _drop(_error: BaseException | None) -> None:
        if g.pop("idempotency_row", None) is not None:
            db.session.info.pop(DEFERRED_COMMIT, None)
            db.session.rollback()
