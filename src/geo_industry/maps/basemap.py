"""The offline basemap drawn from the reference layers: countries, province outlines, rivers, transport
lines and labels (places, countries, rivers, the border) in the page's language.

The layers come from the ``reference`` group of the catalog (``data/reference/``, shipped with the
service), so a map needs no settings and no internet to orient its reader. Labels are DOM elements
(``span.gi-label``) placed with Leaflet ``divIcon`` markers; ``data-minzoom`` hides minor places
when zoomed out.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

import folium
import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from geo_industry.i18n import html_lang
from geo_industry.maps.controls import Script, SearchEntry
from geo_industry.maps.data import MapData, ReferenceLayer
from geo_industry.maps.format import number
from geo_industry.maps.geojson import frame_geojson
from geo_industry.maps.search import fold
from geo_industry.maps.styles import BOUNDARY_COLOR, RIVER_COLOR
from geo_industry.web_safety import script_json

COUNTRY_FILL = {"VNM": "#f7f4ee", "CHN": "#e0d9c8", "LAO": "#e8e2d2"}
"""Vietnam light; China and Laos darker, so the border reads at a glance."""
BORDER_COLOR = "#8c2d04"
TRANSPORT_STYLES: dict[str, dict[str, Any]] = {
    "railway": {"color": "#222222", "weight": 2.5, "dashArray": "8 4", "opacity": 0.9},
    "national_road": {"color": "#d7301f", "weight": 2.5, "opacity": 0.85},
    "provincial_road": {"color": "#f39c12", "weight": 1.6, "opacity": 0.85},
}
LABEL_CSS = """<style>
.gi-label-icon{background:none;border:none}
.gi-label{position:absolute;transform:translate(-50%,-50%);white-space:nowrap;pointer-events:none;
  font:12px/1.2 system-ui,"Noto Sans","Noto Sans CJK SC",sans-serif;color:#222;
  text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff}
