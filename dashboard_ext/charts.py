"""Server-rendered SVG charts for the console (no script, no CDN): bars and
a line, with escaped labels. Each returns markup safe to embed."""

from __future__ import annotations

from html import escape
from typing import List, Sequence, Tuple

from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#3b5bdb", "#0ca678", "#f08c00", "#ae3ec9", "#e03131", "#1098ad")


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:.1%}" if value <= 1 else f"{value:,.0f}"
    return f"{value:,}"


def horizontal_bars(
    title: str, rows: Sequence[Tuple[str, int, str]], width: int = 640
) -> SafeString:
    """One bar per (label, value, note) row, longest = full width."""
    row_height, label_width, top = 30, 150, 8
    height = top * 2 + row_height * max(1, len(rows))
    top_value = max([value for _, value, _ in rows] + [1])
    bar_room = width - label_width - 150
    parts: List[str] = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    if not rows:
        parts.append(
            f'<text x="10" y="{top + 18}" fill="#667085">No data in this period.</text>'
        )
    for index, (label, value, note) in enumerate(rows):
        y = top + index * row_height
        length = int(bar_room * value / top_value) if value else 0
        color = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 19}" text-anchor="end" '
            f'font-size="13">{escape(label)}</text>'
            f'<rect data-value="{value}" x="{label_width}" y="{y + 5}" '
            f'width="{max(length, 1)}" height="{row_height - 10}" rx="3" '
            f'fill="{color}"/>'
            f'<text x="{label_width + max(length, 1) + 6}" y="{y + 19}" '
            f'font-size="13">{_number(value)} {escape(note)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def columns(
    title: str, points: Sequence[Tuple[str, int]], width: int = 640, height: int = 220
) -> SafeString:
    """Vertical bars (a histogram), the first and last labels under them."""
    left, bottom, top = 40, 30, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    top_value = max([value for _, value in points] + [1])
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}" stroke="#98a2b3"/>',
        f'<text x="4" y="{top + 10}" font-size="11">{_number(top_value)}</text>',
    ]
    if not points:
        parts.append(
            f'<text x="{left + 10}" y="{top + 30}" fill="#667085">'
            "No data in this period.</text>"
        )
    step = plot_w / max(1, len(points))
    for index, (label, value) in enumerate(points):
        bar_h = plot_h * value / top_value
        x = left + index * step
        parts.append(
            f'<rect data-value="{value}" x="{x + 1:.1f}" '
            f'y="{top + plot_h - bar_h:.1f}" '
            f'width="{max(step - 2, 1):.1f}" height="{bar_h:.1f}" fill="#3b5bdb">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
    if points:
        parts.append(
            f'<text x="{left}" y="{height - 8}" font-size="11">'
            f"{escape(points[0][0])}</text>"
            f'<text x="{left + plot_w}" y="{height - 8}" font-size="11" '
            f'text-anchor="end">{escape(points[-1][0])}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def line(
    title: str,
    points: Sequence[Tuple[float, int, str]],
    width: int = 640,
    height: int = 220,
) -> SafeString:
    """A line through (x in 0..1, value, label) points, e.g. cumulative units
    sold across a sale's window."""
    left, bottom, top = 40, 30, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    top_value = max([value for _, value, _ in points] + [1])
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}" stroke="#98a2b3"/>',
        f'<text x="4" y="{top + 10}" font-size="11">{_number(top_value)}</text>',
    ]
    if not points:
        parts.append(
            f'<text x="{left + 10}" y="{top + 30}" fill="#667085">'
            "Nothing sold in this period.</text>"
        )
    else:
        coords = [
            (
                left + plot_w * min(max(x, 0.0), 1.0),
                top + plot_h - plot_h * value / top_value,
            )
            for x, value, _ in points
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in [(left, top + plot_h)] + coords)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="#0ca678" '
            'stroke-width="2.5"/>'
        )
        for (x, y), (_, value, label) in zip(coords, points):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#0ca678" '
                f'data-value="{value}"><title>{escape(label)}: {value}</title></circle>'
            )
        parts.append(
            f'<text x="{left}" y="{height - 8}" font-size="11">'
            f"{escape(points[0][2])}</text>"
            f'<text x="{left + plot_w}" y="{height - 8}" font-size="11" '
            f'text-anchor="end">{escape(points[-1][2])}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
