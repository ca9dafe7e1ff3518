"""The copper value chain map: mines → concentrators → smelters → border gates (towards China).

The chain itself is the core's model (:func:`geo_industry.raster.valuechain.copper_chain`):
which sites take part, which links the data states and which are indicative (geodesically
nearest site of the next stage), and the full-year tonnes each link carries per year:

- mine → concentrator: copper ore mined (t) of the mine;
- concentrator → smelter: copper concentrate output (t) of the concentrator, else of the mine
  that feeds it (a "mine and concentrator" branch reports them together);
- smelter → border gate: copper cathode output (t) of the smelter, else of its operating
  organisation (the organisation in ``entities.csv`` whose note names the smelter), saying so.

This module draws it: widths on one scale for all tonnes (actual, preliminary or estimated
rows of variant 0; a year with only a target draws the link thin and says so), a figure
shared by several links labelled as shared (no split is invented), indicative links dashed,
each site named with the tonnes leaving it, and sites recorded at one point drawn apart.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

import folium
import geopandas as gpd

from geo_industry.maps.base import PageContext, add_page_chrome, fit_at_once, lang_urls, new_map
from geo_industry.maps.controls import Legend, LegendSection, Script
from geo_industry.maps.data import MapData
from geo_industry.maps.format import computed_text, entity_name, indicator_label, number
from geo_industry.maps.layers import Symbol, add_site_layer, site_layer
from geo_industry.maps.markers import symbol_svg
from geo_industry.maps.popups import names
from geo_industry.maps.styles import flow_weight
from geo_industry.raster.valuechain import CATHODE, CONCENTRATE, FLOW_UNIT, ORE_MINED, Flow, FlowFigure, copper_chain
from geo_industry.raster.valuechain import COPPER_STAGES as STAGES
from geo_industry.raster.valuechain import chain_sites as core_chain_sites
from geo_industry.web_safety import js_template_html, script_json

__all__ = ["CATHODE", "CONCENTRATE", "ORE_MINED", "STAGES", "Flow", "FlowFigure", "build_copper_map", "chain_flows",
           "chain_sites", "spread_offsets", "stage_labels"]

STAGE_COLORS = {"mine": "#b5651d", "concentrator": "#e08e45", "smelter": "#8c2d04", "exit": "#252525"}
STAGE_SHAPES = {"mine": "circle", "concentrator": "diamond", "smelter": "hexagon", "exit": "star"}
_FLOW_COLOR = "#b5651d"
_DASH = "8 6"


def chain_sites(data: MapData) -> dict[str, list[dict[str, Any]]]:
    """The located sites of each stage (the core's :func:`~geo_industry.raster.valuechain.chain_sites`)."""
    return core_chain_sites(_chain_layers(data))


def chain_flows(data: MapData) -> list[Flow]:
    """The links of the chain (the core's :func:`~geo_industry.raster.valuechain.copper_chain`)."""
    return copper_chain(_chain_layers(data), data.statistics, data.entities)


def _chain_layers(data: MapData) -> dict[str, gpd.GeoDataFrame]:
    return {layer_id: data.layer(layer_id) for layer_id in ("mines", "processing_plants", "border_gates")}


def _point(row: dict[str, Any]) -> tuple[float, float]:
    g = row["geometry"]
    g = g if g.geom_type == "Point" else g.representative_point()
    return (round(g.y, 5), round(g.x, 5))


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


_SPREAD_PX = 14.0
"""How far (pixels) from their shared point sites recorded at one point are drawn."""


def spread_offsets(rows: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """Pixel offsets (right, down) that set apart the sites recorded at one point, around it.

    The sites keep their coordinates; only their symbols are drawn apart, so each can be
    clicked at any zoom (Sin Quyền's mine and its two concentrators share one point).
    """
    groups: dict[tuple[float, float], list[str]] = {}
    for row in rows:
        groups.setdefault(_point(row), []).append(str(row["id"]))
    offsets: dict[str, tuple[float, float]] = {}
    for ids in groups.values():
        for i, site in enumerate(ids):
            angle = math.pi + 2 * math.pi * i / len(ids)
            shift = (round(_SPREAD_PX * math.cos(angle), 1), round(_SPREAD_PX * math.sin(angle), 1))
            offsets[site] = (0.0, 0.0) if len(ids) == 1 else shift
    return offsets


def _stage_symbol(stages: dict[str, str], offsets: dict[str, tuple[float, float]]) -> Any:
    def symbol(row: dict[str, Any]) -> Symbol:
        site = str(row.get("id"))
        stage = stages.get(site, "exit")
        return Symbol(STAGE_SHAPES[stage], STAGE_COLORS[stage], 18, offset=offsets.get(site, (0.0, 0.0)))

    return symbol


def _site_line(row: dict[str, Any], stage: str, flows: list[Flow], year: int, ctx: PageContext) -> str:
    """One site in a label box: its name, its stage and what leaves it in ``year``."""
    if stage == "exit":
        return f"<b>{escape(names(row, ctx.lang)[0])}</b> → {escape(ctx.t('copper.to_china'))}"
    text = f"<b>{escape(names(row, ctx.lang)[0])}</b> · {escape(ctx.t('copper.stage.' + stage))}"
    figure = next((f.figures[year] for f in flows if f.source == str(row["id"]) and year in f.figures), None)
    if figure is not None:
        text += f" · {escape(number(figure.value, ctx.lang))} {FLOW_UNIT} ({escape(ctx.t('basis.' + figure.basis))})"
    return text


def stage_labels(
    rows: list[dict[str, Any]], stages: dict[str, str], flows: list[Flow], years: list[int], ctx: PageContext
) -> list[tuple[tuple[float, float], dict[int, str]]]:
    """One label box per drawn point: each site's name and stage and, per year, the tonnes leaving it."""
    groups: dict[tuple[float, float], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(_point(row), []).append(row)
    def text(group: list[dict[str, Any]], year: int) -> str:
        return "<br>".join(_site_line(r, stages[str(r["id"])], flows, year, ctx) for r in group)

    return [(point, {y: text(group, y) for y in years or [0]}) for point, group in groups.items()]


_LABEL_STYLE = (
    "background:rgba(255,255,255,.92);border:1px solid #8c2d04;border-radius:3px;padding:2px 5px;"
    "font:11px/1.35 sans-serif;width:max-content;max-width:min(380px,55vw);box-shadow:0 1px 2px rgba(0,0,0,.3)"
)


def _label_marker(i: int, point: tuple[float, float], html: str) -> folium.Marker:
    box = f'<div class="gi-stage-box" data-label="{i}" style="{_LABEL_STYLE}">{html}</div>'
    return folium.Marker(
        point,
        icon=folium.DivIcon(html=box, icon_size=(0, 0), icon_anchor=(-24, 10), class_name="gi-stage-label"),
        interactive=False,
        pane="shadowPane",  # under the sites' symbols, which stay visible and clickable
    )


def flow_label(flow: Flow, year: int, data: MapData, ctx: PageContext) -> str:
    """What a link carries in ``year``: indicator, unit, year, basis, whose figure, and caveats."""
    name = indicator_label(flow.indicator, ctx.lang)
    figure = flow.figures.get(year)
    if figure is None:
        text = ctx.t("copper.no_figure", indicator=name, year=year)
    else:
        text = (
            f"{name}, {year} ({ctx.t('basis.' + figure.basis)}): {number(figure.value, ctx.lang)} {FLOW_UNIT}"
            f"{computed_text(figure.derivation, ctx.lang)}"
            f" · {ctx.t('copper.figure_of', entity=_entity_text(figure.entity, data, ctx))}"
        )
        if not figure.sets_width:
            text += f" · {ctx.t('copper.target_only')}"
        if figure.shared > 1:
            text += f" · {ctx.t('copper.shared', count=figure.shared)}"
    if flow.indicative:
        text += f" · {ctx.t('copper.indicative')}"
    return text


def _entity_text(entity: str, data: MapData, ctx: PageContext) -> str:
    layers = (data.layer(x) for x in ("mines", "processing_plants"))
    frame = next((f for f in layers if (f["id"] == entity).any()), None)
    if frame is not None:
        return names(dict(frame[frame["id"] == entity].iloc[0]), ctx.lang)[0]
    return entity_name(data.entities, entity, ctx.lang) + f" ({ctx.t('copper.organisation_figure')})"


def _widths(flows: list[Flow], years: list[int]) -> list[dict[int, float]]:
    """Per flow and year, the width on one scale for the unit (tonnes): ore, concentrate and
    cathode alike, relative to the largest tonnage of any link in any year."""
    top = max((t for f in flows for t in f.tonnes.values()), default=0.0)
    return [{y: flow_weight(f.tonnes.get(y), top) for y in years} for f in flows]


def _default_year(flows: list[Flow], years: list[int]) -> int | None:
    output_years = sorted({y for f in flows for y in f.tonnes})
    return output_years[-1] if output_years else (years[-1] if years else None)


def build_copper_map(data: MapData, ctx: PageContext, *, year: int | None = None) -> folium.Map:
    """Build the copper value-chain map; ``year`` preselects the year (default: the latest with
    full-year figures), fitted to the chain's stages, each named with the tonnes leaving it."""
    m = new_map(data, ctx)
    title = ctx.t("nav.copper")
    add_page_chrome(m, ctx, page="copper-value-chain", title=title, lang_url=lang_urls(ctx, "copper-value-chain"))
    sites = chain_sites(data)
    flows = chain_flows(data)
    years = sorted({y for f in flows for y in f.figures})
    if year is None or year not in years:
        year = _default_year(flows, years)
    group = folium.FeatureGroup(name=ctx.t("layer.flows")).add_to(m)
    lines = []
    for flow, weights in zip(flows, _widths(flows, years), strict=True):
        labels = {y: escape(flow_label(flow, y, data, ctx)) for y in years}
        line = folium.PolyLine(
            flow.coords,
            color=_FLOW_COLOR,
            opacity=0.75,
            weight=weights.get(year, 2.0) if year else 2.0,
            dash_array=_DASH if flow.indicative else None,
            class_name="gi-flow gi-flow-indicative" if flow.indicative else "gi-flow",
        )
        folium.Tooltip(js_template_html(labels[year] if year else escape(flow_label(flow, 0, data, ctx)))).add_to(line)
        line.add_to(group)
        _arrow(flow).add_to(group)
        lines.append({"v": line.get_name(), "w": weights, "t": labels, "i": flow.indicative})
    linked = {f.target for f in flows} | {f.source for f in flows}
    stages = {str(r["id"]): s for s, rows in sites.items() for r in rows}
    rows = [r for s in STAGES for r in sites[s] if s != "exit" or str(r["id"]) in linked]
    built = site_layer(
        "copper_sites", data, ctx, symbol=_stage_symbol(stages, spread_offsets(rows)), rows=rows,
        name=ctx.t("commodity.copper"),
    )
    add_site_layer(m, built)
    label_group = folium.FeatureGroup(name=ctx.t("copper.labels")).add_to(m)
    boxes = stage_labels(rows, stages, flows, years, ctx)
    for i, (point, texts) in enumerate(boxes):
        _label_marker(i, point, texts.get(year or 0, "")).add_to(label_group)
    _fit_to_stages(m, rows)
    _year_control(m, ctx, years, year, lines, [texts for _, texts in boxes])
    Legend([LegendSection(built.group.layer_name, _legend_rows(ctx), _legend_note(flows, ctx))], title=title).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def _fit_to_stages(m: folium.Map, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    lats, lons = zip(*(_point(r) for r in rows), strict=True)
    pad = 0.03
    fit_at_once(m, (min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad))


def _line_svg(dashed: bool) -> str:
    dash = f' stroke-dasharray="{_DASH}"' if dashed else ""
    return (
        f'<svg width="28" height="10"><line x1="1" y1="5" x2="27" y2="5" stroke="{_FLOW_COLOR}" '
        f'stroke-width="3"{dash}/></svg>'
    )


def _legend_rows(ctx: PageContext) -> tuple[tuple[str, str], ...]:
    stages = tuple((symbol_svg(STAGE_SHAPES[s], STAGE_COLORS[s], 14), ctx.t(f"copper.stage.{s}")) for s in STAGES)
    carried = tuple(
        (_line_svg(False), ctx.t(key, indicator=indicator_label(ind, ctx.lang), unit=FLOW_UNIT))
        for key, ind in (
            ("copper.legend.mine", ORE_MINED),
            ("copper.legend.concentrator", CONCENTRATE),
            ("copper.legend.smelter", CATHODE),
        )
    )
    return (*stages, *carried, (_line_svg(True), ctx.t("copper.legend.indicative")))


def _legend_note(flows: list[Flow], ctx: PageContext) -> str:
    if not any(f.tonnes for f in flows):
        return ctx.t("copper.no_flow_data")
    return ctx.t("copper.legend.width") + " " + ctx.t("copper.legend.spread")


def _year_control(
    m: folium.Map, ctx: PageContext, years: list[int], year: int | None, lines: list[dict[str, Any]],
    boxes: list[dict[int, str]],
) -> None:
    options = "".join(f'<option value="{y}"{" selected" if y == year else ""}>{y}</option>' for y in years)
    html = (
        f'<label>{escape(ctx.t("copper.year"))} <select id="gi-year" aria-label="{escape(ctx.t("copper.year"))}">'
        f"{options}</select></label>"
    )
    Script(
        f"""(function(){{
  var lines = {script_json(lines)}, boxes = {script_json(boxes)};
  var c = L.control({{position: "topright"}});
  c.onAdd = function () {{ var d = L.DomUtil.create("div", "gi-legend leaflet-control");
    d.innerHTML = {script_json(html)};
    L.DomEvent.disableClickPropagation(d); return d; }};
  c.addTo({m.get_name()});
  window.giSetYear = function (y) {{
    lines.forEach(function (l) {{ var line = window[l.v]; line.setStyle({{weight: l.w[y] || 2}});
      line.getElement && line.getElement() && line.getElement().setAttribute("data-year", y);
      line.setTooltipContent(l.t[y] || "–"); }});
    document.querySelectorAll(".gi-stage-box").forEach(function (b) {{
      var text = boxes[+b.dataset.label][y]; if (text !== undefined) {{ b.innerHTML = text; }} }});
    if (window.giDeclutter) {{ window.giDeclutter(); }}
  }};
  var map = {m.get_name()};
  function declutter() {{  // label boxes that would overlap move down, below the ones above them
    var boxes = Array.prototype.slice.call(document.querySelectorAll(".gi-stage-box"));
    boxes.forEach(function (b) {{ b.style.transform = ""; }});
    var placed = [];
    boxes.map(function (b) {{ return [b, b.getBoundingClientRect()]; }})
      .sort(function (a, c) {{ return a[1].top - c[1].top; }})
      .forEach(function (p) {{
        var r = p[1], dy = 0, moved = true;
        while (moved) {{ moved = false;
          placed.forEach(function (q) {{
            if (r.left < q.right && r.right > q.left && r.top + dy < q.bottom && r.bottom + dy > q.top) {{
              dy = q.bottom - r.top + 2; moved = true; }} }}); }}
        p[0].style.transform = "translateY(" + dy + "px)";
        placed.push({{left: r.left, right: r.right, top: r.top + dy, bottom: r.bottom + dy}});
      }});
    map.getContainer().setAttribute("data-gi-labels", "placed");
  }}
  window.giDeclutter = declutter;
  map.on("zoomend", declutter);
  map.whenReady(function () {{ requestAnimationFrame(declutter); }});
  var sel = document.getElementById("gi-year");
  if (sel) {{ sel.addEventListener("change", function () {{ window.giSetYear(sel.value); }}); }}
}})();"""
    ).add_to(m)
