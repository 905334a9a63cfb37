"""QRIS codec: EMVCo Merchant-Presented Mode payloads as Bank Indonesia's QRIS uses them.

Pure Python, no Django import. Generates static (merchant) and dynamic (amount + bill number)
payloads and parses any payload back into fields.

A payload is a sequence of TLV fields: a 2-digit tag, a 2-digit decimal length (in characters)
and the value. Tags 26-51 (merchant account information), 62 (additional data), 64 (language
template) and 80-99 (unreserved) are templates holding their own TLV sub-fields. The payload
ends with tag 63: a CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor)
over the UTF-8 bytes of everything up to and including "6304", as 4 uppercase hex digits.

Errors are `QrisError` with a stable `code` (one of `ERROR_CODES`, for translated UI messages
and API error bodies), the `tag` and `position` involved (and the `template` a nested field sits
in), and an English message naming the fault. The parser raises nothing else: any text in gives a
`QrisPayload` or a `QrisError`.

EMVCo lengths run from 01 to 99: a field with length 00 is refused when parsing (it could not be
encoded again) and the encoder refuses empty or longer values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

__all__ = [
    "ERROR_CODES",
    "QRIS_GUID",
    "Merchant",
    "QrisError",
    "QrisPayload",
    "crc16_ccitt_false",
    "encode",
    "encode_template",
    "generate_dynamic",
    "generate_static",
    "parse",
    "tlv",
]

QRIS_GUID = "ID.CO.QRIS.WWW"
FORMAT_INDICATOR = "01"
STATIC = "11"
DYNAMIC = "12"
CURRENCY_IDR = "360"
COUNTRY_ID = "ID"

# Tags whose values are TLV templates themselves.
TEMPLATE_TAGS = frozenset({f"{n:02d}" for n in range(26, 52)} | {"62", "64"} | {f"{n:02d}" for n in range(80, 100)})
MERCHANT_ACCOUNT_TAGS = tuple(f"{n:02d}" for n in range(2, 52))
# EMVCo MPM mandatory root tags (besides one merchant account information tag).
EMV_MANDATORY = ("00", "52", "53", "58", "59", "60", "63")
# QRIS adds the point of initiation and the national merchant template (tag 51 or 26-45 with NMID).
QRIS_MANDATORY = ("00", "01", "52", "53", "58", "59", "60", "63")

TAG_NAMES = {
    "00": "payload format indicator",
    "01": "point of initiation method",
    "26": "merchant account information",
    "51": "QRIS national merchant information",
    "52": "merchant category code",
    "53": "transaction currency",
    "54": "transaction amount",
    "55": "tip or convenience indicator",
    "56": "convenience fee fixed",
    "57": "convenience fee percentage",
    "58": "country code",
    "59": "merchant name",
    "60": "merchant city",
    "61": "postal code",
    "62": "additional data field template",
    "63": "CRC",
    "64": "merchant information language template",
}

ADDITIONAL_BILL_NUMBER = "01"
ADDITIONAL_REFERENCE_LABEL = "05"
ADDITIONAL_TERMINAL_LABEL = "07"
ADDITIONAL_PURPOSE = "08"

_ANS = re.compile(r"^[\x20-\x7E]*$")  # EMVCo "ans": printable ASCII
_AMOUNT = re.compile(r"^(?:0|[1-9][0-9]*)(?:\.[0-9]{1,2})?$")
_CRITERIA = frozenset({"UMI", "UKE", "UME", "UBE", "URE"})


# Every fault the codec names, with what it means. `QrisError.code` is always one of these keys
# (a test holds the codec to it), so callers can translate each one and clients can branch on it.
ERROR_CODES: dict[str, str] = {
    "not_text": "the payload is not text",
    "empty": "the payload is empty",
    "bad_character": "the payload holds a character that cannot be encoded as UTF-8",
    "truncated": "a field is cut short: its tag and length are incomplete or its length runs past the end",
    "bad_tag": "a tag is not two digits",
    "bad_length": "a length is not two digits",
    "zero_length": "a field declares length 00; EMVCo lengths run from 01 to 99",
    "empty_value": "the encoder was given an empty value",
    "value_too_long": "a value is longer than a two-digit length (99) or its field allows",
    "duplicate_tag": "a tag or a template's sub-tag appears twice",
    "format_not_first": "the payload format indicator (tag 00) is not the first field",
    "bad_format": "the payload format indicator (tag 00) is not 01",
    "bad_initiation": "the point of initiation method (tag 01) is not 11 or 12",
    "missing_tag": "a mandatory tag is missing",
    "crc_not_last": "the CRC (tag 63) is not the last field",
    "bad_crc_format": "the CRC (tag 63) is not 4 hex digits",
    "crc_mismatch": "the CRC does not match the content",
    "bad_mcc": "the merchant category code (tag 52) is not 4 digits",
    "bad_currency": "the transaction currency (tag 53) is not 3 digits, or not 360 for QRIS",
    "bad_amount": "the transaction amount (tag 54) is not a positive number with at most 2 decimals",
    "bad_tip": "the tip indicator (tag 55) is not 01, 02 or 03",
    "bad_country": "the country code (tag 58) is not 2 letters, or not ID for QRIS",
    "name_length": "the merchant name (tag 59) is longer than 25 characters",
    "city_length": "the merchant city (tag 60) is longer than 15 characters",
    "not_ascii": "a merchant field is not printable ASCII",
    "bad_criteria": "the merchant criteria is not UMI, UKE, UME, UBE or URE",
    "bad_pan": "the merchant PAN is not 1-19 digits",
    "bad_merchant_id": "the merchant id is not 1-15 characters",
    "bad_nmid": "the national merchant id is not 1-15 characters",
    "bad_guid": "the merchant GUID is not 1-32 characters",
    "bad_postal_code": "the postal code is longer than 10 characters",
    "bad_bill_number": "the bill number (tag 62 sub-tag 01) is not 1-25 printable characters",
}


class QrisError(ValueError):
    """A payload or a field that breaks the QRIS/EMVCo rules; the message names the fault.

    `template` is set when the fault sits inside a template (tags 26-51, 62, 64, 80-99); `tag`
    is then the sub-tag when one could be read."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        tag: str | None = None,
        position: int | None = None,
        template: str | None = None,
    ) -> None:
        if code not in ERROR_CODES:  # a programming error, not a payload fault
            raise AssertionError(f"unknown QRIS error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.tag = tag
        self.position = position
        self.template = template


def tag_name(tag: str) -> str:
    if tag in TAG_NAMES:
        return TAG_NAMES[tag]
    if "02" <= tag <= "51":
        return "merchant account information"
    if "80" <= tag <= "99":
        return "unreserved template"
    return "RFU"


# --- CRC ----------------------------------------------------------------------------------


def crc16_ccitt_false(data: bytes | str) -> int:
    """CRC-16/CCITT-FALSE; the check value of b"123456789" is 0x29B1."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def crc_hex(data: bytes | str) -> str:
    return f"{crc16_ccitt_false(data):04X}"


def _encodable(text: str) -> bool:
    """False for lone surrogates, the only str content UTF-8 cannot carry."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- encoding -----------------------------------------------------------------------------


def tlv(tag: str, value: str) -> str:
    """One field. Refuses what no parser could read back: an empty value (length 00), a value
    past 99 characters, or one that is not encodable UTF-8 (the CRC runs over UTF-8 bytes)."""
    if not isinstance(tag, str) or not re.fullmatch(r"[0-9]{2}", tag):
        raise QrisError("bad_tag", f"tag {tag!r} is not two digits")
    if not isinstance(value, str):
        raise QrisError("not_text", f"tag {tag} ({tag_name(tag)}) has a value that is not text", tag=tag)
    if not _encodable(value):
        raise QrisError(
            "bad_character", f"tag {tag} ({tag_name(tag)}) holds a character that is not valid UTF-8", tag=tag
        )
    if not value:
        raise QrisError("empty_value", f"tag {tag} ({tag_name(tag)}) has an empty value", tag=tag)
    if len(value) > 99:
        raise QrisError(
            "value_too_long", f"tag {tag} ({tag_name(tag)}) is {len(value)} characters, at most 99", tag=tag
        )
    return f"{tag}{len(value):02d}{value}"


def encode(fields: Iterable[tuple[str, str]]) -> str:
    """Root fields in the given order, then tag 63 with the CRC over all of it.
    A tag given twice is refused: the parser would refuse the payload it makes."""
    seen: set[str] = set()
    parts: list[str] = []
    for tag, value in fields:
        if tag == "63":
            continue
        if tag in seen:
            raise QrisError("duplicate_tag", f"tag {tag} ({tag_name(tag)}) is given twice", tag=tag)
        seen.add(tag)
        parts.append(tlv(tag, value))
    body = "".join(parts) + "6304"
    return body + crc_hex(body)


def encode_template(sub_fields: Iterable[tuple[str, str]]) -> str:
    """A template's value (tags 26-51, 62, 64, 80-99) from its sub-fields, with the same rules."""
    seen: set[str] = set()
    parts: list[str] = []
    for tag, value in sub_fields:
        if tag in seen:
            raise QrisError("duplicate_tag", f"sub-tag {tag} is given twice", tag=tag)
        seen.add(tag)
        parts.append(tlv(tag, value))
    return "".join(parts)


@dataclass(frozen=True)
class Merchant:
    """What a QRIS payload says about the merchant.

    `guid` is the acquirer's reverse-domain identifier for tag 26 (e.g. ID.CO.KOTAKITA.WWW);
    `pan` the merchant PAN (up to 19 digits), `merchant_id` the acquirer's merchant id, `nmid`
    the national merchant id in tag 51, `criteria` UMI/UKE/UME/UBE/URE.
    """

    name: str
    city: str
    nmid: str
    guid: str
    pan: str
    merchant_id: str
    mcc: str = "5499"
    criteria: str = "UMI"
    postal_code: str = ""

    def validate(self) -> None:
        checks: list[tuple[bool, str, str, str]] = [
            (0 < len(self.name) <= 25, "59", "name_length", "merchant name must be 1-25 characters"),
            (0 < len(self.city) <= 15, "60", "city_length", "merchant city must be 1-15 characters"),
            (bool(re.fullmatch(r"[0-9]{4}", self.mcc)), "52", "bad_mcc", "merchant category code must be 4 digits"),
            (self.criteria in _CRITERIA, "51", "bad_criteria", "criteria must be one of UMI, UKE, UME, UBE, URE"),
            (bool(re.fullmatch(r"[0-9]{1,19}", self.pan)), "26", "bad_pan", "merchant PAN must be 1-19 digits"),
            (0 < len(self.merchant_id) <= 15, "26", "bad_merchant_id", "merchant id must be 1-15 characters"),
            (0 < len(self.nmid) <= 15, "51", "bad_nmid", "NMID must be 1-15 characters"),
            (0 < len(self.guid) <= 32, "26", "bad_guid", "GUID must be 1-32 characters"),
            (len(self.postal_code) <= 10, "61", "bad_postal_code", "postal code must be at most 10 characters"),
        ]
        for ok, tag, code, message in checks:
            if not ok:
                raise QrisError(code, f"tag {tag}: {message}", tag=tag)
        for tag, value in (("59", self.name), ("60", self.city), ("26", self.guid), ("26", self.merchant_id)):
            if not _ANS.match(value):
                raise QrisError("not_ascii", f"tag {tag} ({tag_name(tag)}) must be printable ASCII", tag=tag)


def _merchant_fields(merchant: Merchant) -> list[tuple[str, str]]:
    merchant.validate()
    account = (
        tlv("00", merchant.guid)
        + tlv("01", merchant.pan)
        + tlv("02", merchant.merchant_id)
        + tlv("03", merchant.criteria)
    )
    national = tlv("00", QRIS_GUID) + tlv("02", merchant.nmid) + tlv("03", merchant.criteria)
    return [("26", account), ("51", national), ("52", merchant.mcc), ("53", CURRENCY_IDR)]


def _place(merchant: Merchant) -> list[tuple[str, str]]:
    fields = [("58", COUNTRY_ID), ("59", merchant.name), ("60", merchant.city)]
    if merchant.postal_code:
        fields.append(("61", merchant.postal_code))
    return fields


def generate_static(merchant: Merchant) -> str:
    """The merchant's printed QRIS: the payer types the amount."""
    return encode([("00", FORMAT_INDICATOR), ("01", STATIC), *_merchant_fields(merchant), *_place(merchant)])


def format_amount(amount: int | Decimal) -> str:
    value = Decimal(amount)
    if value <= 0:
        raise QrisError("bad_amount", "tag 54: amount must be greater than zero", tag="54")
    if value != value.quantize(Decimal("0.01")):
        raise QrisError("bad_amount", "tag 54: amount has more than two decimals", tag="54")
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if len(text) > 13:
        raise QrisError("bad_amount", "tag 54: amount is longer than 13 characters", tag="54")
    return text


def generate_dynamic(
    merchant: Merchant,
    amount: int | Decimal,
    bill_number: str,
    *,
    reference_label: str = "",
    terminal_label: str = "",
    purpose: str = "",
) -> str:
    """A one-payment QRIS: the amount (tag 54) and the bill number (tag 62, sub-tag 01) are fixed."""
    if not bill_number or len(bill_number) > 25 or not _ANS.match(bill_number):
        raise QrisError("bad_bill_number", "tag 62.01: bill number must be 1-25 printable characters", tag="62")
    extra = tlv(ADDITIONAL_BILL_NUMBER, bill_number)
    for sub, value in (
        (ADDITIONAL_REFERENCE_LABEL, reference_label),
        (ADDITIONAL_TERMINAL_LABEL, terminal_label),
        (ADDITIONAL_PURPOSE, purpose),
    ):
        if value:
            if len(value) > 25:
                raise QrisError("value_too_long", f"tag 62.{sub}: at most 25 characters", tag="62")
            extra += tlv(sub, value)
    return encode(
        [
            ("00", FORMAT_INDICATOR),
            ("01", DYNAMIC),
            *_merchant_fields(merchant),
            ("54", format_amount(amount)),
            *_place(merchant),
            ("62", extra),
        ]
    )


# --- parsing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QrisPayload:
    """A parsed payload: root fields in order, templates split into their sub-fields."""

    payload: str
    fields: dict[str, str]
    templates: dict[str, dict[str, str]] = field(default_factory=dict)

    def get(self, tag: str, default: str = "") -> str:
        return self.fields.get(tag, default)

    @property
    def is_dynamic(self) -> bool:
        return self.fields.get("01") == DYNAMIC

    @property
    def amount(self) -> Decimal | None:
        raw = self.fields.get("54")
        return Decimal(raw) if raw else None

    @property
    def merchant_name(self) -> str:
        return self.fields.get("59", "")

    @property
    def merchant_city(self) -> str:
        return self.fields.get("60", "")

    @property
    def postal_code(self) -> str:
        return self.fields.get("61", "")

    @property
    def currency(self) -> str:
        return self.fields.get("53", "")

    @property
    def country(self) -> str:
        return self.fields.get("58", "")

    @property
    def mcc(self) -> str:
        return self.fields.get("52", "")

    @property
    def crc(self) -> str:
        return self.fields.get("63", "")

    @property
    def merchant_accounts(self) -> dict[str, dict[str, str]]:
        return {tag: sub for tag, sub in self.templates.items() if tag in MERCHANT_ACCOUNT_TAGS}

    @property
    def nmid(self) -> str:
        """National merchant id: tag 51 sub-tag 02, else the first merchant template that has one."""
        national = self.templates.get("51", {})
        if national.get("02"):
            return national["02"]
        for sub in self.merchant_accounts.values():
            if sub.get("00") == QRIS_GUID and sub.get("02"):
                return sub["02"]
        return ""

    @property
    def additional(self) -> dict[str, str]:
        return self.templates.get("62", {})

    @property
    def bill_number(self) -> str:
        return self.additional.get(ADDITIONAL_BILL_NUMBER, "")

    @property
    def reference_label(self) -> str:
        return self.additional.get(ADDITIONAL_REFERENCE_LABEL, "")


def _split(text: str, *, where: str, offset: int, template: str | None = None) -> list[tuple[str, str, int]]:
    """TLV triples (tag, value, absolute position) of `text`; raises on any framing fault.
    `template` is the enclosing template's tag when `text` is a template's value."""
    items: list[tuple[str, str, int]] = []
    i = 0
    while i < len(text):
        pos = offset + i
        if len(text) - i < 4:
            left = text[i:]
            named = f"tag {left[:2]} " if len(left) >= 2 and left[:2].isdigit() else ""
            raise QrisError(
                "truncated",
                f"{where}: truncated field {named}at position {pos}: {len(left)} character(s) left, "
                "a tag and its length need 4",
                tag=left[:2] if named else None,
                position=pos,
                template=template,
            )
        tag, length = text[i : i + 2], text[i + 2 : i + 4]
        if not tag.isdigit() or not tag.isascii():
            raise QrisError(
                "bad_tag", f"{where}: tag {tag!r} at position {pos} is not two digits", position=pos, template=template
            )
        if not length.isdigit() or not length.isascii():
            raise QrisError(
                "bad_length",
                f"{where}: tag {tag} at position {pos} has length {length!r}, not two digits",
                tag=tag,
                position=pos,
                template=template,
            )
        size = int(length)
        if size == 0:
            raise QrisError(
                "zero_length",
                f"{where}: tag {tag} ({tag_name(tag)}) at position {pos} has length 00; "
                "EMVCo lengths run from 01 to 99",
                tag=tag,
                position=pos,
                template=template,
            )
        end = i + 4 + size
        if end > len(text):
            raise QrisError(
                "truncated",
                f"{where}: tag {tag} ({tag_name(tag)}) at position {pos} declares length {size}, "
                f"which runs past the end ({len(text) - i - 4} character(s) left)",
                tag=tag,
                position=pos,
                template=template,
            )
        items.append((tag, text[i + 4 : end], pos))
        i = end
    return items


def parse(payload: str, *, strict: bool = True) -> QrisPayload:
    """Parse and check a payload.

    Always checked: TLV framing (no length past the end), the CRC, duplicate root tags,
    mandatory EMVCo tags, the format indicator and the sub-fields of every template.
    `strict` (the default) adds the QRIS rules: point of initiation 11/12, currency 360,
    country ID, and a national merchant id (tag 51, or a 26-45 template with ID.CO.QRIS.WWW).
    """
    if not isinstance(payload, str):
        raise QrisError("not_text", "payload must be text")
    payload = payload.strip()
    if not payload:
        raise QrisError("empty", "payload is empty")
    if not _encodable(payload):
        raise QrisError("bad_character", "payload holds a character that is not valid UTF-8 (a lone surrogate)")
    items = _split(payload, where="payload", offset=0)

    fields: dict[str, str] = {}
    for tag, value, pos in items:
        if tag in fields:
            raise QrisError("duplicate_tag", f"tag {tag} ({tag_name(tag)}) appears twice", tag=tag, position=pos)
        fields[tag] = value

    last_tag, last_value, last_pos = items[-1]
    if "63" not in fields:
        raise QrisError("missing_tag", "mandatory tag 63 (CRC) is missing", tag="63")
    if last_tag != "63":
        raise QrisError("crc_not_last", "tag 63 (CRC) must be the last field", tag="63", position=last_pos)
    if not re.fullmatch(r"[0-9A-Fa-f]{4}", last_value):
        raise QrisError(
            "bad_crc_format", f"tag 63 (CRC) must be 4 hex digits, got {last_value!r}", tag="63", position=last_pos
        )
    computed = crc_hex(payload[: last_pos + 4])
    if last_value.upper() != computed:
        raise QrisError(
            "crc_mismatch",
            f"CRC mismatch: the payload says {last_value.upper()}, the content computes to {computed}",
            tag="63",
            position=last_pos,
        )

    for tag in QRIS_MANDATORY if strict else EMV_MANDATORY:
        if tag not in fields:
            raise QrisError("missing_tag", f"mandatory tag {tag} ({tag_name(tag)}) is missing", tag=tag)
    if items[0][0] != "00":
        raise QrisError(
            "format_not_first",
            f"tag 00 (payload format indicator) must be the first field, not tag {items[0][0]}",
            tag="00",
            position=_position_of(items, "00"),
        )
    if fields["00"] != FORMAT_INDICATOR:
        raise QrisError("bad_format", f"tag 00 (payload format indicator) must be 01, got {fields['00']!r}", tag="00")
    if "01" in fields and fields["01"] not in (STATIC, DYNAMIC):
        raise QrisError(
            "bad_initiation", f"tag 01 (point of initiation) must be 11 or 12, got {fields['01']!r}", tag="01"
        )
    if not any(tag in fields for tag in MERCHANT_ACCOUNT_TAGS):
        raise QrisError("missing_tag", "no merchant account information (tags 02-51)", tag="26")

    templates: dict[str, dict[str, str]] = {}
    for tag, value, pos in items:
        if tag in TEMPLATE_TAGS:
            sub: dict[str, str] = {}
            where = f"tag {tag} ({tag_name(tag)})"
            for sub_tag, sub_value, sub_pos in _split(value, where=where, offset=pos + 4, template=tag):
                if sub_tag in sub:
                    raise QrisError(
                        "duplicate_tag",
                        f"{where} has sub-tag {sub_tag} twice",
                        tag=sub_tag,
                        position=sub_pos,
                        template=tag,
                    )
                sub[sub_tag] = sub_value
            templates[tag] = sub

    _check_values(fields, templates, strict=strict)
    return QrisPayload(payload=payload, fields=fields, templates=templates)


def _position_of(items: list[tuple[str, str, int]], tag: str) -> int | None:
    return next((pos for item_tag, _value, pos in items if item_tag == tag), None)


def _check_values(fields: dict[str, str], templates: dict[str, dict[str, str]], *, strict: bool) -> None:
    if not re.fullmatch(r"[0-9]{4}", fields["52"]):
        raise QrisError("bad_mcc", f"tag 52 (merchant category code) must be 4 digits, got {fields['52']!r}", tag="52")
    if not re.fullmatch(r"[0-9]{3}", fields["53"]):
        raise QrisError("bad_currency", f"tag 53 (currency) must be 3 digits, got {fields['53']!r}", tag="53")
    if "54" in fields:
        if not _AMOUNT.match(fields["54"]):
            raise QrisError("bad_amount", f"tag 54 (amount) is not a number: {fields['54']!r}", tag="54")
        try:
            if Decimal(fields["54"]) <= 0:
                raise QrisError("bad_amount", "tag 54 (amount) must be greater than zero", tag="54")
        except InvalidOperation:  # pragma: no cover - the regex already refused it
            raise QrisError("bad_amount", f"tag 54 (amount) is not a number: {fields['54']!r}", tag="54") from None
    tip = fields.get("55")
    if tip is not None:
        if tip not in ("01", "02", "03"):
            raise QrisError("bad_tip", f"tag 55 (tip indicator) must be 01, 02 or 03, got {tip!r}", tag="55")
        if tip == "02" and "56" not in fields:
            raise QrisError("missing_tag", "tag 55 is 02 (fixed fee) but tag 56 is missing", tag="56")
        if tip == "03" and "57" not in fields:
            raise QrisError("missing_tag", "tag 55 is 03 (percentage fee) but tag 57 is missing", tag="57")
    if len(fields["58"]) != 2:
        raise QrisError("bad_country", f"tag 58 (country code) must be 2 letters, got {fields['58']!r}", tag="58")
    if len(fields["59"]) > 25:
        raise QrisError("name_length", "tag 59 (merchant name) is longer than 25 characters", tag="59")
    if len(fields["60"]) > 15:
        raise QrisError("city_length", "tag 60 (merchant city) is longer than 15 characters", tag="60")
    if not strict:
        return
    if fields["53"] != CURRENCY_IDR:
        raise QrisError("bad_currency", f"tag 53 (currency) must be 360 (IDR), got {fields['53']!r}", tag="53")
    if fields["58"] != COUNTRY_ID:
        raise QrisError("bad_country", f"tag 58 (country code) must be ID, got {fields['58']!r}", tag="58")
    national = templates.get("51", {})
    has_nmid = bool(national.get("02")) or any(
        sub.get("00") == QRIS_GUID and sub.get("02") for tag, sub in templates.items() if tag in MERCHANT_ACCOUNT_TAGS
    )
    if not has_nmid:
        raise QrisError("missing_tag", "no QRIS national merchant id (tag 51 with sub-tag 02)", tag="51")
    if fields["01"] == DYNAMIC and "54" not in fields:
        raise QrisError("missing_tag", "a dynamic QRIS (tag 01 = 12) must carry an amount (tag 54)", tag="54")
