"""Frozen evaluation input: the violation, its dates, facts, discretion factors and base amounts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from server.rules.errors import InvalidInput
from server.rules.values import value

PartyType = Literal["organisation", "individual"]
PARTY_TYPES: tuple[PartyType, ...] = ("organisation", "individual")


@value
class Facts:
    """Established facts; None means not (yet) established — never the same as False."""

    first_offence: bool | None = None
    corrected_in_time: bool | None = None
    corrected_on_spot: bool | None = None
    corrected_on: date | None = None
    harmful_consequence: bool | None = None
    harm_minor: bool | None = None
    stopped_and_restored: bool | None = None
    minor: bool | None = None
    no_fault: bool | None = None
    not_corrected_by_deadline: bool | None = None
    refused_correction: bool | None = None
    life_health_or_financial_harm: bool | None = None

    def with_first_offence(self, value: bool) -> Facts:
        """A copy with `first_offence` set (dataclasses.replace is too slow for the hot path)."""
        return Facts(value, self.corrected_in_time, self.corrected_on_spot, self.corrected_on,
                     self.harmful_consequence, self.harm_minor, self.stopped_and_restored,
                     self.minor, self.no_fault, self.not_corrected_by_deadline,
                     self.refused_correction, self.life_health_or_financial_harm)


@value
class Base:
    """Amounts a fine shape is computed from (integer fen) and the number of instances."""

    investment_fen: int | None = None
    disposal_cost_fen: int | None = None
    instances: int | None = None


@value
class PriorViolation:
    """An earlier violation of the same party (for first offence and repeat aggravation)."""

    occurred_on: date
    code: str | None = None


@value
class EvaluationInput:
    """Everything the engine needs to decide one violation.

    `factors` is a sorted tuple of (factor key, grade 1–5) pairs; pass a dict and it is converted.
    `prior_violations` None means the party's history is unknown (first offence not derivable).
    `discovered_on` defaults to `occurred_on`; it starts the correction window and ends the
    limitation period. `ended_on` is the end of a continuing act (None while it continues).
    """

    violation_code: str
    occurred_on: date
    party_type: PartyType = "organisation"
    decided_on: date | None = None
    discovered_on: date | None = None
    continuing: bool = False
    ended_on: date | None = None
    facts: Facts = field(default_factory=Facts)
    factors: tuple[tuple[str, int], ...] = ()
    base: Base = field(default_factory=Base)
    mitigation: tuple[str, ...] = ()
    prior_violations: tuple[PriorViolation, ...] | None = None
    also_violates: tuple[str, ...] = ()
    waiver_item: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.factors, Mapping):
            object.__setattr__(self, "factors", tuple(sorted(self.factors.items())))
        for name in ("mitigation", "also_violates", "prior_violations"):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))

    @property
    def discovery(self) -> date:
        """The discovery date, defaulting to the occurrence date."""
        return self.discovered_on or self.occurred_on

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvaluationInput:
        """Build from the JSON of POST /api/v1/rules/evaluate; InvalidInput lists every problem."""
        return _Parser(data).build()


_FACT_NAMES = tuple(f.name for f in fields(Facts))
_TOP_LEVEL = {"violation_code", "occurred_on", "decided_on", "discovered_on", "ended_on",
              "continuing", "party_type", "facts", "factors", "base", "mitigation",
              "prior_violations", "prior_count_within_year", "also_violates", "waiver_item"}
_BASE_MONEY = {"investment_yuan": "investment_fen", "disposal_cost_yuan": "disposal_cost_fen"}


class _Parser:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def _date(self, value: Any, where: str) -> date | None:
        if value is None or isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.errors[where] = "must be a date YYYY-MM-DD"
            return None

    def _bool(self, value: Any, where: str) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        self.errors[where] = "must be true, false or null"
        return None

    def _int(self, value: Any, where: str, low: int, high: int | None = None) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (
                high is not None and value > high):
            self.errors[where] = f"must be an integer from {low}" + (f" to {high}" if high else "")
            return None
        return value

    def _yuan(self, value: Any, where: str) -> int | None:
        # Floats are refused: money arrives as an integer or a decimal string.
        if value is None:
            return None
        try:
            if isinstance(value, bool) or isinstance(value, float):
                raise InvalidOperation
            amount = Decimal(str(value)) * 100
        except InvalidOperation:
            amount = Decimal(-1)
        if amount < 0 or amount != amount.to_integral_value():
            self.errors[where] = "must be a non-negative amount in yuan with at most 2 decimals"
            return None
        return int(amount)

    def _facts(self) -> Facts:
        raw = self.data.get("facts") or {}
        if not isinstance(raw, Mapping):
            self.errors["facts"] = "must be an object"
            return Facts()
        for name in raw:
            if name not in _FACT_NAMES:
                self.errors[f"facts.{name}"] = "unknown fact"
        values: dict[str, Any] = {}
        for name in _FACT_NAMES:
            where = f"facts.{name}"
            if name == "corrected_on":
                values[name] = self._date(raw.get(name), where)
            else:
                values[name] = self._bool(raw.get(name), where)
        return Facts(**values)

    def _base(self) -> Base:
        raw = self.data.get("base") or {}
        if not isinstance(raw, Mapping):
            self.errors["base"] = "must be an object"
            return Base()
        values: dict[str, Any] = {}
        for name in raw:
            if name in _BASE_MONEY:
                values[_BASE_MONEY[name]] = self._yuan(raw[name], f"base.{name}")
            elif name == "instances":
                values["instances"] = self._int(raw[name], "base.instances", 1, 100_000)
            else:
                self.errors[f"base.{name}"] = "unknown base"
        return Base(**values)

    def _factors(self) -> tuple[tuple[str, int], ...]:
        raw = self.data.get("factors") or {}
        if not isinstance(raw, Mapping):
            self.errors["factors"] = "must be an object of factor: grade"
            return ()
        found = {str(k): self._int(v, f"factors.{k}", 1, 5) for k, v in raw.items()}
        return tuple(sorted((k, v) for k, v in found.items() if v is not None))

    def _strings(self, name: str) -> tuple[str, ...]:
        raw = self.data.get(name) or []
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            self.errors[name] = "must be a list of strings"
            return ()
        return tuple(raw)

    def _priors(self) -> tuple[PriorViolation, ...] | None:
        raw, count = self.data.get("prior_violations"), self.data.get("prior_count_within_year")
        if raw is None and count is None:
            return None
        priors: list[PriorViolation] = []
        for i, item in enumerate(raw or []):
            where = f"prior_violations[{i}]"
            if not isinstance(item, Mapping):
                self.errors[where] = "must be an object {occurred_on, code}"
                continue
            when = self._date(item.get("occurred_on"), f"{where}.occurred_on")
            code = item.get("code")
            if when is None:
                self.errors.setdefault(f"{where}.occurred_on", "is required")
            elif code is not None and not isinstance(code, str):
                self.errors[f"{where}.code"] = "must be a string"
            else:
                priors.append(PriorViolation(when, code))
        return tuple(priors) + self._counted_priors(count)

    def _counted_priors(self, count: Any) -> tuple[PriorViolation, ...]:
        # A bare count means earlier acts of the same code within the window, dated the day before.
        number = self._int(count, "prior_count_within_year", 0, 1000) or 0
        occurred = self._date(self.data.get("occurred_on"), "occurred_on")
        if not number or occurred is None:
            return ()
        code = self.data.get("violation_code")
        return tuple(PriorViolation(date.fromordinal(occurred.toordinal() - 1), code)
                     for _ in range(number))

    def build(self) -> EvaluationInput:
        """The input, or InvalidInput naming every problem at once."""
        data = self.data
        if not isinstance(data, Mapping):
            raise InvalidInput({"": "must be an object"})
        for name in data:
            if name not in _TOP_LEVEL:
                self.errors[name] = "unknown field"
        code = data.get("violation_code")
        if not isinstance(code, str) or not code:
            self.errors["violation_code"] = "is required"
        occurred = self._date(data.get("occurred_on"), "occurred_on")
        if occurred is None:
            self.errors.setdefault("occurred_on", "is required")
        party = data.get("party_type", "organisation")
        if party not in PARTY_TYPES:
            self.errors["party_type"] = f"must be one of {list(PARTY_TYPES)}"
        built = dict(
            decided_on=self._date(data.get("decided_on"), "decided_on"),
            discovered_on=self._date(data.get("discovered_on"), "discovered_on"),
            ended_on=self._date(data.get("ended_on"), "ended_on"),
            continuing=bool(self._bool(data.get("continuing"), "continuing")),
            facts=self._facts(), factors=self._factors(), base=self._base(),
            mitigation=self._strings("mitigation"), also_violates=self._strings("also_violates"),
            prior_violations=self._priors(),
            waiver_item=self._int(data.get("waiver_item"), "waiver_item", 1),
        )
        if self.errors:
            raise InvalidInput(self.errors)
        assert occurred is not None and isinstance(code, str)
        return EvaluationInput(violation_code=code, occurred_on=occurred, party_type=party,
                               **built)
