"""Leaflet controls we add to every map: legend, name search, coordinate readout, minimap.

Each is a Folium ``MacroElement`` with a small inline script; the libraries they need are
vendored (see :mod:`geo_industry.maps.assets`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from geo_industry.crs import METRIC_CRS
from geo_industry.i18n import translate

# METRIC_CRS (EPSG:9208, VN-2000 / TM-3 104-45) with the EPSG:6960 Helmert shift to WGS 84 (position-vector
# rotations, as proj4js expects): checked against pyproj's EPSG:6960 pipeline to the millimetre.
VN2000_TM3_LAO_CAI = (
    "+proj=tmerc +lat_0=0 +lon_0=104.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    "+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,"
    "0.252906278 +units=m +no_defs"
)


@dataclass(frozen=True)
class LegendSection:
    """Legend of one layer: its title, rows of (symbol HTML, label) and a footnote."""

    layer_name: str
    rows: tuple[tuple[str, str], ...]
    note: str = ""
    hidden: bool = False
    """Start hidden: for layers that are off until the reader ticks them."""


class Legend(MacroElement):
    """A collapsible legend with one section per layer, hidden while its layer is off."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .gi-legend{background:#fff;padding:6px 8px;border-radius:4px;box-shadow:0 1px 4px #0004;
          max-height:55vh;overflow:auto;font:12px/1.35 system-ui,sans-serif;max-width:240px}
        .gi-legend h4{margin:6px 0 2px;font-size:12px}.gi-legend .row{display:flex;gap:6px;align-items:center}
        .gi-legend .note{color:#555;font-size:11px}.gi-legend summary{cursor:pointer;font-weight:bold}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function(){
          var legend = L.control({position: {{ this.position|tojson }}});
          legend.onAdd = function () {
            var div = L.DomUtil.create("div", "gi-legend leaflet-control");
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableScrollPropagation(div);
            return div;
          };
          legend.addTo({{ this._parent.get_name() }});
          function toggle(e, show) {
            document.querySelectorAll(".gi-legend section").forEach(function (s) {
              if (s.dataset.layer === e.name) { s.style.display = show ? "" : "none"; }
            });
          }
          {{ this._parent.get_name() }}.on("overlayadd", function (e) { toggle(e, true); });
          {{ this._parent.get_name() }}.on("overlayremove", function (e) { toggle(e, false); });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, sections: list[LegendSection], *, title: str, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "Legend"
        self.position = position
        self.sections = sections
        self.html = _legend_html(sections, title)


def _legend_html(sections: list[LegendSection], title: str) -> str:
    from html import escape

    parts = [f"<details open><summary>{escape(title)}</summary>"]
    for section in sections:
        hidden = ' style="display:none"' if section.hidden else ""
        parts.append(f'<section data-layer="{escape(section.layer_name)}"{hidden}>')
        parts.append(f"<h4>{escape(section.layer_name)}</h4>")
        for symbol, label in section.rows:
            parts.append(f'<div class="row">{symbol}<span>{escape(label)}</span></div>')
        if section.note:
            parts.append(f'<div class="note">{escape(section.note)}</div>')
        parts.append("</section>")
    parts.append("</details>")
    return "".join(parts)


@dataclass(frozen=True)
class SearchEntry:
    """A searchable feature: what the list shows, what it is found by and how the page reaches it.

    ``var`` is the Leaflet variable of the marker or path (for ``parts``: of the GeoJSON layer
    holding the features with those ids); ``cluster`` the marker cluster it may hide in;
    ``group`` the overlay shown when the result is chosen; ``layer`` the ``window.giLayers`` key
    whose fetch a served page waits for. ``var`` is empty for a site without a position.
    """

    label: str
    search: str
    var: str
    cluster: str = ""
    group: str = ""
    layer: str = ""
    kinds: tuple[str, ...] = ()
    """Catalog keys of what it is (kind, commodity …): shown, and searched in every language."""
    parts: tuple[str, ...] = ()


def _search_index(entries: list[SearchEntry], lang: str) -> tuple[list[dict[str, Any]], list[list[str]], list[str]]:
    """The entries as compact JSON, the table of their kinds ([label in ``lang``, words in every
    language]) and the table of the groups and clusters they are in (entries hold positions in both)."""
    from geo_industry.maps.search import words_in_every_language

    keys = list(dict.fromkeys(k for e in entries for k in e.kinds))
    kinds = [[translate(k, lang), words_in_every_language([k])] for k in keys]
    position = {k: i for i, k in enumerate(keys)}
    groups = list(dict.fromkeys(g for e in entries for g in (e.cluster, e.group) if g))
    group_position = {g: i for i, g in enumerate(groups)}
    index = []
    for e in entries:
        entry: dict[str, Any] = {"n": e.label, "s": e.search, "v": e.var}
        entry = {k: v for k, v in entry.items() if v}
        optional = {
            "g": group_position.get(e.cluster),
            "o": group_position.get(e.group),
            "l": e.layer,
            "f": list(e.parts),
            "w": [position[k] for k in e.kinds],
        }
        index.append(entry | {k: v for k, v in optional.items() if v or v == 0})
    return index, kinds, groups


SEARCH_SCRIPT = "search.js"
"""The search box's code, in ``geo_industry/static/maps``."""


class SearchControl(MacroElement):
    """Search features by name (with or without Vietnamese diacritics, English, Chinese) or by kind
    in any language; choosing a result opens its popup and rings it (no geocoder).

    The entries are the sites the page carries. On a served page the layers drawn from vector tiles
    (:mod:`geo_industry.maps.tiled`) add their own searches, which ask the API as the user types;
    a ``static`` page (no API) says in the box's hint that it searches only the page's sites.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .gi-search{background:#fff;padding:4px;border-radius:4px;box-shadow:0 1px 4px #0004;
          font:13px system-ui,sans-serif;max-width:min(320px,70vw)}
        .gi-search input{width:min(290px,64vw);padding:3px 5px;box-sizing:border-box}
        .gi-search ul{list-style:none;margin:2px 0 0;padding:0;max-height:260px;overflow:auto}
        .gi-search li{padding:3px 4px;cursor:pointer}.gi-search li:hover{background:#eef}
        .gi-search .gi-search-kind{display:block;color:#666;font-size:11px}
        .gi-search li.gi-search-none{cursor:default;color:#555}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}
        """
    )

    def __init__(self, entries: list[SearchEntry], *, lang: str, script_url: str, static: bool = False) -> None:
        super().__init__()
        self._name = "SearchControl"
        self.script_url = script_url  # of static/maps/search.js (PageUrls.script)
        self.entries, self.kinds, self.groups = _search_index(entries, lang)
        self.text = {
            "placeholder": translate("search.placeholder", lang),
            "hint": translate("search.static_hint" if static else "search.placeholder", lang),
            "none": translate("search.none", lang),
            "unlocated": translate("search.unlocated", lang),
            "searching": translate("search.searching", lang),
            "failed": translate("search.api_failed", lang),
        }

    def render(self, **kwargs: Any) -> Any:
        """Call the search script with the map and the index as JSON safe inside a script element."""
        from branca.element import Figure, JavascriptLink

        from geo_industry.web_safety import script_json

        assert self._parent is not None, "SearchControl renders only on a map"
        self.code = (
            f"window.giSearch({self._parent.get_name()}, {script_json(self.entries)}, {script_json(self.kinds)}, "
            f"{script_json(self.groups)}, {script_json(self.text)});"
        )
        figure = self.get_root()
        assert isinstance(figure, Figure), "SearchControl renders only inside a map's figure"
        figure.header.add_child(JavascriptLink(self.script_url), name="gi_search_js")
        return super().render(**kwargs)


