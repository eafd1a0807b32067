"""Every endpoint x every role x own/other district, against an expected table.

The table (tests/api/matrix_table.py) is written by hand, not derived from server.auth.policy,
and the route list is read from the app: a new endpoint without a row makes
`test_every_route_has_a_row` fail.
"""

from __future__ import annotations

import pytest

from tests.api.matrix_requests import any_path, call
from tests.api.matrix_table import EXPECTED, OTHER, OWN, PUBLIC, ROLES
from tests.api.matrix_world import build_world
from tests.conftest import World, restore_world, save_world


def _routes(app) -> set[str]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in ("docs", "api-docs", "static"):
            continue
        path = rule.rule
        for converter in ("<uuid:", "<string:", "<path:", "<"):
            path = path.replace(converter, "{")
        path = path.replace(">", "}")
        methods = rule.methods - {"OPTIONS"}
        if "GET" in methods:  # Flask answers HEAD for every GET; a HEAD of its own needs a row
            methods -= {"HEAD"}
        for method in sorted(methods):
            found.add(f"{method} {path}")
    return found


def test_every_route_has_a_row(app):
    # the console's pages have their own table (same rules, session instead of token)
    from tests.console.test_console_matrix import EXPECTED as CONSOLE
    from tests.console.test_console_matrix import PUBLIC as CONSOLE_PUBLIC

    missing = _routes(app) - set(EXPECTED) - PUBLIC - set(CONSOLE) - CONSOLE_PUBLIC
    assert not missing, f"routes without an authorization row: {sorted(missing)}"


_SAVED: dict[str, World] = {}  # per database: the world, built once per test process


@pytest.fixture
def world(app, client, login, make_user, enterprise_body, site_in, database_url):
    """One enterprise in each district, created by city-wide staff, with plans, draws, tasks,
    inspections and violations. Built through the API by the first test; the later ones get
    the same rows put back (restore_world), not built again."""
    from server.extensions import db

    if database_url in _SAVED:
        with app.app_context():
            facts = restore_world(db, _SAVED[database_url], make_user)
    else:  # requests inside an app context would share (and keep open) its session
        facts = build_world(client, login, make_user, enterprise_body)
        with app.app_context():
            _SAVED[database_url] = save_world(db, facts, make_user)
    return {**facts, "body": enterprise_body, "site_in": site_in, "make_user": make_user}


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_role_on_own_and_other_district(client, login, world, endpoint, role):
    headers = login(role, OWN)
    own, other = EXPECTED[endpoint][role]
    got_other = call(client, endpoint, headers, OTHER, world, role).status_code
    got_own = call(client, endpoint, headers, OWN, world, role).status_code
    assert (got_own, got_other) == (own, other)


def test_lists_never_include_another_districts_records(client, login, world):
    for role in ROLES:
        items = client.get("/api/v1/enterprises", headers=login(role, OWN)).get_json()["items"]
        assert {item["district"] for item in items} == {OWN}


@pytest.mark.parametrize("role", ROLES)
def test_a_revoked_token_is_refused_by_every_endpoint_at_the_next_request(client, make_user,
                                                                          role):
    user, password = make_user(role, OWN)
    tokens = {}
    for device in ("lost-tablet", "desk"):
        issued = client.post("/api/v1/auth/token", json={
            "username": user.username, "password": password, "device_id": device})
        tokens[device] = {"Authorization": f"Bearer {issued.get_json()['access_token']}"}
    lost = tokens["lost-tablet"] | {"Tus-Resumable": "1.0.0"}
    assert client.get("/api/v1/auth/me", headers=lost).status_code == 200
    assert client.delete("/api/v1/auth/devices/lost-tablet",
                         headers=tokens["desk"]).status_code == 200
    answers = {}
    # The console authenticates with its session cookie, not bearer tokens (its own revocation
    # test is tests/console): every API endpoint is asked here.
    for endpoint in sorted(e for e in _routes(client.application) - PUBLIC
                           if e.split(" ", 1)[1].startswith("/api/")):
        method, path = any_path(endpoint)
        response = client.open(path, method=method, headers=lost, json={})
        answers[endpoint] = (response.status_code, response.mimetype)
    assert {e: a for e, a in answers.items() if a != (401, "application/problem+json")} == {}
    assert client.get("/api/v1/auth/me", headers=tokens["desk"]).status_code == 200
