"""The case page's inquiry (调查询问笔录) and statement (陈述申辩) forms read into the shape of
POST /api/v1/cases/<id>/inquiries and /statements: times typed in Shanghai, the questions and
answers as numbered rows, and which uploaded image signs which line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext
from werkzeug.datastructures import FileStorage, MultiDict

from server.errors import ValidationFailed
from server.evidence.received import Received

QA_ROWS = 5  # rows the form offers without JavaScript (the script adds more)
QA = re.compile(r"qa\.([0-9]{1,3})\.([qa])")
INTERVIEWEE = ("name", "relation", "id_type", "id_number", "phone")
STATEMENT = ("received_on", "notice", "form", "made_by", "content", "adopted", "reasoning")
SHANGHAI_OFFSET = "+08:00"
PLACEHOLDER = "0" * 64  # an image's digest until it is kept: the form is checked first
OFFICER_IMAGE = "officer_image."
# the API's field paths under the form's inputs, for the errors
RENAMED = {"signature.evidence_sha256": "signature_image",
           "recorder_signature.evidence_sha256": "recorder_image",
           "recorder_signature.signed_at": "signed_at", "recorder_signature": "recorder_image"}


def _moment(text: str | None) -> str | None:
    """A datetime-local input (Shanghai wall time) as an ISO moment with its offset."""
    text = (text or "").strip()
    if not text:
        return None
    return text if re.search(r"(Z|[+-][0-9]{2}:[0-9]{2})$", text) else \
        f"{text}{':00' if len(text) == 16 else ''}{SHANGHAI_OFFSET}"


def qa_rows(form: Mapping[str, str]) -> list[dict[str, str]]:
    """The question-and-answer rows typed, in their order; rows left blank are dropped."""
    rows: dict[int, dict[str, str]] = {}
    for name, value in form.items():
        if found := QA.fullmatch(name):
            rows.setdefault(int(found.group(1)), {})[found.group(2)] = value.strip()
    return [{"q": row.get("q", ""), "a": row.get("a", "")} for _, row in sorted(rows.items())
            if row.get("q") or row.get("a")]


def row_count(form: Mapping[str, str]) -> int:
    """How many rows the form shows: those typed and a blank one, at least QA_ROWS."""
    return max(QA_ROWS, len(qa_rows(form)) + 1)


def officers(form: MultiDict[str, str]) -> list[str]:
    """The officers chosen, in the order of the form, each once."""
    return list(dict.fromkeys(v for v in form.getlist("inspector_ids") if v))


def inquiry_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """The form as the API's inquiry body, each image's digest PLACEHOLDER (empty inputs left
    out, so that the schema says what is missing)."""
    interviewee = {n: form[f"interviewee.{n}"].strip() for n in INTERVIEWEE
                   if (form.get(f"interviewee.{n}") or "").strip()}
    chosen = officers(form)
    ended = _moment(form.get("ended_at"))
    signed = _moment(form.get("signed_at")) or ended
    refused = bool(form.get("signature.refused"))
    body: dict[str, Any] = {
        "version": form.get("version"), "interviewee": interviewee,
        "started_at": _moment(form.get("started_at")), "ended_at": ended,
        "place": (form.get("place") or "").strip() or None, "inspector_ids": chosen,
        "recorder_id": form.get("recorder_id") or None, "qa": qa_rows(form),
        "signature": {"refused": True,
                      "refusal_reason": (form.get("signature.refusal_reason") or "").strip()
                      or None} if refused else {"evidence_sha256": PLACEHOLDER},
        "officer_signatures": [{"user_id": user_id, "evidence_sha256": PLACEHOLDER,
                                "signed_at": signed} for user_id in chosen],
        "recorder_signature": {"evidence_sha256": PLACEHOLDER, "signed_at": signed}}
    return {k: v for k, v in body.items() if v is not None}


def renamed(body: Mapping[str, Any]) -> dict[str, str]:
    """The API's field paths of this body under the form's inputs."""
    names = dict(RENAMED)
    for index, signature in enumerate(body.get("officer_signatures") or ()):
        image = f"{OFFICER_IMAGE}{signature['user_id']}"
        names[f"officer_signatures.{index}.evidence_sha256"] = image
        names[f"officer_signatures.{index}.signed_at"] = "signed_at"
        names[f"officer_signatures.{index}.user_id"] = image
    return names


def _chosen(file: FileStorage | None) -> bool:
    return file is not None and bool(file.filename)


def images(body: Mapping[str, Any], files: Mapping[str, FileStorage]) -> list[Received]:
    """The image of each signature line the body needs, by its input: the interviewee's
    (unless refused), each officer's, the recorder's (optional: the recorder's image as an
    officer signs the line too); ValidationFailed names the inputs without a file."""
    needed = [f"{OFFICER_IMAGE}{s['user_id']}" for s in body.get("officer_signatures") or ()]
    if "evidence_sha256" in body.get("signature", {}):
        needed.insert(0, "signature_image")
    missing = [name for name in needed if not _chosen(files.get(name))]
    if missing:
        raise ValidationFailed(
            gettext("Choose the signature image of each line signed."),
            errors={name: [gettext("Choose the image of this signature.")] for name in missing})
    extra = ["recorder_image"] if _chosen(files.get("recorder_image")) else []
    return [Received(name, files[name].stream, files[name].filename)
            for name in [*needed, *extra]]


def signed_with(body: dict[str, Any], digests: Mapping[str, str]) -> dict[str, Any]:
    """The body with each image's SHA-256 in place of its PLACEHOLDER."""
    if "evidence_sha256" in body.get("signature", {}):
        body["signature"]["evidence_sha256"] = digests["signature_image"]
    for signature in body.get("officer_signatures") or ():
        signature["evidence_sha256"] = digests[f"{OFFICER_IMAGE}{signature['user_id']}"]
    recorder = digests.get("recorder_image") or digests.get(
        f"{OFFICER_IMAGE}{body.get('recorder_id')}")
    if recorder:
        body["recorder_signature"]["evidence_sha256"] = recorder
    return body


def statement_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The form as the API's statement body (empty inputs left out)."""
    body = {n: form[n].strip() for n in STATEMENT if (form.get(n) or "").strip()}
    return {"version": form.get("version"), **body}
