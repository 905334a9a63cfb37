"""apps.core.nik: the NIK / No. KK rules shared by permits and aid (pure, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from apps.core import nik

TODAY = date(2026, 11, 28)
NIK = "3577035208850001"  # Kota Madiun, Kec. Taman, woman born 12-08-1985, serial 0001
KK = "3577030101200042"


def test_a_nik_says_where_when_and_who() -> None:
    info = nik.parse_nik(NIK, today=TODAY)
    assert info == nik.NikInfo(
        nik=NIK,
        province="35",
        regency="35.77",
        district="35.77.03",
        birth_date=date(1985, 8, 12),
        female=True,
        serial="0001",
    )
    man = nik.parse_nik("3577031208050002", today=TODAY)
    assert man.birth_date == date(2005, 8, 12) and not man.female
    assert nik.parse_nik("3577037108850001", today=TODAY).birth_date == date(1985, 8, 31)  # 71 - 40


@pytest.mark.parametrize(
    "typed", ["3577 0352 0885 0001", "3577.0352.0885.0001", "3577-0352-0885-0001", " 3577035208850001\n"]
)
def test_typed_groups_are_joined(typed: str) -> None:
    assert nik.parse_nik(typed, today=TODAY).nik == NIK
    assert nik.parse_nik(typed, today=TODAY, spreadsheet=True).nik == NIK


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", nik.EMPTY),
        (None, nik.EMPTY),
        ("  ", nik.EMPTY),
        ("357703520885000", nik.FORMAT),  # 15 digits
        ("35770352088500012", nik.FORMAT),  # 17 digits
        ("3577O35208850001", nik.FORMAT),  # letter O
        ("３５７７０３５２０８８５０００１", nik.FORMAT),  # full-width digits: ASCII only
        ("٣٥٧٧٠٣٥٢٠٨٨٥٠٠٠١", nik.FORMAT),  # Arabic-Indic digits
        ("9977035208850001", nik.REGION),  # no province 99
        ("2077035208850001", nik.REGION),  # no province 20
        ("3500035208850001", nik.REGION),  # kabupaten/kota 00
        ("3570035208850001", nik.REGION),  # 70: kabupaten are 01-69, kota 71-99
        ("3577005208850001", nik.REGION),  # kecamatan 00
        ("3577033102850001", nik.BIRTH_DATE),  # 31 February
        ("3577033213850001", nik.BIRTH_DATE),  # month 13
        ("3577030001850001", nik.BIRTH_DATE),  # day 00
        ("3577033505850001", nik.BIRTH_DATE),  # day 35: neither a man's (<= 31) nor a woman's (> 40)
        ("3577037205800001", nik.BIRTH_DATE),  # day 72 - 40 = 32
        ("3577035208850000", nik.SERIAL),
    ],
)
@pytest.mark.parametrize("spreadsheet", [False, True])
def test_each_check_has_its_code(raw: str | None, code: str, spreadsheet: bool) -> None:
    with pytest.raises(nik.InvalidNumber) as info:
        nik.parse_nik(raw, today=TODAY, spreadsheet=spreadsheet)
    assert info.value.code == code
    assert not (raw or "").strip() or raw.strip()[:6] not in str(info.value)  # never repeats the number


def test_checks_run_left_to_right() -> None:
    # bad region and bad serial: region; bad birth date and bad serial: birth date
    with pytest.raises(nik.InvalidNumber) as info:
        nik.parse_nik("3500035208850000", today=TODAY)
    assert info.value.code == nik.REGION
    with pytest.raises(nik.InvalidNumber) as info:
        nik.parse_nik("3577033102850000", today=TODAY)
    assert info.value.code == nik.BIRTH_DATE


def test_known_regencies_when_given() -> None:
    assert nik.parse_nik(NIK, today=TODAY, known_regencies={"35.77"}).regency == "35.77"
    with pytest.raises(nik.InvalidNumber) as info:
        nik.parse_nik("3598035208850001", today=TODAY, known_regencies={"35.77"})
    assert info.value.code == nik.REGION
    assert nik.parse_kk(KK, known_regencies={"35.77"}) == KK
    with pytest.raises(nik.InvalidNumber):
        nik.parse_kk("3598030101200042", known_regencies={"35.77"})


def test_two_digit_years() -> None:
    assert nik.parse_nik("3577030101260001", today=TODAY).birth_date == date(2026, 1, 1)  # 26 <= 26: 2026
    assert nik.parse_nik("3577030112270001", today=TODAY).birth_date == date(1927, 12, 1)  # 27 > 26: 1927
    assert nik.parse_nik("3577032902000001", today=TODAY).birth_date == date(2000, 2, 29)  # 2000 is a leap year
    assert nik.parse_nik("3577032902040001", today=TODAY).birth_date == date(2004, 2, 29)


def test_a_date_later_this_year_is_refused_or_read_as_last_century() -> None:
    later_this_year = "3577030112260001"  # 01-12-26 on 28-11-2026
    with pytest.raises(nik.InvalidNumber, match="masa depan") as info:
        nik.parse_nik(later_this_year, today=TODAY)  # permits
    assert info.value.code == nik.BIRTH_DATE
    born = nik.parse_nik(later_this_year, today=TODAY, past_century_if_future=True).birth_date  # aid
    assert born == date(1926, 12, 1) and nik.age_on(born, TODAY) == 99
    # the option changes nothing else
    assert nik.parse_nik(NIK, today=TODAY, past_century_if_future=True) == nik.parse_nik(NIK, today=TODAY)
    assert nik.parse_nik("3577032811260001", today=TODAY).birth_date == TODAY  # born today


def test_implausibly_old_is_refused() -> None:
    with pytest.raises(nik.InvalidNumber, match="tidak masuk akal") as info:
        nik.parse_nik("3577030101050001", today=date(2101, 1, 1))  # 05 > 01: 1905, 196 years old
    assert info.value.code == nik.BIRTH_DATE


def test_today_defaults_to_the_current_date() -> None:
    assert nik.parse_nik(NIK).birth_date == date(1985, 8, 12)


@pytest.mark.parametrize(
    "cell",
    [3577035208850001.0, 3.577035208850001e15, "3.577035208850001E+15", "'3577035208850001", "3577035208850001.0",
     "3577035208850001.00"],
)  # fmt: skip
def test_spreadsheet_cells_only_with_the_option(cell: object) -> None:
    assert nik.parse_nik(cell, today=TODAY, spreadsheet=True).nik == NIK
    with pytest.raises(nik.InvalidNumber) as info:
        nik.parse_nik(cell, today=TODAY)  # a typed form field is not a spreadsheet
    assert info.value.code == nik.FORMAT


def test_a_whole_number_is_read_as_its_digits_either_way() -> None:
    assert nik.parse_nik(3577035208850001, today=TODAY).nik == NIK
    assert nik.parse_nik(3577035208850001, today=TODAY, spreadsheet=True).nik == NIK


def test_digits_of() -> None:
    assert nik.digits_of(None) == ""
    assert nik.digits_of(True) == "True"
    assert nik.digits_of(1.5) == "1.5"
    assert nik.digits_of(" 3577 0352-0885.0001 ") == NIK
    assert nik.digits_of("3.5E+2") == "350"
    assert nik.digits_of("1.25E+1") == "125E+1"  # not a whole number: left to fail the checks


def test_no_kk() -> None:
    assert nik.parse_kk(KK) == KK
    assert nik.parse_kk("3577039999990001") == "3577039999990001"  # no birth date in a No. KK
    assert nik.parse_kk(3577030101200042, spreadsheet=True) == KK
    for raw, code in [
        ("", nik.EMPTY),
        ("357703010120004", nik.FORMAT),
        ("9977030101200042", nik.REGION),
        ("3570030101200042", nik.REGION),
        ("3577000101200042", nik.REGION),
        ("3577030101200000", nik.SERIAL),
    ]:
        with pytest.raises(nik.InvalidNumber) as info:
            nik.parse_kk(raw)
        assert info.value.code == code and "No. KK" in str(info.value) and (not raw or raw[:6] not in str(info.value))


def test_masks() -> None:
    assert nik.mask(NIK) == "3577********0001"
    assert nik.mask(KK) == "3577********0042"
    assert nik.mask("3577 0352 0885 0001") == "3577********0001"
    for bogus in ("bogus", "", "1234567890", "35770352088500012"):
        assert nik.mask(bogus) == "*" * 16  # the length of a bad value is not told either
    assert nik.mask_name("Sri Rahayu") == "S** R*****"
    assert nik.mask_name("  Joko  ") == "J***"
    assert nik.mask_name("") == ""


def test_age_on() -> None:
    assert nik.age_on(date(1990, 8, 17), date(2026, 8, 16)) == 35
    assert nik.age_on(date(1990, 8, 17), date(2026, 8, 17)) == 36
    assert nik.age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25