class CoordinateReadout(JSCSSMixin, MacroElement):
    """Pointer position in WGS 84 and VN-2000 / TM-3 104°45′ (EPSG:9208), computed by proj4js."""

    default_js = [("proj4", "https://cdn.jsdelivr.net/npm/proj4@2.12.1/dist/proj4.js")]
    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>.gi-coords{background:#fffd;padding:2px 6px;font:11px/1.4 ui-monospace,monospace;
          border-radius:3px;white-space:pre}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function(){
          var map = {{ this._parent.get_name() }};
          proj4.defs({{ this.code|tojson }}, {{ this.proj|tojson }});
          var control = L.control({position: "bottomleft"}), div;
          control.onAdd = function () {
            div = L.DomUtil.create("div", "gi-coords leaflet-control");
            div.textContent = {{ this.wgs|tojson }} + " –\\n" + {{ this.vn|tojson }} + " –";
            return div;
          };
          control.addTo(map);
          window.giCoordinates = function (lat, lng) {
            var p = proj4("EPSG:4326", {{ this.code|tojson }}, [lng, lat]);
            return {{ this.wgs|tojson }} + "  " + lat.toFixed(5) + "° N " + lng.toFixed(5) + "° E\\n" +
              {{ this.vn|tojson }} + "  X " + p[1].toFixed(1) + " m  Y " + p[0].toFixed(1) + " m";
          };
          map.on("mousemove", function (e) { div.textContent = window.giCoordinates(e.latlng.lat, e.latlng.lng); });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, *, lang: str) -> None:
        super().__init__()
        self._name = "CoordinateReadout"
        self.code = METRIC_CRS
        self.proj = VN2000_TM3_LAO_CAI
        self.wgs = translate("coords.wgs84", lang)
        self.vn = translate("coords.vn2000", lang)


