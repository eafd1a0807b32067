"""The import API's refusals of a whole file are its contract: the same English detail and
field errors whatever language the console says them in."""

from __future__ import annotations

import io

import pytest

from tests.api.pinned import problem_body as _problem


@pytest.mark.parametrize("data, name, problem", [
    (b"\xff\xfe\x00garbage\xff", "a.csv", "the file is neither UTF-8 nor GB18030 text"),
    (b"name,district\nx,310115\n", "a.csv", "missing CSV columns: credit_code, permit_class"),
    (b"credit_code,name,district,permit_class,colour,size\n", "a.csv",
     "unknown CSV columns: colour, size"),
    (b"{\"type\": ", "a.geojson", "not valid JSON: Expecting value at line 1"),
    (b"[" * 100_000, "a.json", "the JSON nests too deeply"),
    (b"{}", "a.geojson", "a GeoJSON import must be a FeatureCollection"),
    (b"{\"type\": \"FeatureCollection\"}", "a.geojson",
     "the FeatureCollection has no features array"),
    (b"credit_code,name\n", "a.txt", "the file name must end in .csv, .geojson or .json"),
])
@pytest.mark.parametrize("language", [None, "zh-CN,zh;q=0.9"])
def test_an_unreadable_file_is_refused_with_the_same_english(
        client, login, data, name, problem, language):
    headers = login() | ({"Accept-Language": language} if language else {})
    response = client.post("/api/v1/enterprises/import", headers=headers,
                           data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert _problem(response, 422) == {
        "type": "/api/v1/problems/validation-error", "title": "Validation failed",
        "status": 422, "detail": f"The file cannot be imported: {problem}",
        "errors": {"file": [problem]}}
