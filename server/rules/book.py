"""The rule book: every loaded rule-set version, and which one is in force on a date."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from server.rules.diff import RuleSetDiff, diff_rule_sets
from server.rules.errors import RuleSetError
from server.rules.loader import DATA_DIR, load_rule_set_file, load_rule_sets, parse_rule_set
from server.rules.model import (
    RULE_KINDS,
    SIDE_BY_SIDE,
    Catalogue,
    ChecklistTemplate,
    Discretion,
    RuleKind,
    RuleSet,
    RuleSetMeta,
    WaiverList,
)

_MAX_CACHED_DATES = 50_000


@dataclass(frozen=True, slots=True)
class RulesAt:
    """The rule sets in force on one date."""

    catalogue: Catalogue | None
    discretion: Discretion | None
    waiver_lists: tuple[WaiverList, ...]


def _latest(candidates: Iterable[RuleSet], on: date) -> RuleSet | None:
    in_force = [rs for rs in candidates if rs.meta.in_force(on)]
    return max(in_force, key=lambda rs: rs.meta.effective_from, default=None)


@dataclass(frozen=True, eq=False)
class RuleBook:
    """An immutable set of rule-set versions; a newer `effective_from` supersedes an older one.

    Catalogue and discretion: one version applies on a date (the latest `effective_from` among
    those in force). Waiver lists and checklist templates: one version per id, and every one
    in force applies. A checklist item id belongs to one template id for good.
    """

    rule_sets: tuple[RuleSet, ...]
    _by_ref: dict[str, RuleSet] = field(init=False, repr=False)
    _cache: dict[tuple[str, date], Any] = field(init=False, repr=False)
    _at: dict[date, RulesAt] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        problems: list[str] = []
        by_ref: dict[str, RuleSet] = {}
        for rs in self.rule_sets:
            if rs.meta.ref in by_ref:
                problems.append(f"{rs.meta.ref}: this id and version is loaded twice")
            by_ref[rs.meta.ref] = rs
        problems += (self._overlap_problems() + self._reference_problems()
                     + self._item_problems())
        if problems:
            raise RuleSetError("rule book", problems)
        object.__setattr__(self, "_by_ref", by_ref)
        object.__setattr__(self, "_cache", {})
        object.__setattr__(self, "_at", {})

    def _overlap_problems(self) -> list[str]:
        seen: dict[tuple[str, str, date], str] = {}
        problems = []
        for rs in self.rule_sets:
            # Lists of different ids may run side by side; other kinds have one in force.
            group = rs.meta.id if rs.meta.kind in SIDE_BY_SIDE else ""
            key = (rs.meta.kind, group, rs.meta.effective_from)
            if key in seen and seen[key] != rs.meta.ref:
                problems.append(f"{rs.meta.ref} and {seen[key]} take effect on the same day; "
                                "one must supersede the other")
            seen[key] = rs.meta.ref
        return problems

    def _reference_problems(self) -> list[str]:
        codes = {code for rs in self.rule_sets if isinstance(rs, Catalogue) for code in rs.entries}
        problems = []
        for rs in self.rule_sets:
            if isinstance(rs, WaiverList):
                refs = {(f"items[{i.number}]", c) for i in rs.items for c in i.codes}
            elif isinstance(rs, Discretion):
                refs = {(f"tables[{t.id}]", c) for t in rs.tables for c in t.codes if c != "*"}
            elif isinstance(rs, ChecklistTemplate):
                refs = {(f"items[{i.id}]", i.suggests) for i in rs.items if i.suggests}
            else:
                continue
            problems += [f"{rs.meta.ref} {where}: code {code} is in no catalogue"
                         for where, code in sorted(refs) if code not in codes]
        return problems

    def _item_problems(self) -> list[str]:
        """An answer names only its item: an item id must mean one template's item."""
        owner: dict[str, str] = {}
        problems = []
        for rs in self.rule_sets:
            if isinstance(rs, ChecklistTemplate):
                for item in rs.by_id:
                    if owner.setdefault(item, rs.meta.id) != rs.meta.id:
                        problems.append(f"{rs.meta.ref} items[{item}]: the item id belongs to "
                                        f"checklist {owner[item]}; give a new id")
        return problems

    def _on(self, kind: str, on: date) -> Any:
        key = (kind, on)
        if key not in self._cache:
            if len(self._cache) > _MAX_CACHED_DATES:
                self._cache.clear()  # arbitrary dates from a dry-run API must not grow memory
            self._cache[key] = self._select(kind, on)
        return self._cache[key]

    def _select(self, kind: str, on: date) -> Any:
        of_kind = [rs for rs in self.rule_sets if rs.meta.kind == kind]
        if kind not in SIDE_BY_SIDE:
            return _latest(of_kind, on)
        ids = sorted({rs.meta.id for rs in of_kind})
        found = (_latest((rs for rs in of_kind if rs.meta.id == i), on) for i in ids)
        return tuple(rs for rs in found if rs is not None)

    def at(self, on: date) -> RulesAt:
        """Every rule set in force on `on`, looked up once per date and cached."""
        found = self._at.get(on)
        if found is None:
            if len(self._at) > _MAX_CACHED_DATES:
                self._at.clear()
            found = RulesAt(self._on("catalogue", on), self._on("discretion", on),
                            self._on("waiver_list", on))
            self._at[on] = found
        return found

    def catalogue_on(self, on: date) -> Catalogue | None:
        """The catalogue version in force on `on`."""
        return self._on("catalogue", on)

    def discretion_on(self, on: date) -> Discretion | None:
        """The discretion method in force on `on`."""
        return self._on("discretion", on)

    def waiver_lists_on(self, on: date) -> tuple[WaiverList, ...]:
        """Every waiver list in force on `on` (the latest version of each list id)."""
        return self._on("waiver_list", on)

    def checklists_on(self, on: date) -> tuple[ChecklistTemplate, ...]:
        """Every checklist template in force on `on` (the latest version of each id)."""
        return self._on("checklist", on)

    def in_force(self, kind: RuleKind, on: date) -> tuple[RuleSet, ...]:
        """The versions of `kind` in force on `on`, as a tuple (empty when none)."""
        found = self._on(kind, on)
        return found if isinstance(found, tuple) else (() if found is None else (found,))

    def get(self, ref: str) -> RuleSet:
        """The rule set named `id@version`; KeyError when absent."""
        return self._by_ref[ref]

    def versions(self, kind: RuleKind | None = None) -> tuple[RuleSetMeta, ...]:
        """Metadata of every version, by kind, id and effective date."""
        metas = [rs.meta for rs in self.rule_sets if kind is None or rs.meta.kind == kind]
        return tuple(sorted(metas, key=lambda m: (RULE_KINDS.index(m.kind), m.id,
                                                  m.effective_from)))

    @cached_property
    def known_codes(self) -> frozenset[str]:
        """Every catalogue code of every version."""
        return frozenset(code for rs in self.rule_sets if isinstance(rs, Catalogue)
                         for code in rs.entries)

    @cached_property
    def _same_acts(self) -> dict[str, frozenset[str]]:
        """Each split code with the code it was split from, both ways (any catalogue version)."""
        found: dict[str, set[str]] = {}
        for rs in self.rule_sets:
            if isinstance(rs, Catalogue):
                for code, entry in rs.entries.items():
                    if entry.split_from is not None:
                        found.setdefault(code, {code}).add(entry.split_from)
                        found.setdefault(entry.split_from, {entry.split_from}).add(code)
        return {code: frozenset(codes) for code, codes in found.items()}

    def same_act(self, code: str) -> frozenset[str]:
        """The codes an earlier act may share this code's act under: itself, the code it was
        split from and the codes split from it (not its siblings: those are other acts)."""
        return self._same_acts.get(code) or frozenset((code,))

    @cached_property
    def mitigation_grounds(self) -> frozenset[str]:
        """Every 处罚法 Art. 32 ground named by some discretion version."""
        return frozenset(ground for rs in self.rule_sets if isinstance(rs, Discretion)
                         for ground in rs.mitigation.grounds)

    def with_rule_set(self, rule_set: RuleSet) -> RuleBook:
        """A new book with `rule_set` added; this one is unchanged."""
        return RuleBook(self.rule_sets + (rule_set,))


