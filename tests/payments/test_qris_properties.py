"""QRIS codec properties: parse(encode(x)) == x for valid payloads, EMVCo lengths 01-99 only,
and every malformed payload fails with a named `QrisError`, never another exception."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from apps.payments import qris
from tests.payments.test_qris import GOPAY_DYNAMIC_17K, PUBLISHED, SHOP, _rebuild

ANS = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
DIGITS = st.characters(min_codepoint=0x30, max_codepoint=0x39)
# Any text UTF-8 can carry (no lone surrogates): the language template (64) holds local script.
UNICODE = st.characters(codec="utf-8")


def _text(alphabet: st.SearchStrategy[str], low: int, high: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=low, max_size=high)


@st.composite
def sub_fields(draw: st.DrawFn, alphabet: st.SearchStrategy[str] = ANS) -> list[tuple[str, str]]:
    """A template's sub-fields whose encoding stays within 99 characters."""
    tags = draw(st.lists(st.sampled_from([f"{n:02d}" for n in range(10)]), min_size=1, max_size=4, unique=True))
    fields = [(tag, draw(_text(alphabet, 1, 15))) for tag in tags]
    assume(len(qris.encode_template(fields)) <= 99)
    return fields


@st.composite
def valid_fields(draw: st.DrawFn) -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """Root fields of a valid QRIS (in EMVCo order) and the sub-fields of each template."""
    templates: dict[str, list[tuple[str, str]]] = {}
    dynamic = draw(st.booleans())
    fields: list[tuple[str, str]] = [("00", "01"), ("01", "12" if dynamic else "11")]
    for tag in draw(st.lists(st.sampled_from(["26", "27", "40", "45"]), max_size=2, unique=True)):
        templates[tag] = draw(sub_fields())
        fields.append((tag, qris.encode_template(templates[tag])))
    national = [("00", qris.QRIS_GUID), ("02", draw(_text(ANS, 1, 15))), ("03", "UMI")]
    templates["51"] = national
    fields.append(("51", qris.encode_template(national)))
    fields += [("52", draw(_text(DIGITS, 4, 4))), ("53", "360")]
    if dynamic or draw(st.booleans()):
        amount = draw(st.integers(min_value=1, max_value=10**12))
        cents = draw(st.sampled_from(["", ".5", ".05", ".50"]))
        fields.append(("54", f"{amount}{cents}"))
    tip = draw(st.sampled_from(["", "01", "02", "03"]))
    if tip:
        fields.append(("55", tip))
        if tip == "02":
            fields.append(("56", draw(_text(DIGITS, 1, 6))))
        if tip == "03":
            fields.append(("57", draw(_text(DIGITS, 1, 2))))
    fields += [("58", "ID"), ("59", draw(_text(ANS, 1, 25))), ("60", draw(_text(ANS, 1, 15)))]
    if draw(st.booleans()):
        fields.append(("61", draw(_text(ANS, 1, 10))))
    for tag, alphabet in (("62", ANS), ("64", UNICODE), ("99", ANS)):
        if draw(st.booleans()):
            templates[tag] = draw(sub_fields(alphabet))
            fields.append((tag, qris.encode_template(templates[tag])))
    return fields, templates


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(valid_fields())
def test_parse_of_encode_is_identity(case: tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]) -> None:
    fields, templates = case
    payload = qris.encode(fields)
    parsed = qris.parse(payload)
    assert [(tag, value) for tag, value in parsed.fields.items() if tag != "63"] == fields
    assert parsed.templates == {tag: dict(sub) for tag, sub in templates.items()}
    assert qris.encode(parsed.fields.items()) == payload  # and back again, byte for byte


@pytest.mark.parametrize("payload", PUBLISHED)
def test_published_payloads_re_encode_byte_for_byte(payload: str) -> None:
    assert qris.encode(qris.parse(payload).fields.items()) == payload


# --- lengths 01-99 ------------------------------------------------------------------------


def _with_crc(body: str) -> str:
    """A payload with a correct CRC, so only the fault under test can be found."""
    return body + "6304" + qris.crc_hex(body + "6304")


