"""A flask-smorest Blueprint whose error responses are documented as problem+json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import Request
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

from schemas.common import ProblemSchema
from server.auth.context import authenticated
from server.errors import PROBLEM_JSON
from server.http import checked_json


class ApiParser(FlaskParser):
    """webargs' Flask parser taking a JSON body as the request rules read it (server/http.py)
    instead of parsing it a second time: a sync push of 500 mutations is a large body."""

    def load_json(self, req: Request, schema: ma.Schema) -> Any:
        """The checked body when there is one, else webargs' own reading."""
        checked = checked_json()
        return checked[0] if checked is not None else super().load_json(req, schema)


class ApiBlueprint(Blueprint):
    """Adds `list_arguments` (a paged list's query), `problem` (document an error) and
    `secured` (bearer token required)."""

    ARGUMENTS_PARSER = ApiParser()

    def list_arguments(self, schema: type[ma.Schema]) -> Callable[[Callable], Callable]:
        """The query parameters of a paged list; one it does not know is refused (422), as a
        misspelt filter would otherwise list everything."""
        parsed = self.arguments(schema, location="query", unknown=ma.RAISE)
        refused = self.problem(422, "A query parameter this list does not know, or a value "
                                    "out of range (errors names each)")
        return lambda view: refused(parsed(view))

    def problem(self, status: int, description: str) -> Callable[[Callable], Callable]:
        """Document an error response with the problem+json schema."""
        return self.alt_response(status, schema=ProblemSchema, content_type=PROBLEM_JSON,
                                 description=description)

    def secured(self, view: Callable[..., Any]) -> Callable[..., Any]:
        """Require a bearer token (the Actor becomes the view's first argument)."""
        view = authenticated(view)
        view.requires_bearer = True  # checked before the body is parsed (server/http.py)
        view = self.problem(403, "Your role may not perform this action")(view)
        return self.problem(401, "Missing, expired or revoked token")(view)
