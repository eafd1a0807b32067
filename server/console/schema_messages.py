"""The contract schemas' field messages (marshmallow's English) in the console's language;
the limits of amount fields (named *_fen) in yuan, a field's choices by the labels its select
gives them (formatting.choice_label), any about a form's record version as a page to reload."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext, lazy_gettext

from schemas.enterprise import DISTRICT_CODE, PHONE_CHARACTERS
from schemas.planning import CRON_FIELDS_MESSAGE, CRON_INVALID_MESSAGE, CRON_NEVER_MESSAGE
from schemas.users import USERNAME_CHARACTERS
from server.console.formatting import choice_label, listed, number, yuan_text

# a plan's schedule that is no cron expression (its parser's English detail is left out)
CRON = lazy_gettext("Not a cron expression: five fields, minute hour day month weekday, "
                    "such as 0 9 1 */3 *.")
# marshmallow's fixed messages (fields and schema), as the console says them
FIXED = {
    "Missing data for required field.": lazy_gettext("Required."),
    "Field may not be null.": lazy_gettext("Required."),
    "Unknown field.": lazy_gettext("Not a field of this step."),
    "Invalid value.": lazy_gettext("Not a valid value."),
    "Not a valid date.": lazy_gettext("Not a valid date."),
    "Not a valid datetime.": lazy_gettext("Not a valid date and time."),
    "Not a valid integer.": lazy_gettext("Not a whole number."),
    "Not a valid number.": lazy_gettext("Not a number."),
    "Not a valid boolean.": lazy_gettext("Not yes or no."),
    "Not a valid string.": lazy_gettext("Not text."),
    "Not a valid list.": lazy_gettext("Not a list."),
    "Not a valid mapping type.": lazy_gettext("Not a group of fields."),
    "Not a valid UUID.": lazy_gettext("Not a valid identifier."),
    "String does not match expected pattern.": lazy_gettext("Not in the expected form."),
    "Invalid type.": lazy_gettext("Not a group of fields."),
    # the contract schemas' own validators
    USERNAME_CHARACTERS: lazy_gettext("1-80 letters, digits, '.', '_' or '-'."),
    str(DISTRICT_CODE.error): lazy_gettext("Must be a 6-digit administrative division code."),
    PHONE_CHARACTERS: lazy_gettext("Digits, spaces and + - ( ) only; at most 20 characters."),
    # a signature that is an image or a refusal with its reason (schemas/common.py), and the
    # interviewee's identity number (schemas/case_records.py)
    "a refusal to sign needs its reason": lazy_gettext("Give the reason for refusing to sign."),
    "a refused signature has no image": lazy_gettext("A refused signature has no image."),
    "the signature image (evidence sha256) is missing": lazy_gettext(
        "Choose the image of this signature."),
    # a plan's period and sample (schemas/planning.py)
    "ends before it starts": lazy_gettext("Before the start date."),
    "give exactly one of count or ratio": lazy_gettext(
        "Give either a number of units or a ratio."),
    CRON_FIELDS_MESSAGE: CRON,
    CRON_NEVER_MESSAGE: lazy_gettext(
        "This schedule never fires: no year has that day (such as 31 February)."),
    "not a valid 18-digit resident identity number": lazy_gettext(
        "Not a valid 18-digit resident identity number (its check digit is wrong)."),
}

_RANGE = re.compile(r"Must be greater than or equal to (-?\d+) and less than or equal to "
                    r"(-?\d+)\.")
_ABOVE_AT_MOST = re.compile(r"Must be greater than (-?[\d.]+) and less than or equal to "
                            r"(-?[\d.]+)\.")
_AT_LEAST = re.compile(r"Must be greater than or equal to (-?\d+)\.")
_AT_MOST = re.compile(r"Must be less than or equal to (-?\d+)\.")
_LENGTH = re.compile(r"Length must be between (\d+) and (\d+)\.")
_SHORTER = re.compile(r"Shorter than minimum length (\d+)\.")
_LONGER = re.compile(r"Longer than maximum length (\d+)\.")
_ONE_OF = re.compile(r"Must be one of: (.*)\.")


def said(field: str, message: str) -> str:
    """One of a field's messages in the user's language (unknown ones as they are)."""
    if field == "version":  # the hidden version a form was opened at: missing or malformed
        return gettext("This page is out of date or incomplete: the record may have been "
                       "changed by someone else since the page was opened. Reload the page "
                       "and try again.")
    if message in FIXED:
        return str(FIXED[message])
    if message.startswith(CRON_INVALID_MESSAGE):
        return str(CRON)
    amount: Callable[[int], str] = yuan_text if field.endswith("_fen") else number
    if found := _RANGE.fullmatch(message):
        low, high = (amount(int(value)) for value in found.groups())
        return gettext("Between %(low)s and %(high)s.", low=low, high=high)
    if found := _ABOVE_AT_MOST.fullmatch(message):
        low, high = found.groups()
        return gettext("More than %(low)s and at most %(high)s.", low=low, high=high)
    if found := _AT_LEAST.fullmatch(message):
        return gettext("At least %(low)s.", low=amount(int(found.group(1))))
    if found := _AT_MOST.fullmatch(message):
        return gettext("At most %(high)s.", high=amount(int(found.group(1))))
    if found := _LENGTH.fullmatch(message):
        return gettext("Between %(low)s and %(high)s characters.", low=found.group(1),
                       high=found.group(2))
    if found := _SHORTER.fullmatch(message):
        return gettext("At least %(low)s characters.", low=found.group(1))
    if found := _LONGER.fullmatch(message):
        return gettext("At most %(high)s characters.", high=found.group(1))
    if found := _ONE_OF.fullmatch(message):
        return gettext("One of: %(choices)s.", choices=listed(
            choice_label(field, value) for value in found.group(1).split(", ")))
    return message
