"""Read an enterprise file (CSV or GeoJSON) into rows; no database access here."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import shapely.wkt
from shapely.errors import ShapelyError
from shapely.geometry import mapping

from server.http import holds_lone_surrogate, json_shape
from server.messages import Message
from server.registry.parse_reasons import json_reason
from server.registry.refusals import english, said

CSV_COLUMNS = ("credit_code", "name", "address", "district", "industry", "permit_class",
               "permit_number", "positive_list", "positive_list_from", "positive_list_until",
               "credit_rating", "contact_name", "contact_role", "contact_phone", "site")
REQUIRED_COLUMNS = ("credit_code", "name", "district", "permit_class")
CONTACT_COLUMNS = {"contact_name": "name", "contact_role": "role", "contact_phone": "phone"}


@dataclass
class RawRow:
    """One record of the file: where it was, its raw fields, and problems found reading it
    (message keys, or the contract schema's own messages)."""

    line: int
    fields: dict[str, Any]
    errors: dict[str, list[Any]] = field(default_factory=dict)


class FileProblem(ValueError):
    """The file as a whole cannot be read: `message` says why (str() in English)."""

    def __init__(self, message: Message) -> None:
        super().__init__(english(message))
        self.message = message


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 as Chinese spreadsheet tools export it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as error:
            raise FileProblem(said("import_file.encoding")) from error


def _holds_no_text(value: Any) -> None:
    """Refuse parsed JSON holding what no text can hold (escaped U+0000, a lone surrogate):
    no column keeps it, as the API refuses it in a request body."""
    if json_shape(value)[1]:
        raise FileProblem(said("import_file.nul"))
    if holds_lone_surrogate(value):
        raise FileProblem(said("import_file.surrogate"))


def _site_from_text(text: str) -> tuple[Any, list[Message]]:
    text = text.strip()
    if not text:
        return None, []
    if text.startswith("{"):
        try:
            site = json.loads(text)
        except json.JSONDecodeError as error:
            return None, [said("row_field.site_json", error=json_reason(error.msg))]
        except RecursionError:
            return None, [said("row_field.site_too_deep")]
        _holds_no_text(site)
        return site, []
    try:
        return mapping(shapely.wkt.loads(text)), []
    except (ShapelyError, ValueError, TypeError):
        return None, [said("row_field.site_unreadable")]


def _from_csv(text: str) -> list[RawRow]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise FileProblem(said("import_file.missing_columns", columns=missing))
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise FileProblem(said("import_file.unknown_columns", columns=unknown))
    reader.fieldnames = header
    rows = []
    for record in reader:
        values = {k: (v or "").strip() for k, v in record.items() if k is not None}
        row = RawRow(line=reader.line_num, fields={})
        if None in record:
            row.errors["_row"] = [said("row_field.more_values")]
        for name, value in values.items():
            if name in CONTACT_COLUMNS or value == "":
                continue
            if name == "site":
                row.fields["site"], problems = _site_from_text(value)
                if problems:
                    row.errors["site"] = problems
            else:
                row.fields[name] = value
        contact = {CONTACT_COLUMNS[k]: values[k] for k in CONTACT_COLUMNS if values.get(k)}
        if contact:
            row.fields["contacts"] = [contact]
        rows.append(row)
    return rows


def _from_geojson(text: str) -> list[RawRow]:
    try:
        collection = json.loads(text)
    except json.JSONDecodeError as error:
        raise FileProblem(said("import_file.json", error=json_reason(error.msg),
                                          line=error.lineno)) from error
    except RecursionError as error:
        raise FileProblem(said("import_file.too_deep")) from error
    _holds_no_text(collection)
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise FileProblem(said("import_file.not_collection"))
    features = collection.get("features")
    if not isinstance(features, list):
        raise FileProblem(said("import_file.no_features"))
    rows = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            rows.append(RawRow(number, {}, {"_row": [said("row_field.not_feature")]}))
            continue
        fields = dict(feature["properties"])
        if feature.get("geometry") is not None:
            fields["site"] = feature["geometry"]
        rows.append(RawRow(number, fields))
    return rows


def read_rows(data: bytes, filename: str) -> list[RawRow]:
    """Parse a CSV (one row per line) or GeoJSON (one feature per enterprise) file."""
    text = decode(data)
    if "\x00" in text:
        raise FileProblem(said("import_file.nul"))
    lowered = filename.lower()
    if lowered.endswith((".geojson", ".json")):
        return _from_geojson(text)
    if lowered.endswith(".csv"):
        return _from_csv(text)
    raise FileProblem(said("import_file.name"))
