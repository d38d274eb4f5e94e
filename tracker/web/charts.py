"""Charts drawn on the server as SVG: no script (the CSP forbids inline script), legible in black and
white (series told apart by solid and dashed lines and by labels, not by colour alone). Each chart
is shown beside a table of the same numbers."""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup, escape

INK, GREY, LIGHT = "#1f2937", "#6b7280", "#d1d5db"


def _num(value) -> str:
    return f"{value:,.1f}" if isinstance(value, (Decimal, float)) else str(value)


def bars(
    items: list[tuple[str, Decimal | float | None]], *, title: str, unit: str = "", reference=None, width: int = 560
) -> Markup:
    """Horizontal bars, one per (label, value); `reference` (label, value) draws a dashed line (序时进度)."""
    row, label_width, top = 22, 150, 8
    values = [v for _l, v in items if v is not None] + ([reference[1]] if reference else [])
    scale_max = max([float(v) for v in values] + [1.0])
    plot = width - label_width - 70
    height = top + row * len(items) + 24
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(items):
        y = top + index * row
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" font-size="12" fill="{INK}">'
            f"{escape(label[:14])}</text>"
        )
        if value is None:
            parts.append(f'<text x="{label_width + 4}" y="{y + 15}" font-size="12" fill="{GREY}">无数据</text>')
            continue
        length = max(float(value), 0) / scale_max * plot
        parts.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="14" fill="{GREY}" '
            f'stroke="{INK}" stroke-width="0.5"/>'
        )
        parts.append(
            f'<text x="{label_width + length + 4:.1f}" y="{y + 15}" font-size="12" fill="{INK}">'
            f"{_num(value)}{escape(unit)}</text>"
        )
    if reference is not None:
        x = label_width + float(reference[1]) / scale_max * plot
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 20}" stroke="{INK}" '
            f'stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" font-size="11" fill="{INK}">'
            f"{escape(reference[0])} {_num(reference[1])}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def lines(
    labels: list[str],
    series: list[tuple[str, list[Decimal | None], bool]],
    *,
    title: str,
    unit: str = "",
    width: int = 560,
    height: int = 240,
) -> Markup:
    """Lines over the same x labels; each series is (name, values, dashed). A None value breaks the line."""
    left, right, top, bottom = 56, 16, 12, 44
    values = [float(v) for _n, vs, _d in series for v in vs if v is not None]
    scale_max = max(values + [1.0]) * 1.1
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)

    def point(index: int, value) -> tuple[float, float]:
        return left + index * step, top + plot_h - float(value) / scale_max * plot_h

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{INK}"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{INK}"/>',
    ]
    for tick in range(0, 5):
        value = scale_max / 1.1 * tick / 4
        y = top + plot_h - value / scale_max * plot_h
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{LIGHT}"/>')
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="{GREY}">{value:,.0f}</text>'
        )
    for index, label in enumerate(labels):
        x = left + index * step
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle" font-size="10" fill="{INK}">'
            f"{escape(label)}</text>"
        )
    for number, (name, values_, dashed) in enumerate(series):
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        segment: list[str] = []
        for index, value in enumerate(values_ + [None]):
            if value is None:
                if len(segment) > 1:
                    parts.append(
                        f'<polyline fill="none" stroke="{INK}" stroke-width="2"{dash} points="{" ".join(segment)}"/>'
                    )
                elif segment:
                    x, y = segment[0].split(",")
                    parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{INK}"/>')
                segment = []
                continue
            x, y = point(index, value)
            segment.append(f"{x:.1f},{y:.1f}")
        legend_y = height - 12
        legend_x = left + number * 200
        parts.append(
            f'<line x1="{legend_x}" y1="{legend_y - 4}" x2="{legend_x + 24}" y2="{legend_y - 4}" '
            f'stroke="{INK}" stroke-width="2"{dash}/>'
        )
        parts.append(
            f'<text x="{legend_x + 30}" y="{legend_y}" font-size="11" fill="{INK}">{escape(name)}'
            f"{'（' + escape(unit) + '）' if unit else ''}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