class MiniMap(JSCSSMixin, MacroElement):
    """An overview minimap showing either a tile layer or, offline, GeoJSON reference data."""

    default_js = [
        ("Control_MiniMap_js", "https://cdnjs.cloudflare.com/ajax/libs/leaflet-minimap/3.6.1/Control.MiniMap.js")
    ]
    default_css = [
        ("Control_MiniMap_css", "https://cdnjs.cloudflare.com/ajax/libs/leaflet-minimap/3.6.1/Control.MiniMap.css")
    ]
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(){
          {% if this.tiles %}
          var layer = L.tileLayer({{ this.tiles|tojson }}, {attribution: ""});
          {% else %}
          var layer = L.geoJSON({{ this.geojson|tojson }},
            {style: {color: "#636363", weight: 1, fillColor: "#f2efe9", fillOpacity: 1}});
          {% endif %}
          new L.Control.MiniMap(layer, {toggleDisplay: true, zoomLevelOffset: -4, position: "bottomright",
            width: 120, height: 120, strings: {{ this.strings|tojson }}}).addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self, *, tiles: str | None = None, geojson: dict[str, Any] | None = None, lang: str = "en"
    ) -> None:
        super().__init__()
        self._name = "MiniMap"
        self.strings = {
            "hideText": translate("control.minimap_hide", lang),
            "showText": translate("control.minimap_show", lang),
        }
        self.tiles = tiles
        self.geojson = geojson or {"type": "FeatureCollection", "features": []}


class ChoroplethControl(MacroElement):
    """Indicator and year pickers that recolour a GeoJSON layer of admin units, with its legend.

    ``options`` are :func:`geo_industry.maps.choropleth.option_json` dicts; features are keyed
    by their ``prop`` property. Exposes ``window.giChoropleth(key)`` and the shown key as
    ``window.giChoroplethKey``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(){
          var map = {{ this._parent.get_name() }}, layer = {{ this.layer }};
          var options = {{ this.options|tojson }}, labels = {{ this.labels|tojson }}, prop = {{ this.prop|tojson }};
          var byKey = {}; options.forEach(function (o) { byKey[o.key] = o; });
          var control = L.control({position: "bottomright"}), ind, year, legend;
          function el(tag, text, cls) {
            var e = document.createElement(tag);
            if (text !== undefined) { e.textContent = text; }
            if (cls) { e.className = cls; }
            return e;
          }
          function fillYears(indicator, key) {
            year.innerHTML = "";
            options.filter(function (o) { return o.indicator === indicator; }).forEach(function (o) {
              var opt = el("option", o.year + " · " + o.price_basis); opt.value = o.key; year.appendChild(opt); });
            if (key) { year.value = key; }
          }
          function swatch(color) { var s = el("span", "", "gi-swatch"); s.style.cssText =
            "display:inline-block;width:14px;height:10px;border:1px solid #888;background:" + color; return s; }
          function apply(key) {
            var o = byKey[key]; if (!o) { return; }
            layer.eachLayer(function (l) { var k = String(l.feature.properties[prop]);
              l.setStyle({fillColor: o.colors[k], fillOpacity: 0.75});
              l.unbindTooltip(); l.bindTooltip(o.tooltips[k] || k); });
            legend.innerHTML = "";
            legend.appendChild(el("h4", o.title)); legend.appendChild(el("div", o.basis, "gi-basis"));
            o.classes.forEach(function (c) { var r = el("div", undefined, "row gi-class");
              r.appendChild(swatch(c.color)); r.appendChild(el("span", c.label)); legend.appendChild(r); });
            var nd = el("div", undefined, "row"); nd.appendChild(swatch({{ this.no_data_color|tojson }}));
            nd.appendChild(el("span", labels.no_data)); legend.appendChild(nd);
            legend.appendChild(el("div", labels.note, "note"));
            window.giChoroplethKey = key;
          }
          control.onAdd = function () {
            var div = L.DomUtil.create("div", "gi-legend gi-choropleth leaflet-control");
            var l1 = el("label", labels.indicator + " "); ind = el("select"); l1.appendChild(ind);
            var l2 = el("label", labels.year + " "); year = el("select"); l2.appendChild(year);
            Object.keys(labels.indicators).forEach(function (k) { var opt = el("option", labels.indicators[k]);
              opt.value = k; ind.appendChild(opt); });
            legend = el("section");
            div.appendChild(l1); div.appendChild(el("br")); div.appendChild(l2); div.appendChild(legend);
            ind.addEventListener("change", function () { fillYears(ind.value); apply(year.value); });
            year.addEventListener("change", function () { apply(year.value); });
            L.DomEvent.disableClickPropagation(div); L.DomEvent.disableScrollPropagation(div);
            return div;
          };
          control.addTo(map);
          window.giChoropleth = function (key) { var o = byKey[key]; if (!o) { return false; }
            ind.value = o.indicator; fillYears(o.indicator, key); apply(key); return true; };
          window.giChoropleth({{ this.selected|tojson }});
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self, *, layer: str, prop: str, options: list[dict[str, Any]], selected: str, labels: dict[str, Any]
    ) -> None:
        from geo_industry.maps.choropleth import NO_DATA_COLOR

        super().__init__()
        self._name = "ChoroplethControl"
        self.layer = layer
        self.prop = prop
        self.options = options
        self.selected = selected
        self.labels = labels
        self.no_data_color = NO_DATA_COLOR


class Script(MacroElement):
    """Inline JavaScript run in document order with the map's own script."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "Script"
        self.code = code


class Panel(MacroElement):
    """HTML placed on the page after the map (fact sheets, tables, charts)."""

    _template = Template("{% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}")

    def __init__(self, content: str) -> None:
        super().__init__()
        self._name = "Panel"
        self.content = content

