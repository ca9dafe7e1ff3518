"""Small charts drawn as inline SVG on the server: no chart library, nothing to download."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from geo_industry.i18n import translate
from geo_industry.maps.format import number
from geo_industry.maps.series import Observation

_COMPUTED_STYLE = ' fill-opacity="0.5" stroke="#333" stroke-width="1" stroke-dasharray="2 1"'
BASIS_COLORS = {"actual": "#2b8cbe", "preliminary": "#74a9cf", "estimate": "#a6bddb", "target": "#fdae6b"}


@dataclass(frozen=True)
class Bar:
    """One bar: a year, a basis (actual, target, …) and a value."""

    year: int
    basis: str
    value: float
    computed: bool = False
    """A figure computed from printed ones (outlined and labelled), not printed by the source."""


def bars_from(observations: Sequence[Observation]) -> list[Bar]:
    """Bars for a yearly series of observations."""
    return [Bar(o.year, o.basis or "actual", o.value, bool(o.derivation)) for o in observations]


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round axis ticks from 0 up to at least ``top`` (steps of 1, 2 or 5 × 10ⁿ).

    >>> nice_ticks(47_244)
    [0, 10000, 20000, 30000, 40000, 50000]
    """
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def bar_chart_svg(
    bars: Sequence[Bar], *, lang: str, width: int = 280, height: int = 110, title: str = "", unit: str = ""
) -> str:
    """A grouped bar chart with axes: one group per year, one bar per basis, a legend of bases.

    The y axis has round ticks and states ``unit``; every year from the first to the last is
    labelled (a year without a figure is an empty slot, not skipped); each basis (actual,
    preliminary, estimate, target) has its own colour and legend entry and bars of different
    bases are never stacked or joined; computed figures are outlined, with their own legend
    entry. Returns an empty string when there are no bars.
    """
    if not bars:
        return ""
    years = list(range(min(b.year for b in bars), max(b.year for b in bars) + 1))
    bases = [b for b in BASIS_COLORS if any(bar.basis == b for bar in bars)]
    bases += sorted({b.basis for b in bars} - set(bases))
    ticks = nice_ticks(max(b.value for b in bars))
    top = ticks[-1]
    tick_labels = [number(t, lang) for t in ticks]
    left = 8 + 5 * max(len(t) for t in tick_labels)
    head = (14 if title else 2) + (18 if unit else 6)
    plot_w = width - left - 6
    plot_h = max(height - 44, 50)
    group_w = plot_w / len(years)
    upright = group_w < 24
    years_h = 26 if upright else 12
    legend = [(BASIS_COLORS.get(b, "#999"), "", translate("basis." + b, lang), b) for b in bases]
    if any(bar.computed for bar in bars):
        legend.append(("#fff", _COMPUTED_STYLE, translate("stats.computed_legend", lang), "computed"))
    per_row = max(int(plot_w // 120), 1)
    legend_h = 12 * math.ceil(len(legend) / per_row)
    total_h = head + plot_h + years_h + legend_h + 6
    bar_w = max(min(group_w / len(bases) - 1, 22), 1.5)
    base_y = head + plot_h
    parts = [
        f'<svg class="gi-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total_h}" '
        f'viewBox="0 0 {width} {total_h}" role="img" aria-label="{escape(title)}">'
    ]
    if title:
        parts.append(f'<text x="4" y="11" font-size="10" font-weight="bold">{escape(title)}</text>')
    if unit:
        parts.append(f'<text class="gi-axis-unit" x="4" y="{head - 9}" font-size="9">{escape(unit)}</text>')
    parts.append('<g class="gi-axis-y" font-size="8" text-anchor="end">')
    for value, label in zip(ticks, tick_labels, strict=True):
        y = base_y - plot_h * value / top
        parts.append(
            f'<line x1="{left - 3}" y1="{y:.1f}" x2="{width - 6}" y2="{y:.1f}" stroke="#ddd" stroke-width="0.6"/>'
            f'<text class="gi-tick" x="{left - 5}" y="{y + 3:.1f}">{escape(label)}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{head}" x2="{left}" y2="{base_y}" stroke="#555"/></g>'
        f'<line class="gi-axis-x" x1="{left}" y1="{base_y}" x2="{width - 6}" y2="{base_y}" stroke="#555"/>'
    )
    for bar in bars:
        gi, bi = years.index(bar.year), bases.index(bar.basis)
        h = max(plot_h * bar.value / top, 0.5)
        x = left + gi * group_w + (group_w - len(bases) * (bar_w + 1)) / 2 + bi * (bar_w + 1)
        label = f"{bar.year} {translate('basis.' + bar.basis, lang)}: {number(bar.value, lang)} {unit}".strip()
        if bar.computed:
            label += f" ({translate('stats.computed', lang)})"
        parts.append(
            f'<rect class="gi-bar{" gi-computed" if bar.computed else ""}" data-year="{bar.year}" '
            f'data-basis="{escape(bar.basis)}" x="{x:.1f}" y="{base_y - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'fill="{BASIS_COLORS.get(bar.basis, "#999")}"{_COMPUTED_STYLE if bar.computed else ""}>'
            f"<title>{escape(label)}</title></rect>"
        )
    for i, year in enumerate(years):
        x = left + (i + 0.5) * group_w
        if upright:
            parts.append(f'<text class="gi-year-label" data-year="{year}" font-size="8" text-anchor="end" '
                         f'transform="translate({x + 3:.1f},{base_y + 3}) rotate(-90)">{year}</text>')
        else:
            parts.append(f'<text class="gi-year-label" data-year="{year}" x="{x:.1f}" y="{base_y + 10}" '
                         f'font-size="8" text-anchor="middle">{year}</text>')
    cell_w = plot_w / per_row
    for i, (color, style, text, key) in enumerate(legend):
        x = left + (i % per_row) * cell_w
        y = base_y + years_h + 12 * (i // per_row) + 8
        parts.append(
            f'<g class="gi-legend-entry{" gi-computed-legend" if key == "computed" else ""}" data-basis="{key}">'
            f'<rect x="{x:.0f}" y="{y - 7}" width="8" height="8" fill="{color}"{style}/>'
            f'<text x="{x + 11:.0f}" y="{y}" font-size="9">{escape(text)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
