"""Health, the OpenAPI description and the self-hosted docs page."""

from __future__ import annotations

from tests.api.described import assert_described


def test_health_reports_database_and_storage_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "evidence_store": "ok"}


def test_health_answers_503_problem_when_evidence_storage_is_not_writable(app, client, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the store's directory should be")
    app.config["EVIDENCE_STORE"] = f"file://{blocker}/evidence"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert response.get_json()["checks"] == {"evidence_store": "not writable"}


def test_openapi_describes_every_route_and_the_problem_shape(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = set(spec["paths"])
    api_rules = {rule.rule.replace("<uuid:", "{").replace("<string:", "{").replace(">", "}")
                 for rule in app.url_map.iter_rules()
                 if rule.rule.startswith("/api/v1/") and rule.endpoint.split(".")[0]
                 not in ("docs", "api-docs")}
    assert api_rules <= documented
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) or status == "default":
                    response = _resolve(spec, response)
                    assert list(response["content"]) == ["application/problem+json"], (
                        method, path, status)


def _resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        _, section, kind, name = node["$ref"].split("/")
        node = spec[section][kind][name]
    return node


def test_docs_page_loads_its_assets_from_the_app_not_a_cdn(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js"):
        assert f"/api/v1/docs/assets/{asset}" in html
        assert client.get(f"/api/v1/docs/assets/{asset}").status_code == 200
    assert "/api/v1/openapi.json" in client.get("/api/v1/docs/init.js").get_data(as_text=True)


def test_problem_types_are_documented_at_their_uri(client):
    body = client.get("/api/v1/problems/version-conflict").get_json()
    assert body["status"] == 409 and body["title"] == "Version conflict"
    assert client.get("/api/v1/problems/no-such-type").status_code == 404


def test_openapi_version_is_one_the_bundled_swagger_ui_renders(client):
    import swagger_ui_bundle

    spec = client.get("/api/v1/openapi.json").get_json()
    assert "swagger-ui-4." in str(swagger_ui_bundle.swagger_ui_path)
    assert spec["openapi"].startswith("3.0.")  # Swagger UI 4 refuses 3.1 documents


def test_concurrent_first_reads_of_the_description_all_get_it_whole(app):
    from concurrent.futures import ThreadPoolExecutor

    def read(_n: int) -> dict:
        return app.test_client().get("/api/v1/openapi.json").get_json()

    with ThreadPoolExecutor(8) as pool:
        specs = list(pool.map(read, range(8)))
    assert all(spec == specs[0] for spec in specs)
    assert "/api/v1/sync/push" in specs[0]["paths"]
    assert {"$ref": "#/components/parameters/IdempotencyKey"} in \
        specs[0]["paths"]["/api/v1/cases"]["post"]["parameters"]


def test_a_problems_extension_members_match_the_description(app, client, login,
                                                             enterprise_body):
    supervisor = login("supervisor")
    made = client.post("/api/v1/enterprises", json=enterprise_body(), headers=supervisor)
    stale = client.patch(f"/api/v1/enterprises/{made.get_json()['id']}",
                         json={"version": 7, "name": "上海过时有限公司"}, headers=supervisor)
    assert stale.status_code == 409 and stale.get_json()["current_version"] == 1
    assert_described(app, "PATCH", "/api/v1/enterprises/{enterprise_id}", stale)


def test_the_days_of_an_education_and_an_extension_say_their_limits(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    education = schemas["CaseEducation"]["properties"]["on"]["description"]
    assert "on or before the decision's day" in education
    extension = schemas["CaseExtension"]["properties"]["on"]["description"]
    assert "before the case's filing day" in extension and "after today" in extension
    assert "deadline" in extension
