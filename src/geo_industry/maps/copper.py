"""The copper value chain: mines → concentrators → smelters → railway / border gate.

Flows are drawn as arrows whose width follows the tonnes the source site produced in the
selected year (from the statistics); the year is chosen in the page without a reload.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

import folium

from geo_industry.maps.base import PageContext, add_page_chrome, lang_urls, new_map
from geo_industry.maps.controls import Legend, LegendSection, Script, json_attr
from geo_industry.maps.data import MapData
from geo_industry.maps.format import is_missing, number
from geo_industry.maps.layers import Symbol, add_site_layer, site_layer
from geo_industry.maps.markers import symbol_svg
from geo_industry.maps.styles import commodity_class, flow_weight, plant_type_class, transport_class

STAGES = ("mine", "concentrator", "smelter", "exit")
STAGE_COLORS = {"mine": "#b5651d", "concentrator": "#e08e45", "smelter": "#8c2d04", "exit": "#252525"}
STAGE_SHAPES = {"mine": "circle", "concentrator": "diamond", "smelter": "hexagon", "exit": "star"}
_FLOW_COLOR = "#b5651d"


@dataclass(frozen=True)
class Flow:
    """A directed link of the chain with tonnes per year (from its source site)."""

    source: str
    target: str
    coords: tuple[tuple[float, float], tuple[float, float]]
    tonnes: dict[int, float]


def stage_of(row: dict[str, Any], layer_id: str) -> str | None:
    """The chain stage of a site, or ``None`` when it is not part of the copper chain.

    Mines by ``commodity`` (``copper_ore``); plants by ``plant_type`` (``concentrator`` or
    ``smelter``) whose ``product`` names copper; every border gate and rail station is an exit.
    """
    if layer_id == "mines":
        return "mine" if commodity_class(row) == "copper" else None
    if layer_id == "processing_plants":
        plant_type = plant_type_class(row)
        makes_copper = "copper" in str(row.get("product") or "").lower()
        return plant_type if plant_type in ("concentrator", "smelter") and makes_copper else None
    if layer_id == "border_gates":
        return "exit"
    if layer_id == "transport":
        return "exit" if transport_class(row) == "rail_station" else None
    return None


def chain_sites(data: MapData) -> dict[str, list[dict[str, Any]]]:
    """The located sites of each stage."""
    sites: dict[str, list[dict[str, Any]]] = {s: [] for s in STAGES}
    for layer_id in ("mines", "processing_plants", "border_gates", "transport"):
        for _, r in data.layer(layer_id).iterrows():
            row = dict(r)
            stage = stage_of(row, layer_id)
            if stage and row.get("geometry") is not None and not is_missing(row["geometry"]):
                sites[stage].append(row)
    return sites


def tonnes_by_year(statistics: Any, entity: str) -> dict[int, float]:
    """Tonnes per year an entity produced (its tonne-valued indicators, actual preferred)."""
    if statistics.empty:
        return {}
    rows = statistics[(statistics["entity"] == entity) & (statistics["unit"] == "t")]
    rows = rows[rows["basis"].isin(["actual", "preliminary", "estimate"])]
    if rows.empty:
        return {}
    best = rows.sort_values("value").groupby("year")["value"].max()
    return {int(y): float(v) for y, v in best.items()}


def _point(row: dict[str, Any]) -> tuple[float, float]:
    g = row["geometry"]
    g = g if g.geom_type == "Point" else g.representative_point()
    return (round(g.y, 5), round(g.x, 5))


def _nearest(row: dict[str, Any], candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not candidates:
        return None
    lat, lon = _point(row)
    return min(candidates, key=lambda c: (_point(c)[0] - lat) ** 2 + (_point(c)[1] - lon) ** 2)


def chain_flows(data: MapData) -> list[Flow]:
    """Flows from each stage's sites to the nearest site of the next stage present."""
    sites = chain_sites(data)
    flows = []
    for i, stage in enumerate(STAGES[:-1]):
        following = next((sites[s] for s in STAGES[i + 1 :] if sites[s]), [])
        targets = following if stage != "smelter" else sites["exit"]
        for row in sites[stage]:
            if stage == "smelter":
                chosen = targets
            else:
                nearest = _nearest(row, targets)
                chosen = [nearest] if nearest is not None else []
            for target in chosen:
                flows.append(
                    Flow(
                        str(row["id"]),
                        str(target["id"]),
                        (_point(row), _point(target)),
                        tonnes_by_year(data.statistics, str(row["id"])),
                    )
                )
    return flows


