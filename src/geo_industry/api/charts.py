"""A statistics chart drawn as inline SVG on the server (no chart library in the page)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

BASIS_COLOURS = {"actual": "#1f78b4", "preliminary": "#6baed6", "estimate": "#9ecae1", "target": "#e6550d"}


@dataclass(frozen=True)
class Point:
    """One value of a series in a year."""

    year: int
    value: float


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _label(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if abs(value) >= 1_000:
        return f"{value / 1_000:g}k"
    return f"{value:g}"


def series_svg(series: Mapping[str, Sequence[Point]], *, title: str, unit: str, width: int = 520,
               height: int = 220) -> str:
    """A line chart, one line per basis (actual, target, …), years on x, values from zero on y.

    Returns ``""`` when there is nothing to draw.
    """
    points = [p for values in series.values() for p in values if math.isfinite(p.value)]
    if not points:
        return ""
    years = sorted({p.year for p in points})
    low = min(0.0, min(p.value for p in points))
    top = _nice_max(max(p.value for p in points))
    left, right, head, foot = 52, 12, 24, 36
    plot_w, plot_h = width - left - right, height - head - foot

    def x(year: int) -> float:
        return left + (plot_w / 2 if len(years) == 1 else (year - years[0]) / (years[-1] - years[0]) * plot_w)

    def y(value: float) -> float:
        return head + plot_h - (value - low) / ((top - low) or 1.0) * plot_h

    parts = [f'<svg class="gi-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
             f'<text x="{left}" y="14" font-size="12" font-weight="bold">{escape(title)} ({escape(unit)})</text>']
    for fraction in (0, 0.5, 1):
        value = low + (top - low) * fraction
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                     f'stroke="#ddd"/><text x="{left - 4}" y="{y(value) + 4:.1f}" font-size="10" '
                     f'text-anchor="end">{_label(value)}</text>')
    for year in years:
        parts.append(f'<text x="{x(year):.1f}" y="{height - foot + 14}" font-size="10" '
                     f'text-anchor="middle">{year}</text>')
    for index, (basis, values) in enumerate(series.items()):
        colour = BASIS_COLOURS.get(basis, "#636363")
        ordered = sorted((p for p in values if math.isfinite(p.value)), key=lambda p: p.year)
        path = " ".join(f"{x(p.year):.1f},{y(p.value):.1f}" for p in ordered)
        dash = ' stroke-dasharray="5 3"' if basis != "actual" else ""
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for p in ordered:
            parts.append(f'<circle cx="{x(p.year):.1f}" cy="{y(p.value):.1f}" r="3" fill="{colour}">'
                         f'<title>{p.year}: {p.value:,.2f} {escape(unit)} ({escape(basis)})</title></circle>')
        parts.append(f'<text x="{left + index * 90}" y="{height - 6}" font-size="11" fill="{colour}">'
                     f'■ {escape(basis)}</text>')
    parts.append("</svg>")
    return "".join(parts)
