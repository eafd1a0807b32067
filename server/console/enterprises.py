"""The register with filters, and the import of a CSV or GeoJSON file with its error report."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext, lazy_gettext

from schemas.enterprise import PERMIT_CLASSES, EnterpriseListQuerySchema, ImportQuerySchema
from server import clock
from server.auth.policy import Actor
from server.console import import_report
from server.console.web import bp, load, load_query, page, page_count
from server.errors import ValidationFailed
from server.http import body_limit
from server.registry import bulk, districts
from server.registry import service as registry

PER_PAGE = 50
# the query's filters by the labels of the page's inputs (a refused one is named so)
FILTERS = {"name": lazy_gettext("Name contains"), "district": lazy_gettext("District"),
           "permit_class": lazy_gettext("Permit class"), "industry": lazy_gettext("Industry"),
           "positive_list": lazy_gettext("Positive list"),
           "crs": lazy_gettext("Coordinate system")}


def _register(actor: Actor, report: bulk.ImportReport | None = None, status: int = 200):
    query = load_query(EnterpriseListQuerySchema(), FILTERS)
    filters = registry.EnterpriseFilter(**{k: query.get(k) for k in (
        "district", "permit_class", "positive_list", "industry", "name")})
    rows, total = registry.list_enterprises(actor, filters, query["page"], PER_PAGE)
    pages = page_count(total, PER_PAGE)
    today = clock.today_shanghai()
    listed = {row.id: registry.positive_list_active(row, today) for row in rows}
    return render_template("console/enterprises.html", rows=rows, total=total, listed=listed,
                           page=query["page"], pages=pages, query=query, report=report,
                           report_rows=import_report.rows(report) if report else [],
                           districts=districts.in_scope(actor),
                           permit_classes=PERMIT_CLASSES), status


@bp.route("/enterprises", methods=["GET"])
@page("enterprise.read")
def enterprises(actor: Actor):
    """The register in the actor's scope, filtered and paged."""
    return _register(actor)


@bp.route("/enterprises/import", methods=["POST"])
@body_limit("MAX_IMPORT_BYTES")
@page("enterprise.import")
def import_enterprises(actor: Actor):
    """Import a file; the report lists every refused row with its errors."""
    options = load(ImportQuerySchema(), request.form)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed(gettext("Choose a CSV or GeoJSON file."),
                               errors={"file": [gettext("missing")]})
    report = bulk.import_enterprises(actor, upload.read(), upload.filename, options["mode"],
                                     options["dry_run"])
    refused = bool(report.rejected) and options["mode"] == "all_or_nothing" \
        and not options["dry_run"]
    return _register(actor, report, 422 if refused else 200)