.gi-label-place{transform:translate(-4px,-50%)}
.gi-label-place::before{content:"";display:inline-block;width:6px;height:6px;margin-right:4px;border-radius:50%;
  background:#333;border:1px solid #fff;vertical-align:middle}
.gi-label-country{font-size:15px;font-weight:600;letter-spacing:.12em;color:#5b4a2f;text-transform:uppercase}
.gi-label-river{font-style:italic;color:#1f5f99}
.gi-label-border{font-size:11px;color:#8c2d04;font-style:italic}
</style>"""


COUNTRY_LABEL_JS = """(function(){
  var group = %(group)s, labels = %(labels)s, lang = %(lang)s, markers = [];
  function inside(rings, lat, lng) {
    var c = false;
    rings.forEach(function (r) {
      for (var i = 0, j = r.length - 1; i < r.length; j = i++) {
        if ((r[i][0] > lat) !== (r[j][0] > lat) &&
            lng < (r[j][1] - r[i][1]) * (lat - r[i][0]) / (r[j][0] - r[i][0]) + r[i][1]) { c = !c; }
      }
    });
    return c;
  }
  function spot(map, rings) {
    var b = map.getBounds(), hits = [], n = 10;
    for (var i = 1; i < n; i++) for (var j = 1; j < n; j++) {
      var lat = b.getSouth() + (b.getNorth() - b.getSouth()) * j / n;
      var lng = b.getWest() + (b.getEast() - b.getWest()) * i / n;
      if (inside(rings, lat, lng)) { hits.push([lat, lng]); }
    }
    if (!hits.length) { return null; }
    var m = hits.reduce(function (a, h) { return [a[0] + h[0] / hits.length, a[1] + h[1] / hits.length]; }, [0, 0]);
    return hits.reduce(function (a, h) {
      return (h[0] - m[0]) * (h[0] - m[0]) + (h[1] - m[1]) * (h[1] - m[1]) <
             (a[0] - m[0]) * (a[0] - m[0]) + (a[1] - m[1]) * (a[1] - m[1]) ? h : a; });
  }
  function place() {
    var map = group._map;
    markers.forEach(function (mk) { group.removeLayer(mk); });
    markers = [];
    if (!map) { return; }
    labels.forEach(function (l) {
      var at = spot(map, l.rings);
      if (!at) { return; }
      var span = document.createElement("span");
      span.className = "gi-label gi-label-country"; span.lang = lang; span.textContent = l.name;
      var icon = L.divIcon({className: "gi-label-icon", html: span.outerHTML, iconSize: [1, 1], iconAnchor: [0, 0]});
      markers.push(L.marker(at, {icon: icon, interactive: false, keyboard: false}).addTo(group));
    });
  }
  group.on("add", function () { group._map.on("moveend", place); place(); });
  group.on("remove", function () { if (group._map) { group._map.off("moveend", place); } });
  if (group._map) { group._map.on("moveend", place); place(); }
})();"""
"""Names of the neighbouring countries placed, after every move, in the middle of their part of the view."""


def label_text(row: Any, lang: str) -> str:
    """The feature's name in the page language: Chinese pages use ``name_zh`` when the source gives one."""
    columns = {"vi": ("name_vi", "name_en"), "zh-CN": ("name_zh", "name_en")}.get(lang, ("name_en", "name_vi"))
    for column in columns:
        value = row.get(column)
        if isinstance(value, str) and value:
            return value
    return str(row.get("id", ""))


def _label(m: folium.Map | folium.FeatureGroup, point: BaseGeometry, text: str, kind: str, lang: str,
           min_zoom: int = 0) -> None:
    html = (f'<span class="gi-label gi-label-{kind}" lang="{html_lang(lang)}" data-minzoom="{min_zoom}">'
            f"{escape(text)}</span>")
    icon = folium.DivIcon(html=html, class_name="gi-label-icon", icon_size=(1, 1), icon_anchor=(0, 0))
    folium.Marker([point.y, point.x], icon=icon, interactive=False, keyboard=False).add_to(m)


def _place_min_zoom(scalerank: Any) -> int:
    rank = int(scalerank) if isinstance(scalerank, int | float) and scalerank == scalerank else 10
    return 0 if rank <= 5 else 7 if rank <= 8 else 8


def _geojson(frame: gpd.GeoDataFrame, columns: tuple[str, ...]) -> dict[str, Any]:
    return frame_geojson(frame, columns)


def _view(data: MapData) -> BaseGeometry | None:
    """The province's box, widened, to place labels where the reader looks."""
    boundary = data.reference_of("boundary")
    if boundary is None or boundary.frame.empty:
        return None
    return shapely.box(*boundary.frame.total_bounds).buffer(0.3, join_style="mitre")


def _province(data: MapData) -> BaseGeometry | None:
    boundary = data.reference_of("boundary")
    if boundary is None or boundary.frame.empty:
        return None
    frame = boundary.frame
    current = frame[frame["status"] == "current"] if "status" in frame.columns else frame
    return shapely.union_all((current if not current.empty else frame).geometry.dropna().to_numpy())


def _longest_part(geom: BaseGeometry) -> BaseGeometry | None:
    parts = list(getattr(geom, "geoms", [geom]))
    lines = [p for p in parts if p.geom_type == "LineString" and not p.is_empty]
    return max(lines, key=lambda p: p.length) if lines else None


def _line_label_point(line: BaseGeometry, area: BaseGeometry | None) -> BaseGeometry | None:
    """The middle of the longest piece of ``line`` inside ``area`` (where a label reads best)."""
    inside = line.intersection(area) if area is not None else line
    part = _longest_part(shapely.line_merge(inside) if inside.geom_type == "MultiLineString" else inside)
    return part.interpolate(0.5, normalized=True) if part is not None else None


def _rings(geom: BaseGeometry) -> list[list[list[float]]]:
    """Every ring of a (multi)polygon as [lat, lon] pairs, simplified (~500 m) for the label script."""
    simple = geom.simplify(0.005)
    polygons = list(getattr(simple, "geoms", [simple]))
    return [[[round(y, 4), round(x, 4)] for x, y in ring.coords]
            for polygon in polygons for ring in (polygon.exterior, *polygon.interiors)]


def _add_countries(group: folium.FeatureGroup, ref: ReferenceLayer, data: MapData, lang: str,
                   relief: bool) -> None:
    fill = 0.45 if relief else 1.0
    folium.GeoJson(
        _geojson(ref.frame, ("iso_a3",)), name=ref.key, control=False, interactive=False,
        style_function=lambda f: {"color": "#9d9482", "weight": 1, "fillOpacity": fill,
                                  "className": f"gi-country gi-country-{str(f['properties'].get('iso_a3')).lower()}",
                                  "fillColor": COUNTRY_FILL.get(f["properties"].get("iso_a3"), "#eeeeee")},
    ).add_to(group)
    labels = [{"name": label_text(row, lang), "rings": _rings(row.geometry)}
              for _, row in ref.frame.iterrows() if row.geometry is not None and row.get("iso_a3") != "VNM"]
    Script(COUNTRY_LABEL_JS % {"group": group.get_name(), "labels": script_json(labels),
                               "lang": script_json(html_lang(lang))}).add_to(group)


def _add_boundaries(group: folium.FeatureGroup, ref: ReferenceLayer, relief: bool) -> None:
    frame = ref.frame
    former = frame[frame["status"] == "former"] if "status" in frame.columns else frame.iloc[0:0]
    current = frame.drop(former.index)
    folium.GeoJson(
        _geojson(current, ("name_vi", "name_en")), name=ref.key, control=False, interactive=False,
        style_function=lambda _f: {"color": BOUNDARY_COLOR, "weight": 2.5, "fillColor": "#fbfaf6",
                                   "fillOpacity": 0.25 if relief else 0.6, "className": "gi-province"},
    ).add_to(group)
    if not former.empty:
        folium.GeoJson(
            _geojson(former, ("name_vi", "name_en")), name=ref.key, control=False, interactive=False,
            style_function=lambda _f: {"color": BOUNDARY_COLOR, "weight": 1, "dashArray": "4 4", "fill": False,
                                       "className": "gi-former-province"},
        ).add_to(group)


def _add_border_label(group: folium.FeatureGroup, data: MapData, lang: str, t: Any) -> None:
    countries, province = data.reference_of("countries"), _province(data)
    if countries is None or province is None or "iso_a3" not in countries.frame.columns:
        return
    china = countries.frame[countries.frame["iso_a3"] == "CHN"]
    if china.empty:
        return
    border = province.boundary.intersection(shapely.union_all(china.geometry.to_numpy()).buffer(0.02))
    folium.GeoJson(json.loads(shapely.to_geojson(border)), control=False, interactive=False,
                   style_function=lambda _f: {"color": BORDER_COLOR, "weight": 2, "dashArray": "10 3 2 3",
                                             "className": "gi-border"},
                   ).add_to(group)
    part = _longest_part(shapely.line_merge(border) if border.geom_type == "MultiLineString" else border)
    if part is None:
        return
    _label(group, part.interpolate(0.3, normalized=True), t("label.border_vn_cn"), "border", lang)


def _add_rivers(group: folium.FeatureGroup, ref: ReferenceLayer, data: MapData, lang: str) -> None:
    folium.GeoJson(_geojson(ref.frame, ()), name=ref.key, control=False, interactive=False,
                   style_function=lambda _f: {"color": RIVER_COLOR, "weight": 2, "opacity": 0.8,
                                              "className": "gi-river"}).add_to(group)
    province, view = _province(data), _view(data)
    for _, row in ref.frame.iterrows():
        if row.geometry is None:
            continue
        point = _line_label_point(row.geometry, province) or _line_label_point(row.geometry, view)
        if point is not None:
            _label(group, point, label_text(row, lang), "river", lang, min_zoom=7)


def add_places(m: folium.Map | folium.FeatureGroup, data: MapData, lang: str) -> None:
    """Place labels (a dot and the name in the page language), minor places only when zoomed in."""
    places = data.reference_of("places")
    if places is None:
        return
    for _, row in places.frame.iterrows():
        if row.geometry is not None and not row.geometry.is_empty:
            _label(m, row.geometry, label_text(row, lang), "place", lang, _place_min_zoom(row.get("scalerank")))


def _line_popup(row: Any, lang: str, t: Any) -> str:
    """Popup of one transport line section: its names, kind, length in the province and source."""
    primary = label_text(row, lang)
    other_lang = "en" if lang == "vi" else "vi"
    other = label_text(row, other_lang)
    kind = t(f"line_kind.{row.get('kind')}")
    facts = [(t("popup.kind"), kind)]
    km = row.get("length_in_province_km")
    if isinstance(km, int | float) and km == km:
        facts.append((t("popup.length_in_province"), f"{number(km, lang)} km"))
    table = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    return (  # the source is credited in the map's corner
        f'<div class="gi-popup" data-id="{escape(str(row.get("id")))}"><h3>{escape(primary)}</h3>'
        + (f'<div class="alt" lang="{html_lang(other_lang)}">{escape(other)}</div>' if other != primary else "")
        + f"<table>{table}</table></div>"
    )


def _line_geojson(frame: gpd.GeoDataFrame, lang: str, t: Any) -> dict[str, Any]:
    """Lines with their ``id``, an HTML-escaped ``tooltip`` and ``popup`` (Leaflet puts both in as HTML)."""
    geojson = _geojson(frame, ("name_vi", "name_en"))
    for feature, (_, row) in zip(geojson["features"], frame.iterrows(), strict=True):
        names = dict.fromkeys(str(v) for v in feature["properties"].values() if v)
        feature["properties"] = {
            "id": str(row.get("id")),
            "tooltip": escape(" / ".join(names)),
            "popup": _line_popup(row, lang, t),
        }
    return geojson


class TransportLines(folium.GeoJson):  # type: ignore[misc]
    """The lines of one kind, with the search entries that find them (one per named line)."""

    search: list[SearchEntry]


def _line_search(frame: gpd.GeoDataFrame, layer: TransportLines, group: folium.FeatureGroup, kind: str,
                 lang: str, t: Any) -> list[SearchEntry]:
    """One entry per line name: choosing it rings every section and opens the first one's popup."""
    entries = []
    for _name, rows in frame.groupby(frame["name_vi"].fillna(frame["id"]), sort=True):
        row = rows.iloc[0]
        primary, other = label_text(row, lang), label_text(row, "en" if lang == "vi" else "vi")
        label = f"{primary} ({other})" if other != primary else primary
        text = fold(str(row.get("name_zh") or ""))  # the label's names are searched as they are shown
        entries.append(SearchEntry(label, text, layer.get_name(), group=group.get_name(),
                                   kinds=(f"line_kind.{kind}",), parts=tuple(str(i) for i in rows["id"])))
    return entries


def add_transport_lines(m: folium.Map, data: MapData, t: Any, lang: str = "en") -> None:
    """Railways, national and provincial roads as toggleable overlays, one per kind, each section with
    its popup; the layers carry their search entries (:class:`TransportLines`)."""
    lines = data.reference_of("transport_lines")
    if lines is None or "kind" not in lines.frame.columns:
        return
    for kind, style in TRANSPORT_STYLES.items():
        frame = lines.frame[lines.frame["kind"] == kind]
        if frame.empty:
            continue
        group = folium.FeatureGroup(name=t(f"transport_line.{kind}"), overlay=True, show=kind != "provincial_road")
        layer = TransportLines(
            _line_geojson(frame, lang, t),
            style_function=lambda _f, s={**style, "className": f"gi-transport gi-{kind}"}: s,
            tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
            popup=folium.GeoJsonPopup(fields=["popup"], labels=False, class_name="gi-line-popup"),
        )
        layer.search = _line_search(frame, layer, group, kind, lang, t)
        layer.add_to(group)
        group.add_to(m)


def transport_line_search(m: folium.Map) -> list[SearchEntry]:
    """The search entries of the transport lines drawn on ``m`` by :func:`add_transport_lines`."""
    return [entry for group in m._children.values() for layer in group._children.values()
            if isinstance(layer, TransportLines) for entry in layer.search]


def zoom_script(m: folium.Map) -> Script:
    """Show each label only from its ``data-minzoom`` on."""
    name = m.get_name()
    return Script(
        f"(function(){{var map={name};function gi(){{var z=map.getZoom();"
        f"map.getContainer().querySelectorAll('.gi-label[data-minzoom]').forEach(function(e){{"
        f"e.style.display=z>=+e.dataset.minzoom?'':'none';}});}}"
        f"map.on('zoomend layeradd',gi);map.whenReady(gi);}})();"
    )


def add_reference_basemap(group: folium.FeatureGroup, data: MapData, lang: str, t: Any, *, relief: bool) -> None:
    """Draw the reference layers into the offline basemap group, bottom to top."""
    countries = data.reference_of("countries")
    if countries is not None:
        _add_countries(group, countries, data, lang, relief)
    boundary = data.reference_of("boundary")
    if boundary is not None:
        _add_boundaries(group, boundary, relief)
    _add_border_label(group, data, lang, t)
    rivers = data.reference_of("rivers")
    if rivers is not None:
        _add_rivers(group, rivers, data, lang)
    add_places(group, data, lang)
