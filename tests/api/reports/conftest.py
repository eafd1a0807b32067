"""The case fixtures, reused for statistics."""

from tests.api.cases.conftest import (  # noqa: F401 - fixtures
    file_case,
    frozen,
    party,
    step,
    violation,
)
