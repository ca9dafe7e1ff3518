"""Statistics: the province's industrial production value over time and the sites' outputs."""

from __future__ import annotations

from html import escape
from typing import Any

import folium
import pandas as pd

from geo_industry.catalog import LAYER_IDS
from geo_industry.maps.base import PageContext, add_page_chrome, fit_at_once, frame_geojson, lang_urls, new_map
from geo_industry.maps.charts import bar_chart_svg
from geo_industry.maps.choropleth import (
    NO_DATA_COLOR,
    BoundaryMatch,
    choropleth_options,
    default_option,
    match_boundary,
    option_json,
)
from geo_industry.maps.controls import ChoroplethControl, Panel, Script
from geo_industry.maps.data import MapData
from geo_industry.maps.energy import capacity_note_html, capacity_summary
from geo_industry.maps.format import computed_label, entity_name, indicator_label, number, quantity, unit
from geo_industry.maps.popups import names
from geo_industry.maps.production import PRODUCTION_VALUE, SeriesChart, default_chart, series_charts
from geo_industry.maps.series import Observation, latest
from geo_industry.web_safety import safe_href


def production_value(statistics: pd.DataFrame) -> list[SeriesChart]:
    """The industrial production value as charts of separate series, never summed.

    One chart per entity (with its vintage), price basis and unit; in it one series per basis
    (actual, target, …) of full-year, variant-0 rows. Other sources' figures (``variant`` > 0)
    are carried along to be listed with their source.
    """
    return series_charts(statistics, PRODUCTION_VALUE)


def _source_link(url: str) -> str:
    href = safe_href(url)
    if href is None:
        return f' <span class="alt" title="{escape(url)}">[*]</span>' if url else ""
    return f' <a href="{escape(href)}" target="_blank" rel="noopener noreferrer">↗</a>'


def _values_table(chart: SeriesChart, ctx: PageContext) -> str:
    head = "".join(f"<th>{escape(ctx.t('basis.' + s.basis))}</th>" for s in chart.series)
    rows = []
    for year in sorted({p.year for s in chart.series for p in s.points}):
        cells = []
        for s in chart.series:
            point = next((p for p in s.points if p.year == year), None)
            cells.append(
                f'<td data-basis="{escape(s.basis)}">'
                + (escape(number(point.value, ctx.lang)) + _source_link(point.source)
                   + computed_label(point.derivation, ctx.lang) if point else "–")
                + "</td>"
            )
        rows.append(f'<tr data-year="{year}"><td>{year}</td>{"".join(cells)}</tr>')
    return (
        f'<table class="gi-table gi-pv-values"><tr><th>{escape(ctx.t("stats.year"))}</th>{head}</tr>'
        f"{''.join(rows)}</table>"
    )


def _others_list(chart: SeriesChart, ctx: PageContext) -> str:
    if not chart.others:
        return ""
    items = "".join(
        f'<li data-year="{o.year}" data-variant="{o.variant}">{o.year} {escape(ctx.t("basis." + o.basis))}: '
        f"{escape(quantity(o.value, o.unit, ctx.lang))}{_source_link(o.source)}"
        + computed_label(o.derivation, ctx.lang)
        + (f' <span class="alt">{escape(o.note)}</span>' if o.note else "")
        + "</li>"
        for o in chart.others
    )
    return (
        f'<details class="gi-pv-others"><summary>{escape(ctx.t("stats.other_figures"))}</summary>'
        f"<ul>{items}</ul></details>"
    )


def _production_figure(chart: SeriesChart, data: MapData, ctx: PageContext, *, shown: bool) -> str:
    name = entity_name(data.entities, chart.entity, ctx.lang)
    price = ctx.t("stats.price_basis", basis=ctx.t("price_basis." + chart.price_basis))
    svg = bar_chart_svg(chart.bars(), lang=ctx.lang, width=520, height=200, title=ctx.t("stats.production_value"),
                        unit=unit(chart.unit, ctx.lang))
    return (
        f'<figure class="gi-pv" data-series="{escape(chart.key)}" data-entity="{escape(chart.entity)}" '
        f'data-price-basis="{escape(chart.price_basis)}"{"" if shown else " hidden"}>'
        f'<figcaption><b>{escape(name)}</b> · <span class="gi-basis">{escape(price)}</span> · '
        f"{escape(ctx.t('stats.actual_vs_target'))}</figcaption>"
        f"{svg}{_values_table(chart, ctx)}{_others_list(chart, ctx)}</figure>"
    )


def production_section(data: MapData, ctx: PageContext) -> str:
    """The production value: a series picker and one figure per series (the default shown)."""
    charts = production_value(data.statistics)
    chosen = default_chart(charts)
    if chosen is None:
        return f'<p class="alt">{escape(ctx.t("popup.no_stats"))}</p>'
    options = "".join(
        f'<option value="{escape(c.key)}"{" selected" if c is chosen else ""}>'
        f"{escape(entity_name(data.entities, c.entity, ctx.lang))} · "
        f"{escape(ctx.t('price_basis.' + c.price_basis))}</option>"
        for c in charts
    )
    picker = (
        f'<label>{escape(ctx.t("stats.series"))} <select id="gi-pv-series" '
        f'aria-label="{escape(ctx.t("stats.series"))}">{options}</select></label>'
    )
    figures = "".join(_production_figure(c, data, ctx, shown=c is chosen) for c in charts)
    return f'<div class="gi-pv-section">{picker}{figures}</div>'


