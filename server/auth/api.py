"""HTTP: tokens for devices, device list and revocation, who-am-I."""

from __future__ import annotations

from flask import request

from schemas.auth import (
    DeviceSchema,
    PasswordChangeSchema,
    RevocationSchema,
    TokenRequestSchema,
    TokenSchema,
    UserSchema,
)
from server.apidoc import ApiBlueprint
from server.auth import service
from server.auth.models import User
from server.auth.throttle import sign_in_limit
from server.extensions import db

blp = ApiBlueprint("auth", __name__, url_prefix="/api/v1/auth",
                description="Sign-in on a device, tokens, revocation")


def _username() -> object:
    """The username a token or password-change request tries."""
    body = request.get_json(silent=True)
    return body.get("username") if isinstance(body, dict) else None


_sign_in_limit = sign_in_limit(_username)


def _token(issued: service.IssuedToken) -> dict:
    return {"access_token": issued.access_token, "token_type": "Bearer",
            "expires_at": issued.expires_at, "device_id": issued.device_id, "user": issued.user}


@blp.route("/token", methods=["POST"])
@_sign_in_limit
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.problem(401, "Wrong credentials")
@blp.problem(403, "The password is temporary (set by an administrator): change it with "
                  "POST /auth/password (type password-change-required)")
@blp.problem(429, "Too many failed attempts")
def issue_token(body: dict):
    """Sign in on a device and get a bearer token bound to it."""
    return _token(service.issue_token(body["username"], body["password"], body["device_id"]))


@blp.route("/password", methods=["POST"])
@_sign_in_limit
@blp.arguments(PasswordChangeSchema)
@blp.response(201, TokenSchema)
@blp.problem(401, "Wrong credentials")
@blp.problem(422, "A new password that breaks the rules or repeats the current one")
@blp.problem(429, "Too many failed attempts")
def change_password(body: dict):
    """Change your own password and sign in on a device: the current password (the temporary
    one an administrator set, or your own) and a new one; every other token of yours ends."""
    return _token(service.change_password(body["username"], body["password"],
                                          body["new_password"], body["device_id"]))


@blp.route("/me", methods=["GET"])
@blp.response(200, UserSchema)
@blp.secured
def me(actor):
    """The signed-in user."""
    return db.session.get(User, actor.user_id)


@blp.route("/devices", methods=["GET"])
@blp.response(200, DeviceSchema(many=True))
@blp.secured
def devices(actor):
    """The caller's devices with live tokens."""
    return service.list_devices(actor)


@blp.route("/devices/<string:device_id>", methods=["DELETE"])
@blp.response(200, RevocationSchema)
@blp.problem(404, "No live token for this device in your scope")
@blp.secured
def revoke(actor, device_id: str):
    """Revoke a device (a lost tablet stops working at once)."""
    return {"device_id": device_id, "revoked": service.revoke_device(actor, device_id)}
