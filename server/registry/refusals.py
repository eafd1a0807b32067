"""The refusals of the enterprise register's import as stable message keys with parameters,
said in English for the API here; the console says the same keys in the user's language (its
catalogues, context "refusal")."""

from __future__ import annotations

from server.messages import Catalogue

# key -> the API's English (str.format); these texts are the API contract, unchanged
CATALOGUE = Catalogue({
    "enterprise.unknown": "No such enterprise.",
    "import.mode": "Unknown import mode.",
    "import.unreadable": "The file cannot be imported: {problem}",
    # what is wrong with the file as a whole (the problem of import.unreadable)
    "import_file.encoding": "the file is neither UTF-8 nor GB18030 text",
    "import_file.missing_columns": "missing CSV columns: {columns}",
    "import_file.unknown_columns": "unknown CSV columns: {columns}",
    "import_file.json": "not valid JSON: {error} at line {line}",
    "import_file.too_deep": "the JSON nests too deeply",
    "import_file.not_collection": "a GeoJSON import must be a FeatureCollection",
    "import_file.no_features": "the FeatureCollection has no features array",
    "import_file.name": "the file name must end in .csv, .geojson or .json",
    "import_field.mode": "one of {modes}",
})
said, refused, english = CATALOGUE.said, CATALOGUE.refused, CATALOGUE.english
