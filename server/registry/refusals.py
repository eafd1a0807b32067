"""The refusals of the enterprise register (a registration, an edit, a removal, an import and
each of its rows, down to a credit code's or a site's problems) as stable message keys with
parameters, said in English for the API here; the console says the same keys in the user's
language (its catalogues, context "refusal")."""

from __future__ import annotations

from server.messages import Catalogue

# key -> the API's English (str.format); these texts are the API contract, unchanged
CATALOGUE = Catalogue({
    "enterprise.unknown": "No such enterprise.",
    "enterprise.invalid": "The enterprise is not valid.",
    "enterprise.registered": "An enterprise with credit code {credit_code} is already "
                             "registered.",
    "enterprise.taken": "Another enterprise has this credit code.",
    "enterprise.stale": "The enterprise is at version {current}, not {given}.",
    "import.mode": "Unknown import mode.",
    "import.unreadable": "The file cannot be imported: {problem}",
    # what is wrong with the file as a whole (the problem of import.unreadable)
    "import_file.encoding": "the file is neither UTF-8 nor GB18030 text",
    "import_file.missing_columns": "missing CSV columns: {columns}",
    "import_file.unknown_columns": "unknown CSV columns: {columns}",
    "import_file.json": "not valid JSON: {error} at line {line}",
    "import_file.too_deep": "the JSON nests too deeply",
    "import_file.nul": "the file holds the NUL character (U+0000), which no text can hold",
    "import_file.surrogate": "the file holds a lone UTF-16 surrogate (an escape such as "
                             "\\ud800 without its pair), which no text can hold",
    "import_file.not_collection": "a GeoJSON import must be a FeatureCollection",
    "import_file.no_features": "the FeatureCollection has no features array",
    "import_file.name": "the file name must end in .csv, .geojson or .json",
    "import_field.mode": "one of {modes}",
    # what is wrong with one row of an import (next to its field)
    "row_field.more_values": "more values than columns",
    "row_field.not_feature": "not a Feature with properties",
    "row_field.site_json": "site is not valid GeoJSON: {error}",
    "row_field.site_too_deep": "site nests too deeply",
    "row_field.site_unreadable": "site is neither GeoJSON nor WKT",
    "row_field.outside": "outside your scope ({scope})",
    "row_field.duplicate": "duplicate of line {line} in this file",
    # an enterprise's fields, in an import row or a registration or edit
    "enterprise_field.registered": "already registered",
    "enterprise_field.district": "unknown district code {district!r}",
    "enterprise_field.listed_permit": "only permit holders (key, simplified) can be listed",
    "enterprise_field.listed_dates": "a listed unit needs its validity dates",
    "enterprise_field.listed_order": "ends before it starts",
    "enterprise_field.listed_too_long": "a listing is valid for at most {years} years "
                                        "(last day {last})",
    # a credit code's problems (server/registry/credit_code.py)
    "credit_code.not_text": "credit code must be a string, got {got_type}",
    "credit_code.length": "credit code must be {length} characters long, got {got}",
    "credit_code.length_spaces": "credit code must be {length} characters long, got {got} "
                                 "(it has leading or trailing whitespace)",
    "credit_code.lowercase": "contains lowercase letters at position(s) {positions}; write "
                             "the code in uppercase",
    "credit_code.foreign": "contains characters not allowed in a credit code: {characters} "
                           "(allowed: digits and uppercase letters except I, O, S, V, Z)",
    "credit_code.character": "{char!r} at position {position}",
    "credit_code.authority": "position 1 (registration authority) is {authority!r}; "
                             "expected one of {expected}",
    "credit_code.type": "position 2 (organisation type) is {type_code!r}, which authority "
                        "{authority!r} does not issue; expected one of {expected}",
    "credit_code.division": "positions 3-8 (administrative division code) must be six "
                            "digits, got {division!r}",
    "credit_code.org_check": "organisation-code check character (position 17) is "
                             "{given!r}, expected {expected!r}",
    "credit_code.check": "check character (position 18) is {given!r}, expected {expected!r}",
    # a site's problems (server/registry/sites.py)
    "site.not_geometry": "must be a GeoJSON geometry object",
    "site.type": "type must be one of {types}",
    "site.empty": "coordinates must be a non-empty array",
    "site.nesting": "coordinates must be nested {depth} deep and end in [lon, lat]",
    "site.point": "point {point} is not a WGS-84 [lon, lat] pair",
    "site.ring_short": "every ring needs at least 4 positions",
    "site.ring_open": "every ring must be closed (first position equal to last)",
    "site.invalid": "the polygon is not valid: {reason}",
    "site.outside_city": "the site lies outside Shanghai",
    # the JSON parser's reasons (server/registry/parse_reasons.py: its own English)
    "json.value": "Expecting value",
    "json.property_name": "Expecting property name enclosed in double quotes",
    "json.colon": "Expecting ':' delimiter",
    "json.comma": "Expecting ',' delimiter",
    "json.unterminated": "Unterminated string starting at",
    "json.control": "Invalid control character at",
    "json.extra": "Extra data",
    "json.unicode_escape": "Invalid \\uXXXX escape",
    # GEOS's validity reasons with where (parse_reasons.py: its own English)
    "geometry.self_intersection": "Self-intersection[{at}]",
    "geometry.ring_self_intersection": "Ring Self-intersection[{at}]",
    "geometry.too_few_points": "Too few points[{at}]",
    "geometry.hole_outside": "Hole lies outside shell[{at}]",
    "geometry.nested_holes": "Nested holes[{at}]",
    "geometry.disconnected": "Interior is disconnected[{at}]",
    "geometry.duplicate_rings": "Duplicate Rings[{at}]",
    "geometry.nested_shells": "Nested shells[{at}]",
    "geometry.invalid_coordinate": "Invalid Coordinate[{at}]",
    "geometry.ring_open": "Ring is not closed[{at}]",
    "site.no_outline": "district {district} has no outline to check the site against",
    "site.outside_district": "the site lies outside district {district} "
                             "({outside_pct:.1f} % of its area is outside)",
    "site.area": "the site area {area_m2:,.0f} m² is outside the plausible range "
                 "{min_m2:,.0f}–{max_m2:,.0f} m²",
})
said, refused, english = CATALOGUE.said, CATALOGUE.refused, CATALOGUE.english
