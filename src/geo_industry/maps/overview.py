"""The overview map: every layer, styled by meaning, with legends, search and tools."""

from __future__ import annotations

import folium

from geo_industry.catalog import LAYER_IDS
from geo_industry.maps.base import PageContext, add_page_chrome, lang_urls, new_map
from geo_industry.maps.basemap import transport_line_search
from geo_industry.maps.controls import Legend, SearchControl
from geo_industry.maps.data import MapData
from geo_industry.maps.layers import add_site_layer, site_layer
from geo_industry.maps.rasters import add_raster_overlays
from geo_industry.maps.symbols import LAYER_SYMBOLS, legend_section

UNSEARCHED_LAYERS = ("zone_outlines",)
"""Layers left out of the search box: an outline is found through its zone's point."""


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
    sections, search = [], []
    for layer_id in LAYER_IDS:
        frame = data.layer(layer_id)
        if frame.empty:
            continue
        symbol, cluster = LAYER_SYMBOLS[layer_id]
        rows = [dict(r) for _, r in frame.iterrows()]
        items_url = ctx.urls.items(layer_id, features=int(frame.geometry.notna().sum()))
        built = site_layer(layer_id, data, ctx, symbol=symbol, cluster=cluster, rows=rows, items_url=items_url)
        add_site_layer(m, built)
        sections.append(legend_section(layer_id, built, rows, ctx))
        if layer_id not in UNSEARCHED_LAYERS:
            search.extend(built.search)
    sections.extend(add_raster_overlays(m, data, ctx))  # hidden until ticked in the layer control
    search.extend(transport_line_search(m))
    SearchControl(sorted(search, key=lambda e: e.label), lang=ctx.lang).add_to(m)
    Legend(sections, title=ctx.t("nav.overview")).add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    return m
