"""The monthly kas report as PDF (reportlab) and Excel (openpyxl), same content as the page."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.core.money import rupiah

from .models import month_label
from .selectors import MonthlyReport


def _title(report: MonthlyReport) -> str:
    return str(_("Laporan kas %(rt)s — %(month)s") % {"rt": report.book.rt, "month": month_label(report.month)})


def report_pdf(report: MonthlyReport, *, tenant_name: str = "", receipt_url: Any = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from apps.core.pdf import BOLD, REGULAR, DocumentCanvas, paragraph, styles

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=_title(report),
        author="KotaKita",
    )
    sheet = styles()
    small = sheet["BodyText"].clone("small", fontSize=8, leading=10)
    grid = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), REGULAR),
            ("FONTNAME", (0, 0), (-1, 0), BOLD),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
        ]
    )
    story: list[Any] = [paragraph(_title(report), sheet["Title"])]
    if tenant_name:
        story.append(paragraph(tenant_name, sheet["Normal"]))
    printed = date_format(timezone.localtime(), "DATETIME_FORMAT")
    story.append(Paragraph(_("Dicetak %(when)s") % {"when": printed}, small))
    story.append(Spacer(1, 5 * mm))

    summary = [
        [_("Saldo awal"), rupiah(report.opening)],
        [_("Pemasukan"), rupiah(report.income_total)],
        [_("Pengeluaran"), rupiah(report.expense_total)],
        [_("Saldo akhir"), rupiah(report.closing)],
        [_("  di tangan bendahara (tunai)"), rupiah(report.closing_cash)],
        [_("  di KotaKitaPay"), rupiah(report.closing_digital)],
    ]
    table = Table([[_("Ringkasan"), ""], *summary], colWidths=[110 * mm, 50 * mm])
    table.setStyle(grid)
    story += [table, Spacer(1, 5 * mm), Paragraph(_("Pemasukan per kategori"), sheet["Heading3"])]
    rows = [[_("Kategori"), _("Jumlah")]] + [[c.label, rupiah(c.total)] for c in report.income_by_category]
    if len(rows) == 1:
        rows.append([_("Tidak ada pemasukan."), ""])
    table = Table(rows, colWidths=[110 * mm, 50 * mm])
    table.setStyle(grid)
    story.append(table)

    story += [Spacer(1, 5 * mm), Paragraph(_("Pengeluaran"), sheet["Heading3"])]
    rows = [[_("Tanggal"), _("Keterangan"), _("Kategori"), _("Bukti"), _("Jumlah")]]
    for line in report.expenses:
        proof = _("ada") if line.receipt else _("tanpa bukti")
        if line.receipt and receipt_url is not None:
            proof = f'<link href="{escape(receipt_url(line))}" color="blue">{_("lihat")}</link>'
        rows.append(
            [
                line.occurred_on.isoformat(),
                paragraph(line.description, small),
                paragraph(line.get_category_display(), small),
                Paragraph(str(proof), small),
                rupiah(line.amount),
            ]
        )
    if len(rows) == 1:
        rows.append(["", _("Tidak ada pengeluaran."), "", "", ""])
    table = Table(rows, repeatRows=1, colWidths=[22 * mm, 70 * mm, 32 * mm, 18 * mm, 26 * mm])
    table.setStyle(grid)
    story.append(table)

    if report.incomes:
        story += [Spacer(1, 5 * mm), Paragraph(_("Pemasukan selain iuran"), sheet["Heading3"])]
        rows = [[_("Tanggal"), _("Keterangan"), _("Kategori"), _("Jumlah")]]
        rows += [
            [
                x.occurred_on.isoformat(),
                paragraph(x.description, small),
                x.get_category_display(),
                rupiah(x.amount),
            ]
            for x in report.incomes
        ]
        table = Table(rows, repeatRows=1, colWidths=[22 * mm, 90 * mm, 30 * mm, 26 * mm])
        table.setStyle(grid)
        story.append(table)

    story += [Spacer(1, 5 * mm), Paragraph(_("Iuran bulan ini"), sheet["Heading3"])]
    story.append(
        Paragraph(
            _("%(paid)s dari %(all)s rumah sudah membayar; iuran diterima bulan ini %(total)s.")
            % {"paid": len(report.iuran_paid_names), "all": report.households, "total": rupiah(report.iuran_total)},
            sheet["Normal"],
        )
    )
    if report.iuran_paid_names:
        story.append(paragraph(", ".join(report.iuran_paid_names), small))
    doc.build(story, canvasmaker=DocumentCanvas)
    return buffer.getvalue()


def report_xlsx(report: MonthlyReport, *, tenant_name: str = "") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    bold = Font(bold=True)
    sheet = book.active
    assert sheet is not None
    sheet.title = str(_("Ringkasan"))[:31]
    sheet.append([_title(report)])
    sheet["A1"].font = Font(bold=True, size=13)
    if tenant_name:
        sheet.append([tenant_name])
    sheet.append([])
    for label, value in (
        (_("Saldo awal"), report.opening),
        (_("Pemasukan"), report.income_total),
        (_("Pengeluaran"), report.expense_total),
        (_("Saldo akhir"), report.closing),
        (_("Di tangan bendahara (tunai)"), report.closing_cash),
        (_("Di KotaKitaPay"), report.closing_digital),
    ):
        sheet.append([str(label), value])
    sheet.append([])
    sheet.append([str(_("Pemasukan per kategori"))])
    sheet.cell(row=sheet.max_row, column=1).font = bold
    for category in report.income_by_category:
        sheet.append([category.label, category.total])
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 16
    for row in sheet.iter_rows(min_col=2, max_col=2):
        for cell in row:
            if isinstance(cell.value, int):
                cell.number_format = "#,##0"

    expenses = book.create_sheet(str(_("Pengeluaran"))[:31])
    expenses.append([str(_("Tanggal")), str(_("Keterangan")), str(_("Kategori")), str(_("Bukti")), str(_("Jumlah"))])
    for line in report.expenses:
        expenses.append(
            [
                line.occurred_on,
                line.description,
                line.get_category_display(),
                str(_("ada")) if line.receipt else str(_("tanpa bukti")),
                line.amount,
            ]
        )
    incomes = book.create_sheet(str(_("Pemasukan"))[:31])
    incomes.append([str(_("Tanggal")), str(_("Keterangan")), str(_("Kategori")), str(_("Jumlah"))])
    for line in report.incomes:
        incomes.append([line.occurred_on, line.description, line.get_category_display(), line.amount])
    iuran = book.create_sheet(str(_("Iuran"))[:31])
    iuran.append([str(_("Rumah yang sudah membayar iuran %(month)s") % {"month": month_label(report.month)})])
    for name in report.iuran_paid_names:
        iuran.append([name])
    iuran.append([])
    iuran.append([str(_("Belum membayar (jumlah rumah)")), report.iuran_unpaid_count])
    for ws in (expenses, incomes):
        for cell in ws[1]:
            cell.font = bold
        ws.column_dimensions["A"].width = 12
        ws.column_dimensions["B"].width = 45
        ws.column_dimensions["C"].width = 26
        for row in ws.iter_rows(min_row=2):
            row[0].number_format = "yyyy-mm-dd"
            row[-1].number_format = "#,##0"
    iuran.column_dimensions["A"].width = 45
    for ws in book.worksheets:  # text typed by people is text, never a formula ("=HYPERLINK(...)")
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
