"""Fixtures for the pure rules tests: the shipped rule book and a case builder."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from server.rules import (
    Base,
    Evaluation,
    EvaluationInput,
    Facts,
    RuleBook,
    evaluate,
    load_rule_book,
    parse_rule_set,
)

CATALOGUE = "cn-eco-field-violations@1"
WAIVER_2020 = "sh-eco-minor-offence-waiver@2020"
DISCRETION = "gd-2022-weighted-accumulation@1"


@pytest.fixture(scope="session")
def book() -> RuleBook:
    return load_rule_book()


@pytest.fixture
def doc(book: RuleBook) -> Callable[[str], dict[str, Any]]:
    """A fresh, mutable copy of a shipped rule-set document."""
    return lambda ref: copy.deepcopy(book.get(ref).as_dict())


@pytest.fixture
def with_version(book: RuleBook) -> Callable[..., RuleBook]:
    """The shipped book plus extra versions given as documents."""

    def build(*documents: dict[str, Any]) -> RuleBook:
        extended = book
        for document in documents:
            extended = extended.with_rule_set(parse_rule_set(document))
        return extended

    return build


def make_input(code: str, occurred: date, *, facts: dict[str, Any] | None = None,
               base: dict[str, Any] | None = None, **fields: Any) -> EvaluationInput:
    return EvaluationInput(violation_code=code, occurred_on=occurred,
                           facts=Facts(**(facts or {})), base=Base(**(base or {})), **fields)


@pytest.fixture
def case(book: RuleBook) -> Callable[..., Evaluation]:
    """Evaluate one violation: case(code, occurred, facts={...}, base={...}, book=..., **fields)."""

    def run(code: str, occurred: date, *, rules: RuleBook | None = None,
            **kwargs: Any) -> Evaluation:
        return evaluate(make_input(code, occurred, **kwargs), rules or book)

    return run
