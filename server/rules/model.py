"""Immutable rule data: catalogue entries, waiver items, discretion tables, checklist templates
and their versions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from server.workdays import DayKind

RuleKind = Literal["catalogue", "waiver_list", "discretion", "checklist"]
RULE_KINDS: tuple[RuleKind, ...] = ("catalogue", "waiver_list", "discretion", "checklist")
SIDE_BY_SIDE: tuple[RuleKind, ...] = ("waiver_list", "checklist")
"""Kinds whose rule sets of different ids are in force together (one version of each id)."""
Lang = Literal["zh", "en"]
BP = 10_000  # basis points in one whole: ratios are integers of 1/10,000, never floats


@dataclass(frozen=True, slots=True)
class Text:
    """A text in Chinese with its English version."""

    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        """The text in `lang`."""
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True, slots=True)
class RuleSetMeta:
    """Identity and validity of one rule-set version."""

    id: str
    version: str
    kind: RuleKind
    title: Text
    effective_from: date
    effective_until: date | None
    verified: bool
    source: str
    ref: str = field(init=False, compare=False)
    """`id@version`, the name stored with every decision."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "ref", f"{self.id}@{self.version}")

    @property
    def name(self) -> Text:
        """How texts name this version: by its title in Chinese (《…》), by its ref in English."""
        return Text(f"《{self.title.zh}》", self.ref)

    def in_force(self, on: date) -> bool:
        """Whether this version applies on `on` (both ends inclusive)."""
        if on < self.effective_from:
            return False
        return self.effective_until is None or on <= self.effective_until


@dataclass(frozen=True, slots=True)
class FineShape:
    """How a statutory fine range is formed; ratios are in basis points of the base."""

    shape: Literal["range", "percent_of_base", "multiple_of_base_with_floor", "per_instance"]
    min_fen: int = 0
    max_fen: int = 0
    base: Literal["investment", "disposal_cost"] | None = None
    min_ratio_bp: int = 0
    max_ratio_bp: int = 0
    base_floor_fen: int = 0
    floor_applies_to: Literal["base", "fine"] = "base"


@dataclass(frozen=True, slots=True)
class FineRange:
    """A fixed range with its article; `fact` names the fact that triggers an escalated range."""

    min_fen: int
    max_fen: int
    article: str
    fact: str | None = None


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """One violation type: what it is, which article punishes it and how much."""

    code: str
    title: Text
    violated_articles: tuple[str, ...]
    penalty_article: str
    fine: FineShape
    escalation: FineRange | None
    responsible_persons: FineRange | None
    daily_penalty_article: str | None
    additional_measures: tuple[Text, ...]
    in_force_from: date
    in_force_from_verified: bool
    verified: bool
    split_from: str | None = None
    """The code this one was split from: an act recorded under either may be the same act."""


@dataclass(frozen=True, slots=True)
class Procedure:
    """General numbers of 行政处罚法 the engine needs (summary procedure, limitation, payment)."""

    summary_individual_max_fen: int
    summary_organisation_max_fen: int
    summary_article: str
    summary_in_force_from: date
    limitation_years: int
    limitation_extended_years: int
    limitation_article: str
    payment_period_days: int
    payment_day_kind: DayKind
    surcharge_bp_per_day: int
    surcharge_article: str
    verified: bool
    hearing: HearingThreshold | None = None


@dataclass(frozen=True, slots=True)
class HearingThreshold:
    """较大数额罚款 (处罚法 第63条): the fine from which a party may ask for a hearing."""

    individual_min_fen: int
    organisation_min_fen: int
    article: str
    verified: bool

    def for_party(self, party_type: str) -> int:
        """The threshold for an individual or an organisation."""
        return self.individual_min_fen if party_type == "individual" \
            else self.organisation_min_fen


@dataclass(frozen=True, slots=True)
class WaiverItem:
    """One item of a waiver list: the behaviour, the codes it covers and its conditions."""

    number: int
    field: Text
    behaviour: Text
    codes: tuple[str, ...]
    violated_articles: tuple[str, ...]
    penalty_article: str
    conditions: tuple[str, ...]
    window_days: int
    window_kind: DayKind
    window_verified: bool
    verified: bool


@dataclass(frozen=True, slots=True)
class Factor:
    """A discretion factor graded 1–5; `weights_bp[g - 1]` is the weight of grade g."""

    key: str
    name: Text
    name_verified: bool
    weights_bp: tuple[int, ...]
    grades: Mapping[int, Text]
    verified: bool


@dataclass(frozen=True, slots=True)
class FactorTable:
    """The factors and starting weight used for a group of catalogue codes."""

    id: str
    codes: tuple[str, ...]
    starting_bp: int
    starting_verified: bool
    factors: tuple[Factor, ...]
    title: Text | None = None

    @property
    def name(self) -> Text:
        """How texts name the table: by its title in 《》 in Chinese (裁量表 and its id when it
        has none), by its id in English."""
        return Text(f"《{self.title.zh}》" if self.title else f"裁量表 {self.id} ", self.id)

    @property
    def verified(self) -> bool:
        """Whether every number of the table is confirmed."""
        return self.starting_verified and all(f.verified for f in self.factors)


@dataclass(frozen=True, slots=True)
class RepeatRule:
    """Aggravation for earlier violations within a window counted back from the act."""

    window_years: int
    same_code_only: bool
    bp_per_offence: int
    max_counted: int
    verified: bool


@dataclass(frozen=True, slots=True)
class MitigationRule:
    """处罚法 Art. 32 mandatory lightening: the grounds and how much the amount is lowered."""

    article: str
    reduce_bp: int
    grounds: Mapping[str, Text]
    verified: bool


@dataclass(frozen=True, eq=False)
class RuleSet:
    """Common part of every rule-set version; `document` is the validated source as JSON."""

    meta: RuleSetMeta
    document: str

    def as_dict(self) -> dict[str, Any]:
        """A fresh copy of the validated source document."""
        return json.loads(self.document)


@dataclass(frozen=True, eq=False)
class Catalogue(RuleSet):
    """A version of the violation catalogue."""

    entries: Mapping[str, CatalogueEntry]
    procedure: Procedure


@dataclass(frozen=True, eq=False)
class WaiverList(RuleSet):
    """A version of a minor-offence waiver list."""

    basis: tuple[str, ...]
    items: tuple[WaiverItem, ...]
    by_code: Mapping[str, tuple[WaiverItem, ...]]


@dataclass(frozen=True, eq=False)
class Discretion(RuleSet):
    """A version of the discretion method with its factor tables."""

    cap_bp: int
    rounding_step_fen: int
    rounding_verified: bool
    repeat: RepeatRule
    mitigation: MitigationRule
    tables: tuple[FactorTable, ...]
    by_code: Mapping[str, FactorTable]
    default_table: FactorTable | None

    def table_for(self, code: str) -> FactorTable | None:
        """The factor table that applies to `code`."""
        return self.by_code.get(code, self.default_table)


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One inspection point: a stable id, the question, and the code a "no" may suggest."""

    id: str
    question: Text
    suggests: str | None


@dataclass(frozen=True, eq=False)
class ChecklistTemplate(RuleSet):
    """A version of an inspection checklist template and the enterprises it is meant for.

    An enterprise is meant when its industry label contains one of `industries` and its permit
    class is one of `permit_classes` (an empty tuple: any); `every_enterprise` means all."""

    every_enterprise: bool
    industries: tuple[str, ...]
    permit_classes: tuple[str, ...]
    items: tuple[ChecklistItem, ...]
    by_id: Mapping[str, ChecklistItem]
