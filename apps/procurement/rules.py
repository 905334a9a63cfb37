"""Pure rules of B2G procurement: money, KBLI matching, scoring, order numbers. No Django import.

Money is integer rupiah. Quantities are decimals with at most two places (2.5 kg); a line's
total is quantity × unit price rounded half up to whole rupiah.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from apps.core import phones

MAX_RUPIAH = 1_000_000_000_000  # Rp1 triliun: anything above is a typing mistake
MAX_QUANTITY = Decimal("1000000")
MAX_ITEMS = 50
# Evaluation: each criterion 0..100, combined with these weights (percent, summing to 100).
WEIGHTS = {"price": 50, "delivery": 25, "quality": 25}
CRITERIA = tuple(WEIGHTS)
# Purchase order (Surat Pesanan) number: 027 is the archive classification code of
# "Pengadaan" (Permendagri 78/2012); SP = Surat Pesanan.
ORDER_CLASSIFICATION = "027"

# KBLI 2020 divisions (golongan pokok, the first two digits; they follow ISIC Rev. 4).
KBLI_DIVISIONS = frozenset(
    f"{n:02d}"
    for n in (
        *range(1, 4),
        *range(5, 10),
        *range(10, 34),
        *range(35, 40),
        *range(41, 44),
        *range(45, 48),
        *range(49, 54),
        55,
        56,
        *range(58, 64),
        *range(64, 67),
        68,
        *range(69, 76),
        *range(77, 83),
        84,
        85,
        *range(86, 89),
        *range(90, 94),
        *range(94, 97),
        97,
        98,
        99,
    )
)
# Common KBLI 2020 divisions for kelurahan purchases (a hint list; any valid division is accepted).
DIVISION_HINTS = [
    ("10", "Industri makanan"),
    ("11", "Industri minuman"),
    ("13", "Industri tekstil"),
    ("14", "Industri pakaian jadi"),
    ("16", "Industri kayu, bambu dan rotan"),
    ("18", "Percetakan"),
    ("31", "Industri furnitur"),
    ("47", "Perdagangan eceran"),
    ("56", "Penyediaan makanan dan minuman"),
    ("73", "Periklanan"),
    ("81", "Jasa kebersihan dan pertamanan"),
    ("82", "Jasa administrasi kantor (fotokopi dan sejenisnya)"),
    ("95", "Reparasi komputer dan barang rumah tangga"),
    ("96", "Jasa perorangan lainnya"),
]
_KBLI = re.compile(r"^\d{2,5}$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# 16-digit NIKs (phone numbers in text: apps.core.phones.find_in_text).
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")


def line_total(quantity: Decimal, unit_price: int) -> int:
    return int((quantity * unit_price).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def quantity_text(quantity: Decimal) -> str:
    """50 rather than 50.00; 2,5 with the Indonesian decimal comma."""
    normal = quantity.quantize(Decimal("0.01")).normalize()
    text = f"{normal:f}"
    return text.replace(".", ",")


def valid_kbli(code: str) -> bool:
    """2 to 5 digits whose first two are a KBLI 2020 division."""
    return bool(_KBLI.match(code)) and code[:2] in KBLI_DIVISIONS


def divisions(codes: Iterable[str]) -> frozenset[str]:
    """The 2-digit divisions of the given KBLI codes (blank codes ignored)."""
    return frozenset(code[:2] for code in codes if code and len(code) >= 2)


def kbli_matches(permit_code: str, wanted: Iterable[str]) -> bool:
    """A permit's KBLI matches when its division is one of the wanted divisions.

    No wanted divisions (the request names no category) matches every permit."""
    wanted = frozenset(wanted)
    return not wanted or (permit_code or "")[:2] in wanted


def weighted_score(price: int, delivery: int, quality: int) -> Decimal:
    """The weighted total of three 0..100 scores, two decimals."""
    total = Decimal(price * WEIGHTS["price"] + delivery * WEIGHTS["delivery"] + quality * WEIGHTS["quality"])
    return (total / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def suggested_price_score(total: int, lowest: int) -> int:
    """Lowest price scores 100; others in proportion (lowest / total × 100)."""
    if total <= 0 or lowest <= 0:
        return 0
    return int((Decimal(lowest) * 100 / Decimal(total)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_order_number(sequence: int, region_code: str, year: int) -> str:
    """`027/SP.<seq, 4 digits>/<kode wilayah>/<year>`, e.g. 027/SP.0007/35.77.03.1001/2026."""
    return f"{ORDER_CLASSIFICATION}/SP.{sequence:04d}/{region_code}/{year}"


def looks_personal(text: str, names: Iterable[str] = ()) -> bool:
    """Whether a public text carries an e-mail address, a phone/NIK-like number or one of `names`."""
    if _EMAIL.search(text) or phones.find_in_text(text) or _NIK.search(text):
        return True
    lowered = text.lower()
    return any(len(name.strip()) >= 3 and name.strip().lower() in lowered for name in names if name)
