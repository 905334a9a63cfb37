"""A small server-rendered SVG chart: recent weekly sales (line) and the forecast (bars).

Only numbers and fixed attributes go into the markup; labels are escaped by format_html.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT, PAD = 320, 120, 18


def demand_chart(actual: Sequence[float], expected: Sequence[float], *, title: str) -> SafeString:
    n = len(actual) + len(expected)
    if n == 0:
        return SafeString("")
    top = max([*actual, *expected, 1.0])
    step = (WIDTH - 2 * PAD) / max(n, 1)

    def y(v: float) -> float:
        return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * (v / top), 1)

    points = " ".join(f"{round(PAD + step * (i + 0.5), 1)},{y(v)}" for i, v in enumerate(actual))
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" class="forecast-bar"><title>{}</title></rect>',
        (
            (
                round(PAD + step * (len(actual) + i) + step * 0.15, 1),
                y(v),
                round(step * 0.7, 1),
                round(HEIGHT - PAD - y(v), 1),
                f"{v:.1f}",
            )
            for i, v in enumerate(expected)
        ),
    )
    split = round(PAD + step * len(actual), 1)
    return format_html(
        '<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{title}" class="demand-chart">'
        "<title>{title}</title>"
        '<line x1="{pad}" y1="{base}" x2="{right}" y2="{base}" stroke="currentColor" stroke-opacity="0.3"/>'
        '<line x1="{split}" y1="{pad}" x2="{split}" y2="{base}" stroke="currentColor" stroke-dasharray="3 3" '
        'stroke-opacity="0.4"/>'
        '<polyline points="{points}" fill="none" stroke="currentColor" stroke-width="2"/>'
        '<g fill="#2a9d8f" fill-opacity="0.7">{bars}</g>'
        '<text x="{pad}" y="12" font-size="10">{top}</text>'
        "</svg>",
        w=WIDTH,
        h=HEIGHT,
        title=title,
        pad=PAD,
        base=HEIGHT - PAD,
        right=WIDTH - PAD,
        split=split,
        points=points,
        bars=bars,
        top=f"{top:.0f}",
    )
