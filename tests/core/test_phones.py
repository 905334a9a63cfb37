"""Indonesian phone numbers in one place (apps.core.phones, the phonenumbers library)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template

from apps.core import phones


@pytest.mark.parametrize(
    "raw",
    ["081234567890", "0812-3456-7890", "0812 3456 7890", "6281234567890", "+6281234567890", "+62 812-3456-7890"],
)
def test_every_written_form_gives_one_e164(raw: str) -> None:
    assert phones.to_e164(raw) == "+6281234567890"
    assert phones.display(raw) == "0812-3456-7890"
    phones.validate_mobile(raw)


@pytest.mark.parametrize("raw", ["", "12345", "08123", "081234567890123456", "abc", "0" * 100, "+6221 1234567"])
def test_not_a_mobile_number_is_refused_in_indonesian(raw: str) -> None:
    with pytest.raises(ValidationError) as error:
        phones.validate_mobile(raw)
    assert error.value.messages == ["Nomor HP tidak valid, mis. 081234567890."]


def test_landline_is_a_number_but_not_a_mobile() -> None:
    assert phones.to_e164("(021) 1234567") == "+62211234567"
    with pytest.raises(ValidationError):
        phones.validate_mobile("(021) 1234567")


def test_invalid_input_gives_no_e164_and_displays_as_typed() -> None:
    assert phones.to_e164("12345") == ""
    assert phones.to_e164(None) == ""
    assert phones.display(" 12345 ") == "12345"


def test_numbers_inside_text() -> None:
    text = "WA 0812-3456-7890, telp +62 812 3456 7890; NIK 3577035208850001; Nilai Rp1.250.000.000, 2026-12-06"
    assert phones.find_in_text(text) == ["0812-3456-7890", "+62 812 3456 7890"]
    assert phones.scrub(text, "[x]") == "WA [x], telp [x]; NIK 3577035208850001; Nilai Rp1.250.000.000, 2026-12-06"
    assert phones.find_in_text("50 kotak, kirim 2 hari, 12345678 kg") == []


def test_phone_filter() -> None:
    template = Template("{% load phones %}[{{ a|phone }}][{{ b|phone }}]")
    assert template.render(Context({"a": "+6281234567890", "b": ""})) == "[0812-3456-7890][]"
