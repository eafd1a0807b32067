"""PURE: the refusals of the case procedure, each a stable message key with parameters
(amounts as integer fen named *_fen, dates as dates), said in English for the API here; the
console says the same keys in the user's language (its catalogues, context "refusal")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from server.messages import Catalogue, Message
from server.rules.text import money

# key -> the API's English (str.format, fen as integers, dates as ISO dates)
ENGLISH: dict[str, str] = {
    # filing (立案)
    "filing.parties": "A case has one party: the violations belong to {count} enterprises.",
    "filing.party_types": "A case is against one party: the violations were recorded with "
                          "different party types ({party_types}); correct their party_type "
                          "or file them as separate cases.",
    "filing.grouped": "Each grouped violation must be one of violation_ids, in one group only.",
    "filing.taken": "Some violations are already in a case.",
    "filing.late": "The filing deadline ({due}) has passed; give late_reason (and "
                   "filing_extension_approved if it was extended).",
    # the step and its day
    "step.missing": "Some fields this step needs are missing.",
    "step.unknown_state": "Unknown state {to!r}.",
    "step.not_allowed": "A case in state {state} can move to {allowed}, not {to}.",
    "step.nowhere": "A case in state {state} can move to nothing, not {to}.",
    "step.future": "A step cannot be dated in the future.",
    "step.before_previous": "A step cannot precede the previous one ({previous}).",
    # whether the case may be fined at all
    "fine.forbidden": "The law forbids fining these violations (rules: {outcomes}; 处罚法 "
                      "第33条、第36条): decide not to penalise (不予行政处罚) instead.",
    "fine.undetermined": "The rules cannot yet decide a violation of this case: the facts a "
                         "waiver turns on (处罚法 第33条; 免罚清单) are not established. Record "
                         "them on the violation and the rules decide it again; until then no "
                         "fine can be notified or decided.",
    "fine.correcting": "A violation of this case waits for its correction (deadline {dates}): "
                       "corrected in time, it is not fined (免罚清单, 处罚法 第33条). Record the "
                       "re-inspection's finding on the violation (facts.corrected_in_time) and "
                       "the rules decide it again; until then no fine can be notified or "
                       "decided.",
    # the amount
    "fine.above_maximum": "The fine may not exceed the statutory maximum of {max_fen} fen for "
                          "these violations (处罚法 第29条: one fine per act, under the "
                          "provision with the higher fine).",
    "fine.below_minimum": "Below the statutory minimum of {min_fen} fen a fine is mitigated "
                          "(减轻处罚, 处罚法 第32条): give the ground in `mitigation`.",
    "act.above_maximum": "Act {act}'s fine may not exceed its statutory maximum of {max_fen} "
                         "fen.",
    "act.below_minimum": "Act {act}'s fine is below its statutory minimum of {min_fen} fen: a "
                         "mitigated fine (减轻处罚, 处罚法 第32条) needs its ground in "
                         "`mitigation`.",
    "acts.one_per_fined": "Give one fine for each act the rules fine (acts [{fined}]); an act "
                          "they only may fine (acts [{optional}]) is fined when listed.",
    "acts.sum": "The acts' fines add up to the total fine (intended_fen in the notice, "
                "fine_fen in the decision).",
    "acts.required": "Several acts may be fined and the total is not the proposed one: give "
                     "the fine of each act (处罚法 第29条).",
    # the notice and the hearing
    "notice.no_amount": "The notice needs the intended fine; the rules gave none.",
    "notice.review_first": "This case needs legal review (法制审核, 处罚法 第58条) before the "
                           "notice.",
    "hearing.no_right": "The intended penalty does not give a right to a hearing (处罚法 "
                        "第63条).",
    "hearing.too_late": "A hearing must be asked for within 5 working days of the notice "
                        "(by {due}).",
    "hearing.too_soon": "The party must be told of the hearing at least 7 working days before "
                        "it (处罚法 第64条, 第85条): the hearing can be on {earliest} at the "
                        "earliest.",
    "hearing.notice_first": "The hearing notice cannot precede the request.",
    "hearing.chair": "The hearing is chaired by someone who did not investigate the case "
                     "(处罚法 第64条).",
    # notifying again (重新告知, renotice.py)
    "renotice.statements": "The party's statements and defence are no ground for a new notice: "
                           "they can never make the penalty heavier (处罚法 第45条), and a "
                           "lighter penalty is decided without one. A new notice rests on new "
                           "facts, corrected facts or a corrected legal basis.",
    "renotice.unknown": "Unknown reason for a new notice.",
    "renotice.heavier_after_statements": "The party's statements and defence were heard "
                                         "({statements} recorded) and no violation of the "
                                         "case was re-decided since the notice: a new notice "
                                         "cannot intend a heavier penalty than its "
                                         "{intended_fen} fen (处罚法 第45条). Record the new or "
                                         "corrected facts on the violation first.",
    "renotice.decided": "The case is decided ({state}): a notice precedes the decision (处罚法 "
                        "第44条), so it can no longer be notified again.",
    # the decision
    "decision.before_hearing": "The decision follows the hearing.",
    "decision.notice_period": "No decision before the notice period has run: the party may "
                              "state, defend or ask for a hearing until {due}.",
    "decision.heavier": "Statements and defence can never make the penalty heavier than the "
                        "notice (处罚法 第45条): the fine may not exceed {intended_fen} fen.",
    "decision.heavier_heard": "Statements and defence can never make the penalty heavier than "
                              "the notice (处罚法 第45条) ({statements} statement(s) recorded on "
                              "this notice): the fine may not exceed {intended_fen} fen.",
    "decision.act_not_noticed": "The notice said act {act} would not be fined: the decision "
                                "cannot fine it without a new notice telling the party (处罚法 "
                                "第44条).",
    "decision.act_heavier": "The notice intended a fine of {intended_fen} fen for act {act}: "
                            "the decision cannot fine it more without a new notice (处罚法 "
                            "第44条、第45条).",
    "decision.not_positive": "A fine must be positive; decide not to penalise instead.",
    "not_penalised.fined": "Only a case whose violations the rules do not fine can end without "
                           "a penalty (rules: {outcomes}).",
    "not_penalised.review_first": "A complex case needs legal review (法制审核, 处罚法 第58条) "
                                  "before the decision not to penalise.",
    # service, payment, enforcement
    "service.unknown": "Unknown service method.",
    "service.consent": "Electronic service needs the party's consent (处罚法 第61条).",
    "payment.no_amount": "Give the amount paid.",
    "payment.owed": "The amount owed on {on} is {owed_fen} fen (fine {fine_fen} + surcharge "
                    "{surcharge_fen} for {days} days late).",
    "payment.owed_partial": "The amount owed on {on} is {owed_fen} fen (fine {fine_fen} + "
                            "surcharge {surcharge_fen} for {days} days late). Partial, deferred "
                            "or instalment payment (处罚法 第66条) is not supported yet: record "
                            "the payment once it is complete.",
    "enforcement.too_early": "Enforcement only after the payment period ends ({due}).",
    # the decision deadline
    "extension.decided": "The decision has issued; its deadline can no longer be extended.",
    "extension.twice": "The decision deadline was already extended twice (处罚法 第60条).",
    "extension.approval": "Extension {n} needs {kind} approval.",
    "extension.too_long": "An extension is at most {limit} days.",
    "extension.passed": "The deadline ({due}) has passed; it can no longer be extended.",
    "extension.future": "An approval cannot be dated in the future.",
    "education.after_decision": "The decision states the education given: it is dated on or "
                                "before the decision's day ({on}).",
    "extension.before_filing": "An approval cannot be dated before the case was filed.",
    "suspension.decided": "The decision has issued; its deadline no longer runs.",
    "suspension.unknown": "Unknown kind of period.",
    "suspension.outside": "The period must lie between the filing and today, start before end.",
    "suspension.start_outside": "A suspension starts between the filing and today.",
    "suspension.already_open": "A suspension of this case is already open: record its end "
                               "first.",
    "suspension.none_open": "There is no suspension open to end.",
    "suspension.end_outside": "The suspension ends between its start ({start}) and today.",
    "suspension.open": "The case is suspended since {start}: record the end of the suspension "
                       "before the decision.",
    # the daily continuous penalty (按日连续处罚, 环保法 第59条)
    "daily.not_fined": "A daily penalty follows a fine that was decided (环保法 第59条).",
    "daily.already": "The daily penalty of this case was already decided.",
    "daily.no_provision": "No provision allows a daily penalty for these violations.",
    "daily.name_act": "Several fined acts allow a daily penalty: name the continuing one.",
    "daily.act_without": "This act has no provision for a daily penalty.",
    "daily.fine_unknown": "The decision did not record each act's fine, so the continuing "
                          "act's own fine is not known.",
    "daily.outside": "The decision date lies between the fine and today.",
    "daily.after_decision": "A re-inspection cannot follow the decision.",
    "daily.rounds": "The rounds are refused.",
    # the case as a whole (service.writable, the rules of the step's day)
    "case.archived": "An archived case is immutable: nothing can be added or changed.",
    "case.stale": "The case is at version {current}, not {given}.",
    # a case-file export's download
    "export.expired": "The export expired at {expired_at} and its file was deleted; request a "
                      "new export of the case.",
    "export.file_gone": "The export file is no longer kept.",
    "export.not_ready": "The export is {export_status}; nothing to download yet.",
    # a record a decided or archived case rests on (locks.ensure_not_locked)
    "record.locked": "The record is part of a case whose decision has issued or which is "
                     "archived; it can no longer be changed: {locks}.",
    "lock.archived": "case {number} is archived: nothing in an archived case file may be "
                     "added, changed or removed",
    "lock.decided": "case {number} has an issued decision ({decision}, state {state}): the "
                    "facts and evidence it rests on can no longer be edited (处罚法 第59条); "
                    "use the formal correction procedure instead",
    # a standard document of the case
    "document.unknown": "No document form {form!r}; forms: {forms}.",
    "document.not_reached": "The case ({state}) has not reached the step of {document}.",
    "case.rules_changed": "The rules in force on {on} rule on this case's violations "
                          "differently (处罚法 第37条: the rules at the time of the act apply, "
                          "those in force at the decision when lighter): {changes}. The case "
                          "now stands at version {version} with these decisions; prepare the "
                          "{to} step again on them.",
    # notes next to a field
    "filing_field.parties": "more than one enterprise",
    "filing_field.party_types": "recorded as {party_types}",
    "filing_field.grouped": "{violation}",
    "filing_field.late": "required after the filing deadline",
    "field.required": "required for this step",
    "field.required_short": "required",
    "field.positive_amount": "required: a positive amount in fen",
    "field.above_maximum": "above the statutory maximum",
    "field.mitigation": "required below the statutory minimum",
    "field.mitigation_act": "required below a statutory minimum",
    "field.act_above_maximum": "act {act} above the statutory maximum",
    "field.one_per_act": "one per fined act",
    "field.sum": "they add up to {sum_fen}, not {total_fen}",
    "field.each_act": "required: the fine of each act",
    "field.too_late": "too late",
    "field.hearing_too_soon": "less than 7 working days after the hearing notice",
    "field.before_request": "before the request",
    "field.investigator": "an investigating officer",
    "field.before_hearing": "before the hearing",
    "field.notice_period": "inside the notice period",
    "field.above_notice": "above the notified amount",
    "field.act_not_noticed": "act {act} not fined in the notice",
    "field.act_above_notice": "act {act} above its notified fine",
    "field.positive": "must be positive",
    "field.not_a_ground": "not a ground for a new notice",
    "field.methods": "one of {methods}",
    "field.states": "one of {states}",
    "field.kinds": "one of {kinds}",
    "field.reasons": "one of {reasons}",
    "field.consent": "required for electronic service",
    "field.payment_running": "payment period still running",
    "field.after_today": "after today",
    "field.after_decision_day": "after the decision's day",
    "field.before_previous": "before the previous step",
    "field.owed": "must be {owed_fen}",
    "field.daily_acts": "one of [{acts}]",
    "field.outside_case": "outside the case",
    "field.after_decision": "re-inspected after the decision",
    "field.reinspection_first": "the re-inspection must follow the service",
    "field.round_overlaps": "overlaps the previous round",
    "field.text": "{text}",
    "field.approval": "must be {kind}",
    "field.days": "1..{limit}",
    "field.period": "outside the case or before start",
    "field.start": "before the filing or after today",
    "field.end": "before the start or after today",
}


def _english_value(name: str, value: Any) -> Any:
    """A parameter as the English text shows it: fen as integers, dates and instants ISO,
    messages said, lists joined."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Message):
        return english(value)
    if name == "locks":
        return "; ".join(english(lock) for lock in value)
    if name == "changes":
        return "; ".join(_change(change) for change in value)
    if isinstance(value, list | tuple):
        return ", ".join(str(_english_value(name, item)) for item in value)
    return str(value) if isinstance(value, date) else value


