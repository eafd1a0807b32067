"""A response checked against the description the app serves, as the fuzz run checks it."""

from __future__ import annotations

import schemathesis


def assert_described(app, method: str, path: str, response) -> None:
    """The status is one `path`'s `method` describes, with a described media type, and the body
    matches its schema."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method]
    operation.validate_response(response)
    described = operation.definition.raw["responses"]
    answer = described.get(str(response.status_code), described.get("default", {}))
    while "$ref" in answer:
        answer = schema.raw_schema["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    types = list(answer.get("content", {}))
    main, sub = response.mimetype.split("/")
    assert not types or any(t in (response.mimetype, f"{main}/*", "*/*") for t in types), (
        response.mimetype, types)
