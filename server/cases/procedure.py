"""PURE: the penalty procedure as a state machine; each transition checks its preconditions.

filed → investigating → legal review (法制审核, when required) → notified (告知) → hearing (听证,
when requested) → decided → served → paid | enforced → closed → archived. The waiver path:
filed | investigating | legal review → not_penalised (不予行政处罚决定, education) → closed;
also after the notice or the hearing (处罚法 第57条), once the rules no longer fine the case's
violations (a violation re-decided on corrected facts: follow.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from server.cases import deadlines as dl
from server.rules import late_payment_surcharge
from server.rules.model import Procedure
from server.workdays import add_working_days, deadline

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "filed": ("investigating", "not_penalised"),
    "investigating": ("legal_review", "notified", "not_penalised"),
    "legal_review": ("notified", "not_penalised"),
    "notified": ("hearing", "decided", "not_penalised"),
    "hearing": ("decided", "not_penalised"),
    "decided": ("served",),
    "served": ("paid", "enforced"),
    "paid": ("closed",),
    "enforced": ("closed",),
    "not_penalised": ("closed",),
    "closed": ("archived",),
    "archived": (),
}
STATES = tuple(TRANSITIONS)
DECIDED = ("decided", "served", "paid", "enforced", "not_penalised", "closed", "archived")
SERVICE_METHODS = ("direct", "left_at_domicile", "post", "electronic", "announcement")
NOT_FINED = ("waived", "no_fault", "may_waive", "time_barred")
# Outcomes the law forbids fining: minor and corrected (处罚法 第33条第1款), no fault (第33条第2款),
# not discovered within the limitation period (第36条).
MUST_NOT_FINE = ("waived", "no_fault", "time_barred")
EDUCATION_NEEDED = ("waived", "no_fault", "may_waive")
# Acts the law forbids fining whose party is still educated (处罚法 第33条第3款): in a case
# decided with a fine for its other acts, the decision records that education too.
MUST_EDUCATE = ("waived", "no_fault")


class Refused(Exception):
    """A transition whose preconditions do not hold; `errors` names the fields at fault."""

    def __init__(self, reason: str, errors: Mapping[str, str] | None = None, *,
                 bad_input: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.errors = dict(errors or {})
        self.bad_input = bad_input


@dataclass(frozen=True, slots=True)
class CaseView:
    """What the preconditions look at: the case's state, amounts and step dates."""

    state: str
    party_type: str
    outcomes: tuple[str, ...]
    proposed_fen: int | None
    complex: bool = False
    officers: tuple[str, ...] = ()
    last_step_on: date | None = None
    legal_review_done: bool = False
    intended_fen: int | None = None
    notice_on: date | None = None
    hearing_on: date | None = None
    decided_on: date | None = None
    fine_fen: int | None = None
    served_on: date | None = None
    payment_due: date | None = None
    statements: tuple[str, ...] = ()
    """How each recorded statement/defence was reviewed: accepted, partly or rejected."""
    hearing: Hearing | None = None
    """The catalogue's 较大数额罚款 for this party (None: the catalogue names none)."""
    fine_range: tuple[int, int] | None = None
    """The statutory range of the case's fine (fine_range()); None when it is not known."""
    mitigation: str | None = None
    """The ground for mitigation below the statutory minimum recorded with the notice."""
    corrections_due: tuple[date, ...] = ()
    """The correction deadlines of violations waiting for their correction (免罚清单)."""
    fineable_acts: tuple[tuple[int, int | None, tuple[int, int] | None, bool], ...] = ()
    """The acts the law does not forbid fining: the fine the rules propose, the statutory
    range (act_ranges()), and whether the rules fine it (else they only may)."""


@dataclass(frozen=True, slots=True)
class Hearing:
    """The fine from which the party may ask for a hearing (处罚法 第63条), and whether the
    rule set's amount is confirmed: an unconfirmed one never refuses a request."""

    min_fen: int
    verified: bool


