"""Statement export as PDF (reportlab). CSV needs nothing beyond the standard library."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.money import rupiah

from .models import Account


def statement_pdf(account: Account, headers: list[str], rows: list[list[Any]], *, tenant_name: str = "") -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    from apps.core.pdf import BOLD, REGULAR, DocumentCanvas, paragraph, styles

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_("Mutasi %(name)s") % {"name": account.name},
        author="KotaKitaPay",
    )
    sheet = styles()
    small = sheet["BodyText"].clone("small", fontSize=8, leading=10)
    story: list[Any] = [
        paragraph(_("Mutasi rekening KotaKitaPay"), sheet["Title"]),
        paragraph(
            _("%(name)s · %(kind)s · saldo %(balance)s · dicetak %(when)s")
            % {
                "name": account.name,
                "kind": account.get_kind_display(),
                "balance": rupiah(account.balance),
                "when": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            },
            sheet["Normal"],
        ),
    ]
    if tenant_name:
        story.append(paragraph(tenant_name, sheet["Normal"]))
    story.append(Spacer(1, 6 * mm))

    def money(value: Any) -> str:
        return rupiah(int(value)) if value not in ("", None) else ""

    body = [[paragraph(str(h), small) for h in headers]]
    for when, kind, description, reference, out, into, balance in rows:
        body.append(
            [
                when,
                paragraph(str(kind), small),
                paragraph(str(description), small),
                paragraph(str(reference), small),
                money(out),
                money(into),
                money(balance),
            ]
        )
    if len(body) == 1:
        body.append(["", "", paragraph(_("Belum ada transaksi."), small), "", "", "", ""])
    table = Table(body, repeatRows=1, colWidths=[28 * mm, 28 * mm, 80 * mm, 50 * mm, 28 * mm, 28 * mm, 30 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("FONTNAME", (0, 0), (-1, 0), BOLD),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("ALIGN", (4, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    doc.build(story, canvasmaker=DocumentCanvas)
    return buffer.getvalue()
