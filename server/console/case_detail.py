"""A case: violations with the rules' decision and explanation, evidence gallery, documents,
transitions, and the case-file export with its progress."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale, gettext
from marshmallow import ValidationError

from schemas.cases import CaseTransitionSchema
from server.auth.policy import Actor, allowed
from server.cases import (
    caseview,
    chairs,
    documents,
    exports,
    forms,
    procedure,
    renotice,
    steps,
)
from server.cases import service as case_service
from server.console import (
    case_daily,
    case_deadlines,
    case_form,
    case_records,
    discretion_form,
    fact_form,
    mitigation_form,
    rule_names,
)
from server.console.cases import due_badge, due_text, next_deadline
from server.console.refusal import refusal as said_refusal
from server.console.web import bp, page, submit
from server.disposition import attachment
from server.errors import DomainError, NotFound
from server.evidence import service as evidence
from server.fieldwork import violations
from server.registry import service as registry

EXPORT_STATUS = {"queued": "Queued", "running": "Building the case file",
                 "done": "Ready to download", "failed": "Failed"}


def _violations(actor: Actor, case: Any, lang: str,
                sent: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Each violation of the case, its decision in force (explained), its evidence checks, the
    discretion factors and fine bases its rules ask, and its facts, grades and bases as the
    facts form shows them (as typed, after that form was refused)."""
    out = []
    for link in case_service.case_links(case):
        violation = violations.get_violation(actor, link.violation_id)
        decision = violations.latest_decision(violation.id)
        result = (decision.result.get(lang) or decision.result.get("zh") or {}) \
            if decision else {}
        refused = sent if sent and sent["form"] == f"facts-{violation.id}" else None
        offered = discretion_form.offered(violation.code, violation.occurred_on, lang)
        grounds = _grounds(violation, refused, lang)  # their errors show beside them if shown
        out.append({"link": link, "violation": violation, "decision": decision,
                    "result": rule_names.named(result, lang),
                    "evidence": violations.evidence_report(violation), "facts_refused": refused,
                    "discretion": offered,
                    "facts_inputs": [*fact_form.INPUTS, *discretion_form.inputs(offered),
                                     *(["mitigation"] if grounds["grounds"] else [])],
                    "mitigation": grounds,
                    "facts": refused["values"] if refused else fact_form.form_values(
                        violation.facts or {}) | discretion_form.form_values(
                            violation.factors or {}, violation.bases or {})})
    return out


def _grounds(violation: Any, refused: Mapping[str, Any] | None, lang: str) -> dict[str, Any]:
    """The violation's grounds for a lighter penalty (处罚法 第32条) as recorded (`labels`) and
    as the facts form offers them, ticked as recorded or as sent when the form was refused."""
    recorded = list(violation.mitigation or [])
    offered = mitigation_form.offered(violation.occurred_on, recorded, lang)
    sent = refused["values"] if refused else {}
    ticked = sent.getlist("mitigation") if mitigation_form.SHOWN in sent else recorded
    return offered | {"labels": mitigation_form.labels(recorded, lang), "ticked": ticked}


def _drafted(items: list[dict[str, Any]], transitions: tuple[str, ...]) -> dict[str, str]:
    """The next-step form's first values: when the first notice is a step the case may take,
    its ground for mitigation (处罚法 第32条) drafted from the grounds recorded on the
    violations, for the legal staff to edit. A notified case's form is not drafted: it also
    takes the decision, which keeps the notice's ground (a re-notice's ground is typed)."""
    if "notified" not in transitions or "decided" in transitions:
        return {}
    return {"mitigation": mitigation_form.notice_draft(
        item["violation"].mitigation or [] for item in items)}


