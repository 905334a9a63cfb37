"""Indonesian phone numbers, one place (the `phonenumbers` library, region ID).

* `parse` / `to_e164`: what a user typed (0812-3456-7890, 62812..., +62 812...) -> "+6281234567890".
* `display`: the national form people read, "0812-3456-7890".
* `validate_mobile`: the form/serializer validator (a mobile number, since messages go to WhatsApp/SMS).
* `find_in_text` / `scrub`: phone numbers inside free text (error reports, public summaries).

Stored data stays as it was typed (User.phone "081234567890" from older registrations is fine):
everything reading a stored number goes through `to_e164`, which accepts all these forms.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumbers import Leniency, PhoneNumber, PhoneNumberFormat, PhoneNumberMatcher, PhoneNumberType

__all__ = ["REGION", "display", "find_in_text", "is_mobile", "parse", "scrub", "to_e164", "validate_mobile"]

REGION = "ID"
MAX_INPUT = 40  # characters; longer input is not a phone number (and parsing it costs time)
_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
INVALID_MOBILE = _("Nomor HP tidak valid, mis. 081234567890.")
# Cheap pre-check before the (much slower) matcher: no run of 8+ digits, no phone number.
_DIGIT_RUN = re.compile(r"\d(?:[\s.()-]{0,3}\d){7}")


def parse(raw: str | None) -> PhoneNumber | None:
    """A valid number (any type) from user input in Indonesian or international form, else None."""
    text = (raw or "").strip()
    if not text or len(text) > MAX_INPUT:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    if not text.startswith("+") and digits.startswith("62"):
        text = "+" + text  # "6281234567890": international form typed without the plus
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def is_mobile(number: PhoneNumber) -> bool:
    return phonenumbers.number_type(number) in _MOBILE_TYPES


def to_e164(raw: str | None) -> str:
    """ "0812-3456-7890" -> "+6281234567890"; "" when the input is not a valid number."""
    number = parse(raw)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164) if number is not None else ""


def display(raw: str | None) -> str:
    """ "+6281234567890" -> "0812-3456-7890" (Indonesian numbers), "+1 650-253-0000" (others).

    Input that is not a valid number is shown as typed.
    """
    number = parse(raw)
    if number is None:
        return (raw or "").strip()
    style = PhoneNumberFormat.NATIONAL if number.country_code == 62 else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def validate_mobile(value: str) -> None:
    """Django validator: an Indonesian mobile number (08..., 62..., +62...)."""
    number = parse(value)
    if number is None or number.country_code != 62 or not is_mobile(number):
        raise ValidationError(INVALID_MOBILE, code="invalid_phone")


def find_in_text(text: str) -> list[str]:
    """Indonesian mobile numbers written inside `text` (as written), e.g. "WA 0812-3456-7890"."""
    found: list[str] = []
    if not _DIGIT_RUN.search(text):
        return found
    for match in PhoneNumberMatcher(text, REGION, leniency=Leniency.VALID):
        if match.number.country_code == 62 and is_mobile(match.number):
            found.append(match.raw_string)
    return found


def scrub(text: str, replacement: str) -> str:
    """`text` with every Indonesian mobile number in it replaced by `replacement`."""
    for raw in find_in_text(text):
        text = text.replace(raw, replacement)
    return text
