"""Energy: hydropower plants sized by MW, coloured by annual GWh, grouped by river, totals by year."""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any

import folium
import pandas as pd

from geo_industry.maps.base import PageContext, add_page_chrome, lang_urls, new_map
from geo_industry.maps.charts import Bar, bar_chart_svg
from geo_industry.maps.controls import Legend, LegendSection, Script, SearchControl
from geo_industry.maps.data import MapData
from geo_industry.maps.format import entity_name, is_missing, number
from geo_industry.maps.layers import Symbol, add_site_layer, site_layer
from geo_industry.maps.markers import symbol_svg
from geo_industry.maps.series import first_variant
from geo_industry.maps.styles import GWH_STYLES, gwh_class, installed_mw, mw_radius
from geo_industry.web_safety import script_json

ELECTRICITY_OUTPUT = "electricity_output"
"""The statistics indicator of annual electricity output (unit ``million_kwh`` = GWh)."""


def output_gwh(statistics: pd.DataFrame) -> pd.DataFrame:
    """Annual electricity output rows (million kWh = GWh), one per entity and year, actual first.

    Full-year, non-target rows of variant 0 only (another source's figure is never picked).
    """
    if statistics.empty:
        return statistics.assign(gwh=pd.Series(dtype=float))
    rows = first_variant(statistics)
    rows = rows[rows["indicator"].eq(ELECTRICITY_OUTPUT) & rows["unit"].eq("million_kwh")]
    rows = rows[rows["basis"].ne("target")]
    rows = rows[rows["period"].fillna("FY").eq("FY")].dropna(subset=["value"])
    rows = rows.assign(_rank=rows["basis"].map({"actual": 0}).fillna(1)).sort_values(["entity", "year", "_rank"])
    return rows.drop_duplicates(["entity", "year"]).assign(gwh=lambda f: f["value"].astype(float))


def latest_gwh(statistics: pd.DataFrame) -> dict[str, float]:
    """Each plant's latest annual output in GWh."""
    rows = output_gwh(statistics).sort_values("year").drop_duplicates("entity", keep="last")
    return {str(e): float(v) for e, v in zip(rows["entity"], rows["gwh"], strict=True)}


def totals_by_year(plants: list[dict[str, Any]], statistics: pd.DataFrame) -> list[tuple[int, str, float, int]]:
    """(year, basis, total GWh, plants reporting) summed over distinct plants of the layer.

    Only plants' own full-year rows are added, one basis at a time; admin units' figures are
    never added to them (see :func:`reported_totals`).
    """
    ids = {str(p["id"]) for p in plants}
    rows = output_gwh(statistics)
    rows = rows[rows["entity"].astype(str).isin(ids)]
    grouped = rows.groupby(["year", "basis"]).agg(total=("gwh", "sum"), count=("entity", "nunique"))
    return [(int(y), str(b), float(r["total"]), int(r["count"])) for (y, b), r in grouped.iterrows()]


def reported_totals(statistics: pd.DataFrame, plant_ids: set[str]) -> list[tuple[str, int, str, float]]:
    """(entity, year, basis, GWh): the totals published for admin units, each as its own row."""
    rows = output_gwh(statistics)
    rows = rows[~rows["entity"].astype(str).isin(plant_ids)].sort_values(["entity", "year"])
    return [(str(r["entity"]), int(r["year"]), str(r["basis"]), float(r["gwh"])) for _, r in rows.iterrows()]


def _river(row: dict[str, Any], ctx: PageContext) -> str:
    value = row.get("river")
    return ctx.t("energy.river_unknown") if is_missing(value) else str(value)


