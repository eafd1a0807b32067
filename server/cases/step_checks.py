"""PURE: what each step of the procedure checks before it is taken, and the record it stores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from server.cases import deadlines as dl
from server.cases.fine_law import EDUCATION_NEEDED, MUST_EDUCATE, MUST_NOT_FINE, NOT_FINED
from server.cases.hearing_rights import (
    Hearing,
    hearing_eligible,
    hearing_offered,
    legal_review_required,
    notice_reply_due,
)
from server.cases.refusals import Refused
from server.cases.renotice import RENOTICE_FROM, ground
from server.messages import Message
from server.workdays import add_working_days

SERVICE_METHODS = ("direct", "left_at_domicile", "post", "electronic", "announcement")


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
    statements_on_notice: int = 0
    """How many of them answer the latest notice, the one the decision may not exceed."""
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
    noticed_fines: tuple[tuple[int, int], ...] | None = None
    """The fine the notice intends for each act it fines (act, fen); None for a notice
    recorded before notices named them (its total alone binds the decision)."""
    redecided_since_notice: bool = False
    """Whether a violation of the case was re-decided (follow.py) since the notice in force."""


def _need(params: Mapping[str, Any], *names: str) -> None:
    missing = {n: "field.required" for n in names if params.get(n) in (None, "", {})}
    if missing:
        raise Refused("step.missing", notes=missing, bad_input=True)


def _educated(params: Mapping[str, Any], on: date) -> None:
    """The education of a party not penalised (处罚法 第33条第3款), as the decision states it:
    given by the decision's day."""
    _need(params, "education")
    _need(params["education"], "on", "method", "content")
    if params["education"]["on"] > on:
        raise Refused("education.after_decision", {"on": on},
                      {"education": "field.after_decision_day"}, bad_input=True)


def _fineable(case: CaseView) -> None:
    """Refuse a fine when the law forbids fining every violation of the case."""
    if case.outcomes and all(o in MUST_NOT_FINE for o in case.outcomes):
        raise Refused("fine.forbidden", {"outcomes": case.outcomes})


def _not_while_undetermined(case: CaseView) -> None:
    """Refuse a fine while the rules cannot tell whether a violation may be fined: the facts
    a waiver turns on are not yet established (处罚法 第33条 may forbid the fine)."""
    if "undetermined" in case.outcomes:
        raise Refused("fine.undetermined")


def _not_while_correcting(case: CaseView) -> None:
    """Refuse a fine while a violation waits for its correction: corrected in time, it is
    not fined (免罚清单; 处罚法 第33条); the re-inspection's finding decides."""
    if case.corrections_due:
        raise Refused("fine.correcting", {"dates": case.corrections_due})


def _within_the_law(case: CaseView, amount: int, field: str, mitigation: str | None
                    ) -> str | None:
    """Refuse an amount above the statutory maximum, or below the minimum without a ground
    for mitigation (减轻处罚, 处罚法 第32条); the ground to record (only below the minimum:
    within the range a lighter fine is 从轻, not 减轻)."""
    if case.fine_range is None:
        return None
    low, high = case.fine_range
    if amount > high:
        raise Refused("fine.above_maximum", {"max_fen": high}, {field: "field.above_maximum"})
    if amount < low and not (mitigation or "").strip():
        raise Refused("fine.below_minimum", {"min_fen": low},
                      {"mitigation": "field.mitigation"}, bad_input=True)
    return mitigation if amount < low else None


def _renotice(case: CaseView, p: Mapping[str, Any]) -> dict[str, Any] | None:
    """A notice given again before the decision (renotice.py): its reason, or Refused."""
    if case.state not in RENOTICE_FROM:
        return None
    note = (p.get("renotice_note") or "").strip()
    _need({**p, "renotice_note": note}, "renotice_reason", "renotice_note")
    return ground(p["renotice_reason"], note, case.notice_on, case.intended_fen)


