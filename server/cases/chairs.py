"""Who may chair a case's hearing: anyone but its investigators (处罚法 第64条)."""

from __future__ import annotations

from sqlalchemy import select

from server.auth import service as auth
from server.auth.models import User
from server.auth.policy import CITY
from server.cases.models import Case, CaseInquiry
from server.extensions import db

# Officers of the bureau; an administrator runs the system, not cases.
CHAIR_ROLES = ("legal", "supervisor", "inspector")


def investigators(case: Case) -> set[str]:
    """User ids of the case's investigators: its inspections' officers and those who took
    an inquiry record."""
    inquirers = {o["user_id"] for officers in db.session.scalars(
        select(CaseInquiry.officers).where(CaseInquiry.case_id == case.id)) for o in officers}
    return {*case.steps.get("filed", {}).get("officers", ()), *inquirers}


def chair_candidates(case: Case) -> list[User]:
    """Active officers of the case's district (or city-wide) who did not investigate it."""
    excluded = investigators(case)
    return [user for user in auth.list_users()
            if user.active and user.role in CHAIR_ROLES
            and user.district in (case.district, CITY) and str(user.id) not in excluded]