_PICKER_JS = """(function(){
  window.giShowSeries = function (key) {
    document.querySelectorAll("figure.gi-pv").forEach(function (f) { f.hidden = f.dataset.series !== key; });
    var sel = document.getElementById("gi-pv-series"); if (sel && sel.value !== key) { sel.value = key; }
  };
  var sel = document.getElementById("gi-pv-series");
  if (sel) { sel.addEventListener("change", function () { window.giShowSeries(sel.value); }); }
})();"""


def _price_note(obs: Observation, ctx: PageContext) -> str:
    if obs.price_basis in ("", "n/a") or obs.unit != "bn_vnd":
        return ""
    return f" ({escape(ctx.t('price_basis.' + obs.price_basis))})"


def _site_index(data: MapData) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): dict(r) for layer in LAYER_IDS for _, r in data.layer(layer).iterrows()}


def _when(obs: Observation, ctx: PageContext) -> str:
    """The year, and for a part-year figure a mark saying it covers only part of the year."""
    if obs.is_full_year:
        return str(obs.year)
    return (f'{obs.year} {escape(obs.period)} <span class="gi-part-year">'
            f'({escape(ctx.t("stats.part_year"))})</span>')


def site_outputs_table(data: MapData, ctx: PageContext) -> str:
    """A table of each site's latest full-year figure of each indicator (part-year ones marked)."""
    sites = _site_index(data)
    body = []
    for entity, row in sorted(sites.items(), key=lambda kv: names(kv[1], ctx.lang)[0]):
        for obs in latest(data.statistics, entity):
            body.append(
                f'<tr data-entity="{escape(entity)}"><td>{escape(names(row, ctx.lang)[0])}</td>'
                f"<td>{escape(indicator_label(obs.indicator, ctx.lang))}</td>"
                f"<td>{escape(quantity(obs.value, obs.unit, ctx.lang))}{_price_note(obs, ctx)}"
                f"{computed_label(obs.derivation, ctx.lang)}</td>"
                f"<td>{_when(obs, ctx)}</td>"
                f"<td>{escape(ctx.t('basis.' + obs.basis))}</td>"
                f"<td>{_source_link(obs.source)}</td></tr>"
            )
    head = "".join(
        f"<th>{escape(ctx.t(k))}</th>" for k in ("stats.site", "stats.indicator", "stats.value", "stats.year")
    )
    return f'<table class="gi-table gi-site-outputs"><tr>{head}<th></th><th></th></tr>{"".join(body)}</table>'


def _feature_names(frame: Any, match: BoundaryMatch) -> dict[str, str]:
    name_column = next((c for c in ("shapeName", "name_en", "name") if c in frame.columns), match.property)
    matched = frame[frame[match.property].astype(str).isin(match.features)]
    return {str(k): str(n) for k, n in zip(matched[match.property], matched[name_column], strict=True)}


def _choropleth(m: folium.Map, data: MapData, ctx: PageContext) -> str:
    """Draw the matched admin units coloured by the selected option; returns a note for the panel."""
    boundary = data.reference_of("boundary")
    if boundary is None:
        return ctx.t("stats.no_boundary")
    match = match_boundary(boundary.frame)
    options = choropleth_options(data.statistics, match) if match is not None else []
    chosen = default_option(options)
    if match is None or chosen is None:
        return ctx.t("choropleth.no_match")
    names = _feature_names(boundary.frame, match)
    matched = boundary.frame[boundary.frame[match.property].astype(str).isin(match.features)]
    geojson = frame_geojson(matched, (match.property,))
    layer = folium.GeoJson(
        geojson,
        name=ctx.t("layer.choropleth"),
        style_function=lambda _f: {"color": "#444", "weight": 1, "fillColor": NO_DATA_COLOR, "fillOpacity": 0.75},
    ).add_to(m)
    fit_at_once(m, tuple(matched.total_bounds))
    ChoroplethControl(
        layer=layer.get_name(),
        prop=match.property,
        options=[option_json(o, ctx.lang, ctx.t, names) for o in options],
        selected=chosen.key,
        labels={
            "indicators": {o.indicator: indicator_label(o.indicator, ctx.lang) for o in options},
            "indicator": ctx.t("choropleth.indicator"),
            "year": ctx.t("choropleth.year"),
            "no_data": ctx.t("choropleth.no_data"),
            "note": ctx.t("choropleth.actual_only", vintage=match.vintage),
        },
    ).add_to(m)
    return ""


def _capacity_section(data: MapData, ctx: PageContext) -> str:
    """Why the published installed hydropower MW differs from the sum of the plants' records."""
    plants = [dict(r) for _, r in data.layer("hydropower_plants").iterrows()]
    note = capacity_note_html(capacity_summary(plants, data.statistics), data, ctx)
    return f'<div class="gi-capacity-note">{note}</div>'


def build_statistics_map(data: MapData, ctx: PageContext) -> folium.Map:
    """Build the statistics page: a choropleth of the admin units of the configured boundary
    layer (indicator and year selectable), the production value chart, and the sites' outputs."""
    m = new_map(data, ctx, minimap=False)
    title = ctx.t("nav.statistics")
    add_page_chrome(m, ctx, page="statistics", title=title, lang_url=lang_urls(ctx, "statistics"), panel=True)
    note_text = _choropleth(m, data, ctx)
    note = f'<p class="gi-choropleth-note">{escape(note_text)}</p>' if note_text else ""
    Panel(
        f'<section class="gi-panel"><h2>{escape(ctx.t("stats.production_value"))}</h2>'
        f"{production_section(data, ctx)}{note}"
        f"<h2>{escape(ctx.t('energy.capacity_heading'))}</h2>{_capacity_section(data, ctx)}"
        f"<h2>{escape(ctx.t('stats.site_outputs'))}</h2>{site_outputs_table(data, ctx)}</section>"
    ).add_to(m)
    Script(_PICKER_JS).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m
