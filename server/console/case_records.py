"""What the case page shows of the case's inquiry records and statements, and what their
forms offer: the officers who may ask, the rows of questions, the notices a statement may
answer, the values kept after a refusal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from schemas.case_records import ID_TYPES
from server import clock
from server.auth import service as auth
from server.cases import procedure, records, renotice
from server.cases.models import Case
from server.console import formatting, inquiry_form

EMPTY: MultiDict[str, str] = MultiDict()


def officer_candidates(case: Case) -> list[Any]:
    """Active inspectors of the case's district with an enforcement certificate valid today
    (the service checks it again on the day of the inquiry)."""
    today = clock.today_shanghai()
    return [user for user in auth.list_users()
            if user.active and user.role == "inspector" and user.district == case.district
            and user.certificate_no and user.certificate_expires
            and user.certificate_expires >= today]


def notice_labels(case: Case) -> dict[int, str]:
    """Each notice of the case by its number, labelled with its day (第2次告知（2021年6月9日）);
    empty while the case has a single notice: a statement answers it, nothing to choose."""
    notices = renotice.notices(case.steps)
    if len(notices) < 2:
        return {}
    return {n: gettext("Notice %(n)s (%(day)s)", n=n, day=formatting.day(notice["on"]))
            for n, notice in enumerate(notices, start=1)}


def page_data(case: Case, may_advance: bool, sent: Mapping[str, Any] | None) -> dict[str, Any]:
    """The template values of the records section: the records, and each form's inputs as
    sent (after a refusal) with its reason and field messages."""
    inquiry = sent if sent and sent["form"] == "inquiry" else None
    statement = sent if sent and sent["form"] == "statement" else None
    values = inquiry["values"] if inquiry else EMPTY
    notices = notice_labels(case)
    sent_values = statement["values"] if statement else EMPTY
    offered = [str(n) for n in notices]
    return {
        "inquiries": records.inquiries(case), "statements": records.statements(case),
        "may_inquire": may_advance and case.state not in procedure.DECIDED,
        "may_state": may_advance and case.state in records.STATEMENT_STATES,
        "officers": officer_candidates(case) if may_advance else [],
        "id_types": ID_TYPES, "inquiry": inquiry, "statement": statement,
        "inquiry_values": values, "chosen": inquiry_form.officers(values),
        "qa": inquiry_form.qa_rows(values), "qa_rows": inquiry_form.row_count(values),
        "statement_values": sent_values, "notices": notices,
        # the notice as sent, else (none sent, or one not offered) none: the service takes
        # the latest notice whose period holds the day received, so a statement made on an
        # earlier notice is recorded without choosing it
        "notice_chosen": sent_values.get("notice") if sent_values.get("notice") in offered
        else "",
        "officer_inputs": [f"{inquiry_form.OFFICER_IMAGE}{o}" for o in inquiry_form.officers(
            values)] + [f"qa.{i}.{k}" for i in range(inquiry_form.row_count(values))
                        for k in "qa"],
        "image_limit_mib": f"{image_limit() / 2**20:g}"}


def image_limit() -> int:
    """The largest signature image taken: the console's limit, never above an upload's."""
    return min(current_app.config["CONSOLE_IMAGE_MAX_BYTES"], current_app.config["TUS_MAX_SIZE"])
