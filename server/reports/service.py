"""Use cases of the statistics: the summary of a period, and its CSV and XLSX tables."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy import or_, select

from server import clock
from server.auth.policy import Actor, authorize
from server.cases.models import Case, CaseViolation
from server.errors import ValidationFailed
from server.extensions import db
from server.registry.models import District
from server.reports.figures import LABELS_ZH, METRICS, CaseRow, Period, Summary, summarise, yuan

MAX_YEARS = 10
BATCH = 2000


def period_of(query: dict[str, Any]) -> Period:
    """The period asked for; by default the current year up to today."""
    today = clock.today_shanghai()
    period = Period(query.get("from") or date(today.year, 1, 1), query.get("to") or today)
    if period.end < period.start:
        raise ValidationFailed("The period ends before it starts.", errors={"to": ["before from"]})
    if (period.end - period.start).days > 366 * MAX_YEARS:
        raise ValidationFailed(f"A report covers at most {MAX_YEARS} years.",
                               errors={"from": ["period too long"]})
    return period


def _rows(district: str | None, period: Period) -> list[CaseRow]:
    """Cases with any event in the period or the year before it, as plain rows."""
    start = period.year_before().start
    query = select(Case).where(or_(
        Case.filed_on.between(start, period.end), Case.decided_on.between(start, period.end),
        Case.daily_penalty_on.between(start, period.end)))
    if district is not None:
        query = query.where(Case.district == district)
    cases = db.session.scalars(query.order_by(Case.id)).all()
    codes: dict[Any, dict[str, str]] = {}
    ids = [c.id for c in cases]
    for offset in range(0, len(ids), BATCH):
        for case_id, violation_id, code in db.session.execute(select(
                CaseViolation.case_id, CaseViolation.violation_id, CaseViolation.code).where(
                CaseViolation.case_id.in_(ids[offset:offset + BATCH]))):
            codes.setdefault(case_id, {})[str(violation_id)] = code
    return [CaseRow(district=c.district, codes=tuple(codes.get(c.id, {}).values()),
                    filed_on=c.filed_on, decided_on=c.decided_on,
                    fined=c.decision_series == "decision", fine_fen=c.fine_fen or 0,
                    not_penalised=c.decision_series == "not_penalised",
                    not_levied_fen=c.would_be_fen, daily_penalty_on=c.daily_penalty_on,
                    daily_penalty_fen=c.daily_penalty_fen,
                    code_fines=_code_fines(c, codes.get(c.id, {}))) for c in cases]


def _code_fines(case: Case, codes: dict[str, str]) -> tuple[tuple[str, int], ...]:
    """Each fined act's fine under the type of the violation it was fined under."""
    if case.decision_series != "decision" or case.fine_fen is None:
        return ()
    fined_under = {act["act"]: act.get("fined_under") for act in case.acts or ()}
    decided = (case.steps or {}).get("decided") or {}
    fines = {item["act"]: item["fine_fen"] for item in decided.get("act_fines") or ()}
    if not fines:  # decided before each act's fine was recorded: then one act was fined
        fined = [act for act, under in fined_under.items() if under]
        if len(fined) != 1:
            return ()
        fines = {fined[0]: case.fine_fen}
    if any(fined_under.get(act) not in codes for act in fines):
        return ()
    return tuple(sorted((codes[fined_under[act]], fen) for act, fen in fines.items()))


def summary(actor: Actor, query: dict[str, Any]) -> tuple[Summary, dict[str, Any]]:
    """The figures for a period, district (default: the caller's) and violation code."""
    district = query.get("district") or (None if actor.city_wide else actor.scope)
    authorize(actor, "report.read", district)
    period = period_of(query)
    found = summarise(_rows(district, period), period, query.get("code"))
    return found, {"district": district, "code": query.get("code")}


def as_json(found: Summary, scope: dict[str, Any]) -> dict[str, Any]:
    """The summary as the API returns it (amounts in fen)."""
    names = dict(db.session.execute(select(District.code, District.name)).all())
    return {"from": found.period.start, "to": found.period.end, **scope,
            "current": found.current.as_dict(), "previous_year": found.previous_year.as_dict(),
            "previous_period": {"from": found.period.year_before().start,
                                "to": found.period.year_before().end},
            "change_pct": found.change_pct(),
            "by_district": [{"district": code, "name": names.get(code), **f.as_dict()}
                            for code, f in sorted(found.by_district.items())],
            "by_code": [{"code": code, **f.as_dict()} for code, f in sorted(found.by_code.items())]}


def _table(found: Summary) -> list[list[Any]]:
    """One sheet: the period, last year, the change, then each district and violation type."""
    def values(figures) -> list[Any]:
        data = figures.as_dict()
        return [yuan(data[m]) if m.endswith("_fen") else data[m] for m in METRICS]

    head = ["范围 scope", "项目 key"] + [LABELS_ZH[m] for m in METRICS]
    period = f"{found.period.start}~{found.period.end}"
    before = found.period.year_before()
    change = found.change_pct()
    rows = [head, ["合计 total", period, *values(found.current)],
            ["上年同期 previous year", f"{before.start}~{before.end}",
             *values(found.previous_year)],
            ["同比 % change", period, *(change[m] for m in METRICS)]]
    rows += [["区 district", code, *values(f)] for code, f in sorted(found.by_district.items())]
    rows += [["违法类型 code", code, *values(f)] for code, f in sorted(found.by_code.items())]
    return rows


def as_csv(found: Summary) -> bytes:
    """The table as UTF-8 CSV with a BOM (so that spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in _table(found):
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(found: Summary) -> bytes:
    """The table as an XLSX workbook; amounts are numbers in yuan with two decimals."""
    # Imported here: openpyxl costs every worker ~30 MB of memory, only this download needs it.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "统计 summary"
    for row in _table(found):
        sheet.append([float(v) if hasattr(v, "quantize") else v for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in sheet.iter_cols(min_row=2):
        if "元" in str(column[0].offset(row=-1).value):
            for cell in column:
                cell.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