def _arrow_angle(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy, dx = b[0] - a[0], (b[1] - a[1]) * math.cos(math.radians(a[0]))
    return round(math.degrees(math.atan2(-dy, dx)), 1)


def _arrow(flow: Flow) -> folium.Marker:
    (a, b) = flow.coords
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    svg = (
        f'<svg width="16" height="16" style="transform:rotate({_arrow_angle(a, b)}deg)">'
        f'<polygon points="2,2 14,8 2,14" fill="{_FLOW_COLOR}" stroke="#fff"/></svg>'
    )
    return folium.Marker(
        mid,
        icon=folium.DivIcon(html=svg, icon_size=(16, 16), icon_anchor=(8, 8), class_name="gi-symbol gi-arrow"),
        interactive=False,
    )


def _stage_symbol(stages: dict[str, str]) -> Any:
    def symbol(row: dict[str, Any]) -> Symbol:
        stage = stages.get(str(row.get("id")), "exit")
        return Symbol(STAGE_SHAPES[stage], STAGE_COLORS[stage], 18)

    return symbol


def build_copper_map(data: MapData, ctx: PageContext, *, year: int | None = None) -> folium.Map:
    """Build the copper value-chain map; ``year`` preselects the year (default: latest)."""
    m = new_map(data, ctx)
    title = ctx.t("nav.copper")
    add_page_chrome(m, ctx, page="copper-value-chain", title=title, lang_url=lang_urls(ctx, "copper-value-chain"))
    sites = chain_sites(data)
    flows = chain_flows(data)
    years = sorted({y for f in flows for y in f.tonnes})
    if year is None or year not in years:
        year = years[-1] if years else None
    group = folium.FeatureGroup(name=ctx.t("layer.flows")).add_to(m)
    top = {y: max((f.tonnes.get(y, 0) for f in flows), default=0) for y in years}
    lines = []
    for flow in flows:
        weights = {y: flow_weight(flow.tonnes.get(y), top[y]) for y in years}
        line = folium.PolyLine(
            flow.coords, color=_FLOW_COLOR, opacity=0.75, weight=weights.get(year, 2.0) if year else 2.0
        )
        label = {y: f"{number(flow.tonnes[y], ctx.lang)} t ({y})" for y in flow.tonnes}
        folium.Tooltip(escape(label.get(year, "")) if year in label else "–").add_to(line)
        line.add_to(group)
        _arrow(flow).add_to(group)
        lines.append({"v": line.get_name(), "w": weights, "t": label})
    stages = {str(r["id"]): s for s, rows in sites.items() for r in rows}
    rows = [r for s in STAGES for r in sites[s]]
    built = site_layer(
        "copper_sites", data, ctx, symbol=_stage_symbol(stages), rows=rows, name=ctx.t("commodity.copper")
    )
    add_site_layer(m, built)
    _year_control(m, ctx, years, year, lines)
    legend = tuple((symbol_svg(STAGE_SHAPES[s], STAGE_COLORS[s], 14), ctx.t(f"copper.stage.{s}")) for s in STAGES)
    note = ctx.t("legend.width_t") if years else ctx.t("copper.no_flow_data")
    Legend([LegendSection(built.group.layer_name, legend, note)], title=title).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def _year_control(
    m: folium.Map, ctx: PageContext, years: list[int], year: int | None, lines: list[dict[str, Any]]
) -> None:
    options = "".join(f'<option value="{y}"{" selected" if y == year else ""}>{y}</option>' for y in years)
    html = (
        f'<label>{escape(ctx.t("copper.year"))} <select id="gi-year" aria-label="{escape(ctx.t("copper.year"))}">'
        f"{options}</select></label>"
    )
    Script(
        f"""(function(){{
  var lines = {json_attr(lines)};
  var c = L.control({{position: "topright"}});
  c.onAdd = function () {{ var d = L.DomUtil.create("div", "gi-legend leaflet-control");
    d.innerHTML = {json_attr(html)};
    L.DomEvent.disableClickPropagation(d); return d; }};
  c.addTo({m.get_name()});
  window.giSetYear = function (y) {{
    lines.forEach(function (l) {{ var line = window[l.v]; line.setStyle({{weight: l.w[y] || 2}});
      line.setTooltipContent(l.t[y] || "–"); }});
  }};
  var sel = document.getElementById("gi-year");
  if (sel) {{ sel.addEventListener("change", function () {{ window.giSetYear(sel.value); }}); }}
}})();"""
    ).add_to(m)
