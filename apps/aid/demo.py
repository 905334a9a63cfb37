"""Demo bansos data for kelurahan tenants: three programs (PKH excludes BLT), twenty
beneficiaries across RT 01–04 of RW 01–03 and some distributions. Idempotent.

The NIK and No. KK are synthetic (valid in shape for Kota Madiun, serial numbers 9xxx).
"""

from __future__ import annotations

import logging
import struct
import zlib
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.core.nik import mask
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import Tenant

from . import services
from .identity import Person, hash_number
from .models import Beneficiary, Distribution, Enrolment, FundingSource, ImportBatch, Program, TargetType

logger = logging.getLogger(__name__)

# name, female, birth date, RW, RT, household income per month, family number
PEOPLE: list[tuple[str, bool, date, int, int, int, int]] = [
    ("Sumarni", True, date(1968, 3, 12), 1, 1, 1_200_000, 1),
    ("Joko Santoso", False, date(1975, 8, 2), 1, 1, 1_800_000, 2),
    ("Paijo", False, date(1959, 11, 23), 1, 2, 900_000, 3),
    ("Suwarti", True, date(1971, 1, 30), 1, 3, 1_500_000, 4),
    ("Slamet Riyadi", False, date(1966, 6, 17), 1, 4, 2_100_000, 5),
    ("Tukiyem", True, date(1955, 9, 5), 2, 1, 750_000, 6),
    ("Bambang Sutrisno", False, date(1980, 12, 9), 2, 2, 2_300_000, 7),
    ("Ngatini", True, date(1963, 4, 21), 2, 3, 1_100_000, 8),
    ("Sugeng Widodo", False, date(1978, 2, 14), 2, 4, 1_900_000, 9),
    ("Sri Lestari", True, date(1985, 7, 8), 3, 1, 1_600_000, 10),
    ("Mulyono", False, date(1970, 10, 28), 3, 2, 1_300_000, 11),
    ("Kasiyem", True, date(1958, 5, 16), 3, 3, 800_000, 12),
    ("Darmaji", False, date(1969, 3, 3), 3, 4, 2_000_000, 13),
    ("Wartini", True, date(1982, 11, 11), 1, 2, 1_700_000, 14),
    ("Poniman", False, date(1961, 8, 19), 2, 1, 1_000_000, 15),
    ("Siti Aminah", True, date(1990, 1, 25), 2, 2, 2_400_000, 16),
    ("Gunawan", False, date(1973, 9, 30), 3, 1, 1_400_000, 17),
    ("Rukmini", True, date(1965, 12, 1), 3, 2, 950_000, 18),
    ("Supriyadi", False, date(1977, 4, 7), 1, 3, 2_200_000, 19),
    ("Endang Wahyuni", True, date(1988, 6, 29), 2, 4, 1_250_000, 20),
]
BLT = range(0, 8)  # families in BLT
PKH = range(8, 13)  # families in PKH (never the BLT families: the programs exclude each other)
SEMBAKO = range(10, 20)  # individuals in Sembako RT