@dataclass(frozen=True, slots=True)
class Member:
    """A violation of a case as the fine's range needs it: its act, the rules' outcome, and
    the statutory minimum and maximum of its provision."""

    act: int
    outcome: str
    min_fen: int | None
    max_fen: int | None


def act_ranges(members: Iterable[Member]) -> dict[int, tuple[int, int] | None]:
    """The statutory range of each act's fine (处罚法 第29条: the provision with the higher
    fine), the act the law forbids fining absent. None for an act whose provision's range is
    unknown."""
    acts: dict[int, list[Member]] = {}
    for member in members:
        if member.outcome not in MUST_NOT_FINE:
            acts.setdefault(member.act, []).append(member)
    ranges: dict[int, tuple[int, int] | None] = {}
    for act, found in acts.items():
        if any(m.max_fen is None or m.min_fen is None for m in found):
            ranges[act] = None
            continue
        applied = max(found, key=lambda m: (m.max_fen or 0, m.min_fen or 0))
        ranges[act] = (applied.min_fen or 0, applied.max_fen or 0)
    return ranges


def fine_range(members: Iterable[Member]) -> tuple[int, int] | None:
    """The statutory range of a case's fine, one fine per act: the acts the rules fine add
    their minimum, an act they only may fine its maximum (it may be left unfined; when no act
    is fined outright, the fine is at least the lowest minimum of those that may be). None when
    a provision's range is unknown."""
    members = list(members)
    ranges = act_ranges(members)
    if any(found is None for found in ranges.values()):
        return None
    fined = {m.act for m in members if m.outcome == "fine"}
    low = sum(lo for act, (lo, _) in ranges.items() if act in fined)  # type: ignore[misc]
    if not fined and ranges:
        low = min(lo for lo, _ in ranges.values())  # type: ignore[misc]
    return low, sum(hi for _, hi in ranges.values())  # type: ignore[misc]


def hearing_eligible(amount_fen: int | None, hearing: Hearing | None) -> bool:
    """Whether the intended fine reaches the 较大数额 that gives a right to a hearing (处罚法
    第63条); with no threshold in the catalogue, every fine does."""
    return amount_fen is not None and (hearing is None or amount_fen >= hearing.min_fen)


def hearing_offered(amount_fen: int | None, hearing: Hearing | None) -> bool:
    """Whether the notice tells the party of a hearing right: when the fine reaches the
    threshold, or the threshold is not confirmed (telling too many is lawful, too few not)."""
    return hearing_eligible(amount_fen, hearing) or (
        amount_fen is not None and hearing is not None and not hearing.verified)


def legal_review_required(amount_fen: int | None, hearing: Hearing | None,
                          complex_: bool) -> bool:
    """法制审核 before deciding: hearing cases and complex or major cases (处罚法 Art. 58)."""
    return complex_ or (hearing is not None and hearing_eligible(amount_fen, hearing))


def notice_reply_due(notice_on: date) -> date:
    """The last day to state, defend or ask for a hearing: 5 working days after notice."""
    return deadline(notice_on, dl.NOTICE_REPLY_WORKING_DAYS, "working")


def _need(params: Mapping[str, Any], *names: str) -> None:
    missing = {n: "required for this step" for n in names if params.get(n) in (None, "", {})}
    if missing:
        raise Refused("Some fields this step needs are missing.", missing, bad_input=True)


def _fineable(case: CaseView) -> None:
    """Refuse a fine when the law forbids fining every violation of the case."""
    if case.outcomes and all(o in MUST_NOT_FINE for o in case.outcomes):
        raise Refused("The law forbids fining these violations (rules: "
                      f"{', '.join(case.outcomes)}; 处罚法 第33条、第36条): decide not to "
                      "penalise (不予行政处罚) instead.")


def _not_while_undetermined(case: CaseView) -> None:
    """Refuse a fine while the rules cannot tell whether a violation may be fined: the facts
    a waiver turns on are not yet established (处罚法 第33条 may forbid the fine)."""
    if "undetermined" in case.outcomes:
        raise Refused("The rules cannot yet decide a violation of this case: the facts a "
                      "waiver turns on (处罚法 第33条; 免罚清单) are not established. Record "
                      "them on the violation and the rules decide it again; until then no fine "
                      "can be notified or decided.")


