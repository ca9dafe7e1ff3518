"""Statistics: the province's industrial production value over time and the sites' outputs."""

from __future__ import annotations

from html import escape
from typing import Any

import folium
import pandas as pd

from geo_industry.catalog import LAYER_IDS
from geo_industry.maps.base import PageContext, add_page_chrome, frame_geojson, lang_urls, new_map
from geo_industry.maps.charts import Bar, bar_chart_svg
from geo_industry.maps.choropleth import (
    NO_DATA_COLOR,
    BoundaryMatch,
    choropleth_options,
    default_option,
    match_boundary,
    option_json,
)
from geo_industry.maps.controls import ChoroplethControl, Panel
from geo_industry.maps.data import MapData
from geo_industry.maps.format import indicator_label, quantity
from geo_industry.maps.popups import names
from geo_industry.maps.series import latest

PRODUCTION_VALUE = "industrial_production_value"


def production_value(statistics: pd.DataFrame) -> dict[str, list[Bar]]:
    """Full-year industrial production value of admin units, bars by year and basis, per price basis."""
    if statistics.empty:
        return {}
    rows = statistics[
        (statistics["indicator"] == PRODUCTION_VALUE) & statistics["entity"].astype(str).str.startswith("admin:")
    ]
    rows = rows[rows["period"].fillna("FY").eq("FY")].dropna(subset=["value"])
    result: dict[str, list[Bar]] = {}
    for price_basis, group in rows.groupby(rows["price_basis"].fillna("unknown")):
        summed = group.groupby(["year", "basis"])["value"].sum()
        result[str(price_basis)] = [Bar(int(y), str(b), float(v)) for (y, b), v in summed.items()]
    return result


def _site_index(data: MapData) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): dict(r) for layer in LAYER_IDS for _, r in data.layer(layer).iterrows()}


def site_outputs_table(data: MapData, ctx: PageContext) -> str:
    """A table of each site's latest value of each indicator."""
    sites = _site_index(data)
    body = []
    for entity, row in sorted(sites.items(), key=lambda kv: names(kv[1], ctx.lang)[0]):
        for obs in latest(data.statistics, entity):
            body.append(
                f'<tr data-entity="{escape(entity)}"><td>{escape(names(row, ctx.lang)[0])}</td>'
                f"<td>{escape(indicator_label(obs.indicator, ctx.lang))}</td>"
                f"<td>{escape(quantity(obs.value, obs.unit, ctx.lang))}</td><td>{obs.year}</td>"
                f"<td>{escape(ctx.t('basis.' + obs.basis))}</td>"
                f'<td><a href="{escape(obs.source)}" target="_blank" rel="noopener">↗</a></td></tr>'
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
    minx, miny, maxx, maxy = matched.total_bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])
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


def build_statistics_map(data: MapData, ctx: PageContext) -> folium.Map:
    """Build the statistics page: a choropleth of the admin units of the configured boundary
    layer (indicator and year selectable), the production value chart, and the sites' outputs."""
    m = new_map(data, ctx, minimap=False)
    title = ctx.t("nav.statistics")
    add_page_chrome(m, ctx, page="statistics", title=title, lang_url=lang_urls(ctx, "statistics"), panel=True)
    bars = production_value(data.statistics)
    note_text = _choropleth(m, data, ctx)
    charts = "".join(
        f'<figure class="gi-pv" data-price-basis="{escape(pb)}">'
        + bar_chart_svg(
            series,
            lang=ctx.lang,
            width=520,
            height=180,
            title=f"{ctx.t('stats.production_value')} ({ctx.t('unit.bn_vnd')})",
        )
        + f"<figcaption>{escape(ctx.t('stats.price_basis', basis=ctx.t('price_basis.' + pb)))}</figcaption></figure>"
        for pb, series in bars.items()
    )
    note = f'<p class="gi-choropleth-note">{escape(note_text)}</p>' if note_text else ""
    Panel(
        f'<section class="gi-panel"><h2>{escape(ctx.t("stats.production_value"))}</h2>{charts}{note}'
        f"<h2>{escape(ctx.t('stats.site_outputs'))}</h2>{site_outputs_table(data, ctx)}</section>"
    ).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m
