"""Pure rules engine: violation catalogue, waiver lists, discretion, legal explanations.

No Flask, no SQLAlchemy, no `server.` module except `server.rules.*` and `server.workdays`.
Every date is a legal date (Asia/Shanghai); every amount is integer fen. How the service layer
wires it up:

Loading — once per process at app start; a RuleBook is immutable and safe to share::

    book = load_rule_book()              # every *.yaml/*.yml/*.json of server/rules/data,
    book = load_rule_book(directory)     # schema-validated; RuleSetError(problems) if refused
    book.versions(kind=None)             # tuple[RuleSetMeta]: "list rule sets and versions"
    book.get("id@version").as_dict()     # the validated document: "read a rule set"
    book.at(d)                           # RulesAt(catalogue, discretion, waiver_lists) in force

Import — `flask rules import FILE` and the API::

    preview = preview_import(book, path_or_mapping)  # RuleSetError(problems) if refused
    preview.rule_set.meta / preview.supersedes       # the new version, the one it replaces
    preview.diff.to_text("zh") / .lines("en") / .to_dict()
    # Persist preview.rule_set.as_dict() (a file in the data directory, or a table the app
    # loads with parse_rule_set), then swap in preview.book. Nothing is mutated; decisions
    # already stored keep the rule-set refs they were made with.

Evaluation — POST /api/v1/rules/evaluate, and whenever a violation is recorded or changed::

    inp = EvaluationInput.from_dict(body)   # the API JSON; InvalidInput.errors {field: text}
    result = evaluate(inp, book)            # InvalidInput: unknown code, grade, ground, dates
    result.to_dict("zh" | "en")             # the API answer (explanations in that language)
    result.decision                         # fine | waived | pending_correction | may_waive |
                                            # no_fault | time_barred | undetermined
    result.rule_sets                        # {"catalogue", "discretion", "waiver_list"} refs
                                            # to store with the decision
    result.verified / result.unverified     # False / what unconfirmed data took part
    result.waiver.outcome / .ground         # list item or 处罚法 Art. 33; .deadline for a
                                            # pending correction (re-inspection date)
    result.penalty.amount_fen / .levied / .would_be_amount_fen (the amount not levied)

Inputs the service supplies from the database: `prior_violations` (the party's earlier acts
with date and code; None when unknown) derives first_offence and the repeat aggravation
(an earlier code the act's code was split from, or split from it, counts: RuleBook.same_act);
`discovered_on` (default: occurred_on) starts the correction window (working or calendar days
per list item) and ends the limitation period; `decided_on` (optional) brings in the rules in
force at the decision when they are lighter (Art. 37).

Also pure: `daily_penalty` (环保法 Art. 59, MEE Order 28) and `late_payment_surcharge`
(处罚法 Art. 72, pass `book.at(d).catalogue.procedure`).
"""

from server.rules.book import ImportPreview, RuleBook, RulesAt, load_rule_book, preview_import
from server.rules.continuing import (
    DailyPenalty,
    Surcharge,
    daily_penalty,
    late_payment_surcharge,
)
from server.rules.diff import RuleSetDiff, diff_rule_sets
from server.rules.engine import evaluate
from server.rules.errors import InvalidInput, RulesError, RuleSetError
from server.rules.inputs import Base, EvaluationInput, Facts, PriorViolation
from server.rules.loader import load_rule_set_file, parse_rule_set
from server.rules.model import RuleSet, RuleSetMeta
from server.rules.result import Evaluation, Msg, Step

__all__ = [
    "Base", "DailyPenalty", "Evaluation", "EvaluationInput", "Facts", "ImportPreview",
    "InvalidInput", "Msg", "PriorViolation", "RuleBook", "RuleSet", "RuleSetDiff",
    "RuleSetError", "RuleSetMeta", "RulesAt", "RulesError", "Step", "Surcharge",
    "daily_penalty", "diff_rule_sets", "evaluate", "late_payment_surcharge", "load_rule_book",
    "load_rule_set_file", "parse_rule_set", "preview_import",
]