def build_energy_map(data: MapData, ctx: PageContext) -> folium.Map:
    """Build the energy map: one layer per river, circles by MW, colour by latest GWh."""
    m = new_map(data, ctx)
    title = ctx.t("nav.energy")
    add_page_chrome(m, ctx, page="energy", title=title, lang_url=lang_urls(ctx, "energy"))
    plants = [dict(r) for _, r in data.layer("hydropower_plants").iterrows()]
    gwh = latest_gwh(data.statistics)

    def symbol(row: dict[str, Any]) -> Symbol:
        style = GWH_STYLES[gwh_class(gwh.get(str(row.get("id"))))]
        return Symbol("circle", style.color, 2 * mw_radius(installed_mw(row)))

    by_river: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for plant in plants:
        by_river[_river(plant, ctx)].append(plant)
    search, unmapped = [], 0
    for river in sorted(by_river, key=lambda r: (r == ctx.t("energy.river_unknown"), r)):
        rows = by_river[river]
        mw = sum(installed_mw(r) or 0 for r in rows)
        name = f"{ctx.t('energy.river')} {river} ({number(mw, ctx.lang)} MW)"
        built = site_layer("hydropower_plants", data, ctx, symbol=symbol, rows=rows, name=name)
        built.layer_id = f"river:{river}"
        add_site_layer(m, built)
        search.extend(built.search)
        unmapped += len(built.unmapped)
    present = {gwh_class(gwh.get(str(p["id"]))) for p in plants}
    legend = tuple((symbol_svg("circle", s.color, 12), ctx.t(s.key)) for c, s in GWH_STYLES.items() if c in present)
    note = ctx.t("legend.size_mw") + (" · " + ctx.t("legend.unmapped", count=unmapped) if unmapped else "")
    Legend([LegendSection(data.title("hydropower_plants", ctx.lang), legend, note)], title=title).add_to(m)
    SearchControl(search, lang=ctx.lang).add_to(m)
    _totals_panel(m, ctx, plants, data)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def _totals_panel(m: folium.Map, ctx: PageContext, plants: list[dict[str, Any]], data: MapData) -> None:
    totals = totals_by_year(plants, data.statistics)
    mw = sum(installed_mw(p) or 0 for p in plants)
    rows = "".join(
        f"<tr><td>{y}</td><td>{escape(ctx.t('basis.' + b))}</td><td>{escape(number(t, ctx.lang))}</td><td>{n}</td></tr>"
        for y, b, t, n in totals
    )
    chart = bar_chart_svg(
        [Bar(y, b, t) for y, b, t, _ in totals], lang=ctx.lang, width=220, height=90, title=ctx.t("energy.gwh")
    )
    reported = "".join(
        f"<tr><td>{escape(entity_name(data.entities, e, ctx.lang))}</td><td>{y}</td>"
        f"<td>{escape(ctx.t('basis.' + b))}</td><td>{escape(number(v, ctx.lang))}</td></tr>"
        for e, y, b, v in reported_totals(data.statistics, {str(p["id"]) for p in plants})
    )
    plant_table = (
        f'<table class="gi-table gi-plant-totals"><tr><th>{escape(ctx.t("stats.year"))}</th><th></th><th>GWh</th>'
        f"<th>{escape(ctx.t('energy.plants'))}</th></tr>{rows}</table>"
        if rows
        else ""
    )
    reported_table = (
        f'<div>{escape(ctx.t("energy.reported"))}</div><table class="gi-table gi-reported-totals">{reported}</table>'
        if reported
        else ""
    )
    html = (
        f'<details open class="gi-totals"><summary>{escape(ctx.t("energy.totals"))}</summary>'
        f"<div>{escape(ctx.t('energy.mw'))}: <b>{escape(number(mw, ctx.lang))}</b> · "
        f"{escape(ctx.t('energy.plants'))}: <b>{len(plants)}</b></div>{chart}{plant_table}{reported_table}</details>"
    )
    Script(
        f"""(function(){{ var c = L.control({{position: "bottomleft"}});
  c.onAdd = function () {{ var d = L.DomUtil.create("div", "gi-legend leaflet-control");
    d.innerHTML = {script_json(html)};
    L.DomEvent.disableScrollPropagation(d); return d; }};
  c.addTo({m.get_name()}); }})();"""
    ).add_to(m)
