"""The overview map, investor first: zones and clusters named and styled by status, border gates and
transport lines prominent, mines and plants as subdued context, a "find a site" panel.

The page works on a phone (390 px wide): legend and panels start collapsed, controls are at least
40 px and none covers another (``static/maps/overview.css``); zone names never collide
(``static/maps/overview.js``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from importlib import resources
from typing import Any

import folium
from branca.element import Element

from geo_industry.maps.base import PageContext, add_page_chrome, lang_urls, new_map, page_of
from geo_industry.maps.basemap import transport_line_search
from geo_industry.maps.controls import SEARCH_SCRIPT, Legend, LegendSection, Script, SearchControl
from geo_industry.maps.data import MapData
from geo_industry.maps.findsite import ZONE_LAYERS, FindSitePanel, area_ha, profile_rankings, site_record
from geo_industry.maps.layers import SiteLayer, SymbolFn, add_site_layer, site_layer
from geo_industry.maps.popups import names
from geo_industry.maps.rasters import add_raster_overlays
from geo_industry.maps.symbols import LAYER_SYMBOLS, layer_symbol, legend_section, symbol_rule
from geo_industry.maps.tiled import BBox, located_extent, min_zoom, symbol_table, tiled_site_layer
from geo_industry.web_safety import script_json

UNSEARCHED_LAYERS = ("zone_outlines",)
"""Layers left out of the search box: an outline is found through its zone's point."""
CONTEXT_LAYERS = ("mines", "processing_plants", "hydropower_plants")
"""Drawn subdued (pale symbols, small grey clusters gathered widely): context, not sites to invest in."""
LABEL_MIN_ZOOM = {"industrial_zones": 8, "industrial_clusters": 10}
"""First zoom at which each layer's names are shown (a name hidden by a more important one waits)."""
SHORT_NAMES = {
    "vi": (("Khu công nghiệp ", "KCN "), ("Cụm công nghiệp ", "CCN "), ("Khu kinh tế ", "KKT ")),
    "en": ((" Industrial Zone", " IZ"), (" Industrial Cluster", " IC"), (" Economic Zone", " EZ")),
}
"""Common abbreviations of the kind words in map labels (the popup gives the full name)."""

_CLUSTER_ICON = """function (cluster) {
  var n = cluster.getChildCount(), s = %(size)s;
  return L.divIcon({html: "<div style='line-height:" + (s - 4) + "px'>" + n + "</div>",
                    className: "marker-cluster %(css)s", iconSize: L.point(s, s)});
}"""
ZONE_CLUSTER_ICON = _CLUSTER_ICON % {"size": "n < 5 ? 28 : n < 15 ? 34 : 40", "css": "gi-cluster"}
CONTEXT_CLUSTER_ICON = _CLUSTER_ICON % {"size": "n < 10 ? 22 : 28", "css": "gi-cluster-context"}


_REMARK = re.compile(r"\s*[(（][^)）]*[)）]")


def _asset(name: str) -> str:
    return resources.files("geo_industry").joinpath("static", "maps", name).read_text(encoding="utf-8")


def short_name(name: str, lang: str) -> str:
    """``name`` with its kind word abbreviated and without remarks in brackets, for a map label
    (``Khu công nghiệp Bản Qua (gia công…)`` → ``KCN Bản Qua``)."""
    for long, short in SHORT_NAMES.get(lang, ()):
        name = name.replace(long, short)
    return _REMARK.sub("", name).strip() or name


def _context(symbol: SymbolFn) -> SymbolFn:
    return lambda row: replace(symbol(row), css_class="gi-context")


def _build_layer(layer_id: str, kind: str, data: MapData, ctx: PageContext, rows: list[dict[str, Any]]) -> SiteLayer:
    """The layer's sites drawn by the symbol of its kind; a layer of no known kind (an upload) is context
    with a default symbol, off until ticked in the layer control."""
    symbol, cluster = layer_symbol(kind)
    known = kind in LAYER_SYMBOLS
    context = kind in CONTEXT_LAYERS or not known
    items_url = ctx.urls.items(layer_id, features=sum(1 for r in rows if r.get("geometry") is not None))
    return site_layer(
        layer_id, data, ctx,
        symbol=_context(symbol) if context else symbol,
        cluster=cluster,
        cluster_icon=(CONTEXT_CLUSTER_ICON if context else ZONE_CLUSTER_ICON) if cluster else None,
        cluster_radius=80 if context else 50,
        rows=rows,
        items_url=items_url,
        show=known,
    )


def _tiled(layer_id: str, data: MapData, ctx: PageContext, *, located: int, bbox: BBox | None, geometry_type: str,
           unmapped: list[str], unlocated: int, fields: Iterable[str]) -> tuple[SiteLayer, LegendSection] | None:
    """The layer drawn from vector tiles, with its legend, when it has at least ``ctx.urls.tile_threshold``
    located sites on a served page (see :mod:`geo_industry.maps.tiled`); None to build it site by site.
    ``unmapped``: the ids of its sites without geometry when known, ``unlocated`` how many there are;
    ``fields``: its fields (the search box asks the API for its sites by name)."""
    url = ctx.urls.tiles(layer_id, features=located)
    if url is None:
        return None
    kind = data.kind(layer_id)
    known = kind in LAYER_SYMBOLS
    symbols = symbol_table(symbol_rule(kind, geometry_type), geometry_type, context=kind in CONTEXT_LAYERS or not known)
    built = tiled_site_layer(layer_id, ctx, url=url, name=data.title(layer_id, ctx.lang), symbols=symbols,
                             located=located, bbox=bbox, unmapped=unmapped, fields=fields, show=known)
    section = legend_section(kind, built, None, ctx, geometry_type=geometry_type)  # every class of the table
    zoom = min_zoom(located, bbox)
    notes = [section.note, ctx.t("legend.unmapped", count=unlocated) if unlocated and not unmapped else "",
             ctx.t("legend.tiled_from_zoom", zoom=zoom) if zoom else ""]
    return built, replace(section, note=" · ".join(n for n in notes if n))