def load_rule_book(directory: Path | str = DATA_DIR) -> RuleBook:
    """Load and validate every rule file of `directory` (default: the shipped data)."""
    return RuleBook(load_rule_sets(directory))


@dataclass(frozen=True, eq=False)
class ImportPreview:
    """What importing a new version would do: the version, what it supersedes, the diff."""

    rule_set: RuleSet
    supersedes: RuleSet | None
    diff: RuleSetDiff
    book: RuleBook


def preview_import(book: RuleBook, source: Mapping[str, Any] | Path | str) -> ImportPreview:
    """Validate a new version (a document or a file) and diff it against the version it replaces.

    Nothing is changed: the caller persists `preview.rule_set` and swaps in `preview.book`.
    Decisions already made keep the `rule_set` refs they were stored with.
    """
    if isinstance(source, Mapping):
        candidate = parse_rule_set(source, origin="<import>")
    else:
        candidate = load_rule_set_file(source)
    meta = candidate.meta
    if any(rs.meta.ref == meta.ref for rs in book.rule_sets):
        raise RuleSetError(meta.ref, ["this id and version already exists; give a new version"])
    earlier = [rs for rs in book.rule_sets
               if rs.meta.id == meta.id and rs.meta.effective_from <= meta.effective_from]
    supersedes = max(earlier, key=lambda rs: rs.meta.effective_from, default=None)
    same_kind = book.in_force(meta.kind, meta.effective_from)
    if supersedes is None and meta.kind not in SIDE_BY_SIDE and same_kind:
        supersedes = same_kind[0]
    return ImportPreview(rule_set=candidate, supersedes=supersedes,
                         diff=diff_rule_sets(supersedes, candidate),
                         book=book.with_rule_set(candidate))
