"""The engine's answer: waiver, penalty and limitation decisions with their explanation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from server.rules.model import CatalogueEntry, Lang, Text
from server.rules.text import cite, render, sentences
from server.rules.values import value

if TYPE_CHECKING:
    from server.rules.fines import Assessment
    from server.rules.inputs import EvaluationInput
    from server.rules.waiver import ListResult

Decision = Literal["fine", "waived", "pending_correction", "may_waive", "no_fault",
                   "time_barred", "undetermined"]
WaiverOutcome = Literal["waived", "pending_correction", "may_waive", "no_fault",
                        "undetermined", "not_eligible"]
WaiverGround = Literal["list", "article_33"]
How = Literal["fact", "derived", "computed"]
PenaltyStatus = Literal["computed", "incomplete", "no_rule"]


# Explanations are recorded as plain immutable tuples while deciding (building thousands of
# objects per second is the engine's main cost) and turned into text only on output.
Note = tuple[str, Mapping[str, Any]]
"""A message: (message key of text.MESSAGES, its parameters)."""
TraceStep = tuple[str, str, Note]
"""One explanation step: (step name, rule or article, note)."""


@value
class Msg:
    """A message key with its parameters, rendered in Chinese or English."""

    key: str
    params: Mapping[str, Any]

    @classmethod
    def of(cls, note: Note) -> Msg:
        """The message recorded as `note`."""
        return cls(note[0], note[1])

    def render(self, lang: Lang = "zh") -> str:
        """The message text in `lang`."""
        return render(self.key, self.params, lang)


# Every kind of step a penalty trace records (fines.py, engine.py); pages label each one.
TRACE_STEPS: tuple[str, ...] = (
    "rule_sets", "provision", "statutory_range", "escalation", "discretion", "starting_weight",
    "factor", "repeat_offence", "weighted_sum", "statutory_minimum", "mitigation", "rounding",
    "instances", "responsible_persons", "lex_mitior", "daily_penalty", "summary_procedure")


@value
class Step:
    """One step of an explanation: what was decided, under which rule, with what effect."""

    step: str
    rule: str
    effect: Msg

    @classmethod
    def of(cls, step: TraceStep) -> Step:
        """The step recorded as `step`."""
        return cls(step[0], step[1], Msg.of(step[2]))

    def to_dict(self, lang: Lang) -> dict[str, str]:
        """JSON-ready step."""
        return {"step": self.step, "rule": cite(self.rule, lang),
                "effect": self.effect.render(lang)}


def say(note: Note, lang: Lang) -> str:
    """The text of a recorded message."""
    return render(note[0], note[1], lang)


def _step_dict(step: TraceStep, lang: Lang) -> dict[str, str]:
    return {"step": step[0], "rule": cite(step[1], lang), "effect": say(step[2], lang)}


@value
class Condition:
    """A waiver condition and whether it holds (None: not established); `how` names the source."""

    condition: str
    met: bool | None
    how: How


@value
class WaiverDecision:
    """Whether the violation is not penalised, under which list item or article, and why."""

    outcome: WaiverOutcome
    ground: WaiverGround | None
    found: ListResult | None
    """The list's judgement the outcome starts from (None: no list in force)."""
    verified: bool
    basis: tuple[str, ...]
    reasons: tuple[Note, ...]

    @property
    def eligible(self) -> bool:
        """Not penalised now or once corrected by the deadline (may_waive is discretionary)."""
        return self.outcome in ("waived", "pending_correction", "no_fault")

    @property
    def education_required(self) -> bool:
        """处罚法 Art. 33 ¶3: a party not penalised must be educated."""
        return self.outcome in ("waived", "no_fault")

    @property
    def list_ref(self) -> str | None:
        """`id@version` of the waiver list judged."""
        return self.found.wlist.meta.ref if self.found else None

    @property
    def item(self) -> int | None:
        """The list item the outcome is reported under."""
        chosen = self.found.chosen if self.found else None
        return chosen.item.number if chosen else None

    @property
    def items(self) -> tuple[int, ...]:
        """Every item of the list covering the code (or the one named by waiver_item)."""
        return self.found.items if self.found else ()

    @property
    def conditions(self) -> tuple[Condition, ...]:
        """The reported item's conditions and whether each holds."""
        chosen = self.found.chosen if self.found else None
        return chosen.conditions if chosen else ()

    @property
    def unmet(self) -> tuple[str, ...]:
        """Conditions that do not hold."""
        chosen = self.found.chosen if self.found else None
        return chosen.unmet if chosen else ()

    @property
    def unknown(self) -> tuple[str, ...]:
        """Conditions not yet established."""
        chosen = self.found.chosen if self.found else None
        if chosen is not None:
            return chosen.unknown
        return ("waiver_item",) if self.found and self.found.outcome == "undetermined" else ()

    @property
    def deadline(self) -> date | None:
        """The correction deadline, when the item's correction window decided or decides."""
        chosen = self.found.chosen if self.found else None
        return chosen.deadline if chosen and chosen.window_used else None

    def to_dict(self, lang: Lang) -> dict[str, Any]:
        """JSON-ready waiver answer."""
        wlist = self.found.wlist if self.found else None
        chosen = self.found.chosen if self.found else None
        window = self.deadline is not None and chosen is not None
        return {
            "eligible": self.eligible, "outcome": self.outcome, "ground": self.ground,
            "list": self.list_ref,
            "list_title": wlist.meta.title.get(lang) if wlist else None,
            "item": self.item, "items": list(self.items),
            "behaviour": chosen.item.behaviour.get(lang) if chosen else None,
            "violated_articles": [cite(a, lang) for a in chosen.item.violated_articles]
            if chosen else [],
            "verified": self.verified, "unmet": list(self.unmet), "unknown": list(self.unknown),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_kind": chosen.item.window_kind if window and chosen else None,
            "window_days": chosen.item.window_days if window and chosen else None,
            "conditions": [{"condition": c.condition, "met": c.met, "how": c.how}
                           for c in self.conditions],
            "education_required": self.education_required,
            "basis": [cite(b, lang) for b in self.basis],
            "reason": sentences([say(note, lang) for note in self.reasons], lang),
        }