def _not_heavier_on_statements(case: CaseView, intended: int,
                               act_fines: list[dict[str, int]]) -> None:
    """Refuse a re-notice heavier than the notice it replaces (its total, or an act's fine)
    once the party's statements were heard, while no violation was re-decided since that
    notice: nothing but the statements changed, and they never make it heavier (第45条)."""
    if not case.statements or case.redecided_since_notice:
        return
    noticed = dict(case.noticed_fines or ())
    heavier = intended > (case.intended_fen or 0) or (case.noticed_fines is not None and any(
        fen > noticed.get(act, 0) for act, fen in _by_act(act_fines).items()))
    if heavier:
        raise Refused("renotice.heavier_after_statements",
                      {"statements": len(case.statements), "intended_fen": case.intended_fen},
                      {"intended_fen": "field.above_notice"})


def _to_notified(case: CaseView, p: Mapping[str, Any], on: date) -> dict[str, Any]:
    renotice = _renotice(case, p)
    _fineable(case)
    _not_while_undetermined(case)
    _not_while_correcting(case)
    intended = p.get("intended_fen", case.proposed_fen)
    if intended is None or intended <= 0:
        raise Refused("notice.no_amount", notes={"intended_fen": "field.positive_amount"},
                      bad_input=True)
    act_fines = _act_fines(case, intended, p.get("act_fines"))
    mitigation = _mitigation(case, intended, "intended_fen", act_fines, p.get("mitigation"))
    if renotice:
        _not_heavier_on_statements(case, intended, act_fines)
    review = legal_review_required(intended, case.hearing, case.complex)
    if case.state == "legal_review" or (renotice and review and not case.legal_review_done):
        _need(p, "review_opinion")  # a re-notice needing review it never had: reviewed now
    elif review and not renotice:
        raise Refused("notice.review_first")
    return {"intended_fen": intended, "act_fines": act_fines, "hearing_eligible":
            hearing_eligible(intended, case.hearing),
            "hearing_offered": hearing_offered(intended, case.hearing),
            "review_opinion": p.get("review_opinion"), "mitigation": mitigation,
            "renotice": renotice}


def _to_hearing(case: CaseView, p: Mapping[str, Any], on: date) -> dict[str, Any]:
    place = (p.get("hearing_place") or "").strip()  # 处罚法 第64条第2项: its time and place
    _need({**p, "hearing_place": place}, "hearing_notice_on", "hearing_on", "chair",
          "hearing_place")
    below = not hearing_eligible(case.intended_fen, case.hearing)
    if below and case.hearing is not None and case.hearing.verified:
        raise Refused("hearing.no_right")
    assert case.notice_on is not None
    if on > notice_reply_due(case.notice_on):
        raise Refused("hearing.too_late", {"due": notice_reply_due(case.notice_on)},
                      {"on": "field.too_late"})
    earliest = add_working_days(p["hearing_notice_on"], dl.HEARING_NOTICE_WORKING_DAYS)
    if p["hearing_on"] < earliest:
        raise Refused("hearing.too_soon", {"earliest": earliest},
                      {"hearing_on": "field.hearing_too_soon"})
    if p["hearing_notice_on"] < on:
        raise Refused("hearing.notice_first", notes={"hearing_notice_on": "field.before_request"})
    if str(p["chair"].get("user_id")) in case.officers:
        raise Refused("hearing.chair", notes={"chair": "field.investigator"})
    return {"requested_on": on, "hearing_notice_on": p["hearing_notice_on"],
            "hearing_on": p["hearing_on"], "hearing_place": place, "chair": p["chair"],
            "below_unconfirmed_threshold": below}


