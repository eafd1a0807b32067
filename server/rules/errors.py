"""Errors of the rules engine: a refused rule file and refused evaluation input."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class RulesError(ValueError):
    """Base of every error the rules package raises."""


class RuleSetError(RulesError):
    """A rule file or rule book was refused; `problems` lists every reason, one per line."""

    def __init__(self, origin: str, problems: Iterable[str]) -> None:
        self.origin = origin
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"rule set {origin} refused:\n{lines}")


class InvalidInput(RulesError):
    """Evaluation input the engine cannot use; `errors` maps a field path to its problem."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        text = "; ".join(f"{field}: {problem}" for field, problem in self.errors.items())
        super().__init__(f"invalid evaluation input: {text}")
