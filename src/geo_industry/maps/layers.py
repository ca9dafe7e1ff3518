"""Turn a layer's frame into a Folium layer: one marker or outline per site with its popup.

Points become SVG markers (clustered where they crowd); lines and polygons become GeoJSON
outlines. Approximate locations are dashed and pale; an estimated point has a dashed ring of its
uncertainty radius (``coord_radius_km``), clipped to the province outline when the maps have one.
Sites without geometry are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import folium
import shapely
from folium import plugins
from markupsafe import escape as markup_escape

from geo_industry.maps.base import PageContext, round_geometry
from geo_industry.maps.controls import Script, SearchEntry
from geo_industry.maps.data import MapData
from geo_industry.maps.format import is_missing
from geo_industry.maps.markers import symbol_icon
from geo_industry.maps.popups import names, popup_html, tooltip_html
from geo_industry.maps.remote import SCRIPT as REMOTE_SCRIPT
from geo_industry.maps.remote import RemoteLayer
from geo_industry.maps.search import kind_keys, place_names, search_text
from geo_industry.maps.styles import is_approximate, path_style, uncertainty_km
from geo_industry.uncertainty import uncertainty_area
from geo_industry.web_safety import js_template_html, script_json


@dataclass(frozen=True)
class Symbol:
    """How one site is drawn: marker shape, colour and size (px); line weight for paths."""

    shape: str
    color: str
    size: float = 18
    weight: float = 2
    offset: tuple[float, float] = (0.0, 0.0)
    """Pixels (right, down) the marker is drawn from its point, to set apart sites that share one."""
    hollow: bool = False
    """White inside a thick outline (see :func:`~geo_industry.maps.markers.symbol_svg`)."""
    css_class: str = ""
    """Extra CSS class of the marker and its uncertainty ring (e.g. ``gi-context``)."""


SymbolFn = Callable[[dict[str, Any]], Symbol]


@dataclass
class SiteLayer:
    """A built layer: the Folium group, what it holds and the search entries of its sites."""

    group: folium.FeatureGroup
    mapped: int = 0
    unmapped: list[str] = field(default_factory=list)
    approximate: int = 0
    rings: int = 0
    """Estimated points drawn with an uncertainty ring."""
    rings_clipped: bool = True
    """False when no province outline was there to clip the rings to."""
    search: list[SearchEntry] = field(default_factory=list)
    layer_id: str = ""
    cluster: Any = None
    remote: RemoteLayer | None = None
    """Set when the browser fetches the sites' geometries (added to the map after the group)."""
    variables: dict[str, str] = field(default_factory=dict)
    """Feature id → the Leaflet variable of its marker or outline (set once drawn, when fetched)."""


def _label(row: dict[str, Any], ctx: PageContext) -> str:
    primary, other = names(row, ctx.lang)
    return f"{primary} ({other})" if other else primary


def _icon(symbol: Symbol, approximate: bool) -> folium.DivIcon:
    icon = symbol_icon(symbol.shape, symbol.color, symbol.size, approximate=approximate, hollow=symbol.hollow,
                       css_class=symbol.css_class)
    if symbol.offset != (0.0, 0.0):
        icon.options["icon_anchor"] = (symbol.size / 2 - symbol.offset[0], symbol.size / 2 - symbol.offset[1])
    return icon


def _icon_options(symbol: Symbol, approximate: bool) -> dict[str, Any]:
    o = _icon(symbol, approximate).options
    return {"html": o["html"], "iconSize": o["icon_size"], "iconAnchor": o["icon_anchor"], "className": o["class_name"]}


def _point_marker(row: dict[str, Any], symbol: Symbol, approximate: bool) -> folium.Marker:
    point = row["geometry"]
    point = point if point.geom_type == "Point" else point.representative_point()
    return folium.Marker(location=(round(point.y, 5), round(point.x, 5)), icon=_icon(symbol, approximate))


def _path_style(row: dict[str, Any], symbol: Symbol, approximate: bool) -> dict[str, Any]:
    is_line = row["geometry"].geom_type in ("LineString", "MultiLineString")
    return path_style(symbol.color, approximate=approximate, fill=not is_line, weight=symbol.weight)


def _path(row: dict[str, Any], symbol: Symbol, approximate: bool) -> folium.GeoJson:
    geom = round_geometry(row["geometry"])
    style = _path_style(row, symbol, approximate)
    feature = {"type": "Feature", "properties": {"id": row.get("id")}, "geometry": shapely.geometry.mapping(geom)}
    return folium.GeoJson(feature, style_function=lambda _f, s=style: s, highlight_function=None, control=False)


RING_STYLE = {"weight": 1, "dashArray": "4 4", "fill": False, "interactive": False}
"""Leaflet path options of an uncertainty ring (plus the site's colour)."""


def _ring(row: dict[str, Any], clip: Any) -> dict[str, Any] | None:
    """GeoJSON of where an estimated point can be: its ``coord_radius_km`` disc, clipped to ``clip``."""
    km = uncertainty_km(row)
    if not km or km <= 0 or row["geometry"].geom_type != "Point":
        return None
    area = uncertainty_area(row["geometry"], km, clip)
    return shapely.geometry.mapping(round_geometry(area))  # type: ignore[no-any-return]


def _ring_style(symbol: Symbol) -> dict[str, Any]:
    return {**RING_STYLE, "color": symbol.color, "className": " ".join(("gi-ring", symbol.css_class)).strip()}


def _uncertainty(ring: dict[str, Any], symbol: Symbol) -> folium.GeoJson:
    style = _ring_style(symbol)
    return folium.GeoJson(ring, style_function=lambda _f, s=style: s, highlight_function=None, control=False)