def _to_decided(case: CaseView, p: Mapping[str, Any], on: date) -> dict[str, Any]:
    _fineable(case)
    _not_while_undetermined(case)
    _not_while_correcting(case)
    _need(p, "fine_fen")
    act_fines = _act_fines(case, p["fine_fen"], p.get("act_fines") or _as_noticed(
        case, p["fine_fen"]))
    unfined = {act for act, *_ in case.fineable_acts} - {item["act"] for item in act_fines}
    # acts not fined: educated (an education given though not needed is stated all the same)
    if unfined or any(o in MUST_EDUCATE for o in case.outcomes) or p.get("education"):
        _educated(p, on)
    assert case.notice_on is not None and case.intended_fen is not None
    if case.state == "hearing":
        _need(p, "hearing_record")
        if not case.legal_review_done:  # a heard case is reviewed (处罚法 第58条第1款第2项)
            _need(p, "review_opinion")
        if case.hearing_on is None or on < case.hearing_on:
            raise Refused("decision.before_hearing", notes={"on": "field.before_hearing"})
    elif on <= notice_reply_due(case.notice_on) and not p.get("rights_waived"):
        raise Refused("decision.notice_period", {"due": notice_reply_due(case.notice_on)},
                      {"on": "field.notice_period"})
    if p["fine_fen"] > case.intended_fen:
        heard = case.statements_on_notice
        raise Refused("decision.heavier_heard" if heard else "decision.heavier",
                      {"intended_fen": case.intended_fen, "statements": heard}
                      if heard else {"intended_fen": case.intended_fen},
                      {"fine_fen": "field.above_notice"})
    if p["fine_fen"] <= 0:
        raise Refused("decision.not_positive", notes={"fine_fen": "field.positive"},
                      bad_input=True)
    ground = p.get("mitigation") or case.mitigation
    mitigation = _mitigation(case, p["fine_fen"], "fine_fen", act_fines, ground)
    _within_the_notice(case, _by_act(act_fines))
    return {"fine_fen": p["fine_fen"], "act_fines": act_fines,
            "statements": p.get("statements"),
            "mitigation": mitigation, "review_opinion": p.get("review_opinion"),
            "statements_reviewed": len(case.statements) or None,
            "rights_waived": bool(p.get("rights_waived")),
            "hearing_record": p.get("hearing_record"), "education": p.get("education")}


def _act_fines(case: CaseView, total: int, given: list[Mapping[str, int]] | None
               ) -> list[dict[str, int]]:
    """The fine of each fined act (处罚法 第29条), adding up to the notified or decided total:
    as given, the only act's, or the proposed ones when the total is the proposal (a daily
    penalty is one act's fine per day: 环保法 第59条). An act the rules only may fine is
    fined when listed."""
    proposed = {act: fen for act, fen, _, _ in case.fineable_acts}
    fined = {act for act, _, _, must in case.fineable_acts if must}
    if given:
        fines = {item["act"]: item["fine_fen"] for item in given}
        if len(fines) != len(given) or not fined <= set(fines) <= set(proposed):
            raise Refused("acts.one_per_fined", {"fined": sorted(fined),
                                                 "optional": sorted(set(proposed) - fined)},
                          {"act_fines": "field.one_per_act"}, bad_input=True)
        if sum(fines.values()) != total:
            raise Refused("acts.sum", notes={"act_fines": Message(
                "field.sum", {"sum_fen": sum(fines.values()), "total_fen": total})},
                bad_input=True)
    elif len(proposed) <= 1:  # one act (or, in a bare view, none named)
        fines = {act: total for act in proposed}
    elif fined and all(proposed[act] is not None for act in fined) \
            and sum(proposed[act] or 0 for act in fined) == total:
        fines = {act: proposed[act] or 0 for act in fined}
    else:
        raise Refused("acts.required", notes={"act_fines": "field.each_act"}, bad_input=True)
    return [{"act": act, "fine_fen": fen} for act, fen in sorted(fines.items())]


def _by_act(act_fines: list[dict[str, int]]) -> dict[int, int]:
    return {item["act"]: item["fine_fen"] for item in act_fines}


