"""Server-rendered SVG charts (no JavaScript, no CDN): a line/area chart and horizontal bars."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT, PAD = 600, 180, 28


def _short(value: float) -> str:
    for size, suffix in ((1e9, "M"), (1e6, "jt"), (1e3, "rb")):
        if abs(value) >= size:
            return f"{value / size:.1f}".replace(".", ",").removesuffix(",0") + suffix
    return f"{value:.0f}"


def line_chart(points: Sequence[tuple[str, int]], title: str, colour: str = "#1565c0") -> SafeString:
    """An area chart of (label, value) points; an empty series says so instead of drawing."""
    if not points:
        return format_html('<p class="chart-empty">{}</p>', _("belum ada data"))
    top = max(v for _l, v in points) or 1
    n = len(points)
    step = (WIDTH - 2 * PAD) / max(n - 1, 1)
    xy = [(PAD + i * step, HEIGHT - PAD - (v / top) * (HEIGHT - 2 * PAD)) for i, (_l, v) in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    area = f"{PAD:.1f},{HEIGHT - PAD:.1f} {line} {xy[-1][0]:.1f},{HEIGHT - PAD:.1f}"
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5"><title>{escape(label)}: {value:,}</title></circle>'
        for (x, y), (label, value) in zip(xy, points, strict=True)
    )
    svg = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>'
        f'<text x="{PAD}" y="{PAD - 8}" font-size="12" fill="#555">{escape(_short(top))}</text>'
        f'<polygon points="{area}" fill="{colour}" fill-opacity="0.15"/>'
        f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>'
        f'<g fill="{colour}">{dots}</g>'
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11" fill="#555">{escape(points[0][0])}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" fill="#555" text-anchor="end">'
        f"{escape(points[-1][0])}</text></svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every interpolated text is escaped above, the rest are numbers


def bar_chart(rows: Sequence[tuple[str, int]], title: str, colour: str = "#2e7d32", limit: int = 10) -> SafeString:
    """Horizontal bars of (label, value), largest first."""
    rows = list(rows)[:limit]
    if not rows:
        return format_html('<p class="chart-empty">{}</p>', _("belum ada data"))
    top = max(v for _l, v in rows) or 1
    bar_h, label_w = 22, 170
    height = bar_h * len(rows) + 8
    parts = []
    for i, (label, value) in enumerate(rows):
        y = 4 + i * bar_h
        w = max((value / top) * (WIDTH - label_w - 70), 1)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" font-size="12" text-anchor="end">{escape(label[:28])}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" fill="{colour}">'
            f"<title>{escape(label)}: {value:,}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="12">{escape(_short(value))}</text>'
        )
    svg = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(parts)}</svg>'
    )
    return mark_safe(svg)  # noqa: S308 - escaped labels, numeric geometry
