"""Extensions, created unbound; create_app binds them. Models import `db` from here."""

from __future__ import annotations

import http
import threading
from collections.abc import Callable
from typing import Any

from apispec import APISpec
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from schemas.common import ProblemSchema
from server.errors import PROBLEM_JSON, http_exception_problem

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for Alembic."""

    metadata = MetaData(naming_convention=NAMING)


class ProblemApi(Api):
    """flask-smorest, but errors are RFC 9457 problems in the spec and on the wire."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._describing = threading.Lock()
        self._undescribed: list[tuple[Any, str, Any]] = []
        self._finishers: list[Callable[[APISpec], None]] = []
        super().__init__(*args, **kwargs)

    @property
    def spec(self) -> APISpec | None:
        """The OpenAPI description, completed with the registered blueprints when first read.

        flask-smorest describes each blueprint as it is registered, deep-copying every view's
        documentation; that is most of the cost of building an app (each gunicorn worker, each
        test). Only /openapi.json, the docs pages and the CLI read the description, so it is
        written the first time one of them asks."""
        if self._undescribed:  # other readers wait on the lock until the spec is complete
            with self._describing:
                if self._undescribed:
                    for blp, name, parameters in self._undescribed:
                        blp.register_views_in_doc(self, self._app, self._spec, name=name,
                                                  parameters=parameters)
                        self._spec.tag({"name": name, "description": blp.description})
                    for finish in self._finishers:
                        finish(self._spec)
                    self._undescribed = []
        return self._spec

    @spec.setter
    def spec(self, value: APISpec | None) -> None:
        self._spec, self._undescribed, self._finishers = value, [], []

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        """Register the blueprint's views now; describe them when the spec is first read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undescribed.append((blp, name, parameters))

    def when_described(self, finish: Callable[[APISpec], None]) -> None:
        """Run `finish` on the spec once every registered blueprint is described in it."""
        self._finishers.append(finish)

    def handle_http_exception(self, error):  # noqa: D401 - flask-smorest hook
        """Render HTTP errors (including webargs 422s) as problem+json."""
        return http_exception_problem(error)

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                content_type = PROBLEM_JSON
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (RFC 9457 problem)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


# Services return what they committed; views dump it without a reload query per attribute.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
api = ProblemApi()
limiter = Limiter(key_func=get_remote_address)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Embedded SQLite: WAL for concurrent readers, enforced foreign keys, patient writers."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    # pysqlite's own transaction handling is switched off so that "begin" below decides.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(conn) -> None:
    """Take SQLite's write lock at BEGIN: a deferred read-then-write transaction would fail
    with SQLITE_BUSY instead of waiting when another worker writes (WAL snapshot upgrade)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def init_extensions(app: Flask) -> None:
    """Bind every extension to the app."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config["MIGRATIONS_DIR"]), render_as_batch=True)
    api.init_app(app)
    limiter.init_app(app)
