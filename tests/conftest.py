"""Fixtures: a fresh app per test on SQLite, or on PostgreSQL when TEST_DATABASE=postgresql.

The schema is built once per run by the real Alembic migrations; every test then starts from
empty tables (plus the district outlines, which are reference data). Under pytest-xdist
(`make test` runs two workers) each worker has its own database: its own SQLite file, or on
PostgreSQL a database named after TEST_DATABASE_URL's and the worker, made at the start and
dropped at the end.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import shape
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BOUNDARIES = ROOT / "server" / "data" / "boundaries" / "shanghai_districts.geojson"
FIXED_STAMP = datetime(2026, 1, 1, tzinfo=UTC)
# The audit key of every app of the run, and of the servers tests start on its database.
AUDIT_SEAL_KEY = "audit-seal-key-of-the-test-run"
FAST_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def _database_url(tmp_root: Path) -> str:
    if os.environ.get("TEST_DATABASE") == "postgresql":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            raise pytest.UsageError("TEST_DATABASE=postgresql needs TEST_DATABASE_URL")
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return _worker_database(url, worker, create=True) if worker else url
    return f"sqlite:///{tmp_root / 'test.db'}"


def _worker_database(url: str, worker: str, create: bool) -> str:
    """An xdist worker's own PostgreSQL database beside TEST_DATABASE_URL's: created when
    `create`, else dropped (WITH FORCE: a killed gunicorn may have left a session)."""
    from sqlalchemy.engine import make_url

    base = make_url(_normalised(url))
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": name})
            if create and not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            elif not create and exists:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _reset_schema(url: str) -> None:
    """Start the run from an empty database (a re-used PostgreSQL database may hold tables)."""
    from server.config import normalise_database_url

    if not url.startswith("postgres"):
        return
    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test database, migrated once with Alembic."""
    from flask_migrate import upgrade

    from server import create_app

    root = tmp_path_factory.mktemp("db")
    url = _database_url(root)
    _reset_schema(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": _normalised(url), "TESTING": True,
                      "EVIDENCE_STORE": f"file://{root / 'evidence'}"})
    with app.app_context():
        upgrade(revision="heads")
        from server.extensions import db

        db.engine.dispose()
    yield url
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and url.startswith("postgres"):
        _worker_database(os.environ["TEST_DATABASE_URL"], worker, create=False)


def _normalised(url: str) -> str:
    from server.config import normalise_database_url

    return normalise_database_url(url)


@pytest.fixture(scope="session")
def boundary_rows() -> list[dict[str, Any]]:
    """The shipped district outlines, parsed once."""
    collection = json.loads(BOUNDARIES.read_text("utf-8"))
    return [{"code": f["properties"]["adcode"], "name": f["properties"]["name"],
             "name_en": f["properties"]["name_en"], "geometry": f["geometry"],
             "source": "test fixture", "updated_at": FIXED_STAMP}
            for f in collection["features"]]