@value
class PersonFine:
    """The separate fine for the responsible persons of an organisation."""

    min_fen: int
    max_fen: int
    amount_fen: int
    article: str


@value
class LexMitior:
    """处罚法 Art. 37: the amounts under the rules at the act and at the decision."""

    act_ref: str
    act_fen: int
    decision_ref: str
    decision_fen: int
    chosen: Literal["act", "decision"]
    act_name: Text
    decision_name: Text


@value
class PenaltyDecision:
    """The fine the rules give (kept even when it is not levied) and how it was reached."""

    assessment: Assessment | None
    """The chosen provision under the chosen rule versions (None: no catalogue in force)."""
    code: str
    levied: bool | None
    lex_mitior: LexMitior | None
    provisions: tuple[str, ...]
    summary_eligible: bool | None
    summary_limit_fen: int | None
    trace: tuple[TraceStep, ...]

    @property
    def status(self) -> PenaltyStatus:
        """computed, incomplete (a base is missing) or no_rule."""
        return self.assessment.status if self.assessment else "no_rule"

    @property
    def amount_fen(self) -> int | None:
        """The amount the rules give, levied or not."""
        return self.assessment.amount_fen if self.assessment else None

    @property
    def statutory_min_fen(self) -> int | None:
        """The statutory minimum for this case."""
        return self.assessment.min_fen if self.assessment else None

    @property
    def statutory_max_fen(self) -> int | None:
        """The statutory maximum for this case."""
        return self.assessment.max_fen if self.assessment else None

    @property
    def would_be_amount_fen(self) -> int | None:
        """The amount not levied (waived or not penalised), for reports; None when levied."""
        return None if self.levied else self.amount_fen

    @property
    def entry(self) -> CatalogueEntry | None:
        """The catalogue entry applied."""
        return self.assessment.entry if self.assessment else None

    @property
    def basis(self) -> str | None:
        """The penalty article applied."""
        return self.entry.penalty_article if self.entry else None

    @property
    def catalogue_ref(self) -> str | None:
        """`id@version` of the catalogue applied."""
        return self.assessment.plan.catalogue.meta.ref if self.assessment else None

    @property
    def discretion_ref(self) -> str | None:
        """`id@version` of the discretion method applied."""
        disc = self.assessment.plan.discretion if self.assessment else None
        return disc.meta.ref if disc else None

    @property
    def verified(self) -> bool:
        """True only when no unconfirmed rule data took part in the amount."""
        return self.assessment is not None and not self.assessment.unverified

    @property
    def responsible_person(self) -> PersonFine | None:
        """The separate fine of the responsible persons, when the article has one."""
        return self.assessment.person if self.assessment else None

    @property
    def daily_penalty_article(self) -> str | None:
        """The article allowing a daily continuous penalty, when there is one."""
        return self.entry.daily_penalty_article if self.entry else None

    @property
    def steps(self) -> tuple[Step, ...]:
        """The explanation as Step objects."""
        return tuple(Step.of(step) for step in self.trace)

    def to_dict(self, lang: Lang) -> dict[str, Any]:
        """JSON-ready penalty answer."""
        person, lex, entry = self.responsible_person, self.lex_mitior, self.entry
        daily = self.daily_penalty_article
        return {
            "status": self.status, "code": self.code,
            "title": entry.title.get(lang) if entry else None,
            "violated_articles": [cite(a, lang) for a in entry.violated_articles]
            if entry else [],
            "statutory_min_fen": self.statutory_min_fen,
            "statutory_max_fen": self.statutory_max_fen,
            "amount_fen": self.amount_fen, "levied": self.levied,
            "would_be_amount_fen": self.would_be_amount_fen,
            "basis": cite(self.basis, lang) if self.basis else None,
            "rule_set": self.catalogue_ref, "discretion": self.discretion_ref,
            "verified": self.verified,
            "missing": list(self.assessment.missing) if self.assessment else [],
            "responsible_person": None if person is None else {
                "min_fen": person.min_fen, "max_fen": person.max_fen,
                "amount_fen": person.amount_fen, "basis": cite(person.article, lang)},
            "daily_penalty": {"allowed": daily is not None,
                              "basis": cite(daily, lang) if daily else None},
            "summary_procedure": {"eligible": self.summary_eligible,
                                  "limit_fen": self.summary_limit_fen},
            "additional_measures": [m.get(lang) for m in entry.additional_measures]
            if entry else [],
            "lex_mitior": None if lex is None else {
                "act": {"rule_set": lex.act_ref, "amount_fen": lex.act_fen},
                "decision": {"rule_set": lex.decision_ref, "amount_fen": lex.decision_fen},
                "chosen": lex.chosen},
            "provisions": list(self.provisions),
            "trace": [_step_dict(step, lang) for step in self.trace],
        }