def _not_while_correcting(case: CaseView) -> None:
    """Refuse a fine while a violation waits for its correction: corrected in time, it is
    not fined (免罚清单; 处罚法 第33条); the re-inspection's finding decides."""
    if case.corrections_due:
        due = ", ".join(str(day) for day in case.corrections_due)
        raise Refused(f"A violation of this case waits for its correction (deadline {due}): "
                      "corrected in time, it is not fined (免罚清单, 处罚法 第33条). Record the "
                      "re-inspection's finding on the violation (facts.corrected_in_time) and "
                      "the rules decide it again; until then no fine can be notified or "
                      "decided.")


def _within_the_law(case: CaseView, amount: int, field: str, mitigation: str | None
                    ) -> str | None:
    """Refuse an amount above the statutory maximum, or below the minimum without a ground
    for mitigation (减轻处罚, 处罚法 第32条); the ground to record (only below the minimum:
    within the range a lighter fine is 从轻, not 减轻)."""
    if case.fine_range is None:
        return None
    low, high = case.fine_range
    if amount > high:
        raise Refused(f"The fine may not exceed the statutory maximum of {high} fen for these "
                      "violations (处罚法 第29条: one fine per act, under the provision with the "
                      "higher fine).", {field: "above the statutory maximum"})
    if amount < low and not (mitigation or "").strip():
        raise Refused(f"Below the statutory minimum of {low} fen a fine is mitigated (减轻处罚, "
                      "处罚法 第32条): give the ground in `mitigation`.",
                      {"mitigation": "required below the statutory minimum"}, bad_input=True)
    return mitigation if amount < low else None


def _to_notified(case: CaseView, p: Mapping[str, Any], on: date) -> dict[str, Any]:
    _fineable(case)
    _not_while_undetermined(case)
    _not_while_correcting(case)
    intended = p.get("intended_fen", case.proposed_fen)
    if intended is None or intended <= 0:
        raise Refused("The notice needs the intended fine; the rules gave none.",
                      {"intended_fen": "required: a positive amount in fen"}, bad_input=True)
    mitigation = _within_the_law(case, intended, "intended_fen", p.get("mitigation"))
    if case.state == "legal_review":
        _need(p, "review_opinion")
    elif legal_review_required(intended, case.hearing, case.complex):
        raise Refused("This case needs legal review (法制审核, 处罚法 第58条) before the notice.")
    return {"intended_fen": intended, "hearing_eligible": hearing_eligible(
        intended, case.hearing), "hearing_offered": hearing_offered(intended, case.hearing),
        "review_opinion": p.get("review_opinion"), "mitigation": mitigation}


def _to_hearing(case: CaseView, p: Mapping[str, Any], on: date) -> dict[str, Any]:
    _need(p, "hearing_notice_on", "hearing_on", "chair")
    below = not hearing_eligible(case.intended_fen, case.hearing)
    if below and case.hearing is not None and case.hearing.verified:
        raise Refused("The intended penalty does not give a right to a hearing (处罚法 第63条).")
    assert case.notice_on is not None
    if on > notice_reply_due(case.notice_on):
        raise Refused(f"A hearing must be asked for within 5 working days of the notice "
                      f"(by {notice_reply_due(case.notice_on)}).", {"on": "too late"})
    earliest = add_working_days(p["hearing_notice_on"], dl.HEARING_NOTICE_WORKING_DAYS)
    if p["hearing_on"] < earliest:
        raise Refused("The party must be told of the hearing at least 7 working days before it "
                      f"(处罚法 第64条, 第85条): the hearing can be on {earliest} at the earliest.",
                      {"hearing_on": "less than 7 working days after the hearing notice"})
    if p["hearing_notice_on"] < on:
        raise Refused("The hearing notice cannot precede the request.",
                      {"hearing_notice_on": "before the request"})
    if str(p["chair"].get("user_id")) in case.officers:
        raise Refused("The hearing is chaired by someone who did not investigate the case "
                      "(处罚法 第64条).", {"chair": "an investigating officer"})
    return {"requested_on": on, "hearing_notice_on": p["hearing_notice_on"],
            "hearing_on": p["hearing_on"], "chair": p["chair"],
            "below_unconfirmed_threshold": below}


