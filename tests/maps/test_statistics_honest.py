"""Honest, readable statistics, each rule checked on the project's real data.

Charts have axes, a unit and every year labelled; actual, estimate, target and computed
figures are told apart in the legend and never share a bar series; "latest" is the latest
full-year figure and a part-year figure says so; a summed total that differs from a
published one explains why; plants not drawn are counted; plant colours are readable.
"""

from __future__ import annotations

import json
import re

import pytest

from geo_industry.i18n import LANGUAGES, translate
from geo_industry.maps.base import PageContext
from geo_industry.maps.charts import BASIS_COLORS, nice_ticks
from geo_industry.maps.energy import capacity_summary
from geo_industry.maps.format import number
from geo_industry.maps.pages import render
from geo_industry.maps.production import series_charts
from geo_industry.maps.series import latest
from geo_industry.maps.styles import GWH_STYLES, installed_mw


@pytest.fixture(scope="module")
def pages(map_data):
    """The statistics and energy pages in each language, built once."""
    return {(page, lang): render(page, map_data, PageContext(lang=lang))
            for page in ("statistics", "energy") for lang in ("en", "vi")}


def _figures(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<figure class="gi-pv" data-series="([^"]+)".*?(<svg class="gi-chart".*?</svg>)', html, re.S)


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_every_production_chart_has_axes_a_unit_and_every_year_labelled(pages, map_data, lang):
    charts = {c.key: c for c in series_charts(map_data.statistics)}
    figures = _figures(pages[("statistics", lang)])
    assert figures and {key for key, _ in figures} <= set(charts)
    for key, svg in figures:
        chart = charts[key]
        years = [p.year for s in chart.series for p in s.points]
        assert 'class="gi-axis-y"' in svg and 'class="gi-axis-x"' in svg, key
        assert svg.count('class="gi-tick"') >= 2, key
        assert re.search(r'class="gi-axis-unit"[^>]*>[^<]+<', svg), key
        labelled = {int(y) for y in re.findall(r'class="gi-year-label" data-year="(\d+)"', svg)}
        assert labelled == set(range(min(years), max(years) + 1)), key


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_each_basis_has_its_own_colour_and_legend_entry_and_computed_bars_are_told_apart(pages, lang):
    assert len(set(BASIS_COLORS.values())) == len(BASIS_COLORS)
    for key, svg in _figures(pages[("statistics", lang)]):
        bars = re.findall(r'<rect class="gi-bar( gi-computed)?" data-year="\d+" data-basis="(\w+)"[^>]*fill="([^"]+)"',
                          svg)
        legend = set(re.findall(r'class="gi-legend-entry[^"]*" data-basis="(\w+)"', svg))
        for _computed, basis, fill in bars:
            assert fill == BASIS_COLORS[basis], key  # never one series for two bases
            assert basis in legend, key
        assert ("computed" in legend) == any(c for c, _, _ in bars), key
        for basis in legend - {"computed"}:
            assert translate("basis." + basis, lang) in svg


def test_axis_ticks_are_round_and_cover_the_largest_value():
    assert nice_ticks(47_244) == [0, 10_000, 20_000, 30_000, 40_000, 50_000]
    assert nice_ticks(1.5)[-1] >= 1.5 and nice_ticks(0) == [0.0, 1.0]


def test_latest_is_the_latest_full_year_output_figure_and_part_year_only_without_one(map_data):
    stats = map_data.statistics
    stats = stats[stats["variant"].fillna(0).astype(int) == 0].dropna(subset=["value", "year"])
    checked = 0
    for entity in stats["entity"].unique():
        for obs in latest(stats, entity):
            rows = stats[(stats["entity"] == entity) & (stats["indicator"] == obs.indicator)]
            output = rows[rows["basis"].ne("target")]
            full = output[output["period"].fillna("FY").eq("FY")]
            if not full.empty:
                assert obs.is_full_year and obs.basis != "target" and obs.year == int(full["year"].max()), entity
                checked += 1
            elif not output.empty:
                assert obs.basis != "target", (entity, obs.indicator)
    assert checked > 20


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_site_outputs_mark_every_part_year_figure(pages, lang):
    table = pages[("statistics", lang)].split('class="gi-table gi-site-outputs"')[1].split("</table>")[0]
    rows = re.findall(r"<tr data-entity=.*?</tr>", table)
    assert rows
    mark = translate("stats.part_year", lang)
    for row in rows:
        when = re.findall(r"<td>(\d{4})( [^<]*)?(?:<span|</td>)", row)[-1]
        part = 'class="gi-part-year"' in row
        assert part == bool(when[1].strip()), row
        if part:
            assert mark in row


def test_capacity_summary_adds_the_plant_records_and_lists_the_published_totals(map_data):
    plants = [dict(r) for _, r in map_data.layer("hydropower_plants").iterrows()]
    summary = capacity_summary(plants, map_data.statistics)
    known = [installed_mw(p) for p in plants if installed_mw(p) is not None]
    assert summary.total.plants == len(plants) and summary.total.known == len(known)
    assert summary.total.mw == pytest.approx(sum(known))
    assert sum(c.mw for c in summary.by_status.values()) == pytest.approx(summary.total.mw)
    assert summary.unlocated.plants == int(map_data.layer("hydropower_plants").geometry.isna().sum()) > 0
    merged = [v for e, y, _, v, _ in summary.published if e == "admin:15:2025-07-01" and y == 2025]
    assert merged and merged[0] != pytest.approx(summary.total.mw)  # two totals that differ ...


@pytest.mark.parametrize("page", ["statistics", "energy"])
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_both_pages_explain_why_the_summed_and_published_mw_differ(pages, map_data, page, lang):
    html = pages[(page, lang)]
    plants = [dict(r) for _, r in map_data.layer("hydropower_plants").iterrows()]
    summary = capacity_summary(plants, map_data.statistics)
    panels = [json.loads(s) for s in re.findall(r'innerHTML = ("(?:[^"\\]|\\.)*")', html)]
    html = next((p for p in panels if "gi-capacity-note" in p), html)  # the energy page's panel is script data
    note = html.split('class="gi-capacity-note"')[1].split("</ul>")[0]
    assert number(summary.total.mw, lang) in note  # ... are both shown, with why they differ
    assert f"{summary.total.known}/{summary.total.plants}" in note or f"{summary.total.known} " in note
    assert number(1768.85, lang) in note and translate("status.planned", lang) in note
    not_drawn = translate("energy.not_drawn", lang, count=summary.unlocated.plants,
                          mw=number(summary.unlocated.mw, lang))
    assert not_drawn in note


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plant_colours_stand_out_from_a_light_basemap(lang):
    """Every output class, 'output unknown' included, has at least 3:1 contrast on a light grey map."""
    for style in GWH_STYLES.values():
        ratio = (_luminance("#f2f2f2") + 0.05) / (_luminance(style.color) + 0.05)
        assert ratio >= 3, (style.key, style.color, ratio)
        assert translate(style.key, lang) != style.key


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_popup_says_when_its_latest_figure_covers_part_of_a_year(map_data, lang):
    from geo_industry.maps.popups import popup_html

    from .conftest import SMELTER

    row = dict(map_data.layer("processing_plants").set_index("id").loc[SMELTER])
    html = popup_html({**row, "id": SMELTER}, map_data, PageContext(lang=lang))
    assert f"2011 Jan-Nov, {translate('stats.part_year', lang)}" in html  # 7,600 t: January to November only