@dataclass
class _Site:
    """What one located site looks like, whether embedded or fetched."""

    row: dict[str, Any]
    symbol: Symbol
    approximate: bool
    popup: str
    tooltip: str
    ring: dict[str, Any] | None = None
    """GeoJSON of the clipped uncertainty disc of an estimated point, drawn as a dashed ring."""

    @property
    def is_point(self) -> bool:
        return bool(self.row["geometry"].geom_type in ("Point", "MultiPoint"))


def _embed(site: _Site, group: folium.FeatureGroup, points: Any) -> str:
    """Add the site's marker or outline to the page; returns its variable name."""
    row, sym, approximate = site.row, site.symbol, site.approximate
    item = _point_marker(row, sym, approximate) if site.is_point else _path(row, sym, approximate)
    # Folium writes both into JavaScript template literals: `, $ and \ become character references
    folium.Popup(js_template_html(site.popup), max_width=340).add_to(item)
    folium.Tooltip(js_template_html(site.tooltip)).add_to(item)
    item.add_to(points if site.is_point else group)
    if site.ring is not None:
        _uncertainty(site.ring, sym).add_to(group)
    return str(item.get_name())


def _register(site: _Site, remote: RemoteLayer) -> str:
    """Hand the site to the loader (no geometry in the page); returns its future variable name."""
    row, sym, approximate = site.row, site.symbol, site.approximate
    if site.is_point:
        draw: dict[str, Any] = {"icon": _icon_options(sym, approximate)}
        if site.ring is not None:
            draw["ring"] = site.ring
            draw["ringStyle"] = _ring_style(sym)
    else:
        draw = {"style": _path_style(row, sym, approximate)}
    return remote.add(str(row.get("id")), popup=site.popup, tooltip=site.tooltip, draw=draw)


def site_layer(
    layer_id: str,
    data: MapData,
    ctx: PageContext,
    *,
    symbol: SymbolFn,
    cluster: bool = False,
    cluster_icon: str | None = None,
    cluster_radius: int = 40,
    show: bool = True,
    name: str | None = None,
    rows: list[dict[str, Any]] | None = None,
    items_url: str | None = None,
) -> SiteLayer:
    """Build the Folium layer of ``layer_id`` (or of the given ``rows``) with popups and search.

    With ``items_url`` (see :meth:`PageUrls.items`) the page carries each site's symbol, popup
    and tooltip but no geometry: the browser fetches the features from that URL. ``cluster_icon``
    is a JavaScript ``iconCreateFunction`` for the clusters (MarkerCluster's default bubbles without),
    ``cluster_radius`` how far (px) markers gather into one cluster.
    """
    # Leaflet's layer control shows the name as HTML
    group = folium.FeatureGroup(name=markup_escape(name or data.title(layer_id, ctx.lang)), show=show)
    built = SiteLayer(group=group, rings_clipped=data.province_outline is not None)
    points: folium.FeatureGroup | plugins.MarkerCluster = group
    if cluster:
        points = plugins.MarkerCluster(
            control=False,
            options={"maxClusterRadius": cluster_radius, "disableClusteringAtZoom": 11, "showCoverageOnHover": False},
            icon_create_function=cluster_icon,
        )
        points.add_to(group)
    remote = None
    if items_url is not None:
        script = ctx.urls.script(REMOTE_SCRIPT)
        remote = RemoteLayer(
            url=items_url, group=group.get_name(), points=points.get_name(), layer_id=layer_id, script_url=script
        )
    if rows is None:
        rows = [dict(r) for _, r in data.layer(layer_id).iterrows()]
    places = place_names(data)
    for row in rows:
        geom = row.get("geometry")
        if geom is None or is_missing(geom) or geom.is_empty:
            built.unmapped.append(str(row.get("id")))
            entry = SearchEntry(_label(row, ctx), search_text(row, places), "", kinds=tuple(kind_keys(row)))
            built.search.append(entry)  # found, and said to have no position
            continue
        approximate = is_approximate(row)
        ring = _ring(row, data.province_outline) if approximate else None
        site = _Site(row, symbol(row), approximate, popup_html(row, data, ctx), tooltip_html(row, ctx), ring)
        var = _embed(site, group, points) if remote is None else _register(site, remote)
        built.mapped += 1
        built.approximate += int(approximate)
        built.variables[str(row.get("id"))] = var
        built.rings += int(ring is not None)
        built.search.append(
            SearchEntry(
                _label(row, ctx),
                search_text(row, places),
                var,
                cluster=points.get_name() if site.is_point and cluster else "",
                group=group.get_name(),
                layer=layer_id if remote is not None else "",  # a served page waits for its fetch
                kinds=tuple(kind_keys(row)),
            )
        )
    built.layer_id = layer_id
    built.cluster = points if cluster else None
    built.remote = remote
    return built


def add_site_layer(m: folium.Map, built: SiteLayer) -> None:
    """Add a built layer to the map and expose its counts as ``window.giLayers[layer_id]``."""
    built.group.add_to(m)
    if built.remote is not None:
        built.remote.add_to(m)
    info = {
        "name": built.group.layer_name,
        "mapped": built.mapped,
        "unmapped": len(built.unmapped),
        "approximate": built.approximate,
    }
    refs = f"group: {built.group.get_name()}" + (
        f", cluster: {built.cluster.get_name()}" if built.cluster is not None else ""
    )
    Script(
        f"window.giLayers = window.giLayers || {{}}; window.giLayers[{script_json(built.layer_id)}] = "
        f"Object.assign({script_json(info)}, {{{refs}}});"
    ).add_to(m)