def _to_decided(case: CaseView, p: Mapping[str, Any], on: date) -> dict[str, Any]:
    _fineable(case)
    _not_while_undetermined(case)
    _not_while_correcting(case)
    _need(p, "fine_fen")
    act_fines = _act_fines(case, p)
    unfined = {act for act, *_ in case.fineable_acts} - {item["act"] for item in act_fines}
    if unfined or any(o in MUST_EDUCATE for o in case.outcomes):  # acts not fined: educated
        _need(p, "education")
        _need(p["education"], "on", "method", "content")
    assert case.notice_on is not None and case.intended_fen is not None
    if case.state == "hearing":
        _need(p, "hearing_record")
        if not case.legal_review_done:  # a heard case is reviewed (处罚法 第58条第1款第2项)
            _need(p, "review_opinion")
        if case.hearing_on is None or on < case.hearing_on:
            raise Refused("The decision follows the hearing.", {"on": "before the hearing"})
    elif on <= notice_reply_due(case.notice_on) and not p.get("rights_waived"):
        raise Refused(f"No decision before the notice period has run: the party may state, "
                      f"defend or ask for a hearing until {notice_reply_due(case.notice_on)}.",
                      {"on": "inside the notice period"})
    if p["fine_fen"] > case.intended_fen:
        heard = f" ({len(case.statements)} statement(s) recorded)" if case.statements else ""
        raise Refused("Statements and defence can never make the penalty heavier than the "
                      f"notice (处罚法 第45条){heard}: the fine may not exceed "
                      f"{case.intended_fen} fen.", {"fine_fen": "above the notified amount"})
    if p["fine_fen"] <= 0:
        raise Refused("A fine must be positive; decide not to penalise instead.",
                      {"fine_fen": "must be positive"}, bad_input=True)
    ground = p.get("mitigation") or case.mitigation
    mitigation = _within_the_law(case, p["fine_fen"], "fine_fen", ground) or \
        _each_within_the_law(case, {item["act"]: item["fine_fen"] for item in act_fines}, ground)
    return {"fine_fen": p["fine_fen"], "act_fines": act_fines,
            "statements": p.get("statements"),
            "mitigation": mitigation, "review_opinion": p.get("review_opinion"),
            "statements_reviewed": len(case.statements) or None,
            "rights_waived": bool(p.get("rights_waived")),
            "hearing_record": p.get("hearing_record"), "education": p.get("education")}


def _act_fines(case: CaseView, p: Mapping[str, Any]) -> list[dict[str, int]]:
    """The fine of each fined act (处罚法 第29条), adding up to the decided fine: as given, the
    only act's, or the proposed ones when the total is the proposal (a daily penalty is one
    act's fine per day: 环保法 第59条). An act the rules only may fine is fined when listed."""
    proposed = {act: fen for act, fen, _, _ in case.fineable_acts}
    fined = {act for act, _, _, must in case.fineable_acts if must}
    total, given = p["fine_fen"], p.get("act_fines")
    if given:
        fines = {item["act"]: item["fine_fen"] for item in given}
        if len(fines) != len(given) or not fined <= set(fines) <= set(proposed):
            raise Refused(
                f"Give one fine for each act the rules fine (acts {sorted(fined)}); an act they "
                f"only may fine (acts {sorted(set(proposed) - fined)}) is fined when listed.",
                {"act_fines": "one per fined act"}, bad_input=True)
        if sum(fines.values()) != total:
            raise Refused("The acts' fines add up to the decided fine.",
                          {"act_fines": f"they add up to {sum(fines.values())}, not {total}"},
                          bad_input=True)
    elif len(proposed) <= 1:  # one act (or, in a bare view, none named)
        fines = {act: total for act in proposed}
    elif fined and all(proposed[act] is not None for act in fined) \
            and sum(proposed[act] or 0 for act in fined) == total:
        fines = {act: proposed[act] or 0 for act in fined}
    else:
        raise Refused("Several acts may be fined and the total is not the proposed one: give "
                      "the fine of each act (处罚法 第29条).",
                      {"act_fines": "required: the fine of each act"}, bad_input=True)
    return [{"act": act, "fine_fen": fen} for act, fen in sorted(fines.items())]


