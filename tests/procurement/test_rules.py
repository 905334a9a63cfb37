"""The pure rules: money, quantities, KBLI matching, scoring, order numbers, personal data."""

from __future__ import annotations

from decimal import Decimal

from apps.procurement import rules


def test_line_totals_and_quantities() -> None:
    assert rules.line_total(Decimal("50"), 25_000) == 1_250_000
    assert rules.line_total(Decimal("2.5"), 12_001) == 30_003  # 30002.5 rounds half up
    assert rules.quantity_text(Decimal("50.00")) == "50"
    assert rules.quantity_text(Decimal("2.50")) == "2,5"


def test_kbli_codes_and_division_matching() -> None:
    assert rules.valid_kbli("56") and rules.valid_kbli("56102") and rules.valid_kbli("561")
    assert not rules.valid_kbli("5") and not rules.valid_kbli("561020") and not rules.valid_kbli("ab")
    assert not rules.valid_kbli("04")  # no KBLI division 04
    assert rules.divisions(["56102", "", "56", "10792"]) == {"56", "10"}
    assert rules.kbli_matches("56102", {"56"})
    assert not rules.kbli_matches("10792", {"56"})
    assert rules.kbli_matches("10792", set())  # no category: any permit


def test_weighted_score_and_suggested_price_score() -> None:
    assert rules.weighted_score(100, 100, 100) == Decimal("100.00")
    assert rules.weighted_score(80, 60, 40) == Decimal("65.00")
    assert rules.weighted_score(0, 0, 1) == Decimal("0.25")
    assert rules.suggested_price_score(1_000_000, 1_000_000) == 100
    assert rules.suggested_price_score(1_250_000, 1_000_000) == 80


def test_order_number_format() -> None:
    assert rules.format_order_number(7, "35.77.03.1001", 2026) == "027/SP.0007/35.77.03.1001/2026"
    assert rules.format_order_number(12345, "35.77", 2027) == "027/SP.12345/35.77/2027"


def test_personal_data_detection() -> None:
    assert rules.looks_personal("hubungi sri@contoh.id")
    assert rules.looks_personal("WA 0812-3456-7890")
    assert rules.looks_personal("NIK 3577035208850001")
    assert rules.looks_personal("Dipilih karena Sri Rahayu ramah", ["Sri Rahayu"])
    assert rules.looks_personal("telp +62 812 3456 7890")
    assert not rules.looks_personal("Harga termurah, 50 kotak, kirim 2 hari", ["Sri Rahayu", "ab"])
    assert not rules.looks_personal("Nilai Rp1.250.000.000 di bawah pagu Rp1.500.000.000")
