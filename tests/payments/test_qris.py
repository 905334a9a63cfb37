"""QRIS codec: CRC-16/CCITT-FALSE, real published payloads, round trips, faults named."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.payments import qris

# Real QRIS payloads published in open-source projects (merchants' printed/dynamic codes from
# GoPay, BSI, Mandiri, DANA and Nobu acquirers), each with the CRC its issuer wrote.
PUBLISHED = [
    "00020101021126610014COM.GO-JEK.WWW01189360091432922297020210G2922297020303UMI51440014ID.CO.QRIS.WWW0215ID"
    "10265038922870303UMI5204899953033605802ID5925Toko digital HSN, Digital6008SIDOARJO61056126162070703A016304A581",
    "00020101021126640017ID.CO.BANKBSI.WWW0118936004510000200008021000002019320303UMI51440014ID.CO.QRIS.WWW0215ID"
    "10232628326460303UMI5204866153033605802ID5916DKM JAMI KASSITI6011TASIKMALAYA610546464630411B8",
    "00020101021126640017ID.CO.BANKBSI.WWW0118936004510000080974021000009127860303UMI51440014ID.CO.QRIS.WWW0215ID"
    "20221485322620303UMI5204839853033605802ID5919BARKASMAL NUSANTARA6006SLEMAN61055528162070703A0163043C29",
    "00020101021126690021ID.CO.BANKMANDIRI.WWW01189360000801903662320211719036623250303UMI51440014ID.CO.QRIS.WWW"
    "0215ID10254355825370303UMI5204508553033605802ID5925gh store Perlengkapan Ind6012Kediri (Kab)61056415462070703A01"
    "63044DC9",
    "00020101021126570011ID.DANA.WWW011893600915303379682702090337968270303UMI51440014ID.CO.QRIS.WWW0215ID"
    "10265640751030303UMI5204737253033605802ID5909BoonTrack6012Kab. Bandung61054028663048DC1",
    "00020101021126670016COM.NOBUBANK.WWW01189360050300000907180214905487390387780303UMI51440014ID.CO.QRIS.WWW0215ID"
    "20254619920700303UMI5204581753033605802ID5914Narpra Digital6009INDRAMAYU61054521162070703A016304D424",
]
# One merchant's static code and two dynamic codes (Rp17.000, Rp20.000) from the same GoPay shop.
GOPAY_STATIC = (
    "00020101021126610014COM.GO-JEK.WWW01189360091434648855360210G4648855360303UMI51440014ID.CO.QRIS.WWW0215ID"
    "10265722425390303UMI5204549953033605802ID5920Toko Berkah, BNY NYR6011PROBOLINGGO61056727562070703A0163043165"
)
GOPAY_DYNAMIC_17K = (
    "00020101021226610014COM.GO-JEK.WWW01189360091434648855360210G4648855360303UMI51440014ID.CO.QRIS.WWW0215ID"
    "10265722425390303UMI5204549953033605405170005802ID5920Toko Berkah, BNY NYR6011PROBOLINGGO6105672756239502"
    "8A120260818025055rNt8gS9Lx9ID0703A016304174B"
)
GOPAY_DYNAMIC_20K = (
    "00020101021226610014COM.GO-JEK.WWW01189360091434648855360210G4648855360303UMI51440014ID.CO.QRIS.WWW0215ID"
    "10265722425390303UMI5204549953033605405200005802ID5920Toko Berkah, BNY NYR6011PROBOLINGGO6105672756239502"
    "8A120260818025109DUwv5q4b8ZID0703A0163042969"
)
# The EMVCo MPM specification's own example (Chinese merchant, UTF-8 language template).
EMVCO_EXAMPLE = (
    "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT"
    "6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016"
    "A0112233449988770708123456786304A13A"
)

SHOP = qris.Merchant(
    name="Pecel Madiun Bu Sri",
    city="KOTA MADIUN",
    nmid="ID1026000000012",
    guid="ID.CO.KOTAKITA.WWW",
    pan="9360999900000000012",
    merchant_id="KK00000012",
    postal_code="63139",
)


def test_crc16_ccitt_false_check_value() -> None:
    assert qris.crc16_ccitt_false(b"123456789") == 0x29B1
    assert qris.crc16_ccitt_false("") == 0xFFFF


@pytest.mark.parametrize("payload", [*PUBLISHED, GOPAY_STATIC, GOPAY_DYNAMIC_17K, GOPAY_DYNAMIC_20K])
def test_published_payloads_have_the_crc_we_compute(payload: str) -> None:
    assert qris.crc_hex(payload[:-4]) == payload[-4:]
    parsed = qris.parse(payload)
    assert parsed.crc == payload[-4:]
    assert parsed.currency == "360" and parsed.country == "ID"
    assert parsed.nmid.startswith("ID")


def test_emvco_specification_example() -> None:
    parsed = qris.parse(EMVCO_EXAMPLE, strict=False)  # Chinese merchant: not a QRIS
    assert parsed.crc == "A13A"
    assert parsed.amount == Decimal("23.72")
    assert parsed.merchant_name == "BEST TRANSPORT"
    assert parsed.templates["64"] == {"00": "ZH", "01": "最佳运输", "02": "北京"}
    assert parsed.additional["03"] == "1234"
    with pytest.raises(qris.QrisError) as exc:
        qris.parse(EMVCO_EXAMPLE)
    assert exc.value.code == "bad_currency" and "360" in str(exc.value)


def test_real_dynamic_payloads_read_back() -> None:
    static, dynamic = qris.parse(GOPAY_STATIC), qris.parse(GOPAY_DYNAMIC_17K)
    assert not static.is_dynamic and static.amount is None
    assert dynamic.is_dynamic and dynamic.amount == 17_000
    assert qris.parse(GOPAY_DYNAMIC_20K).amount == 20_000
    assert dynamic.merchant_name == "Toko Berkah, BNY NYR" and dynamic.merchant_city == "PROBOLINGGO"
    assert dynamic.postal_code == "67275"
    assert dynamic.merchant_accounts["26"]["00"] == "COM.GO-JEK.WWW"
    for tag in ("26", "51", "52", "58", "59", "60", "61"):
        assert static.fields[tag] == dynamic.fields[tag]


def test_static_round_trip() -> None:
    payload = qris.generate_static(SHOP)
    parsed = qris.parse(payload)
    assert payload.startswith("000201010211")
    assert parsed.fields["01"] == "11" and parsed.amount is None
    assert parsed.merchant_name == SHOP.name and parsed.merchant_city == SHOP.city
    assert parsed.postal_code == "63139" and parsed.mcc == "5499"
    assert parsed.nmid == SHOP.nmid
    assert parsed.merchant_accounts["26"] == {
        "00": "ID.CO.KOTAKITA.WWW",
        "01": "9360999900000000012",
        "02": "KK00000012",
        "03": "UMI",
    }
    assert parsed.templates["51"] == {"00": "ID.CO.QRIS.WWW", "02": SHOP.nmid, "03": "UMI"}


def test_dynamic_round_trip() -> None:
    payload = qris.generate_dynamic(SHOP, 145_000, "PR-3577031001-0A1B2C3D", reference_label="order:12")
    parsed = qris.parse(payload)
    assert parsed.is_dynamic and parsed.amount == 145_000 and parsed.fields["54"] == "145000"
    assert parsed.bill_number == "PR-3577031001-0A1B2C3D" and parsed.reference_label == "order:12"


@given(
    amount=st.integers(min_value=1, max_value=9_999_999_999),
    bill=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=25),
    name=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=25),
)
def test_any_dynamic_payload_round_trips(amount: int, bill: str, name: str) -> None:
    merchant = qris.Merchant(
        name=name, city="MADIUN", nmid="ID1", guid="ID.CO.KOTAKITA.WWW", pan="936", merchant_id="KK1"
    )
    if not name.strip():
        return
    parsed = qris.parse(qris.generate_dynamic(merchant, amount, bill))
    assert (parsed.amount, parsed.bill_number, parsed.merchant_name) == (amount, bill, name)


def _rebuild(fields: list[tuple[str, str]]) -> str:
    """Fields as given (even a tag twice, which `qris.encode` refuses) with a correct CRC."""
    body = "".join(qris.tlv(tag, value) for tag, value in fields) + "6304"
    return body + qris.crc_hex(body)


def _fields(payload: str) -> list[tuple[str, str]]:
    return [(tag, value) for tag, value in qris.parse(payload).fields.items() if tag != "63"]


@pytest.mark.parametrize(
    ("payload", "code", "words"),
    [
        (PUBLISHED[0][:-4] + "A582", "crc_mismatch", ["A582", "A581"]),
        (PUBLISHED[0].replace("Toko digital", "Toko Digital"), "crc_mismatch", ["CRC"]),
        (PUBLISHED[0][:60], "truncated", ["tag 26", "runs past the end"]),
        (PUBLISHED[0][:-2], "truncated", ["tag 63", "runs past the end"]),
        ("000201010", "truncated", ["tag 01", "position 6"]),
        ("", "empty", ["empty"]),
        ("00020101021126", "truncated", ["tag 26", "position 12"]),
        ("00020101X211", "bad_length", ["tag 01", "'X2'"]),
        ("AB02010102116304ABCD", "bad_tag", ["'AB'"]),
        (PUBLISHED[0] + "9902AB", "crc_not_last", ["tag 63", "last"]),
        (PUBLISHED[0][:-8] + "6303A58", "bad_crc_format", ["tag 63", "4 hex digits"]),
        (PUBLISHED[0][:-8], "missing_tag", ["tag 63"]),
    ],
)
def test_malformed_payloads_name_their_fault(payload: str, code: str, words: list[str]) -> None:
    with pytest.raises(qris.QrisError) as exc:
        qris.parse(payload)
    assert exc.value.code == code, exc.value
    for word in words:
        assert word in str(exc.value), str(exc.value)


@pytest.mark.parametrize(("tag", "name"), [("58", "country code"), ("59", "merchant name"), ("52", "category")])
def test_missing_mandatory_tags_are_named(tag: str, name: str) -> None:
    payload = _rebuild([(t, v) for t, v in _fields(qris.generate_static(SHOP)) if t != tag])  # valid CRC
    with pytest.raises(qris.QrisError) as exc:
        qris.parse(payload)
    assert exc.value.code == "missing_tag" and exc.value.tag == tag
    assert f"tag {tag}" in str(exc.value) and name in str(exc.value)


def test_semantic_faults() -> None:
    base = _fields(qris.generate_dynamic(SHOP, 5_000, "B1"))
    cases = {
        "bad_currency": [(t, "840" if t == "53" else v) for t, v in base],
        "bad_amount": [(t, "-5" if t == "54" else v) for t, v in base],
        "bad_format": [(t, "02" if t == "00" else v) for t, v in base],
        "bad_initiation": [(t, "13" if t == "01" else v) for t, v in base],
        "missing_tag": [(t, v) for t, v in base if t != "54"],  # dynamic without amount
    }
    for code, fields in cases.items():
        with pytest.raises(qris.QrisError) as exc:
            qris.parse(_rebuild(fields))
        assert exc.value.code == code
    broken_template = [(t, "0014ID.CO.QRIS.WWW02" if t == "51" else v) for t, v in base]
    with pytest.raises(qris.QrisError) as exc:
        qris.parse(_rebuild(broken_template))
    assert exc.value.code == "truncated" and "tag 51" in str(exc.value)
    duplicate = [*base[:3], ("52", "5499"), *base[3:]]
    with pytest.raises(qris.QrisError) as exc:
        qris.parse(_rebuild(duplicate))
    assert exc.value.code == "duplicate_tag"


def test_generation_refuses_bad_merchant_data() -> None:
    too_long = qris.Merchant(**{**SHOP.__dict__, "name": "x" * 26})
    with pytest.raises(qris.QrisError) as exc:
        qris.generate_static(too_long)
    assert exc.value.tag == "59"
    with pytest.raises(qris.QrisError):
        qris.generate_dynamic(SHOP, 0, "B1")
    with pytest.raises(qris.QrisError):
        qris.generate_dynamic(SHOP, 1_000, "x" * 26)


def test_the_codec_imports_no_django() -> None:
    import ast
    from pathlib import Path

    tree = ast.parse(Path(qris.__file__).read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "django" not in imported and "apps" not in imported
