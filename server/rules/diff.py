"""Human-readable difference between two versions of a rule set (added, removed, changed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from server.rules.model import Lang, RuleSet

_KEYS = ("code", "number", "key", "id")
_ABSENT = object()
_WORDS = {
    "zh": {"added": "新增", "removed": "删除", "changed": "修改", "none": "无变化",
           "absent": "（无）", "first": "首个版本", "yuan": "元"},
    "en": {"added": "added", "removed": "removed", "changed": "changed", "none": "no changes",
           "absent": "(absent)", "first": "first version", "yuan": "yuan"},
}


@dataclass(frozen=True, slots=True)
class Change:
    """One value that differs; `old` or `new` is None when the field is absent on that side."""

    path: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class RuleSetDiff:
    """Items added and removed (by code, item number, factor key) and values changed."""

    old_ref: str | None
    new_ref: str
    added: tuple[tuple[str, str], ...]
    removed: tuple[tuple[str, str], ...]
    changed: tuple[Change, ...]

    @property
    def empty(self) -> bool:
        """Whether the two versions hold the same rules."""
        return not (self.added or self.removed or self.changed)

    def lines(self, lang: Lang = "zh") -> tuple[str, ...]:
        """One readable line per difference."""
        w = _WORDS[lang]
        out = [f"{w['added']} {path}: {label}" for path, label in self.added]
        out += [f"{w['removed']} {path}: {label}" for path, label in self.removed]
        out += [f"{w['changed']} {c.path}: {_show(c.path, c.old, lang)} → "
                f"{_show(c.path, c.new, lang)}" for c in self.changed]
        return tuple(out)

    def to_text(self, lang: Lang = "zh") -> str:
        """The whole diff as text, headed by the two versions compared."""
        w = _WORDS[lang]
        head = f"{self.old_ref or w['first']} → {self.new_ref}"
        return "\n".join([head, *(self.lines(lang) or (w["none"],))])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form of the diff."""
        return {
            "old": self.old_ref, "new": self.new_ref,
            "added": [{"path": p, "label": label} for p, label in self.added],
            "removed": [{"path": p, "label": label} for p, label in self.removed],
            "changed": [{"path": c.path, "old": c.old, "new": c.new} for c in self.changed],
        }


def _show(path: str, value: Any, lang: Lang) -> str:
    if value is None:
        return _WORDS[lang]["absent"]
    if path.endswith("_fen") and isinstance(value, int):
        yuan, fen = divmod(value, 100)
        cents = f".{fen:02d}" if fen else ""
        return f"{yuan:,}{cents} {_WORDS[lang]['yuan']}"
    return str(value)


def _item_key(item: Any) -> Any:
    if isinstance(item, dict):
        return next((item[k] for k in _KEYS if k in item), None)
    return None


def _label(item: dict[str, Any]) -> str:
    for key in ("title", "behaviour", "name", "question"):
        text = item.get(key)
        if isinstance(text, dict):
            return f"{text.get('zh', '')} / {text.get('en', '')}"
    return str(_item_key(item))


def _flatten(node: Any, path: str, leaves: dict[str, Any], items: dict[str, Any]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(value, f"{path}.{key}" if path else key, leaves, items)
    elif isinstance(node, list) and node and all(_item_key(i) is not None for i in node):
        for item in node:
            item_path = f"{path}[{_item_key(item)}]"
            items[item_path] = item
            _flatten(item, item_path, leaves, items)
    else:
        leaves[path] = node


def _under(path: str, roots: set[str]) -> bool:
    return any(path == root or path.startswith((root + ".", root + "[")) for root in roots)


def diff_rule_sets(old: RuleSet | None, new: RuleSet) -> RuleSetDiff:
    """Compare `new` with `old` (None: a first version, everything is added)."""
    old_leaves: dict[str, Any] = {}
    old_items: dict[str, Any] = {}
    new_leaves: dict[str, Any] = {}
    new_items: dict[str, Any] = {}
    if old is not None:
        _flatten(old.as_dict(), "", old_leaves, old_items)
    _flatten(new.as_dict(), "", new_leaves, new_items)
    added_roots = {p for p in new_items if p not in old_items}
    removed_roots = {p for p in old_items if p not in new_items}
    added_roots = {p for p in added_roots if not _under(p, added_roots - {p})}
    removed_roots = {p for p in removed_roots if not _under(p, removed_roots - {p})}
    changed = []
    for path in sorted(set(old_leaves) | set(new_leaves)):
        if _under(path, added_roots | removed_roots):
            continue
        before, after = old_leaves.get(path, _ABSENT), new_leaves.get(path, _ABSENT)
        if before != after and old is not None:
            changed.append(Change(path, None if before is _ABSENT else before,
                                  None if after is _ABSENT else after))
    return RuleSetDiff(
        old_ref=None if old is None else old.meta.ref, new_ref=new.meta.ref,
        added=tuple((p, _label(new_items[p])) for p in sorted(added_roots)),
        removed=tuple((p, _label(old_items[p])) for p in sorted(removed_roots)),
        changed=tuple(changed),
    )