def tiny_png() -> bytes:
    """A valid 1×1 PNG, the demo's stand-in for a proof photo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x2e\x7d\x32"))
        + chunk(b"IEND", b"")
    )


def _numbers(region: str, index: int) -> tuple[str, str]:
    """The synthetic NIK and No. KK of PEOPLE[index]."""
    _name, female, born, _rw, _rt, _income, family = PEOPLE[index]
    day = born.day + 40 if female else born.day
    nik = f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{9000 + index + 1:04d}"
    return nik, f"{region}0101{20 + family % 5:02d}{9100 + family:04d}"


def _person(region: str, index: int) -> Person:
    name, female, born, rw, rt, income, _family = PEOPLE[index]
    nik, kk = _numbers(region, index)
    return Person(
        nik_hash=hash_number("nik", nik),
        nik_masked=mask(nik),
        birth_date=born,
        female=female,
        kk_hash=hash_number("kk", kk),
        kk_masked=mask(kk),
        name=name,
        address=f"Jl. Demo RT {rt:02d}/RW {rw:02d} No. {index + 1}",
        rw=rw,
        rt=rt,
        household_income=income,
    )


def _program(name: str, **values: object) -> Program:
    existing = Program.objects.filter(name=name).first()
    if existing is not None:
        return existing
    return services.create_program(services.ProgramInput(name=name, **values))  # type: ignore[arg-type]


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    if not RukunTetangga.objects.filter(rw__number__in=[1, 2, 3]).exists():
        return
    today = timezone.localdate()
    start, end = date(today.year, 1, 1), date(today.year, 12, 31)
    blt = _program(
        f"BLT Dana Kelurahan {today.year}",
        description="Bantuan langsung tunai dari Dana Kelurahan untuk keluarga miskin.",
        target_type=TargetType.KK,
        funding_source=FundingSource.DANA_DESA,
        start_date=start,
        end_date=end,
        quota=15,
        amount=300_000,
        max_household_income=2_500_000,
    )
    pkh = _program(
        "PKH",
        description="Program Keluarga Harapan (Kemensos). Keluarga PKH tidak menerima BLT Dana Kelurahan.",
        target_type=TargetType.KK,
        funding_source=FundingSource.APBN,
        start_date=start,
        end_date=end,
        quota=10,
        amount=750_000,
        exclude_program_ids=[blt.pk],
    )
    sembako = _program(
        "Sembako RT",
        description="Paket sembako bulanan dari APBD Kota Madiun untuk warga lanjut usia dan rentan.",
        target_type=TargetType.INDIVIDUAL,
        funding_source=FundingSource.APBD,
        start_date=start,
        end_date=end,
        quota=30,
        amount=150_000,
        min_age=18,
    )
    region = "".join(tenant.region_id.split(".")[:3])
    admin = User.objects.filter(username="admin").first()
    warga = User.objects.filter(username="pak-joko").first()
    beneficiaries: list[Beneficiary] = []
    for index in range(len(PEOPLE)):
        person = _person(region, index)
        beneficiary = Beneficiary.objects.filter(nik_hash=person.nik_hash).first()
        if beneficiary is None:
            beneficiary = services.save_beneficiary(person, user=warga if PEOPLE[index][0] == "Joko Santoso" else None)
        beneficiaries.append(beneficiary)
    for program, members in ((blt, BLT), (pkh, PKH), (sembako, SEMBAKO)):
        for index in members:
            if Enrolment.objects.filter(program=program, beneficiary=beneficiaries[index]).exists():
                continue
            try:
                services.enrol(program, beneficiaries[index], by=admin)
            except DomainError as exc:  # someone changed the demo rules by hand: say so, go on
                logger.warning("aid demo: %s not enrolled in %s: %s", beneficiaries[index], program, exc.message)
    _stage_import(region, sembako, admin)
    if admin is None:
        return
    months = [today.month - 1, today.month] if today.month > 1 else [today.month]
    for month in months:
        period = f"{today.year}-{month:02d}"
        services.plan_period(blt, period=period)
        current = month == today.month
        rows = Distribution.objects.filter(enrolment__program=blt, period=period).order_by(
            "enrolment__beneficiary__name"
        )
        for position, distribution in enumerate(rows):
            if distribution.status != Distribution.Status.PLANNED:
                continue
            if current and position >= 3:
                break  # the rest of this month is still to be handed out
            if current and position == 2:
                services.mark_failed(distribution, by=admin, reason="Penerima tidak di rumah saat kunjungan.")
                continue
            handed = min(today, date(today.year, month, 15))
            photo = SimpleUploadedFile("bukti.png", tiny_png(), content_type="image/png")
            services.mark_distributed(distribution, by=admin, distributed_on=handed, proof=photo)


def _stage_import(region: str, program: Program, admin: User | None) -> None:
    """A checked beneficiary list waiting for the operator's confirm (Bansos → Impor): the
    confirm runs as a job with a progress bar, like the dry run before it."""
    if ImportBatch.objects.filter(program=program).exists():
        return
    lines = ["NIK,No KK,Nama,Alamat,RT,RW,Penghasilan"]
    for index in range(3):  # BLT families, not yet in Sembako RT
        name, _female, _born, rw, rt, income, _family = PEOPLE[index]
        nik, kk = _numbers(region, index)
        lines.append(f"{nik},{kk},{name},Jl. Demo RT {rt:02d}/RW {rw:02d} No. {index + 1},{rt},{rw},{income}")
    content = ("\n".join(lines) + "\n").encode()
    services.preview_import(program, file_name="contoh-impor-sembako.csv", content=content, by=admin)