def _acts(case: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each act of the case (处罚法 第29条) with its violations and the one it is fined under."""
    by_id = {str(item["violation"].id): item for item in items}
    return [act | {"members": [by_id[v] for v in act["violation_ids"] if v in by_id]}
            for act in case.acts]


def case_page(actor: Actor, case_id: uuid.UUID, form: Mapping[str, str] | None = None,
          refused: DomainError | ValidationError | None = None,
          sent: Mapping[str, Any] | None = None) -> Response:
    """The case page; after a refused step, the form keeps what was typed and says why (`sent`:
    the inquiry or statement form refused, its status, inputs and reasons)."""
    found = case_service.get_case(actor, case_id)
    lang = "en" if str(get_locale()).startswith("en") else "zh"
    data = documents.document_data(actor, found)
    due = next_deadline(found)
    items = _violations(actor, found, lang, sent)
    transitions = procedure.next_states(found.state, found.fine_fen is not None)
    may_advance = allowed(actor.role, "case.advance")
    educate = any(item["link"].outcome in procedure.EDUCATION_NEEDED for item in items)
    links = [item["link"] for item in items]
    acts = caseview.fineable_acts(found, links)
    fine_acts = [{"act": act, "codes": "、".join(link.code for link in links if link.act == act)}
                 for act, *_ in acts] if len(acts) > 1 else []
    fields = case_form.step_fields(found.state, transitions, educate, bool(fine_acts))
    status, detail, errors = case_form.refusal(refused) if refused else (200, None, {})
    status = sent["status"] if sent else status
    body = render_template(
        "console/case.html", case=found, party=registry.party_of(found.enterprise_id),
        items=items, deadlines=case_service.case_deadlines(found),
        history=case_service.history(found), due=due, due_text=due_text(due),
        badge=due_badge(due["days_left"] if due else None),
        documents=[f for f in forms.FORMS if forms.available(f, found.state, data)],
        transitions=transitions, export_id=request.args.get("export"),
        may_advance=may_advance, may_export=allowed(actor.role, "case.export"),
        may_state_facts=may_advance and found.state not in procedure.DECIDED,
        fact_names=fact_form.FACTS, decided_states=procedure.DECIDED,
        fields=fields, values=form or _drafted(items, transitions),
        placed_fields=case_form.placed(fields) | {f"act_fine.{a['act']}" for a in fine_acts},
        refused=detail, field_errors=errors, fine_acts=fine_acts, acts=_acts(found, items),
        service_methods=procedure.SERVICE_METHODS, renotice_reasons=renotice.REASONS,
        chairs=chairs.chair_candidates(found) if may_advance and "hearing" in fields else [],
        **case_records.page_data(found, may_advance, sent),
        **case_deadlines.page_data(actor, found, sent),
        **case_daily.page_data(actor, found, sent))
    return Response(body, status=status, mimetype="text/html")


def refused_form(actor: Actor, case_id: uuid.UUID, form: str,
                 error: DomainError | ValidationError,
                 renamed: Mapping[str, str] | None = None) -> Response:
    """The case page with the refused `form` as typed and the reasons, in the user's
    language (files are not kept)."""
    status, detail, errors = said_refusal(error, renamed)
    return case_page(actor, case_id, sent={"form": form, "status": status, "refused": detail,
                                           "errors": errors, "values": request.form})


@bp.route("/cases/<uuid:case_id>", methods=["GET"])
@page("case.read")
def case(actor: Actor, case_id: uuid.UUID) -> Response:
    """The case file on screen."""
    return case_page(actor, case_id)


@bp.route("/cases/<uuid:case_id>/documents/<string:form>.<string:fmt>", methods=["GET"])
@page("case.read")
def case_document(actor: Actor, case_id: uuid.UUID, form: str, fmt: str) -> Response:
    """A standard document as PDF (shown in the browser) or DOCX (downloaded)."""
    if fmt not in documents.FORMATS:
        raise NotFound(f"No document format {fmt!r}; formats: {', '.join(documents.FORMATS)}.")
    data, names = documents.render_document(actor, case_id, form, fmt)
    disposition = "inline" if fmt == "pdf" and request.args.get("view") else "attachment"
    return Response(data, mimetype=documents.FORMATS[fmt],
                    headers={"Content-Disposition": f"{disposition}; {names}"})


@bp.route("/cases/<uuid:case_id>/transitions", methods=["POST"])
@page("case.advance")
def case_transition(actor: Actor, case_id: uuid.UUID):
    """Move the case one step (the procedure's preconditions are checked by the service); a
    refused step shows the case page again with the form as typed and the reasons (422/409)."""
    def save() -> Response:
        body = CaseTransitionSchema().load(case_form.transition_body(request.form))
        version, to = body.pop("version"), body.pop("to")
        steps.move(actor, case_id, version, to, body)
        return redirect(url_for("console.case", case_id=case_id), 303)

    return submit(save, lambda error: case_page(actor, case_id, request.form, error))


@bp.route("/cases/<uuid:case_id>/exports", methods=["POST"])
@page("case.export")
def case_export(actor: Actor, case_id: uuid.UUID):
    """Start building the signed case file; the case page shows its progress."""
    row = exports.request_export(actor, case_id)
    return redirect(url_for("console.case", case_id=case_id, export=row.id), 303)


@bp.route("/exports/<uuid:export_id>", methods=["GET"])
@page("case.export")
def export_status(actor: Actor, export_id: uuid.UUID) -> Response:
    """The export's progress, polled by the progress bar."""
    row = exports.as_dict(exports.get_export(actor, export_id))
    return jsonify(status=row["status"], progress=row["progress"], error=row["error"],
                   status_text=gettext(EXPORT_STATUS.get(row["status"], row["status"])),
                   download_url=url_for("console.export_download", export_id=export_id)
                   if row["status"] == "done" else None)


@bp.route("/exports/<uuid:export_id>/download", methods=["GET"])
@page("case.export")
def export_download(actor: Actor, export_id: uuid.UUID) -> Response:
    """The finished case file, named by its case number and title."""
    path, name, fallback = exports.download_path(actor, export_id)
    response = send_file(path, mimetype="application/zip")
    response.headers["Content-Disposition"] = attachment(name, fallback)
    return response


@bp.route("/evidence/<string:sha256>/thumbnail", methods=["GET"])
@page("evidence.read")
def evidence_thumbnail(actor: Actor, sha256: str) -> Response:
    """A photo's thumbnail for the gallery."""
    data = evidence.derived_image(actor, sha256, "thumbnail")
    return Response(data, mimetype="image/jpeg",
                    headers={"Cache-Control": "private, max-age=86400"})
