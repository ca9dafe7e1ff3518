"""Raster products on the maps: toggleable overlays with legends, and hillshade relief offline.

Served pages draw tiles from the API (``/rasters/{product}/tiles/{z}/{x}/{y}.png``); the static
build draws each product as one Web Mercator PNG written beside the pages (``rasters/*.png``),
coarser than the tiles but with no server. :func:`server_overlays` and :func:`static_overlays`
turn a built :class:`~geo_industry.raster.service.RasterService` into the
:class:`~geo_industry.maps.data.RasterOverlay` list a :class:`~geo_industry.maps.data.MapData`
carries; the builders only read that list.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import folium

from geo_industry.maps.controls import LegendSection
from geo_industry.maps.data import MapData, RasterOverlay
from geo_industry.maps.format import number

OVERLAY_ORDER = (
    "suitability", "slope", "hillshade", "distance_border_gate", "distance_railway", "distance_expressway",
    "distance_hydropower", "distance_copper_mine", "distance_apatite_mine",
)
"""Products offered as overlays, in layer-control order (terrain elevation is left to the API)."""
OVERLAY_OPACITY = 0.65
RELIEF_OPACITY = 0.55
STATIC_MAX_SIZE = 1024
"""Largest side (px) of a product's image in the static build."""


def _overlay(info: Any, url: str, *, image: bool) -> RasterOverlay:
    stops = tuple((float(s.value), str(s.color)) for s in info.legend.stops)
    return RasterOverlay(product=info.id, url=url, bounds=tuple(info.bounds_lonlat), units=info.units,
                         legend=stops, image=image)


def server_overlays(service: Any, *, base_url: str = "") -> tuple[RasterOverlay, ...]:
    """Overlays drawing the API's XYZ tiles (``base_url`` is the API root, '' for the same host)."""
    infos = {info.id: info for info in service.products}
    return tuple(_overlay(infos[p], f"{base_url}/rasters/{p}/tiles/{{z}}/{{x}}/{{y}}.png", image=False)
                 for p in OVERLAY_ORDER if p in infos)


def static_overlays(service: Any, out_dir: Path, *, folder: str = "rasters",
                    max_size: int = STATIC_MAX_SIZE) -> tuple[RasterOverlay, ...]:
    """Write each product as ``out_dir/folder/<product>.png`` (EPSG:3857) and return image overlays."""
    target = Path(out_dir) / folder
    target.mkdir(parents=True, exist_ok=True)
    infos = {info.id: info for info in service.products}
    overlays = []
    for product in (p for p in OVERLAY_ORDER if p in infos):
        png, bounds = service.reader(product).preview(max_size=max_size)
        (target / f"{product}.png").write_bytes(png)
        overlay = _overlay(infos[product], f"{folder}/{product}.png", image=True)
        overlays.append(RasterOverlay(overlay.product, overlay.url, bounds, overlay.units, overlay.legend, True))
    return tuple(overlays)


def overlay_title(overlay: RasterOverlay, ctx: Any) -> str:
    """The overlay's name in the page language."""
    return str(ctx.t(f"raster.{overlay.product}"))


def raster_layer(overlay: RasterOverlay, *, name: str, opacity: float, show: bool = False,
                 control: bool = True) -> folium.map.Layer:
    """A Leaflet layer for an overlay: a tile layer, or an image overlay in the static build."""
    west, south, east, north = overlay.bounds
    if overlay.image:
        layer = folium.raster_layers.ImageOverlay(
            "https://invalid.example/placeholder.png", bounds=[[south, west], [north, east]], name=name,
            opacity=opacity, show=show, control=control, interactive=False)
        layer.url = overlay.url  # a relative file beside the page (folium would embed a local path)
        return layer
    return folium.TileLayer(overlay.url, name=name, attr="geo-industry rasters", overlay=True, show=show,
                            control=control, opacity=opacity, max_zoom=18,
                            bounds=[[south, west], [north, east]])


def legend_section(overlay: RasterOverlay, name: str, ctx: Any) -> LegendSection:
    """A colour ramp from the first to the last stop, with the values and units (hidden until shown)."""
    colours = ", ".join(colour for _, colour in overlay.legend)
    ramp = (f'<span style="display:inline-block;width:120px;height:10px;border:1px solid #888;'
            f'background:linear-gradient(to right, {escape(colours)})"></span>')
    if overlay.legend:
        low, high = overlay.legend[0][0], overlay.legend[-1][0]
        label = f"{number(low, ctx.lang)} – {number(high, ctx.lang)} {overlay.units}"
    else:
        label = overlay.units
    return LegendSection(name, ((ramp, label),), hidden=True)


def add_raster_overlays(m: folium.Map, data: MapData, ctx: Any) -> list[LegendSection]:
    """Add every overlay of ``data`` (hidden until ticked) and return their legend sections."""
    sections = []
    for overlay in data.overlays:
        name = overlay_title(overlay, ctx)
        raster_layer(overlay, name=name, opacity=OVERLAY_OPACITY).add_to(m)
        sections.append(legend_section(overlay, name, ctx))
    return sections


def relief_layer(data: MapData) -> folium.map.Layer | None:
    """The hillshade as relief under the offline basemap's outlines, when a DEM is configured."""
    hillshade = data.overlay("hillshade")
    if hillshade is None:
        return None
    return raster_layer(hillshade, name="relief", opacity=RELIEF_OPACITY, show=True, control=False)