def test_zero_length_root_field_is_refused_by_name() -> None:
    body = qris.generate_static(SHOP)[:-8]
    payload = _with_crc(body + "6100")  # the example: an empty postal code
    with pytest.raises(qris.QrisError) as exc:
        qris.parse(payload)
    assert exc.value.code == "zero_length" and exc.value.tag == "61" and exc.value.template is None
    assert "length 00" in str(exc.value) and "01 to 99" in str(exc.value)
    assert exc.value.position == len(body)


def test_zero_length_sub_field_names_its_template() -> None:
    body = qris.generate_static(SHOP)[:-8]
    payload = _with_crc(body + "6210" + "0102B1" + "0700")
    with pytest.raises(qris.QrisError) as exc:
        qris.parse(payload)
    assert exc.value.code == "zero_length" and exc.value.template == "62" and exc.value.tag == "07"
    assert "tag 62" in str(exc.value)


def test_the_encoder_refuses_what_no_parser_could_read_back() -> None:
    for value, code in (("", "empty_value"), ("x" * 100, "value_too_long"), ("\ud800", "bad_character")):
        with pytest.raises(qris.QrisError) as exc:
            qris.tlv("59", value)
        assert exc.value.code == code and exc.value.tag == "59"
        with pytest.raises(qris.QrisError) as exc:
            qris.encode([("00", "01"), ("59", value)])
        assert exc.value.code == code
    assert qris.tlv("59", "x" * 99) == "5999" + "x" * 99
    assert qris.tlv("59", "x") == "5901x"
    with pytest.raises(qris.QrisError) as exc:
        qris.tlv("5", "x")
    assert exc.value.code == "bad_tag"
    with pytest.raises(qris.QrisError) as exc:
        qris.encode([("00", "01"), ("59", "A"), ("59", "B")])
    assert exc.value.code == "duplicate_tag" and exc.value.tag == "59"
    with pytest.raises(qris.QrisError) as exc:
        qris.encode_template([("01", "A"), ("01", "B")])
    assert exc.value.code == "duplicate_tag"


# --- every fault named --------------------------------------------------------------------

BASE = qris.generate_dynamic(SHOP, 5_000, "B1")
BASE_FIELDS = [(tag, value) for tag, value in qris.parse(BASE).fields.items() if tag != "63"]


def _replace(tag: str, value: str) -> str:
    return qris.encode([(t, value if t == tag else v) for t, v in BASE_FIELDS])


NAMED_FAULTS = [
    ("truncated", "000201010"),
    ("bad_tag", "0002010X0211"),
    ("bad_length", "00020101X211"),
    ("zero_length", _with_crc("000201010211" + "5900")),
    ("empty", "   "),
    ("bad_character", "0002\ud80001"),
    ("duplicate_tag", _rebuild([*BASE_FIELDS[:3], ("52", "5499"), *BASE_FIELDS[3:]])),
    ("duplicate_tag", _replace("62", "0102B10102B2")),
    ("format_not_first", qris.encode([BASE_FIELDS[1], BASE_FIELDS[0], *BASE_FIELDS[2:]])),
    ("bad_format", _replace("00", "02")),
    ("bad_initiation", _replace("01", "13")),
    ("missing_tag", qris.encode([(t, v) for t, v in BASE_FIELDS if t != "59"])),
    ("crc_not_last", BASE + "9902AB"),
    ("bad_crc_format", BASE[:-8] + "6303A58"),
    ("crc_mismatch", BASE[:-4] + ("0000" if not BASE.endswith("0000") else "1111")),
    ("bad_mcc", _replace("52", "54A9")),
    ("bad_currency", _replace("53", "840")),
    ("bad_amount", _replace("54", "5.000")),
    ("bad_tip", qris.encode([*BASE_FIELDS[:6], ("55", "04"), *BASE_FIELDS[6:]])),
    ("bad_country", _replace("58", "SG")),
    ("name_length", _replace("59", "N" * 26)),
    ("city_length", _replace("60", "C" * 16)),
    ("truncated", _replace("51", "0014ID.CO.QRIS.WWW02")),
    ("bad_length", _replace("62", "01XXB1")),
]