def _clean(db) -> None:
    """Empty every table, children first. On PostgreSQL one round trip of DELETEs and
    sequence restarts: a TRUNCATE of every table costs ~25x more on a test's few rows."""
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        sequences = db.session.scalars(text(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"))
        db.session.execute(text("; ".join(
            [f'DELETE FROM "{t.name}"' for t in tables]
            + [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences])))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"),
                       {"h": "0" * 64})
    db.session.commit()


# The sequences behind integer keys, with their table and column (PostgreSQL).
_OWNED_SEQUENCES = text(
    "SELECT s.relname, t.relname, a.attname FROM pg_class s "
    "JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass "
    "JOIN pg_class t ON t.oid = d.refobjid "
    "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
    "WHERE s.relkind = 'S' AND t.relnamespace = current_schema()::regnamespace")


@dataclass(frozen=True)
class World:
    """A fixture's world as built once through the API: its rows and what the test needs."""

    rows: dict[str, list[dict[str, Any]]]
    facts: dict[str, Any]
    next_user: int


def save_world(db, facts: dict[str, Any], make_user) -> World:
    """Every table's rows now, for restore_world to put back in later tests of the run."""
    rows = {t.name: [dict(r._mapping) for r in db.session.execute(t.select())]
            for t in db.metadata.sorted_tables}
    return World(rows, copy.deepcopy(facts), next(make_user.numbers[0]))


def restore_world(db, world: World, make_user) -> dict[str, Any]:
    """Put a saved world's rows back in place of the clean tables (sequences follow, user
    names go on after its users'); returns a copy of its facts."""
    tables = db.metadata.sorted_tables
    for table in reversed(tables):
        db.session.execute(table.delete())
    for table in tables:
        if world.rows[table.name]:
            db.session.execute(table.insert(), world.rows[table.name])
    if db.engine.dialect.name == "postgresql":
        for sequence, table, column in db.session.execute(_OWNED_SEQUENCES).all():
            db.session.execute(text(
                f'SELECT setval(\'"{sequence}"\', COALESCE(MAX("{column}"), 1), '
                f'MAX("{column}") IS NOT NULL) FROM "{table}"'))
    db.session.commit()
    make_user.numbers[0] = itertools.count(world.next_user)
    return copy.deepcopy(world.facts)


@pytest.fixture
def app(database_url: str, boundary_rows, tmp_path: Path) -> Iterator[Flask]:
    """A fresh app on clean tables, with the district outlines loaded."""
    from server import create_app
    from server.extensions import db
    from server.registry.models import District

    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _normalised(database_url),
        "EVIDENCE_STORE": f"file://{tmp_path / 'evidence'}",
        "CASE_EXPORT_DIR": str(tmp_path / "exports"),  # not the checkout's instance/exports
        "PASSWORD_HASH": FAST_HASH,
        "SECRET_KEY": secrets.token_hex(16),
        # one audit key for the run: a world saved by one test is restored in later ones
        "AUDIT_SEAL_KEY": AUDIT_SEAL_KEY,
        # Archiving queues the case file's build: a test runs the job (or turns threads on).
        "CASE_EXPORT_THREAD": False,
    })
    with app.app_context():
        _clean(db)
        db.session.add_all(District(**row) for row in boundary_rows)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """HTTP test client."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    """CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., tuple[Any, str]]:
    """Create a user through the service; returns (user, password)."""
    from server.auth import service

    numbers = [itertools.count(1)]  # restore_world moves it past a restored world's users

    def make(role: str = "inspector", district: str = "310115", **extra: Any):
        password = secrets.token_urlsafe(12)
        username = extra.pop("username", f"{role}{next(numbers[0])}_{district}")
        if role == "inspector":
            extra.setdefault("certificate_no", f"沪环执{secrets.randbelow(10**6):06d}")
            extra.setdefault("certificate_expires", date.today() + timedelta(days=365))
        with app.app_context():
            user = service.create_user(username, role, district, password, **extra)
        return user, password

    make.numbers = numbers  # type: ignore[attr-defined]
    return make


@pytest.fixture
def login(client: FlaskClient, make_user) -> Callable[..., dict[str, str]]:
    """Create a user and sign in; returns Authorization headers."""

    def sign_in(role: str = "supervisor", district: str = "310115",
                device_id: str | None = None) -> dict[str, str]:
        user, password = make_user(role, district)
        response = client.post("/api/v1/auth/token", json={
            "username": user.username, "password": password,
            "device_id": device_id or f"dev-{secrets.token_hex(4)}"})
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    return sign_in


@pytest.fixture(scope="session")
def district_shapes(boundary_rows) -> dict[str, Any]:
    """Shapely outlines by district code."""
    return {row["code"]: shape(row["geometry"]) for row in boundary_rows}


@pytest.fixture
def site_in(district_shapes) -> Callable[..., dict[str, Any]]:
    """A ~100 m square site well inside a district."""

    def make(code: str = "310115", size_deg: float = 0.001) -> dict[str, Any]:
        point = district_shapes[code].representative_point()
        x, y = point.x, point.y
        ring = [[x, y], [x + size_deg, y], [x + size_deg, y + size_deg], [x, y + size_deg],
                [x, y]]
        return {"type": "Polygon", "coordinates": [ring]}

    return make


@pytest.fixture
def enterprise_body(site_in) -> Callable[..., dict[str, Any]]:
    """A valid POST /enterprises body; serial makes the credit code unique."""
    from server.registry.credit_code import make_credit_code

    def make(district: str = "310115", serial: int = 1, **extra: Any) -> dict[str, Any]:
        body = {"credit_code": make_credit_code(district, serial),
                "name": f"上海测试{serial}化工有限公司", "address": "上海市测试路1号",
                "district": district, "industry": "化工", "permit_class": "key",
                "permit_number": None, "site": site_in(district),
                "contacts": [{"name": "王五", "role": "环保负责人", "phone": "021-55550000"}]}
        body.update(extra)
        return body

    return make
