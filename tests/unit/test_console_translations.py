"""The console's catalogues: every message has a Chinese translation, every domain word the
pages show has a label, and the committed .mo files are compiled from the .po files."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from server.auth.policy import ROLES
from server.cases import forms, history_doc, procedure
from server.cases.contact_sheet import FLAGS as EVIDENCE_FLAGS
from server.console.i18n import TRANSLATIONS, stale_catalogues
from server.planning import lifecycle
from server.reports.figures import METRICS
from server.rules.result import TRACE_STEPS
from server.sync.payloads import EDITABLE

CONSOLE = Path(__file__).resolve().parents[2] / "server" / "console"
CASES = CONSOLE.parent / "cases"


def _catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_every_console_message_has_a_chinese_translation():
    # Module-level lazy_gettext labels (field_labels, schema_messages, ...) are messages too:
    # babel's default keywords skip them, and a label without Chinese went unnoticed.
    zh = _catalog("zh")
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}
    found = {(message if isinstance(message, str) else message[0], context)
             for _f, _l, message, _c, context in extract_from_dir(
                 str(CONSOLE), [("**/templates/**.html", "jinja2"), ("**.py", "python")],
                 keywords=keywords)}
    assert len(found) > 100
    # a lazy_gettext label of field_labels only, and a lazy_pgettext one with its context
    assert {("Version of the page", None), ("new", "held")} <= found
    missing = sorted(f"{context or ''}|{m}" for m, context in found
                     if not (zh.get(m, context=context) and zh.get(m, context=context).string))
    assert missing == []


def test_domain_words_shown_on_pages_have_labels_in_both_languages():
    words = {*ROLES, *lifecycle.STATUSES, *lifecycle.KINDS, *procedure.STATES, *METRICS,
             "no_gps", "outside_site", "location_mismatch", "captured_outside_inspection"}
    for lang in ("zh", "en"):
        catalog = _catalog(lang)
        assert sorted(w for w in words if not (catalog.get(w) and catalog.get(w).string)) == []
        assert sorted(f for f in forms.FORMS if not catalog.get(f, context="document")) == []


def test_every_event_of_a_case_history_has_a_label_in_both_languages():
    # The case page's history showed violation_redecided, inquiry and statement as such.
    recorded = set(re.findall(r'record_event\(\s*case,\s*\w+,\s*"(\w+)"',
                              "".join(p.read_text() for p in (CASES).glob("*.py"))))
    assert recorded and recorded <= set(history_doc.EVENTS)
    for lang in ("zh", "en"):
        catalog = _catalog(lang)
        assert sorted(e for e in history_doc.EVENTS
                      if not (catalog.get(e) and catalog.get(e).string)) == []


def test_every_evidence_and_violation_flag_has_a_label_in_both_languages():
    # The case page shows each flag through gettext: one without a label showed its raw name
    # (time_zone_assumed, no_capture_time, undecodable, ...) on the Chinese page.
    flags = {*EVIDENCE_FLAGS, "missing", "no_site"}
    for lang in ("zh", "en"):
        catalog = _catalog(lang)
        assert sorted(f for f in flags if not (catalog.get(f) and catalog.get(f).string)) == []


def test_every_field_a_tablet_edits_has_a_label_in_both_languages():
    # The conflicts page named a conflicting field by its internal name (findings, people_present).
    names = {name for fields in EDITABLE.values() for name in fields}
    for lang in ("zh", "en"):
        catalog = _catalog(lang)
        assert sorted(n for n in names if not catalog.get(n, context="sync field")) == []


def test_every_step_of_a_penalty_trace_has_a_label_in_both_languages():
    # The case page showed a trace step by its internal name (statutory_range, weighted_sum).
    for lang in ("zh", "en"):
        catalog = _catalog(lang)
        assert sorted(s for s in TRACE_STEPS if not catalog.get(s, context="trace step")) == []


def test_committed_mo_files_are_compiled_from_the_po_files():
    assert stale_catalogues() == [], "run `make translations` and commit the .mo files"


def test_every_choice_a_conflict_field_offers_has_a_label_in_both_languages():
    # The English conflicts page offered raw values (organisation, gcj02) as choices.
    from server.console.conflict_form import CHECKLIST, SCHEMAS, _kind, _parts

    names = [(entity, name) for entity, schema in SCHEMAS.items() for name in schema.fields]
    names.append(("inspection", f"{CHECKLIST}VOC-01"))  # a checklist answer's parts
    choices = {value for entity, name in names for _, field in _parts(entity, name)
               for value, _ in _kind(field)[1]} - {"true", "false"}
    assert {"organisation", "wgs84", "yes", "na"} <= choices
    for lang in ("zh", "en"):
        catalog = _catalog(lang)
        assert sorted(c for c in choices if not catalog.get(c, context="sync value")) == []


def test_the_facts_form_asks_every_fact_a_violation_keeps_each_labelled_in_both_languages():
    # The form sends the violation's facts whole: a fact it did not ask would be erased.
    from schemas.fieldwork import FactsSchema
    from server.console.fact_form import FACTS

    names = {*FACTS, "corrected_on"}
    assert names == set(FactsSchema().fields)
    for lang in ("zh", "en"):
        catalog = _catalog(lang)
        assert sorted(n for n in names if not catalog.get(n, context="fact")) == []


def _console_schemas() -> set[type]:
    """The contract schemas the console's modules load forms and queries with."""
    import importlib
    import inspect
    import pkgutil

    from marshmallow import Schema

    import server.console

    found: set[type] = set()
    for module in pkgutil.iter_modules(server.console.__path__):
        for value in vars(importlib.import_module(f"server.console.{module.name}")).values():
            for one in value.values() if isinstance(value, dict) else (value,):
                if inspect.isclass(one) and issubclass(one, Schema) and one is not Schema:
                    found.add(one)
                elif isinstance(one, Schema):
                    found.add(type(one))
    return found


