"""The dashboard as a report: CSV, xlsx (openpyxl) and PDF (reportlab), from the same cached data."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from apps.core.pdf import BOLD, REGULAR, DocumentCanvas, paragraph, styles

from .dashboards import COMPARED, K_ANONYMITY, shown
from .indicator import Indicator
from .selectors import Period

Row = list[str | int | float | None]


def sections(title: str, period: Period, data: dict[str, Any]) -> Iterator[tuple[str, list[str], list[Row]]]:
    """(section title, header, rows) of the report, shared by the three formats."""
    yield (
        title,
        [_("Kelompok"), _("Indikator"), _("Nilai"), _("Angka")],
        [
            [k["group"], k["label"], k["text"], None if k["value"] is None else round(k["value"], 2)]
            for k in data["kpis"]
        ],
    )
    if data.get("rows"):
        header = [_("Kelurahan"), _("Kode wilayah")] + [str(ind.label) for ind in COMPARED]
        yield (
            _('Perbandingan kelurahan (angka dari kurang dari %(k)s usaha atau warga ditulis "< %(k)s")')
            % {"k": K_ANONYMITY},
            header,
            [[r["name"], r["code"]] + [_comparison_cell(r, ind) for ind in COMPARED] for r in data["rows"]],
        )
    levies = data.get("levies")
    if levies and levies.get("has_data"):
        kpis = [[k["label"], k["text"]] for k in levies["kpis"]]
        yield _("Retribusi dan pajak daerah"), [_("Indikator"), _("Nilai")], kpis
        for rows_key, first, label in (
            ("kelurahan", _("Kelurahan"), _("Retribusi dan pajak per kelurahan")),
            ("levies", _("Kode"), _("Retribusi dan pajak per jenis")),
        ):
            yield (
                label + " " + _('(angka dari kurang dari %(k)s wajib bayar ditulis "< %(k)s")') % {"k": K_ANONYMITY},
                [first, *levies["columns"]],
                [[r["name"], *(c["text"] for c in r["cells"])] for r in levies[rows_key]],
            )
    for key, label in (
        ("reports_by_category", _("Laporan warga per kategori")),
        ("gmv_by_category", _("GMV per kategori produk (Rp)")),
        ("umkm_by_sector", _("UMKM aktif per sektor KBLI")),
        ("aid_by_program", _("Bansos tersalurkan per program (Rp)")),
        # Sembako Pintar and GoTukang (apps.analytics.community)
        ("sembako_by_payment", _("Pesanan sembako per cara bayar (Rp)")),
        ("tukang_by_skill", _("Pekerjaan tukang diminta per keahlian")),
        ("tukang_done_by_skill", _("Pekerjaan tukang selesai per keahlian")),
        ("tukang_by_channel", _("Pekerjaan tukang diminta per saluran")),
    ):
        if data.get(key):
            yield label, [_("Rincian"), _("Nilai")], [[dim, v] for dim, v in data[key]]
    yield from _cohorts(data)
    daily = data["series"]
    dates = sorted({d for points in daily.values() for d, _v in points})
    if dates:
        lookup = {m: dict(points) for m, points in daily.items()}
        metrics = list(daily)
        yield (
            _("Deret waktu (%(bucket)s)") % {"bucket": data["bucket"]},
            [_("Tanggal"), *metrics],
            [[d] + [lookup[m].get(d) for m in metrics] for d in dates],
        )


def _cohorts(data: dict[str, Any]) -> Iterator[tuple[str, list[str], list[Row]]]:
    """The retention cohorts (residents, then UMKM) as on the page: per first-active month, how
    many were active again in each following month; a cell of fewer than k is "< k"."""
    for title, cohort in data.get("cohorts", ()):
        if not cohort["has_data"]:
            continue
        months = [_("Bulan itu") if m == 0 else _("+%(n)s bln") % {"n": m} for m in cohort["months"]]
        yield (
            _("Retensi kohort: %(name)s") % {"name": title},
            [_("Pertama aktif"), *months],
            [
                [row["month"].strftime("%Y-%m")]
                + [f"< {K_ANONYMITY}" if cell["hidden"] else cell["n"] for cell in row["cells"]]
                + [None] * (len(months) - len(row["cells"]))  # later months have not happened yet
                for row in cohort["rows"]
            ],
        )


def _comparison_cell(row: dict[str, Any], ind: Indicator) -> str | int | float | None:
    """A kelurahan's figure in the exported comparison: "< k" when fewer than k shops or
    residents make it (the file leaves staff hands), else the number."""
    hidden = shown(row, ind)
    if hidden is not None:
        return hidden
    value = row["values"][ind.key]
    return None if value is None else round(value, 2)


def heading(tenant_name: str, period: Period) -> str:
    return _("Dasbor %(name)s, %(start)s s.d. %(end)s") % {
        "name": tenant_name,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }


def to_csv(tenant_name: str, period: Period, data: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([heading(tenant_name, period)])
    for title, header, rows in sections(_("Ringkasan"), period, data):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows(["" if c is None else c for c in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8


def to_xlsx(tenant_name: str, period: Period, data: dict[str, Any]) -> bytes:
    book = Workbook()
    first = True
    for title, header, rows in sections(_("Ringkasan"), period, data):
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31]
        sheet.append([heading(tenant_name, period)])
        sheet.append(header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(tenant_name: str, period: Period, data: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, title=heading(tenant_name, period)
    )
    sheet = styles()
    story: list[Any] = [paragraph(heading(tenant_name, period), sheet["Title"])]
    for title, header, rows in sections(_("Ringkasan"), period, data):
        if header[:2] == [_("Kelurahan"), _("Kode wilayah")]:  # the wide comparison: name plus a few indicators
            keep = [0] + [
                2 + i
                for i, ind in enumerate(COMPARED)
                if ind.key in ("umkm_active", "gmv", "reports_opened", "participation")
            ]
            header = [header[i] for i in keep]
            rows = [[row[i] for i in keep] for row in rows]
        story.append(Spacer(1, 4 * mm))
        story.append(paragraph(title, sheet["Heading3"]))
        body = [[paragraph(str(h), sheet["BodyText"]) for h in header]]
        body += [["" if c is None else str(c) for c in row] for row in rows[:400]]
        table = Table(body, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f0fe")),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                    ("FONTNAME", (0, 0), (-1, 0), BOLD),
                    ("FONTSIZE", (0, 1), (-1, -1), 8),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    doc.build(story, canvasmaker=DocumentCanvas)
    return out.getvalue()
