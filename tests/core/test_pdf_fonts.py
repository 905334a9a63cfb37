"""The shared PDF fonts: vendored with their licence, embedded, Javanese drawn in its own face;
and the builders that need no database (statement, kas report, dashboard report)."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from reportlab.pdfbase.pdfmetrics import stringWidth

from apps.core import pdf
from tests.pdf_fonts import MIXED_NAME, assert_fonts_embedded, assert_prints, text_of

JAVANESE = "ꦱꦸꦒꦶꦪꦺꦴ"


def test_fonts_are_vendored_small_and_licensed() -> None:
    files = sorted(path.name for path in pdf.FONT_DIR.iterdir())
    assert files == [
        "NotoSans-Bold.ttf",
        "NotoSans-Regular.ttf",
        "NotoSansJavanese-Bold.ttf",
        "NotoSansJavanese-Regular.ttf",
        "OFL.txt",
    ]
    assert sum(path.stat().st_size for path in pdf.FONT_DIR.glob("*.ttf")) < 1_400_000
    licence = (pdf.FONT_DIR / "OFL.txt").read_text()
    assert "SIL Open Font License" in licence and "Google" in licence and "PERMISSION & CONDITIONS" in licence


def test_runs_split_javanese_from_latin() -> None:
    assert list(pdf.runs(f"Pak {JAVANESE} (Sugiyô)")) == [
        ("Pak ", pdf.REGULAR),
        (JAVANESE, pdf.JAVANESE),
        (" (Sugiyô)", pdf.REGULAR),
    ]
    assert list(pdf.runs(JAVANESE, pdf.BOLD)) == [(JAVANESE, pdf.JAVANESE_BOLD)]
    assert list(pdf.runs("ꦲ\u200cꦤ", "Helvetica-Bold")) == [("ꦲ\u200cꦤ", pdf.JAVANESE_BOLD)]  # ZWNJ stays in
    assert list(pdf.runs("")) == [("", pdf.REGULAR)]


def test_widths_and_wrapping_measure_each_run_in_its_face() -> None:
    pdf.register_fonts()
    expected = stringWidth("Pak ", pdf.REGULAR, 10) + stringWidth(JAVANESE, pdf.JAVANESE, 10)
    assert pdf.string_width(f"Pak {JAVANESE}", pdf.REGULAR, 10) == expected
    lines = pdf.split_lines(f"{MIXED_NAME} " * 6, pdf.REGULAR, 10, 150)
    assert len(lines) > 1 and all(pdf.string_width(line, pdf.REGULAR, 10) <= 150 for line in lines)
    assert " ".join(lines).split() == (f"{MIXED_NAME} " * 6).split()
    long_word = pdf.split_lines("x" * 200, pdf.REGULAR, 10, 50)
    assert "".join(long_word) == "x" * 200 and all(pdf.string_width(p, pdf.REGULAR, 10) <= 50 for p in long_word)


def test_a_canvas_never_writes_helvetica() -> None:
    buffer = io.BytesIO()
    canvas = pdf.DocumentCanvas(buffer, pageCompression=0)
    canvas.setFont("Helvetica-Bold", 14)  # old code asking for Helvetica gets Noto Sans
    canvas.drawString(40, 800, "IZIN USAHA MIKRO")
    canvas.setFont("Helvetica", 10)
    canvas.drawCentredString(300, 780, MIXED_NAME)
    canvas.drawRightString(550, 760, f"Rp10.000 {JAVANESE}")
    canvas.showPage()
    canvas.save()
    body = buffer.getvalue()
    assert_prints(body, "IZIN USAHA MIKRO", MIXED_NAME, f"Rp10.000 {JAVANESE}")
    assert set(assert_fonts_embedded(body)) == {"NotoSans-Bold", "NotoSans-Regular", "NotoSansJavanese-Regular"}


def test_paragraph_markup_is_escaped() -> None:
    assert pdf.markup("<b>A & B</b>") == "&lt;b&gt;A &amp; B&lt;/b&gt;"
    assert pdf.markup(f"x {JAVANESE}") == f'x <font name="{pdf.JAVANESE}">{JAVANESE}</font>'


def test_statement_pdf_prints_any_name() -> None:
    from apps.payments.exports import statement_pdf

    account = SimpleNamespace(name=MIXED_NAME, balance=12_500, get_kind_display=lambda: "Dompet")
    rows = [["2026-12-01 10:00", "Transfer", f"Dari {MIXED_NAME} <b>", "TRX-1", "", "12500", "12500"]]
    headers = ["Waktu", "Jenis", "Keterangan", "Referensi", "Keluar", "Masuk", "Saldo"]
    body = statement_pdf(cast(Any, account), headers, rows, tenant_name=f"Kelurahan {JAVANESE}")
    assert_prints(body, MIXED_NAME, f"Dari {MIXED_NAME} <b>", f"Kelurahan {JAVANESE}")


def test_kas_report_pdf_prints_any_name() -> None:
    from apps.community.exports import report_pdf
    from apps.community.selectors import MonthlyReport

    def entry(description: str, category: str, amount: int) -> Any:
        return SimpleNamespace(
            occurred_on=datetime.date(2026, 11, 5),
            description=description,
            get_category_display=lambda: category,
            receipt=None,
            amount=amount,
        )

    report = MonthlyReport(
        book=cast(Any, SimpleNamespace(rt=f"RT 03 {JAVANESE}")),
        month=datetime.date(2026, 11, 1),
        opening=100_000,
        income_by_category=[cast(Any, SimpleNamespace(label=f"Iuran {JAVANESE}", total=50_000))],
        incomes=[entry(f"Sumbangan {MIXED_NAME}", "Sumbangan", 50_000)],
        expenses=[entry(f"Lampu gang {JAVANESE}", "Perawatan", 20_000)],
        iuran_total=50_000,
        iuran_paid_names=[MIXED_NAME, "Bu Sri"],
        households=10,
        closing_cash=80_000,
        closing_digital=50_000,
    )
    body = report_pdf(report, tenant_name=f"Kelurahan {JAVANESE}")
    assert_prints(body, f"RT 03 {JAVANESE}", f"Sumbangan {MIXED_NAME}", f"Lampu gang {JAVANESE}", MIXED_NAME)
    assert f"Iuran{JAVANESE}" in text_of(body)  # a plain table cell, drawn by the canvas in runs


def test_dashboard_report_pdf_prints_any_name() -> None:
    from apps.analytics.dashboards import INDICATORS
    from apps.analytics.exports import to_pdf
    from apps.analytics.selectors import Period

    data = {
        "kpis": [{"group": "UMKM", "label": "UMKM aktif", "text": "12", "value": 12.0}],
        "rows": [{"name": f"Kelurahan {JAVANESE}", "code": "3577031001", "values": {i.key: 1 for i in INDICATORS}}],
        "series": {},
        "bucket": "hari",
    }
    period = Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    body = to_pdf(f"Kota {MIXED_NAME}", period, data)
    assert_prints(body, f"Kota {MIXED_NAME}", f"Kelurahan {JAVANESE}")


def test_every_pdf_builder_uses_the_shared_fonts() -> None:
    """A new builder that imports reportlab must draw through apps.core.pdf, never Helvetica."""
    apps_dir = Path(pdf.__file__).resolve().parents[2]
    builders = []
    for path in sorted(apps_dir.rglob("*.py")):
        text = path.read_text()
        if "reportlab" not in text or path.is_relative_to(pdf.FONT_DIR.parent):
            continue
        builders.append(path.relative_to(apps_dir).as_posix())
        assert "apps.core.pdf" in text, path
        for banned in ("Helvetica", "canvas.Canvas(", "getSampleStyleSheet", "simpleSplit"):
            assert banned not in text, (path, banned)
        if "doc.build(" in text:
            assert "canvasmaker=DocumentCanvas" in text, path
    assert {"permits/certificate.py", "procurement/pdf.py", "billing/pdf.py", "payments/exports.py"} <= set(builders)
    assert {"community/exports.py", "analytics/exports.py"} <= set(builders)
