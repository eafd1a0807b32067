"""Template filters: dates in Asia/Shanghai, money in yuan, the user's language; messages
given as keys (server/messages.py) said in the user's language."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal
from flask import Flask
from flask_babel import format_date, format_datetime, get_locale, gettext, pgettext

from server.console import field_labels
from server.messages import Message
from server.reports.figures import yuan
from server.rules.text import cite_in_full

# message parameters that are domain words, and the catalogue context of their labels
LABELLED = {"state": None, "to": None, "allowed": None, "states": None, "outcomes": None,
            "methods": "service", "kinds": "period", "kind": "approval", "role": None,
            "roles": None, "task_kind": None, "sync_fields": "sync field",
            "reasons": "renotice", "party_types": "sync value", "document": "document",
            "forms": "document", "export_status": "export status"}
# form and query fields whose choices the pages label in a context of their own (their
# selects'); any other field's choices take the console's plain labels (states, roles, …)
CHOICES = {"approval": "approval", "kind": "period", "method": "service",
           "form": "statement form", "adopted": "adopted", "id_type": "id type",
           "choice": "choice", "decision": "desk", "status": "conflict",
           "party_type": "sync value", "crs": "sync value", "answer": "sync value",
           "mode": "import mode", "renotice_reason": "renotice"}


def money(fen: int | None) -> str:
    """Integer fen as yuan with thousands separators (¥12,345.00)."""
    if fen is None:
        return "—"
    return format_currency(yuan(fen), "CNY", locale=get_locale())


def yuan_text(fen: int) -> str:
    """Integer fen as yuan in running text, exactly: 20,000.00元 or CNY 20,000.00."""
    amount = format_decimal(yuan(fen), "#,##0.00", locale=get_locale())
    return f"CNY {amount}" if english() else f"{amount}元"


def english() -> bool:
    """True when the user reads the console in English."""
    return str(get_locale()).startswith("en")


def _param(name: str, value: Any) -> str:
    """A message parameter as the page shows it: yuan, dates, labels, lists."""
    if value is None:
        return "—"
    if isinstance(value, Message):
        return said(value)
    if name == "changes":
        return ("; " if english() else "；").join(_change(change) for change in value)
    if isinstance(value, list | tuple):
        return listed(_param(name, v) for v in value)
    if isinstance(value, datetime):
        return moment(value)
    if isinstance(value, date):
        return day(value)
    if name.endswith("_fen"):
        return yuan_text(value)
    if name.endswith("_m2"):
        return format_decimal(round(value), "#,##0", locale=get_locale())
    if name.endswith("_pct"):
        return format_decimal(value, "#,##0.0", locale=get_locale())
    if name in LABELLED:
        return _labelled(LABELLED[name], value)
    return str(value)


def _labelled(context: str | None, value: str) -> str:
    """A domain word by its label in `context`, else by its plain label, else as it is."""
    if context is not None and (found := pgettext(context, value)) != value:
        return found
    return gettext(value)


def choice_label(field: str, value: str) -> str:
    """One of a field's choices as the page's select labels it (interviewee.id_type as
    id_type); a choice without a label as it is."""
    return _labelled(CHOICES.get(field.rpartition(".")[2]), value)


def listed(items: Iterable[str]) -> str:
    """Words as a list in running text (a、b、c or a, b, c); an empty list as —."""
    return (", " if english() else "、").join(items) or "—"


def _change(change: Mapping[str, Any]) -> str:
    """One violation's change of ruling (a case.rules_changed parameter), in words."""
    def one(ruled: Mapping[str, Any]) -> str:
        amount = ruled["amount_fen"]
        return gettext(ruled["outcome"]) + (f" {yuan_text(amount)}" if amount is not None
                                            else "")
    if change["from"] == change["to"]:
        return gettext("%(code)s: %(ruling)s, under another provision or range",
                       code=change["code"], ruling=one(change["to"]))
    return gettext("%(code)s: %(before)s → %(after)s", code=change["code"],
                   before=one(change["from"]), after=one(change["to"]))


def said(message: Message) -> str:
    """A message key with its parameters in the user's language (catalogue context
    "refusal"): amounts in yuan, dates as the console shows them, domain words labelled."""
    params = {name: _param(name, value) for name, value in message.params.items()}
    return pgettext("refusal", message.key, **params)


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


def cited(text: str | None) -> str:
    """A legal basis as the page's reader reads it: on a Chinese page each abbreviated
    citation in full (《中华人民共和国行政处罚法》第六十条), on an English one as stored."""
    if not text:
        return "—"
    return text if english() else cite_in_full(text)


PERIOD_EVENTS = ("suspension", "suspension_end")  # an excluded period of any kind


def event_label(event: Any) -> str:
    """A case history step in the user's language; an excluded period named by its kind
    (检测, 鉴定, 中止), not each as a suspension."""
    kind = (event.details or {}).get("kind") if event.event in PERIOD_EVENTS else None
    if not kind:
        return gettext(event.event)
    said = pgettext("period", kind)
    if event.event == "suspension":
        return gettext("%(kind)s period", kind=said)
    return gettext("end of the %(kind)s period", kind=said)


def register(app: Flask) -> None:
    """Add the filters, and the labels of a field and of a field's choice, to Jinja."""
    filters: dict[str, Any] = {"money": money, "number": number, "day": day, "moment": moment,
                                "json": as_json, "cited": cited}
    app.jinja_env.filters.update(filters)
    app.jinja_env.globals["choice_label"] = choice_label
    app.jinja_env.globals["field_label"] = field_labels.label
    app.jinja_env.globals["event_label"] = event_label
