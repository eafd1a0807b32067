"""The field-enforcement sync server."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parents[1]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, CLI."""
    from server import cli, docs, health
    from server.auth import api as auth_api
    from server.config import load_config
    from server.errors import register_error_handlers
    from server.extensions import api, init_extensions
    from server.http import register_request_rules
    from server.registry import api as registry_api

    app = Flask(__name__, instance_path=str(ROOT / "instance"), instance_relative_config=True)
    app.config.update(load_config(Path(app.instance_path)))
    app.config["MIGRATIONS_DIR"] = ROOT / "migrations"
    app.config.update(config or {})
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))

    init_extensions(app)
    register_error_handlers(app)
    register_request_rules(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blueprint in (health.blp, auth_api.blp, registry_api.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
    cli.register(app)
    return app