@pytest.mark.parametrize(
    ("code", "payload"), NAMED_FAULTS, ids=[f"{code}-{i}" for i, (code, _) in enumerate(NAMED_FAULTS)]
)
def test_each_fault_has_its_own_name(code: str, payload: str) -> None:
    with pytest.raises(qris.QrisError) as exc:
        qris.parse(payload)
    assert exc.value.code == code, str(exc.value)
    assert str(exc.value) and exc.value.message == str(exc.value)


def test_not_text_is_named() -> None:
    with pytest.raises(qris.QrisError) as exc:
        qris.parse(b"000201")  # type: ignore[arg-type]
    assert exc.value.code == "not_text"


def test_every_code_the_codec_raises_is_declared() -> None:
    source = Path(qris.__file__).read_text()
    # Raised directly, or listed in Merchant.validate's table of checks.
    raised = set(re.findall(r'QrisError\(\s*"([a-z_]+)"', source)) | set(
        re.findall(r'"[0-9]{2}", "([a-z_]+)", "', source)
    )
    assert raised <= set(qris.ERROR_CODES), raised - set(qris.ERROR_CODES)
    assert set(qris.ERROR_CODES) <= raised, set(qris.ERROR_CODES) - raised  # no stale names
    with pytest.raises(AssertionError):
        qris.QrisError("no_such_code", "x")


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name", "", "name_length"),
        ("city", "C" * 16, "city_length"),
        ("mcc", "54", "bad_mcc"),
        ("criteria", "XYZ", "bad_criteria"),
        ("pan", "93A", "bad_pan"),
        ("merchant_id", "", "bad_merchant_id"),
        ("nmid", "N" * 16, "bad_nmid"),
        ("guid", "", "bad_guid"),
        ("postal_code", "1" * 11, "bad_postal_code"),
        ("name", "Warung ꦱꦸꦒꦶꦪꦺꦴ", "not_ascii"),
    ],
)
def test_merchant_faults_are_named(field: str, value: str, code: str) -> None:
    with pytest.raises(qris.QrisError) as exc:
        qris.generate_static(qris.Merchant(**{**SHOP.__dict__, field: value}))
    assert exc.value.code == code


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid payload with one random edit: a cut, an insertion, a replacement or a swap."""
    payload = draw(st.sampled_from([BASE, GOPAY_DYNAMIC_17K, *PUBLISHED]))
    i = draw(st.integers(min_value=0, max_value=len(payload)))
    j = draw(st.integers(min_value=i, max_value=min(len(payload), i + 8)))
    junk = draw(st.text(alphabet=st.sampled_from("0123456789ABCDEF X\u00e9\ua9b1\ud800"), max_size=6))
    kind = draw(st.sampled_from(["cut", "insert", "replace", "truncate", "swap"]))
    if kind == "cut":
        return payload[:i] + payload[j:]
    if kind == "insert":
        return payload[:i] + junk + payload[i:]
    if kind == "replace":
        return payload[:i] + junk + payload[j:]
    if kind == "truncate":
        return payload[:i]
    return payload[:i] + payload[j:] + payload[i:j]


@settings(max_examples=500)
@given(mutated())
def test_every_mutation_is_parsed_or_named(payload: str) -> None:
    try:
        qris.parse(payload)
    except qris.QrisError as exc:
        assert exc.code in qris.ERROR_CODES and str(exc)


@settings(max_examples=300)
@given(st.text(max_size=120))
def test_any_text_is_parsed_or_named(payload: str) -> None:
    try:
        qris.parse(payload)
    except qris.QrisError as exc:
        assert exc.code in qris.ERROR_CODES


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("0123456789"), max_size=80), st.booleans())
def test_digit_soup_is_parsed_or_named(payload: str, strict: bool) -> None:
    """Digits only: framing passes more often, so the later checks are reached too."""
    try:
        qris.parse(payload, strict=strict)
    except qris.QrisError as exc:
        assert exc.code in qris.ERROR_CODES
