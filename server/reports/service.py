"""Use cases of the statistics: the summary of a period, and its CSV and XLSX tables."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select

from server import clock
from server.auth.policy import Actor, authorize
from server.cases.models import Case, CaseViolation
from server.cases.procedure import MUST_NOT_FINE
from server.errors import ValidationFailed
from server.extensions import db
from server.fieldwork.models import ViolationDecision
from server.registry.models import District
from server.reports.figures import LABELS_ZH, METRICS, CaseRow, Period, Summary, summarise, yuan
from server.reports.refusals import refused, said

MAX_YEARS = 10
BATCH = 2000


def period_of(query: dict[str, Any]) -> Period:
    """The period asked for; by default the current year up to today."""
    today = clock.today_shanghai()
    period = Period(query.get("from") or date(today.year, 1, 1), query.get("to") or today)
    if period.end < period.start:
        raise refused(ValidationFailed, said("report.period_reversed"),
                      {"to": said("report_field.before_from")})
    if (period.end - period.start).days > 366 * MAX_YEARS:
        raise refused(ValidationFailed, said("report.period_too_long", years=MAX_YEARS),
                      {"from": said("report_field.too_long")})
    return period


@dataclass(frozen=True, slots=True)
class _Link:
    """One violation of a case as the figures need it."""

    violation_id: str
    act: int
    code: str
    outcome: str
    ground: str | None
    fen: int


def _rows(district: str | None, period: Period) -> list[CaseRow]:
    """Cases with any event in the period or the year before it, as plain rows."""
    start = period.year_before().start
    query = select(Case).where(or_(
        Case.filed_on.between(start, period.end), Case.decided_on.between(start, period.end),
        Case.daily_penalty_on.between(start, period.end)))
    if district is not None:
        query = query.where(Case.district == district)
    cases = db.session.scalars(query.order_by(Case.id)).all()
    links = _links([c.id for c in cases])
    rows = []
    for c in cases:
        mine = links.get(c.id, [])
        codes = {link.violation_id: link.code for link in mine}
        act_codes = _act_codes(c, mine)
        code_fines = _code_fines(c, act_codes)
        rows.append(CaseRow(
            district=c.district, codes=tuple(codes.values()), filed_on=c.filed_on,
            decided_on=c.decided_on, fined=c.decision_series == "decision",
            fine_fen=c.fine_fen or 0, not_penalised=c.decision_series == "not_penalised",
            spared=_spared(c, mine), daily_penalty_on=c.daily_penalty_on,
            daily_penalty_fen=c.daily_penalty_fen,
            daily_code=_daily_code(c, act_codes, code_fines), code_fines=code_fines))
    return rows


def _links(ids: list[Any]) -> dict[Any, list[_Link]]:
    """The cases' violations, with the waiver ground of those the rules waive."""
    found: dict[Any, list[tuple[Any, ...]]] = {}
    for offset in range(0, len(ids), BATCH):
        for row in db.session.execute(select(
                CaseViolation.case_id, CaseViolation.violation_id, CaseViolation.act,
                CaseViolation.code, CaseViolation.outcome, CaseViolation.would_be_fen,
                CaseViolation.amount_fen, CaseViolation.decision_id).where(
                CaseViolation.case_id.in_(ids[offset:offset + BATCH]))):
            found.setdefault(row[0], []).append(tuple(row[1:]))
    waived = [row[-1] for rows in found.values() for row in rows if row[3] == "waived"]
    grounds: dict[Any, str | None] = {}
    for offset in range(0, len(waived), BATCH):
        for decision_id, result in db.session.execute(select(
                ViolationDecision.id, ViolationDecision.result).where(
                ViolationDecision.id.in_(waived[offset:offset + BATCH]))):
            grounds[decision_id] = (((result or {}).get("zh") or {}).get("waiver")
                                    or {}).get("ground")
    return {case_id: [_Link(str(vid), act, code, outcome,
                            _ground(outcome, grounds.get(decision_id)),
                            would_be if would_be is not None else amount or 0)
                      for vid, act, code, outcome, would_be, amount, decision_id in rows]
            for case_id, rows in found.items()}


def _ground(outcome: str, waiver_ground: str | None) -> str | None:
    """Why the rules do not fine a violation (figures.GROUNDS); None when they fine it."""
    if outcome == "waived":
        return "list" if waiver_ground == "list" else "minor"
    return {"may_waive": "first_offence", "no_fault": "no_fault",
            "time_barred": "time_barred"}.get(outcome)


def _fined_acts(case: Case) -> dict[int, int] | None:
    """The fine decided for each act, when the decision recorded them."""
    decided = (case.steps or {}).get("decided") or {}
    recorded = decided.get("act_fines")
    return None if recorded is None else {item["act"]: item["fine_fen"] for item in recorded}


def _spared(case: Case, links: list[_Link]) -> tuple[tuple[str, str, int], ...]:
    """Each act the decision did not penalise: its ground and type, those of the violation
    with the higher would-be fine (处罚法 第29条), and that fine."""
    if case.decision_series not in ("decision", "not_penalised"):
        return ()
    acts: dict[int, list[_Link]] = {}
    for link in links:
        acts.setdefault(link.act, []).append(link)
    fined = _fined_acts(case) if case.decision_series == "decision" else {}
    spared = []
    for act, members in sorted(acts.items()):
        if fined is not None and act in fined:
            continue
        if fined is None and not all(m.outcome in MUST_NOT_FINE for m in members):
            continue  # decided before each act's fine was kept: only forbidden fines are sure
        grounded = [m for m in members if m.ground is not None]
        if grounded:
            chosen = max(grounded, key=lambda m: (m.fen, m.code))
            spared.append((chosen.ground or "", chosen.code, chosen.fen))
    return tuple(spared)


def _act_codes(case: Case, links: list[_Link]) -> dict[int, str]:
    """The type each act is fined under: its violation the case names as fined under, else
    (an act the rules only may fine) its violation with the higher fine (处罚法 第29条)."""
    codes = {link.violation_id: link.code for link in links}
    named = {act["act"]: codes[act["fined_under"]] for act in case.acts or ()
             if act.get("fined_under") in codes}
    others: dict[int, _Link] = {}
    for link in links:
        best = others.get(link.act)
        if link.act not in named and link.outcome not in MUST_NOT_FINE and (
                best is None or (link.fen, link.code) > (best.fen, best.code)):
            others[link.act] = link
    return named | {act: link.code for act, link in others.items()}


def _code_fines(case: Case, act_codes: dict[int, str]) -> tuple[tuple[str, int], ...]:
    """Each fined act's fine under the type of the violation it was fined under."""
    if case.decision_series != "decision" or case.fine_fen is None:
        return ()
    fines = _fined_acts(case)
    if not fines:  # decided before each act's fine was recorded: then one act was fined
        fined = [act["act"] for act in case.acts or () if act.get("fined_under")]
        if len(fined) != 1:
            return ()
        fines = {fined[0]: case.fine_fen}
    if any(act not in act_codes for act in fines):
        return ()
    return tuple(sorted((act_codes[act], fen) for act, fen in fines.items()))


def _daily_code(case: Case, act_codes: dict[int, str],
                code_fines: tuple[tuple[str, int], ...]) -> str | None:
    """The type of the continuing act the daily penalty multiplied (环保法 第59条): the act
    it records, else (recorded before it named one) the only fined act's."""
    if case.daily_penalty_on is None:
        return None
    act = (case.daily_penalty or {}).get("act")
    if act is not None:
        return act_codes.get(act)
    return code_fines[0][0] if len(code_fines) == 1 else None


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