def _as_noticed(case: CaseView, total: int) -> list[dict[str, int]] | None:
    """The notice's fine of each act, for a decision at the notice's total."""
    noticed = case.noticed_fines
    if noticed is None or sum(fen for _, fen in noticed) != total:
        return None
    return [{"act": act, "fine_fen": fen} for act, fen in noticed]


def _within_the_notice(case: CaseView, fines: Mapping[int, int]) -> None:
    """Refuse fining an act the notice said would not be fined, or above the fine it stated
    for the act: the party was told of no such penalty (处罚法 第44条), and its statements
    never make the penalty heavier (第45条). A notice recorded before notices named each
    act's fine binds only its total."""
    if case.noticed_fines is None:
        return
    noticed = dict(case.noticed_fines)
    for act, fen in sorted(fines.items()):
        if act not in noticed:
            raise Refused("decision.act_not_noticed", {"act": act}, {"act_fines": Message(
                "field.act_not_noticed", {"act": act})})
        if fen > noticed[act]:
            raise Refused("decision.act_heavier", {"act": act, "intended_fen": noticed[act]},
                          {"act_fines": Message("field.act_above_notice", {"act": act})})


def _mitigation(case: CaseView, total: int, field: str, act_fines: list[dict[str, int]],
                ground: str | None) -> str | None:
    """The total and each act's fine both within the law (a total mitigated below the case's
    minimum does not let an act exceed its own maximum); the ground to record."""
    whole = _within_the_law(case, total, field, ground)
    return _each_within_the_law(case, _by_act(act_fines), ground) or whole


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
            raise Refused("act.above_maximum", {"act": act, "max_fen": high},
                          {"act_fines": Message("field.act_above_maximum", {"act": act})})
        if fines[act] < low and not (mitigation or "").strip():
            raise Refused("act.below_minimum", {"act": act, "min_fen": low},
                          {"mitigation": "field.mitigation_act"}, bad_input=True)
        below = below or fines[act] < low
    return mitigation if below else None


def _to_served(case: CaseView, p: Mapping[str, Any], on: date) -> dict[str, Any]:
    _need(p, "method")
    if p["method"] not in SERVICE_METHODS:
        raise Refused("service.unknown", notes={"method": Message(
            "field.methods", {"methods": SERVICE_METHODS})}, bad_input=True)
    if p["method"] == "electronic" and not p.get("consent"):
        raise Refused("service.consent", notes={"consent": "field.consent"})
    return {"method": p["method"], "recipient": p.get("recipient"),
            "consent": bool(p.get("consent"))}


def _to_enforced(case: CaseView, p: Mapping[str, Any], on: date) -> dict[str, Any]:
    if case.payment_due is None or on <= case.payment_due:
        raise Refused("enforcement.too_early", {"due": case.payment_due},
                      {"on": "field.payment_running"})
    return {"measure": p.get("measure") or "court_application"}


def _to_not_penalised(case: CaseView, p: Mapping[str, Any], on: date) -> dict[str, Any]:
    if not case.outcomes or any(o not in NOT_FINED for o in case.outcomes):
        raise Refused("not_penalised.fined", {"outcomes": case.outcomes})
    if case.complex and case.state != "legal_review" and not case.legal_review_done:
        raise Refused("not_penalised.review_first")
    if case.state == "legal_review" or (case.complex and case.state in ("notified", "hearing")):
        _need(p, "review_opinion")  # after a notice, the review of this new decision
    if "may_waive" in case.outcomes:
        _need(p, "reason")
    if any(o in EDUCATION_NEEDED for o in case.outcomes) or p.get("education"):
        _educated(p, on)  # one given though not needed is stated all the same
    return {"reason": p.get("reason"), "education": p.get("education"),
            "review_opinion": p.get("review_opinion")}


# target state -> its check (the other steps check only that the move is allowed, and its day)
CHECKS = {"notified": _to_notified, "hearing": _to_hearing, "decided": _to_decided,
          "served": _to_served, "enforced": _to_enforced, "not_penalised": _to_not_penalised}
