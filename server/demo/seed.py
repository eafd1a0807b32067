"""Seed a fresh installation: districts, demo enterprises, one user per role."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from schemas.enterprise import EnterpriseCreateSchema
from server.auth import service as users
from server.auth.models import User
from server.auth.policy import CITY
from server.clock import today_shanghai
from server.demo.generator import generate_enterprises
from server.extensions import db
from server.registry import districts
from server.registry import service as registry
from server.registry.models import Enterprise

DEMO_DISTRICT = "310115"  # 浦东新区
DEMO_USERS = (  # display names are names: pages add the role, documents the certificate
    ("inspector1", "inspector", DEMO_DISTRICT, "张敏"),
    ("inspector2", "inspector", DEMO_DISTRICT, "李强"),
    ("supervisor", "supervisor", DEMO_DISTRICT, "王芳"),
    ("legal", "legal", DEMO_DISTRICT, "赵磊"),
    ("admin", "admin", CITY, "系统管理员"),
)


@dataclass(frozen=True)
class SeedResult:
    """What was created; passwords exist only here and are shown once."""

    districts: int
    enterprises: int
    passwords: dict[str, str]


def is_empty() -> bool:
    """No users and no enterprises yet."""
    return not (db.session.scalar(select(func.count()).select_from(User))
                or db.session.scalar(select(func.count()).select_from(Enterprise)))


def seed(per_district: int = 15, progress: Callable[[int], None] | None = None) -> SeedResult:
    """Create the demo data set through the same services users go through."""
    loaded = districts.load_default_if_empty()
    schema = EnterpriseCreateSchema()
    # Parsed like an API client's input, before anything is written.
    records = [schema.load(record) for record in
               generate_enterprises(districts.boundaries().districts, per_district=per_district)]
    passwords: dict[str, str] = {}
    expires = today_shanghai() + timedelta(days=3 * 365)
    for index, (username, role, scope, name) in enumerate(DEMO_USERS, start=1):
        passwords[username] = secrets.token_urlsafe(12)
        certificate = (f"沪环执{date.today().year}{index:05d}", expires) if role == "inspector" \
            else (None, None)
        users.create_user(username, role, scope, passwords[username], display_name=name,
                          certificate_no=certificate[0], certificate_expires=certificate[1])
    admin = users.system_actor(db.session.scalar(select(User).where(User.username == "admin")),
                               device_id="seed")
    for record in records:
        registry.register_enterprise(admin, record)
        if progress:
            progress(1)
    return SeedResult(loaded, len(records), passwords)
