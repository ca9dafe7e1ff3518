"""Energy: hydropower plants sized by MW, coloured by annual GWh, grouped by river, totals by year."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape
from typing import Any

import folium
import pandas as pd
from markupsafe import Markup

from geo_industry.maps.base import PageContext, add_page_chrome, lang_urls, new_map
from geo_industry.maps.charts import Bar, bar_chart_svg
from geo_industry.maps.controls import SEARCH_SCRIPT, Legend, LegendSection, Script, SearchControl
from geo_industry.maps.data import MapData
from geo_industry.maps.format import entity_name, is_missing, number
from geo_industry.maps.language import free_text_html
from geo_industry.maps.layers import Symbol, add_site_layer, site_layer
from geo_industry.maps.markers import symbol_svg
from geo_industry.maps.series import first_variant
from geo_industry.maps.styles import GWH_STYLES, gwh_class, installed_mw, mw_radius
from geo_industry.web_safety import script_json

ELECTRICITY_OUTPUT = "electricity_output"
"""The statistics indicator of annual electricity output (unit ``million_kwh`` = GWh)."""
INSTALLED_MW = "hydropower_installed_mw"
"""The statistics indicator of installed hydropower capacity published for an admin unit (MW)."""


@dataclass(frozen=True)
class CapacityCount:
    """Installed MW summed over some plants, and how many plants had a known capacity."""

    mw: float
    known: int
    plants: int


@dataclass(frozen=True)
class CapacitySummary:
    """Why the layer's summed MW differs from any published total: what it adds and leaves out."""

    total: CapacityCount
    by_status: dict[str, CapacityCount]
    unlocated: CapacityCount
    """Plants without a position: counted in the totals, not drawn on the map."""
    published: tuple[tuple[str, int, str, float, str], ...]
    """(entity, year, period, MW, source) of each published total, latest first; never added."""


def _count(plants: list[dict[str, Any]]) -> CapacityCount:
    known = [mw for mw in (installed_mw(p) for p in plants) if mw is not None]
    return CapacityCount(float(sum(known)), len(known), len(plants))


def capacity_summary(plants: list[dict[str, Any]], statistics: pd.DataFrame) -> CapacitySummary:
    """The summed MW of ``plants`` by status and position, beside the published totals."""
    statuses: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in plants:
        statuses["unknown" if is_missing(p.get("status")) else str(p["status"])].append(p)
    unlocated = [p for p in plants if p.get("geometry") is None or is_missing(p.get("geometry"))]
    rows = first_variant(statistics) if not statistics.empty else statistics
    published: tuple[tuple[str, int, str, float, str], ...] = ()
    if not rows.empty:
        rows = rows[rows["indicator"].eq(INSTALLED_MW) & rows["unit"].eq("MW")].dropna(subset=["value", "year"])
        published = tuple(
            (str(r["entity"]), int(r["year"]), "FY" if is_missing(r.get("period")) else str(r["period"]),
             float(r["value"]), "" if is_missing(r.get("source")) else str(r["source"]))
            for _, r in rows.sort_values(["year", "entity"], ascending=[False, True]).iterrows()
        )
    return CapacitySummary(_count(plants), {k: _count(v) for k, v in sorted(statuses.items())},
                           _count(unlocated), published)


def capacity_note_html(summary: CapacitySummary, data: MapData, ctx: PageContext) -> str:
    """The layer's summed MW explained (known capacities, status, not drawn) and the published totals."""
    t, lang = summary.total, ctx.lang
    statuses = "; ".join(
        f"{ctx.t('status.' + s)} {number(c.mw, lang)} MW ({c.known}/{c.plants})" for s, c in summary.by_status.items()
    )
    parts = [
        ctx.t("energy.sum_explained", mw=number(t.mw, lang), known=t.known, plants=t.plants, statuses=statuses),
    ]
    if summary.unlocated.plants:
        parts.append(ctx.t("energy.not_drawn", count=summary.unlocated.plants, mw=number(summary.unlocated.mw, lang)))
    items = "".join(
        f'<li data-entity="{escape(e)}" data-year="{y}">{escape(entity_name(data.entities, e, lang))}, {y}'
        f'{"" if p == "FY" else " " + escape(p)}: <b>{escape(number(v, lang))} MW</b></li>'
        for e, y, p, v, _ in summary.published
    )
    published = (
        f'<div>{escape(ctx.t("energy.published_mw"))}</div><ul class="gi-published-mw">{items}</ul>' if items else ""
    )
    return "".join(f"<p>{escape(x)}</p>" for x in parts) + published


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


def _river_name(river: str, ctx: PageContext) -> Markup:
    """"Sông Chảy", "Chảy河": the river's name as the data writes it, in the page language's phrase."""
    return free_text_html(river, ctx.lang).join(ctx.t("energy.river_named", river="\x00").split("\x00"))


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
        label = river if river == ctx.t("energy.river_unknown") else _river_name(river, ctx)
        name = Markup("{0} ({1} MW)").format(label, number(mw, ctx.lang))
        built = site_layer("hydropower_plants", data, ctx, symbol=symbol, rows=rows, name=name)
        built.layer_id = f"river:{river}"
        add_site_layer(m, built)
        search.extend(built.search)
        unmapped += len(built.unmapped)
    present = {gwh_class(gwh.get(str(p["id"]))) for p in plants}
    legend = tuple((symbol_svg("circle", s.color, 12), ctx.t(s.key)) for c, s in GWH_STYLES.items() if c in present)
    note = ctx.t("legend.size_mw") + (" · " + ctx.t("legend.unmapped", count=unmapped) if unmapped else "")
    Legend([LegendSection(data.title("hydropower_plants", ctx.lang), legend, note)], title=title).add_to(m)
    SearchControl(search, lang=ctx.lang, script_url=ctx.urls.script(SEARCH_SCRIPT)).add_to(m)
    _totals_panel(m, ctx, plants, data)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def _totals_panel(m: folium.Map, ctx: PageContext, plants: list[dict[str, Any]], data: MapData) -> None:
    totals = totals_by_year(plants, data.statistics)
    summary = capacity_summary(plants, data.statistics)
    rows = "".join(
        f"<tr><td>{y}</td><td>{escape(ctx.t('basis.' + b))}</td><td>{escape(number(t, ctx.lang))}</td><td>{n}</td></tr>"
        for y, b, t, n in totals
    )
    chart = bar_chart_svg(
        [Bar(y, b, t) for y, b, t, _ in totals], lang=ctx.lang, width=240, height=100, title=ctx.t("energy.gwh"),
        unit="GWh"
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
        f'<div class="gi-capacity-note">{capacity_note_html(summary, data, ctx)}</div>'
        f"{chart}{plant_table}{reported_table}</details>"
    )
    Script(
        f"""(function(){{ var c = L.control({{position: "bottomleft"}});
  c.onAdd = function () {{ var d = L.DomUtil.create("div", "gi-legend leaflet-control");
    d.innerHTML = {script_json(html)};
    L.DomEvent.disableScrollPropagation(d); return d; }};
  c.addTo({m.get_name()}); }})();"""
    ).add_to(m)
