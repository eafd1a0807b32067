"""PURE: the one authorization table (role x action), and district scope."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from server.auth.refusals import refused, said
from server.errors import Forbidden, NotFound

CITY = "310000"
ROLES = ("inspector", "supervisor", "legal", "admin")
ALL = frozenset(ROLES)

# action -> roles allowed. Every action is further limited to the actor's district scope
# (a district code, or CITY for the whole municipality): see `authorize`.
RULES: dict[str, frozenset[str]] = {
    "enterprise.read": ALL,
    "enterprise.create": frozenset({"supervisor", "admin"}),
    "enterprise.update": frozenset({"supervisor", "admin"}),
    "enterprise.delete": frozenset({"supervisor", "admin"}),
    "enterprise.import": frozenset({"supervisor", "admin"}),
    "district.read": ALL,
    "district.import": frozenset({"admin"}),
    "plan.read": frozenset({"supervisor", "admin"}),
    "plan.create": frozenset({"supervisor", "admin"}),
    "plan.publication": ALL,
    "draw.create": frozenset({"supervisor", "admin"}),
    "draw.read": frozenset({"supervisor", "admin"}),
    "task.read": ALL,
    "task.create": frozenset({"supervisor", "admin"}),
    "task.assign": frozenset({"supervisor", "admin"}),
    "task.work": frozenset({"inspector", "supervisor", "admin"}),
    "task.review": frozenset({"supervisor", "admin"}),
    "task.cancel": frozenset({"supervisor", "admin"}),
    "task.stats": frozenset({"supervisor", "admin"}),
    "recusal.create": frozenset({"inspector", "supervisor", "admin"}),
    "recusal.read": frozenset({"inspector", "supervisor", "admin"}),
    "job.read": frozenset({"supervisor", "admin"}),
    # evidence: enforcement staff collect it; admins run the system and see metadata only
    "evidence.upload": frozenset({"inspector", "supervisor", "legal"}),
    "evidence.read": ALL,
    "evidence.view_original": frozenset({"inspector", "supervisor", "legal"}),
    "device.read": ALL,
    "device.revoke": ALL,
    "device.revoke_for_others": frozenset({"supervisor", "admin"}),
    "inspection.create": frozenset({"inspector", "supervisor"}),
    "inspection.read": ALL,
    "inspection.update": frozenset({"inspector", "supervisor"}),
    "inspection.submit": frozenset({"inspector"}),
    "violation.create": frozenset({"inspector", "supervisor"}),
    "violation.read": ALL,
    "violation.update": frozenset({"inspector", "supervisor", "legal"}),
    "rules.read": ALL,
    "rules.evaluate": frozenset({"supervisor", "legal", "admin"}),
    "rules.import": frozenset({"legal", "admin"}),
    # cases: legal staff drive the procedure; supervisors (负责人) file and approve extensions
    "case.read": frozenset({"supervisor", "legal", "admin"}),
    "case.create": frozenset({"supervisor", "legal"}),
    "case.advance": frozenset({"legal"}),
    "case.extend": frozenset({"supervisor"}),
    # the export holds evidence originals: those who may see originals, not admins
    "case.export": frozenset({"supervisor", "legal"}),
    "report.read": frozenset({"supervisor", "legal", "admin"}),
    # tablet sync: people who work in the field; supervisors resolve what tablets disagree on
    "sync.pull": frozenset({"inspector", "supervisor"}),
    "sync.push": frozenset({"inspector", "supervisor"}),
    "sync.conflict.read": frozenset({"supervisor", "admin"}),
    "sync.conflict.resolve": frozenset({"supervisor"}),
    "sync.held.read": frozenset({"supervisor", "admin"}),
    # accounts: supervisors read their district's; only admins change them (a password reset
    # lets its maker sign in as the officer, and officers' signatures are the two-officer
    # safeguard a supervisor who directs the work must not be able to make; SECURITY.md)
    "user.read": frozenset({"supervisor", "admin"}),
    "user.manage": frozenset({"admin"}),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user on a device (device_id is None on the CLI)."""

    user_id: uuid.UUID
    username: str
    role: str
    scope: str
    device_id: str | None = None

    @property
    def city_wide(self) -> bool:
        """True when the scope is the whole municipality."""
        return self.scope == CITY


def allowed(role: str, action: str) -> bool:
    """Whether a role may perform an action at all."""
    if action not in RULES:
        raise KeyError(f"no authorization rule for action {action!r}")
    return role in RULES[action]


def in_scope(actor: Actor, district: str | None) -> bool:
    """Whether a district lies within the actor's scope."""
    return actor.city_wide or district == actor.scope


def require_city_wide(actor: Actor) -> None:
    """Raise unless the actor's scope is the whole city: what is in force in every district
    (a rule set) is not changed from one of them."""
    if not actor.city_wide:
        raise refused(Forbidden, said("scope.city_wide", scope=actor.scope))


def unknown_record() -> NotFound:
    """The refusal of a record that does not exist or lies outside the caller's scope: one
    answer, word for word, for both, so that it discloses no other district's records."""
    return refused(NotFound, said("scope.unknown"))


def authorize(actor: Actor, action: str, district: str | None = None, *,
              exists_for_others: bool = True,
              unknown: Callable[[], NotFound] = unknown_record) -> None:
    """Raise unless the actor may do `action` on a record of `district`.

    Out-of-scope records answer NotFound (404) so that their existence is not disclosed:
    `unknown()`, which must be the getter's answer to a missing record, word for word; a
    role that may never do the action gets Forbidden (403).
    """
    if district is not None and not in_scope(actor, district) and exists_for_others:
        raise unknown()
    if not allowed(actor.role, action):
        raise refused(Forbidden, said("scope.role", role=actor.role, action=action))
    if district is not None and not in_scope(actor, district):
        raise refused(Forbidden, said("scope.district", district=district,
                                      scope=actor.scope))
