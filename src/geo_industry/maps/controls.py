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
          var legend = L.control({position: "bottomright"});
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

    def __init__(self, sections: list[LegendSection], *, title: str) -> None:
        super().__init__()
        self._name = "Legend"
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
    """A searchable feature: label, folded search text, its Leaflet variable and cluster."""

    label: str
    search: str
    var: str
    cluster: str = ""

    def as_json(self) -> dict[str, str]:
        """Compact form embedded in the page."""
        return {"n": self.label, "s": self.search, "v": self.var, "g": self.cluster}


class SearchControl(MacroElement):
    """Search features by name with or without Vietnamese diacritics (no geocoder, no network)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .gi-search{background:#fff;padding:4px;border-radius:4px;box-shadow:0 1px 4px #0004;
          font:13px system-ui,sans-serif}
        .gi-search input{width:210px;padding:3px 5px}
        .gi-search ul{list-style:none;margin:2px 0 0;padding:0;max-height:220px;overflow:auto}
        .gi-search li{padding:2px 4px;cursor:pointer}.gi-search li:hover{background:#eef}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function(){
          var map = {{ this._parent.get_name() }};
          var index = {{ this.entries|tojson }};
          function fold(t) {
            return t.toLowerCase().normalize("NFD").replace(/[\\u0300-\\u036f]/g, "")
              .replace(/\\u0111/g, "d");
          }
          function openPopupOf(layer) {
            if (layer.isPopupOpen()) { return; }
            if (layer.getLatLng) { layer.openPopup(); } else { layer.openPopup(layer.getBounds().getCenter()); }
          }
          // Opens the popup once the layer is drawn, never after a guessed delay: a clustered marker
          // is on the map only when its cluster group has split for the new zoom, which the group
          // animates and ends with 'animationend' (the marker's own 'add' comes first, mid-animation).
          var pending = null;
          function openWhenDrawn(layer, group) {
            if (pending) { pending(); }
            function settled() { return map.hasLayer(layer) && !(group && group._inZoomAnimation); }
            function stop() {
              layer.off("add", attempt);
              if (group) { group.off("animationend", attempt); }
              pending = null;
            }
            function attempt() {
              if (settled()) { stop(); openPopupOf(layer); }
            }
            pending = stop;
            layer.on("add", attempt);
            if (group) { group.on("animationend", attempt); }
            attempt();
          }
          function reveal(entry) {
            var layer = window[entry.v], group = entry.g ? window[entry.g] : null;
            if (!layer) { return; }
            // no animation: a programmatic zoom is done when setView returns (an animated one can be
            // overtaken by the reader's next move, and Leaflet then finishes it, jumping back)
            if (layer.getLatLng) { map.setView(layer.getLatLng(), Math.max(map.getZoom(), 12), {animate: false}); }
            else { map.fitBounds(layer.getBounds(), {maxZoom: 13, animate: false}); }
            openWhenDrawn(layer, group);
          }
          var control = L.control({position: "topleft"});
          control.onAdd = function () {
            var div = L.DomUtil.create("div", "gi-search leaflet-control");
            div.innerHTML = '<input type="search" aria-label={{ this.placeholder|tojson }} ' +
              'placeholder={{ this.placeholder|tojson }}><ul></ul>';
            var input = div.querySelector("input"), list = div.querySelector("ul");
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            input.addEventListener("input", function () {
              var q = fold(input.value.trim());
              list.innerHTML = "";
              if (!q) { return; }
              var hits = index.filter(function (e) { return e.s.indexOf(q) >= 0 || fold(e.n).indexOf(q) >= 0; });
              if (!hits.length) { list.innerHTML = "<li class='none'>" + {{ this.none|tojson }} + "</li>"; }
              hits.slice(0, 12).forEach(function (e) {
                var li = document.createElement("li");
                li.textContent = e.n;
                // stop the click here: once the list is emptied, the item is out of the control, and
                // the map would take the click for its own and close the popup just opened
                L.DomEvent.on(li, "click", function (ev) { L.DomEvent.stop(ev); list.innerHTML = ""; reveal(e); });
                list.appendChild(li);
              });
            });
            return div;
          };
          control.addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, entries: list[SearchEntry], *, lang: str) -> None:
        super().__init__()
        self._name = "SearchControl"
        self.entries = [e.as_json() for e in entries]
        self.placeholder = translate("search.placeholder", lang)
        self.none = translate("search.none", lang)


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
            width: 120, height: 120}).addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, *, tiles: str | None = None, geojson: dict[str, Any] | None = None) -> None:
        super().__init__()
        self._name = "MiniMap"
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

