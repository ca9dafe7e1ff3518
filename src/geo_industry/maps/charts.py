"""Small charts drawn as inline SVG on the server: no chart library, nothing to download."""

from __future__ import annotations

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


def bar_chart_svg(bars: Sequence[Bar], *, lang: str, width: int = 280, height: int = 110, title: str = "") -> str:
    """A grouped bar chart (one group per year, one bar per basis) with a basis legend.

    Returns an empty string when there are no bars.
    """
    if not bars:
        return ""
    years = sorted({b.year for b in bars})
    bases = [b for b in BASIS_COLORS if any(bar.basis == b for bar in bars)]
    bases += sorted({b.basis for b in bars} - set(bases))
    top = max(b.value for b in bars) or 1.0
    left, bottom, head = 4, 16, 14 if title else 2
    plot_w, plot_h = width - left - 4, height - bottom - head - 12
    group_w = plot_w / len(years)
    bar_w = max(min(group_w / len(bases) - 1, 22), 1.5)
    parts = [
        f'<svg class="gi-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
    ]
    if title:
        parts.append(f'<text x="{left}" y="11" font-size="10" font-weight="bold">{escape(title)}</text>')
    for bar in bars:
        gi, bi = years.index(bar.year), bases.index(bar.basis)
        h = max(plot_h * bar.value / top, 0.5)
        x = left + gi * group_w + (group_w - len(bases) * (bar_w + 1)) / 2 + bi * (bar_w + 1)
        y = head + 12 + plot_h - h
        label = f"{bar.year} {translate('basis.' + bar.basis, lang)}: {number(bar.value, lang)}"
        if bar.computed:
            label += f" ({translate('stats.computed', lang)})"
        parts.append(
            f'<rect class="gi-bar{" gi-computed" if bar.computed else ""}" data-year="{bar.year}" '
            f'data-basis="{escape(bar.basis)}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'fill="{BASIS_COLORS.get(bar.basis, "#999")}"{_COMPUTED_STYLE if bar.computed else ""}>'
            f"<title>{escape(label)}</title></rect>"
        )
    parts.append(
        f'<text x="{width - 4}" y="{head + 10}" font-size="9" text-anchor="end">{escape(number(top, lang))}</text>'
    )
    base_y = height - 4
    parts.append(f'<text x="{left}" y="{base_y}" font-size="9">{years[0]}</text>')
    if len(years) > 1:
        parts.append(f'<text x="{width - 4}" y="{base_y}" font-size="9" text-anchor="end">{years[-1]}</text>')
    legend_x = width / 2 - 30 * len(bases)
    for i, basis in enumerate(bases):
        x = legend_x + i * 62
        parts.append(
            f'<rect x="{x:.0f}" y="{base_y - 7}" width="7" height="7" fill="{BASIS_COLORS.get(basis, "#999")}"/>'
            f'<text x="{x + 9:.0f}" y="{base_y}" font-size="9">{escape(translate("basis." + basis, lang))}</text>'
        )
    if any(bar.computed for bar in bars):
        parts.append(f'<text class="gi-computed-legend" x="{width - 4}" y="{head + 20}" font-size="8" '
                     f'text-anchor="end">{escape(translate("stats.computed_legend", lang))}</text>')
    parts.append("</svg>")
    return "".join(parts)