def _each_within_the_law(case: CaseView, fines: Mapping[int, int], mitigation: str | None
                         ) -> str | None:
    """Refuse a fined act's fine above its provision's maximum, or below its minimum without a
    ground for mitigation (处罚法 第29条、第32条; an act the rules only may fine keeps its
    provision's minimum once fined); the ground to record when one is below."""
    below = False
    for act, _proposed, found, _must in case.fineable_acts:
        if act not in fines or found is None:
            continue
        low, high = found
        if fines[act] > high:
            raise Refused(f"Act {act}'s fine may not exceed its statutory maximum of {high} "
                          "fen.", {"act_fines": f"act {act} above the statutory maximum"})
        if fines[act] < low and not (mitigation or "").strip():
            raise Refused(f"Act {act}'s fine is below its statutory minimum of {low} fen: a "
                          "mitigated fine (减轻处罚, 处罚法 第32条) needs its ground in "
                          "`mitigation`.", {"mitigation": "required below a statutory minimum"},
                          bad_input=True)
        below = below or fines[act] < low
    return mitigation if below else None


def _to_served(case: CaseView, p: Mapping[str, Any], on: date) -> dict[str, Any]:
    _need(p, "method")
    if p["method"] not in SERVICE_METHODS:
        raise Refused("Unknown service method.", {"method": f"one of {SERVICE_METHODS}"},
                      bad_input=True)
    if p["method"] == "electronic" and not p.get("consent"):
        raise Refused("Electronic service needs the party's consent (处罚法 第61条).",
                      {"consent": "required for electronic service"})
    return {"method": p["method"], "recipient": p.get("recipient"),
            "consent": bool(p.get("consent"))}


def _to_enforced(case: CaseView, p: Mapping[str, Any], on: date) -> dict[str, Any]:
    if case.payment_due is None or on <= case.payment_due:
        raise Refused(f"Enforcement only after the payment period ends ({case.payment_due}).",
                      {"on": "payment period still running"})
    return {"measure": p.get("measure") or "court_application"}


def _to_not_penalised(case: CaseView, p: Mapping[str, Any], on: date) -> dict[str, Any]:
    if not case.outcomes or any(o not in NOT_FINED for o in case.outcomes):
        raise Refused("Only a case whose violations the rules do not fine can end without a "
                      f"penalty (rules: {', '.join(case.outcomes)}).")
    if case.complex and case.state != "legal_review" and not case.legal_review_done:
        raise Refused("A complex case needs legal review (法制审核, 处罚法 第58条) before the "
                      "decision not to penalise.")
    if case.state == "legal_review" or (case.complex and case.state in ("notified", "hearing")):
        _need(p, "review_opinion")  # after a notice, the review of this new decision
    if "may_waive" in case.outcomes:
        _need(p, "reason")
    if any(o in EDUCATION_NEEDED for o in case.outcomes):
        _need(p, "education")
        _need(p["education"], "on", "method", "content")
    return {"reason": p.get("reason"), "education": p.get("education"),
            "review_opinion": p.get("review_opinion")}


_CHECKS = {"notified": _to_notified, "hearing": _to_hearing, "decided": _to_decided,
           "served": _to_served, "enforced": _to_enforced, "not_penalised": _to_not_penalised}


def check_transition(case: CaseView, to: str, params: Mapping[str, Any],
                     today: date) -> dict[str, Any]:
    """The step record to store, or Refused when the move or its preconditions fail."""
    on = step_day(case, to, params, today)
    check = _CHECKS.get(to)
    record = check(case, params, on) if check else {}
    return {"on": on, **{k: v for k, v in record.items() if v is not None}}