@value
class Limitation:
    """处罚法 Art. 36: whether the act was discovered within the limitation period."""

    expired: bool
    running: bool
    years: int | None
    runs_from: date | None
    ends_on: date | None
    discovered_on: date
    article: str | None

    @property
    def reason(self) -> Note | None:
        """Why the act is or is not time-barred."""
        if self.article is None:
            return None
        if not self.running:
            return ("still_running", {})
        return ("time_barred" if self.expired else "in_time", {
            "runs_from": self.runs_from, "years": self.years, "ends_on": self.ends_on,
            "discovered": self.discovered_on})

    def to_dict(self, lang: Lang) -> dict[str, Any]:
        """JSON-ready limitation answer."""
        return {
            "expired": self.expired, "running": self.running, "years": self.years,
            "runs_from": self.runs_from.isoformat() if self.runs_from else None,
            "ends_on": self.ends_on.isoformat() if self.ends_on else None,
            "discovered_on": self.discovered_on.isoformat(),
            "basis": cite(self.article, lang) if self.article else None,
            "reason": say(self.reason, lang) if self.reason else None,
        }


@value
class Evaluation:
    """The decision on one violation; `to_dict` gives the API answer."""

    input: EvaluationInput
    decision: Decision
    waiver: WaiverDecision
    penalty: PenaltyDecision
    limitation: Limitation
    warnings: tuple[Note, ...]
    unverified: tuple[Note, ...]

    @property
    def summary(self) -> Note:
        """The decision in one sentence: the ruling reason, or the fine and its basis."""
        waiver, penalty = self.waiver, self.penalty
        if self.decision == "time_barred" and self.limitation.reason is not None:
            return self.limitation.reason
        if self.decision != "fine" and waiver.reasons:
            return waiver.reasons[0] if waiver.ground == "list" else waiver.reasons[-1]
        basis = penalty.basis or penalty.code
        if penalty.amount_fen is None:
            return ("fine_open", {"basis": basis})
        return ("fine", {"basis": basis, "amount_fen": penalty.amount_fen})

    @property
    def verified(self) -> bool:
        """True only when no unconfirmed rule data took part in the decision."""
        return not self.unverified

    @property
    def rule_sets(self) -> dict[str, str | None]:
        """The rule-set versions the decision used, to store with it."""
        return {"catalogue": self.penalty.catalogue_ref,
                "discretion": self.penalty.discretion_ref, "waiver_list": self.waiver.list_ref}

    def to_dict(self, lang: Lang = "zh") -> dict[str, Any]:
        """JSON-ready answer of POST /api/v1/rules/evaluate, explanations in `lang`."""
        inp = self.input
        return {
            "decision": self.decision,
            "explanation": say(self.summary, lang),
            "violation": {"code": inp.violation_code, "occurred_on": inp.occurred_on.isoformat(),
                          "decided_on": inp.decided_on.isoformat() if inp.decided_on else None,
                          "party_type": inp.party_type},
            "verified": self.verified,
            "unverified": [say(note, lang) for note in self.unverified],
            "rule_sets": self.rule_sets,
            "waiver": self.waiver.to_dict(lang),
            "penalty": self.penalty.to_dict(lang),
            "limitation": self.limitation.to_dict(lang),
            "warnings": [say(note, lang) for note in self.warnings],
        }
