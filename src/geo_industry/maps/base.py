"""The frame every map page shares: basemap choice, reference layers, controls, header bar."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import folium
from branca.element import Element, Figure
from folium import plugins
from folium.map import FitBounds

from geo_industry.i18n import LANGUAGES, html_lang, translate
from geo_industry.maps.assets import localize_assets
from geo_industry.maps.basemap import LABEL_CSS, add_reference_basemap, add_transport_lines, zoom_script
from geo_industry.maps.controls import CoordinateReadout, MiniMap, Script
from geo_industry.maps.data import MapData
from geo_industry.maps.geojson import frame_geojson
from geo_industry.maps.geojson import round_geometry as round_geometry
from geo_industry.maps.language import in_language, measure_translation  # used by layers.py via base
from geo_industry.maps.rasters import relief_layer
from geo_industry.maps.registry import PAGES
from geo_industry.maps.urls import PageUrls
from geo_industry.web_safety import script_json

BASEMAPS = ("offline", "osm", "carto")
LAO_CAI_CENTER = (22.1, 104.3)
_TILES = {
    "osm": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    ),
    "carto": (
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
        '&copy; <a href="https://carto.com/attributions">CARTO</a>',
    ),
}
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English", "zh-CN": "中文"}
_CURRENT = ' aria-current="true"'
HEADER_CSS = """
<link rel="icon" href="data:,">
<style>
html,body{font-family:system-ui,"Segoe UI",Roboto,"Noto Sans",sans-serif}
.gi-bar{display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center;padding:6px 10px;
  background:#1d3557;color:#fff;font-size:14px;min-height:32px;box-sizing:border-box}
.gi-bar a{color:#fff;text-decoration:none}.gi-bar a[aria-current]{font-weight:bold;text-decoration:underline}
.gi-bar .gi-title{font-weight:bold;margin-right:8px}.gi-bar .gi-langs{margin-left:auto}
.gi-bar .gi-langs a{padding:0 4px}
.gi-panel{padding:10px 16px;max-width:1100px;font-size:14px}.gi-panel h2{font-size:18px;margin:12px 0 6px}
.gi-table{border-collapse:collapse;font-size:12px}.gi-table td,.gi-table th{border-bottom:1px solid #ddd;
  padding:2px 8px 2px 0;text-align:left;vertical-align:top}
.gi-facts th{width:38%;color:#444;font-weight:normal}
.leaflet-container.gi-offline{background:#dfe9ef}
.gi-popup{font-size:12px;min-width:220px}.gi-popup h3{margin:0;font-size:14px}
.gi-popup .alt{color:#555}.gi-popup table{border-collapse:collapse;margin:4px 0}
.gi-popup th{text-align:left;padding-right:6px;color:#444;font-weight:normal;vertical-align:top}
.gi-badge{display:inline-block;background:#fff3cd;color:#7a5b00;border:1px dashed #c9a227;
  border-radius:3px;padding:0 4px;font-size:11px;margin-left:4px}
.gi-symbol{background:none;border:none}
.lang-tag{font-size:9px;line-height:1;color:#666;border:1px solid #bbb;border-radius:2px;padding:0 2px;
  margin-left:3px;vertical-align:super;font-weight:normal;text-transform:lowercase}
@media print{.gi-bar .gi-langs,.leaflet-control-container{display:none}}
</style>
"""


@dataclass(frozen=True)
class PageContext:
    """Options every page builder takes: language, basemap and where links point."""

    lang: str = "vi"
    basemap: str = "offline"
    urls: PageUrls = PageUrls()

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValueError(f"invalid lang={self.lang!r}: expected one of {', '.join(LANGUAGES)}")
        if self.basemap not in BASEMAPS:
            raise ValueError(f"invalid basemap={self.basemap!r}: expected one of {', '.join(BASEMAPS)}")

    def t(self, key: str, **values: object) -> str:
        """Interface text in the page language."""
        return translate(key, self.lang, **values)


def _add_basemaps(m: folium.Map, data: MapData, ctx: PageContext) -> dict[str, Any] | None:
    offline = folium.FeatureGroup(name=ctx.t("basemap.offline"), overlay=False, show=ctx.basemap == "offline")
    relief = relief_layer(data)  # hillshade under the outlines when a DEM is configured
    if relief is not None:
        relief.add_to(offline)
    add_reference_basemap(offline, data, ctx.lang, ctx.t, relief=relief is not None)
    boundary = data.reference_of("boundary")
    boundary_json = frame_geojson(boundary.frame, ("name_vi", "name_en")) if boundary is not None else None
    offline.add_to(m)
    add_transport_lines(m, data, ctx.t, ctx.lang)
    for name in ("osm", "carto"):
        url, attribution = _TILES[name]
        folium.TileLayer(
            url,
            name=ctx.t(f"basemap.{name}"),
            attr=attribution,
            overlay=False,
            show=ctx.basemap == name,
            max_zoom=19,
        ).add_to(m)
    return boundary_json


CONTROL_TITLES_JS = """(function(){
  var map = %(map)s, t = %(titles)s;
  function title(el, text) { if (el) { el.title = text; el.setAttribute("aria-label", text); } }
  if (map.zoomControl) {
    title(map.zoomControl._zoomInButton, t.zoom_in);
    title(map.zoomControl._zoomOutButton, t.zoom_out);
  }
  // the layer switcher and Leaflet's credit are added after this script: name them once the page is built
  document.addEventListener("DOMContentLoaded", function () {
    title(map.getContainer().querySelector(".leaflet-control-layers-toggle"), t.layers);
    var credit = map.getContainer().querySelector(".leaflet-control-attribution a[title]");  // Leaflet's own
    if (credit) { credit.title = t.leaflet; }
  });
})();"""
"""Leaflet's own control titles (zoom, layers, credit) in the page language."""


def _control_titles(ctx: PageContext) -> dict[str, str]:
    return {key: ctx.t(f"control.{key}") for key in ("zoom_in", "zoom_out", "layers", "leaflet")}


def page_of(m: folium.Map) -> Figure:
    """The HTML page (branca ``Figure``) that ``m`` is drawn on."""
    root = m.get_root()
    if not isinstance(root, Figure):
        raise TypeError(f"map {m.get_name()} is not on a page")
    return root


def fit_at_once(m: folium.Map, bounds: tuple[float, float, float, float]) -> None:
    """Fit ``m`` to lon/lat ``bounds`` (west, south, east, north) when the page loads, without animation.

    An animated first zoom can still run when the reader's first move (a search) sets the view;
    Leaflet then finishes the old zoom and the map jumps back.
    """
    west, south, east, north = bounds
    fit = FitBounds([[south, west], [north, east]])
    fit.options["animate"] = False
    m.add_child(fit)


def new_map(data: MapData, ctx: PageContext, *, height: str = "100%", minimap: bool = True) -> folium.Map:
    """A map of the province with the chosen basemap, reference layers and the common controls."""
    m = folium.Map(
        location=LAO_CAI_CENTER, zoom_start=8, tiles=None, control_scale=True, height=height, minZoom=6, maxZoom=18
    )
    boundary_json = _add_basemaps(m, data, ctx)
    if ctx.basemap == "offline":
        page_of(m).header.add_child(
            Element(
                f"<script>document.addEventListener('DOMContentLoaded',function(){{"
                f"document.getElementById({script_json(m.get_name())}).classList.add('gi-offline')}})</script>"
            )
        )
    plugins.Fullscreen(
        position="topleft", title=ctx.t("control.fullscreen"), title_cancel=ctx.t("control.fullscreen_exit")
    ).add_to(m)
    Script(CONTROL_TITLES_JS % {"map": m.get_name(), "titles": script_json(_control_titles(ctx))}).add_to(m)
    plugins.MeasureControl(position="topleft", primary_length_unit="kilometers", primary_area_unit="hectares").add_to(m)
    measure_text = measure_translation(m.get_name(), ctx.lang)
    if measure_text is not None:
        Script(measure_text).add_to(m)
    CoordinateReadout(lang=ctx.lang).add_to(m)
    if minimap:
        tiles = None if ctx.basemap == "offline" else _TILES[ctx.basemap][0]
        MiniMap(tiles=tiles, geojson=boundary_json, lang=ctx.lang).add_to(m)
    bounds = data_bounds(data)
    if bounds is not None:
        fit_at_once(m, bounds)
    attributions = list(dict.fromkeys(r.attribution for r in data.reference if r.attribution))
    if attributions:
        _add_attribution(m, attributions, ctx.lang)
    page_of(m).header.add_child(Element(LABEL_CSS), name="gi_label_css")
    zoom_script(m).add_to(m)
    return m


def data_bounds(data: MapData) -> tuple[float, float, float, float] | None:
    """Bounds (minx, miny, maxx, maxy) of the boundary layer, else of all layers' geometries."""
    boundary = data.reference_of("boundary")
    frames = [boundary.frame] if boundary is not None else list(data.layers.values())
    boxes = [f.total_bounds for f in frames if not f.empty and f.geometry.notna().any()]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _add_attribution(m: folium.Map, texts: list[str], lang: str) -> None:
    """The reference layers' attributions (written in English) in the map corner, marked as English."""
    html = " | ".join(str(in_language(t, "en", lang)) for t in texts)
    Script(f"{m.get_name()}.attributionControl.addAttribution({script_json(html)});").add_to(m)


def header_bar(ctx: PageContext, *, page: str, title: str, lang_url: dict[str, str]) -> str:
    """The top bar: site title, navigation and the language switch."""
    links = []
    for entry in PAGES:
        current = ' aria-current="page"' if entry.name == page else ""
        href = escape(ctx.urls.page(entry.name, ctx.lang))
        links.append(f'<a href="{href}"{current}>{escape(ctx.t(entry.nav_key))}</a>')
    langs = " ".join(
        f'<a href="{escape(lang_url[code])}" hreflang="{html_lang(code)}" lang="{html_lang(code)}"'
        f'{_CURRENT if code == ctx.lang else ""} data-lang="{code}">{LANGUAGE_NAMES[code]}</a>'
        for code in LANGUAGES
    )
    return (
        f'<nav class="gi-bar" aria-label="{escape(ctx.t("site.title"))}">'
        f'<span class="gi-title">{escape(title)}</span>{"".join(links)}'
        f'<span class="gi-langs" aria-label="{escape(ctx.t("lang.label"))}">{langs}</span></nav>'
    )


def add_page_chrome(
    m: folium.Map, ctx: PageContext, *, page: str, title: str, lang_url: dict[str, str], panel: bool = False
) -> None:
    """Add the page title, stylesheet, header bar and language switch to a map's page.

    ``panel=True`` leaves room under the map for a :class:`~geo_industry.maps.controls.Panel`.
    """
    root = page_of(m)
    root.title = escape(f"{title} – {ctx.t('site.title')}")  # Branca writes it into <title> as is
    root.header.add_child(Element(HEADER_CSS), name="gi_css")
    root.html.add_child(Element(header_bar(ctx, page=page, title=title, lang_url=lang_url)), name="gi_bar", index=0)
    height = "52vh" if panel else "calc(100% - 44px)"
    root.header.add_child(
        Element(
            f"<style>#{m.get_name()}{{height:{height}!important}}"
            + ("html,body{height:auto!important}" if panel else "")
            + "</style>"
        ),
        name="gi_map_height",
    )


def lang_urls(ctx: PageContext, page: str) -> dict[str, str]:
    """URLs of ``page`` in every language."""
    return {code: ctx.urls.page(page, code) for code in LANGUAGES}


def render_page(m: folium.Map, ctx: PageContext) -> str:
    """Render the map's page to HTML with vendored assets and the page language set."""
    root = page_of(m)
    localize_assets(root, ctx.urls)
    html = root.render()
    return html.replace("<html>", f'<html lang="{html_lang(ctx.lang)}">', 1)
