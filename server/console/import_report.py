"""An import report's refused rows as the register page shows them: each field by its label,
each problem in the user's language (message keys said, the contract schema's own messages
translated), never the API's English or the file's column names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.console import schema_messages
from server.console.field_labels import label
from server.console.formatting import said
from server.messages import Message
from server.registry.bulk import ImportReport


def _say(field: str, item: Any, out: dict[str, list[str]]) -> None:
    """One problem of a field (or the schema's messages nested under it), said."""
    if isinstance(item, Message):
        out.setdefault(field, []).append(said(item))
    elif isinstance(item, Mapping):
        for key, inner in item.items():
            for one in inner if isinstance(inner, list) else [inner]:
                _say(f"{field}.{key}", one, out)
    else:
        out.setdefault(field, []).append(schema_messages.said(field, str(item)))


def rows(report: ImportReport) -> list[dict[str, Any]]:
    """Each refused row: its line, credit code, and (label, problems) per field."""
    shown = []
    for row in report.rejected:
        said_here: dict[str, list[str]] = {}
        for field, items in report.notes.get(row["line"], {}).items():
            for item in items:
                _say(field, item, said_here)
        shown.append({"line": row["line"], "credit_code": row["credit_code"],
                      "problems": [(label(field), problems)
                                   for field, problems in said_here.items()]})
    return shown