def step_day(case: CaseView, to: str, params: Mapping[str, Any], today: date) -> date:
    """The day of a step the case may take (today unless `on` is given), or Refused."""
    if to not in TRANSITIONS:
        raise Refused(f"Unknown state {to!r}.", {"to": f"one of {STATES}"}, bad_input=True)
    if to not in TRANSITIONS[case.state]:
        allowed = ", ".join(TRANSITIONS[case.state]) or "nothing"
        raise Refused(f"A case in state {case.state} can move to {allowed}, not {to}.")
    on = params.get("on") or today
    if on > today:
        raise Refused("A step cannot be dated in the future.", {"on": "after today"},
                      bad_input=True)
    if case.last_step_on is not None and on < case.last_step_on:
        raise Refused(f"A step cannot precede the previous one ({case.last_step_on}).",
                      {"on": "before the previous step"}, bad_input=True)
    return on


def payment_due(served_on: date, procedure: Procedure) -> date:
    """The last day to pay: 15 days after receipt (处罚法 Art. 67)."""
    return deadline(served_on, procedure.payment_period_days, procedure.payment_day_kind)


def check_payment(fine_fen: int, served_on: date, paid_on: date, amount_fen: int,
                  procedure: Procedure) -> dict[str, Any]:
    """The fine plus the 3 %/day surcharge (capped at the fine) must be paid in full.

    Deferred or instalment payment (暂缓、分期缴纳, 处罚法 第66条第2款) is deliberately not
    supported: LAW.md records neither its approval conditions nor how the surcharge runs on an
    approved schedule, so a partial amount is refused rather than booked on a guessed rule.
    """
    surcharge = late_payment_surcharge(fine_fen, served_on, paid_on, procedure)
    owed = fine_fen + surcharge.amount_fen
    if amount_fen != owed:
        partial = (" Partial, deferred or instalment payment (处罚法 第66条) is not supported "
                   "yet: record the payment once it is complete." if amount_fen < owed else "")
        raise Refused(f"The amount owed on {paid_on} is {owed} fen (fine {fine_fen} + "
                      f"surcharge {surcharge.amount_fen} for {surcharge.days_late} days late)."
                      + partial, {"amount_fen": f"must be {owed}"}, bad_input=True)
    return {"amount_fen": amount_fen, "surcharge_fen": surcharge.amount_fen,
            "late_days": surcharge.days_late, "surcharge_capped": surcharge.capped,
            "payment_due": surcharge.due_on}


def check_extension(state: str, granted: Iterable[str], approval: str, days: int, on: date,
                    current_due: date) -> None:
    """+30 days with approval, then at most +30 more by collective decision, before the end."""
    granted = tuple(granted)
    if state in DECIDED:
        raise Refused("The decision has issued; its deadline can no longer be extended.")
    if len(granted) >= len(dl.EXTENSIONS):
        raise Refused("The decision deadline was already extended twice (处罚法 第60条).")
    kind, limit = dl.EXTENSIONS[len(granted)]
    if approval != kind:
        raise Refused(f"Extension {len(granted) + 1} needs {kind} approval.",
                      {"approval": f"must be {kind}"}, bad_input=True)
    if not 0 < days <= limit:
        raise Refused(f"An extension is at most {limit} days.", {"days": f"1..{limit}"},
                      bad_input=True)
    if on > current_due:
        raise Refused(f"The deadline ({current_due}) has passed; it can no longer be extended.")


def check_suspension(state: str, filed_on: date, period: dl.Period, today: date) -> None:
    """A testing, appraisal or suspension period inside the case, before the decision."""
    if state in DECIDED:
        raise Refused("The decision has issued; its deadline no longer runs.")
    if period.kind not in dl.SUSPENSION_KINDS:
        raise Refused("Unknown kind of period.", {"kind": f"one of {dl.SUSPENSION_KINDS}"},
                      bad_input=True)
    if period.end < period.start or period.start < filed_on or period.end > today:
        raise Refused("The period must lie between the filing and today, start before end.",
                      {"end": "outside the case or before start"}, bad_input=True)
