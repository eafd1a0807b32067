"""The field-enforcement sync server."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parents[1]

# Every API blueprint, one module per line (each module defines `blp`).
API_MODULES = (
    "server.health",
    "server.auth.api",
    "server.auth.users_api",
    "server.registry.api",
    "server.evidence.api",
    "server.planning.api",
    "server.planning.tasks_api",
    "server.jobs_api",
    "server.fieldwork.api",
    "server.rulesets.api",
    "server.cases.api",
    "server.cases.exports_api",
    "server.reports.api",
    "server.sync.api",
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, CLI."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from server import cli, deployment, docs, idempotency
    from server.config import load_config
    from server.console import init_console
    from server.errors import register_error_handlers
    from server.extensions import api, init_extensions
    from server.http import register_request_rules

    app = Flask(__name__, instance_path=str(ROOT / "instance"), instance_relative_config=True)
    app.config.update(load_config(Path(app.instance_path)))
    app.config["MIGRATIONS_DIR"] = ROOT / "migrations"
    app.config.update(config or {})
    if config and "SECRET_KEY" in config:
        app.config["SECRET_KEY_GENERATED"] = False
    deployment.check(app.config)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))

    init_extensions(app)
    register_error_handlers(app)
    register_request_rules(app)
    idempotency.register(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for module in API_MODULES:
        api.register_blueprint(importlib.import_module(module).blp)
    api.when_described(idempotency.document)
    app.register_blueprint(docs.bp)
    init_console(app)
    cli.register(app)
    hops = app.config["TRUSTED_PROXIES"]
    if hops:  # outermost: every part of the app sees the client's address and scheme
        host = hops if app.config["TRUSTED_PROXY_HOST"] else 0  # the Host only if they set it
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=host)
    return app
