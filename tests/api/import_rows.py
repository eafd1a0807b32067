"""A CSV import whose rows are refused for each reason a row can be: the credit code, the
district, the scope, the site, the positive list, the schema, the file's own duplicates."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from server.registry.credit_code import make_credit_code

HEADER = ["credit_code", "name", "district", "permit_class", "contact_phone",
          "positive_list", "positive_list_from", "positive_list_until", "site"]
OWN, OTHER = "310115", "310101"
FIRST = 100  # the rows' credit codes are the serials FIRST+1 on: none a test's world holds


def registered(site_in: Callable[..., dict[str, Any]]) -> bytes:
    """A file of one good row whose credit code bad_rows then gives again."""
    return csv_bytes(HEADER, [_row(site_in, 50)])


def _row(site_in: Callable[..., dict[str, Any]], serial: int, **change: str) -> list[str]:
    values = {"credit_code": make_credit_code(OWN, FIRST + serial),
              "name": f"上海导入{serial}有限公司", "district": OWN,
              "permit_class": "simplified", "contact_phone": "", "positive_list": "",
              "positive_list_from": "", "positive_list_until": "",
              "site": json.dumps(site_in(OWN, 0.0005))} | change
    return [values[name] for name in HEADER]


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    """A UTF-8 CSV file of the header and rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def bad_rows(site_in: Callable[..., dict[str, Any]]) -> bytes:
    """The file's bytes: one good row, then a row refused for each reason."""
    def row(serial: int, **change: str) -> list[str]:
        return _row(site_in, serial, **change)

    code = make_credit_code(OWN, FIRST + 1)
    rows = [
        row(1),
        row(2, credit_code=code),  # the first row's code again
        row(3, credit_code=code[:16] + "Iy"),
        row(4, credit_code="B7" + "31A115" + make_credit_code(OWN, FIRST + 4)[8:]),
        row(5, credit_code=make_credit_code(OWN, FIRST + 5)[:17] + "0"),
        row(6, credit_code="123"),
        row(7, district="319999"),
        row(8, district=OTHER, site=""),
        row(9, site="not a shape"),
        row(10, site="{not json"),
        row(11, site=json.dumps(site_in(OTHER, 0.0005))),
        row(12, site=json.dumps(site_in(OWN, 0.00001))),
        row(13, site=json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]})),
        row(14, permit_class="registration", positive_list="true",
            positive_list_from="2024-01-01", positive_list_until="2023-01-01"),
        row(15, positive_list="true", positive_list_from="2024-01-01",
            positive_list_until="2030-01-01"),
        row(16, positive_list="true"),
        row(17, contact_phone="call me", permit_class="none", name=""),
        row(18) + ["one too many"],
        row(19, credit_code=make_credit_code(OWN, FIRST + 50)),  # imported before: registered()
    ]
    return csv_bytes(HEADER, rows)
