"""HTTP: user accounts for administrators (supervisors read their district's)."""

from __future__ import annotations

import uuid
from typing import Any

from schemas.users import (
    PasswordResetRequestSchema,
    PasswordResetSchema,
    UserAccountSchema,
    UserCreatedSchema,
    UserCreateSchema,
    UserListQuerySchema,
    UserPageSchema,
    UserUpdateSchema,
)
from server import idempotency
from server.apidoc import ApiBlueprint
from server.auth import accounts
from server.auth.models import User

blp = ApiBlueprint("users", __name__, url_prefix="/api/v1",
                   description="User accounts: certificates, districts, roles, passwords")

NO_STORE = {"Cache-Control": "no-store"}
SHOWN = tuple(UserAccountSchema().fields)


def _once(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A response holding a generated password: not cached, not kept for a replay."""
    idempotency.withhold("generated_password")
    return data, NO_STORE


def _shown(user: User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in SHOWN}


@blp.route("/users", methods=["GET"])
@blp.list_arguments(UserListQuerySchema)
@blp.response(200, UserPageSchema)
@blp.secured
def list_users(actor, query: dict):
    """A page of the accounts in your scope (admins; supervisors read their district's)."""
    filters = accounts.UserFilter(**{k: query.get(k) for k in ("role", "district", "active",
                                                              "name")})
    items, total = accounts.list_users(actor, filters, query["page"], query["per_page"])
    return {"items": items, "total": total, "page": query["page"],
            "per_page": query["per_page"]}


@blp.route("/users", methods=["POST"])
@blp.arguments(UserCreateSchema)
@blp.response(201, UserCreatedSchema)
@blp.problem(409, "Username taken")
@blp.problem(422, "Invalid fields, or a password that breaks the rules")
@blp.secured
def create_user(actor, body: dict):
    """Create an account in your scope; without `password` one is generated and shown once.
    Inspectors need a certificate number and its expiry."""
    password = body.pop("password", None)
    user, generated = accounts.create_account(actor, body, password)
    return _once(_shown(user) | {"generated_password": generated})


@blp.route("/users/<uuid:user_id>", methods=["GET"])
@blp.response(200, UserAccountSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.secured
def get_user(actor, user_id: uuid.UUID):
    """One account."""
    return accounts.get_user(actor, user_id)


@blp.route("/users/<uuid:user_id>", methods=["PATCH"])
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserAccountSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(409, "Stale version")
@blp.problem(422, "Invalid fields, or disabling, demoting or moving yourself")
@blp.secured
def update_user(actor, body: dict, user_id: uuid.UUID):
    """Change an account; send the `version` you read. Disabling it, changing its role or
    moving it to another district ends every token the user holds (they sign in again);
    a renewed certificate reaches the district's tablets as the `officer` they pull."""
    version = body.pop("version")
    return accounts.update_user(actor, user_id, version, body)


@blp.route("/users/<uuid:user_id>/password", methods=["POST"])
@blp.arguments(PasswordResetRequestSchema)
@blp.response(200, PasswordResetSchema)
@blp.problem(404, "Unknown or outside your scope")
@blp.problem(422, "A password that breaks the rules")
@blp.secured
def reset_password(actor, body: dict, user_id: uuid.UUID):
    """Reset the password (send one, or none to have one generated and shown once); every
    token the user holds ends."""
    reset = accounts.reset_password(actor, user_id, body.get("password"))
    return _once({"id": reset.user.id, "generated_password": reset.generated_password,
                  "revoked_tokens": reset.revoked_tokens})
