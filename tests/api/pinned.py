"""Pinned API answers: a refusal's problem+json body as a contract, without its `instance`
(which names the request)."""

from __future__ import annotations


def problem_body(response, status: int) -> dict:
    """The body of a problem+json answer of `status`, its instance removed."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    body.pop("instance")
    return body