def _change(change: Mapping[str, Any]) -> str:
    """One violation's change of ruling, in words."""
    def one(ruled: Mapping[str, Any]) -> str:
        amount = ruled["amount_fen"]
        return ruled["outcome"] + (f" {money(amount, 'zh')}" if amount is not None else "")
    if change["from"] == change["to"]:
        return f"{change['code']}: {one(change['to'])}, under another provision or range"
    return f"{change['code']}: {one(change['from'])} → {one(change['to'])}"


def english(message: Message) -> str:
    """The message in the API's English."""
    params = {name: _english_value(name, value) for name, value in message.params.items()}
    return ENGLISH[message.key].format(**params)


class Refused(Exception):
    """A transition whose preconditions do not hold: `message` says why, `notes` name the
    fields at fault; `reason` and `errors` are the same in English."""

    def __init__(self, key: str, params: Mapping[str, Any] | None = None,
                 notes: Mapping[str, str | Message] | None = None, *, bad_input: bool = False):
        self.message = Message(key, dict(params or {}))
        self.notes = {name: note if isinstance(note, Message) else Message(note)
                      for name, note in (notes or {}).items()}
        self.reason = english(self.message)
        super().__init__(self.reason)
        self.errors = {name: english(note) for name, note in self.notes.items()}
        self.bad_input = bad_input


# a refusal whose detail and field notes are messages of ENGLISH (server/messages.py)
refused = Catalogue(ENGLISH).refused


def said(key: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A problem's detail in English and as its message key."""
    message = Message(key, params or {})
    return {"detail": english(message), "message": message}
