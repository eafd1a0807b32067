"""Case steps for tests: an answer's JSON checked, a fined case walked to its service."""

from __future__ import annotations

from tests.api.cases.conftest import MITIGATED


def answer(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def walk_to_served(case, step, frozen):
    frozen.on("2021-06-04")
    case = answer(step(case, "investigating"))
    case = answer(step(case, "notified"))
    case = answer(step(case, "decided", on="2021-06-04", fine_fen=1_000_000,
                               rights_waived=True, mitigation=MITIGATED))
    return answer(step(case, "served", method="direct"))
