"""An account's devices: revoke one from the account's page (a lost tablet, a session left
open elsewhere); the user signs in again on it with their password."""

from __future__ import annotations

import uuid

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from server.auth import user_devices
from server.auth.policy import Actor
from server.console.web import bp, page


@bp.route("/accounts/<uuid:user_id>/devices/revoke", methods=["POST"])
@page("device.revoke_for_others")
def revoke_device(actor: Actor, user_id: uuid.UUID) -> Response:
    """Revoke the user's sign-in on the device named by the form."""
    device_id = request.form.get("device_id", "")
    user_devices.revoke_user_device(actor, user_id, device_id)
    flash(gettext("Device %(device)s revoked: it is signed out now.", device=device_id))
    return redirect(url_for("console.account", user_id=user_id) + "#devices", 303)
