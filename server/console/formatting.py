"""Template filters: dates in Asia/Shanghai, money in yuan, the user's language."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal
from flask import Flask
from flask_babel import format_date, format_datetime, get_locale

from server.reports.figures import yuan


def money(fen: int | None) -> str:
    """Integer fen as yuan with thousands separators (¥12,345.00)."""
    if fen is None:
        return "—"
    return format_currency(yuan(fen), "CNY", locale=get_locale())


def number(value: int | float | Decimal | None) -> str:
    """A number with the locale's thousands separators."""
    return "—" if value is None else format_decimal(value, locale=get_locale())


def day(value: date | str | None) -> str:
    """A legal date (already a Shanghai date) in the medium format."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, "medium")


def moment(value: datetime | str | None) -> str:
    """A UTC instant shown in Asia/Shanghai."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_datetime(value, "medium")


def as_json(value: Any, indent: int | None = None) -> str:
    """A value as readable JSON (Chinese kept as is; the template escapes it)."""
    return json.dumps(value, ensure_ascii=False, indent=indent, default=str)


def register(app: Flask) -> None:
    """Add the filters to Jinja."""
    filters: dict[str, Any] = {"money": money, "number": number, "day": day, "moment": moment,
                                "json": as_json}
    app.jinja_env.filters.update(filters)