def _tiled_frame(layer_id: str, data: MapData, ctx: PageContext) -> tuple[SiteLayer, LegendSection] | None:
    frame = data.layer(layer_id)
    located, bbox = located_extent(frame)
    unmapped = [str(i) for i in frame.loc[frame.geometry.isna() | frame.geometry.is_empty, "id"]]
    return _tiled(layer_id, data, ctx, located=located, bbox=bbox, geometry_type=data.geometry_type(layer_id),
                  unmapped=unmapped, unlocated=len(unmapped), fields=frame.columns)


def _tiled_summaries(m: folium.Map, data: MapData, ctx: PageContext) -> list[LegendSection]:
    """The layers too large for the maps to read (:attr:`MapData.summaries`), drawn from their tiles; on a page
    without an API to draw them from (the static build), a legend note says that they are left out."""
    sections = []
    for layer_id, summary in data.summaries.items():
        tiled = _tiled(layer_id, data, ctx, located=summary.located, bbox=summary.bbox,
                       geometry_type=summary.geometry_type, unmapped=[], unlocated=summary.features - summary.located,
                       fields=summary.fields)
        if tiled is not None:
            add_site_layer(m, tiled[0])
            sections.append(tiled[1])
        else:
            sections.append(LegendSection(data.title(layer_id, ctx.lang), (),
                                          ctx.t("legend.left_out_static", count=summary.features)))
    return sections


def _labels(layer_id: str, built: SiteLayer, rows: list[dict[str, Any]], ctx: PageContext) -> list[dict[str, Any]]:
    """Label specs of a zone layer, largest zones first (they win a collision)."""
    ranked = sorted(rows, key=lambda r: -(area_ha(r) or 0.0))
    return [
        {"v": built.variables[str(r.get("id"))], "n": short_name(names(r, ctx.lang)[0], ctx.lang),
         "z": LABEL_MIN_ZOOM[layer_id]}
        for r in ranked
        if str(r.get("id")) in built.variables
    ]


def build_overview_map(data: MapData, ctx: PageContext) -> folium.Map:
    """Build the overview map of all layers.

    Parameters
    ----------
    data
        Layers, titles, statistics, reference layers and raster overlays (see :class:`MapData`).
    ctx
        Language, basemap and link targets. When ``ctx.urls`` names the API (served pages),
        large layers load their geometries from its items URLs (:meth:`PageUrls.items`);
        otherwise (the static build) every layer is embedded.

    Returns
    -------
    folium.Map
        Ready to render with :func:`geo_industry.maps.base.render_page`.
    """
    title = ctx.t("nav.overview")
    m = new_map(data, ctx)
    add_page_chrome(m, ctx, page="overview", title=title, lang_url=lang_urls(ctx, "overview"))
    page = page_of(m)
    page.header.add_child(Element(f"<style>{_asset('overview.css')}</style>"), name="gi_overview_css")
    page.header.add_child(Element(f"<script>{_asset('overview.js')}</script>"), name="gi_overview_js")
    sections, search = [], []
    labels: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    for layer_id in data.layers:  # the catalog's layers in its order, uploaded layers after the shipped ones
        frame = data.layer(layer_id)
        if frame.empty:
            continue
        kind = data.kind(layer_id)
        tiled = _tiled_frame(layer_id, data, ctx)
        if tiled is not None:  # too large for the page: drawn from the API's vector tiles
            add_site_layer(m, tiled[0])
            sections.append(tiled[1])
            continue
        rows = [dict(r) for _, r in frame.iterrows()]
        built = _build_layer(layer_id, kind, data, ctx, rows)
        add_site_layer(m, built)
        sections.append(legend_section(kind, built, rows, ctx, geometry_type=data.geometry_type(layer_id)))
        if layer_id not in UNSEARCHED_LAYERS:
            search.extend(built.search)
        if layer_id in ZONE_LAYERS:
            labels.extend(_labels(layer_id, built, rows, ctx))
            records.extend(site_record(r, layer_id, ctx, built.variables.get(str(r.get("id")), "")) for r in rows)
    sections.extend(_tiled_summaries(m, data, ctx))  # too large for the maps to read: tiles only
    sections.extend(add_raster_overlays(m, data, ctx))  # hidden until ticked in the layer control
    search.extend(transport_line_search(m))
    entries = sorted(search, key=lambda e: e.label)
    SearchControl(entries, lang=ctx.lang, script_url=ctx.urls.script(SEARCH_SCRIPT),
                  static=ctx.urls.api_base is None).add_to(m)
    FindSitePanel(records, profile_rankings(data), ctx).add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    Legend(sections, title=ctx.t("legend.title"), position="topright").add_to(m)
    name = m.get_name()
    Script(f"window.giZoneLabels({name}, {script_json(labels)}); window.giFitLegend({name});").add_to(m)
    return m
