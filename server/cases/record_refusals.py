"""PURE: the refusals of a case's inquiry records and statements as stable message keys with
parameters, said in English for the API here (the API's contract, unchanged); the console says
the same keys in the user's language (its catalogues, context "refusal")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from server.messages import Catalogue, Message

CATALOGUE = Catalogue({
    "inquiry.decided": "The case is {state}: the investigation is over, inquiries are "
                       "recorded before the decision.",
    "inquiry.ends_before": "The inquiry ends before it starts.",
    "inquiry.outside": "The inquiry must lie between the discovery of the violation and now.",
    "inquiry.two_officers": "An inquiry is made by at least two officers (处罚法 第42条).",
    "inquiry.recorder": "The recorder (记录人) must be one of the officers.",
    "inquiry.officers_sign": "Each officer who asked signs the inquiry record, once.",
    "inquiry.signed_late": "The officers sign the inquiry record once it has ended, as "
                           "certified officers.",
    "inquiry.images": "Upload the signature images first: the case's district holds no image "
                      "with the SHA-256 given in {fields}; upload each (tus, POST "
                      "/api/v1/uploads/), then record the inquiry.",
    "statement.not_now": "Statements and defence are heard after the notice (告知) and before "
                         "the decision (处罚法 第44、45条); the case is {state}.",
    "statement.future": "A statement cannot be received in the future.",
    "statement.outside": "Statements are made within 5 working days of the notice "
                         "({notice_on} to {due}); one received on {received_on} is outside "
                         "the period, in which the party waived the right.",
    "statement.no_notice": "The case has {notices} notice(s): there is no notice {notice} "
                           "for the statement to answer.",
    # notes next to a field
    "inquiry_field.before_start": "before started_at",
    "inquiry_field.outside": "outside the case",
    "inquiry_field.two_officers": "at least two distinct officers",
    "inquiry_field.recorder": "not one of inspector_ids",
    "inquiry_field.strangers": "signed by {users}, who did not ask (not one of inspector_ids)",
    "inquiry_field.twice": "one signature per officer: {users} signed twice",
    "inquiry_field.unsigned": "each officer who asked signs the record and may not refuse "
                              "(LAW.md §6): {names} did not sign",
    "inquiry_field.before_end": "before ended_at: the record is signed once the inquiry has "
                                "ended",
    "inquiry_field.future": "in the future",
    "inquiry_field.lapsed": "{name}'s enforcement certificate {certificate_no} expired on "
                            "{expires}: a signature made on {day} is not a certified officer's "
                            "(处罚法 第42条)",
    "inquiry_field.not_held": "no signature image with SHA-256 {sha256} was uploaded to the "
                              "district: upload it first (tus, POST /api/v1/uploads/)",
    "statement_field.after_today": "after today",
    "statement_field.between": "between {start} and {end}",
    "statement_field.notices": "from 1 to {notices}",
})
said, english = CATALOGUE.said, CATALOGUE.english


def notes_english(notes: Mapping[tuple[str, ...], Sequence[Message]]
                  ) -> dict[tuple[str, ...], list[str]]:
    """Field notes by path in the API's English."""
    return {path: [english(note) for note in items] for path, items in notes.items()}
