"""HTTP: the rules engine's dry run and the rule-set versions (/api/v1/rules/...)."""

from __future__ import annotations

from flask import request

from schemas.rules import (
    EvaluateRequestSchema,
    EvaluationSchema,
    ImportQuerySchema,
    ImportResultSchema,
    LangQuerySchema,
    RuleSetDocumentSchema,
    RuleSetVersionSchema,
)
from server.apidoc import ApiBlueprint
from server.errors import ValidationFailed
from server.registry.views import json_response
from server.rulesets import service

blp = ApiBlueprint("rules", __name__, url_prefix="/api/v1/rules",
                   description="Waiver list, violation catalogue and penalties (rules engine)")


@blp.route("/evaluate", methods=["POST"])
@blp.arguments(LangQuerySchema, location="query")
@blp.arguments(EvaluateRequestSchema)
@blp.response(200, EvaluationSchema)
@blp.problem(422, "Input the engine cannot use (unknown code, grade out of range, …)")
@blp.secured
def evaluate(actor, query: dict, body: dict):
    """What the rules decide for these facts: waiver, penalty, limitation, with the trace."""
    lang = query["lang"] or request.accept_languages.best_match(service.LANGS, default="zh")
    return service.evaluate_dry_run(actor, body, lang), 200, {"Vary": "Accept-Language"}


@blp.route("/sets", methods=["GET"])
@blp.response(200, RuleSetVersionSchema(many=True))
@blp.secured
def list_sets(actor):
    """Every rule-set version (catalogue, waiver lists, discretion, checklists), in force or not."""
    return service.list_versions(actor)


@blp.route("/sets/<string:ref>", methods=["GET"])
@blp.response(200, RuleSetDocumentSchema, description="The validated rule-set document")
@blp.problem(404, "No such version")
@blp.secured
def get_set(actor, ref: str):
    """One version's document, including its `verified` marks and source."""
    # The whole document, not only the header fields the schema names.
    return json_response(service.get_version(actor, ref))


@blp.route("/sets", methods=["POST"])
@blp.arguments(ImportQuerySchema, location="query")
@blp.response(200, ImportResultSchema)
@blp.problem(409, "This id@version is already imported")
@blp.problem(422, "The document is refused (every reason listed)")
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": {
    "type": "object", "description": "A rule-set document (see GET /rules/sets/{ref})"}}}})
@blp.secured
def import_set(actor, query: dict):
    """Import a new rule-set version: validated, diffed against the version in force."""
    document = request.get_json(silent=True)
    if document is None:
        raise ValidationFailed("Send the rule set as a JSON object.",
                               errors={"document": ["a JSON object is required"]})
    return service.import_rule_set(actor, document, query["dry_run"])