def _choices(schema: type, seen: set[type]) -> set[tuple[str, str]]:
    """(field, choice) of every field of `schema` (nested ones too) limited to choices."""
    from marshmallow import fields, validate

    if schema in seen:
        return set()
    seen.add(schema)
    out: set[tuple[str, str]] = set()
    for name, field in schema().fields.items():
        while isinstance(field, fields.List):
            field = field.inner
        if isinstance(field, fields.Nested):
            nested = field.nested
            out |= _choices(nested if isinstance(nested, type) else type(nested), seen)
        out |= {(name, str(choice)) for v in field.validators if isinstance(v, validate.OneOf)
                for choice in v.choices}
    return out


def test_every_choice_a_console_form_offers_has_a_label_its_refusals_name_in_both_languages():
    # A value outside a field's choices was refused listing the internal codes
    # ("应为以下之一：filed, investigating, …"); refusals label them as the selects do.
    from server.console.formatting import CHOICES

    seen: set[type] = set()
    choices = {c for schema in _console_schemas() for c in _choices(schema, seen)}
    assert {("to", "filed"), ("kind", "testing"), ("status", "open"), ("mode", "valid_only"),
            ("role", "admin")} <= choices
    # a signature's role is typed as JSON on the conflicts page, by its code
    typed = {("role", "officer"), ("role", "party"), ("role", "witness")}
    for lang in ("zh", "en"):
        catalog = _catalog(lang)
        assert sorted((field, choice) for field, choice in choices - typed if not any(
            found is not None and found.string for found in (
                catalog.get(choice, context=CHOICES.get(field)), catalog.get(choice)))) == []


def test_the_documents_name_the_excluded_periods_as_the_case_pages_deadline_section_does():
    # The approval forms state the periods in Chinese without the console's catalogue: the
    # words they share with the case page (kinds, heading, an open period) must stay alike.
    from server.cases import doc
    from server.cases.deadlines import SUSPENSION_KINDS

    zh = _catalog("zh")
    assert {k: zh.get(k, context="period").string for k in SUSPENSION_KINDS} == \
        doc.PERIOD_KINDS == history_doc.WORDS["kind"]
    assert zh.get("Periods not counted in the decision deadline").string == doc.PERIODS_LABEL
    still_open = zh.get("%(kind)s since %(start)s, not ended yet: the decision deadline does "
                        "not run until the end of the period is recorded.").string
    assert f"，{doc.NOT_ENDED}；" in still_open, still_open
