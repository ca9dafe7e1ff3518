"""Layers too large to send as GeoJSON: the browser draws them from the API's vector tiles.

Past :attr:`~geo_industry.maps.urls.PageUrls.tile_threshold` located features, a served page
carries nothing per site: no geometry, popup or search entry, so its size does not grow with
the layer. ``static/maps/tiled-layers.js`` draws the layer's Mapbox Vector Tiles
(``/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}``) with the vendored Leaflet.VectorGrid
and builds each popup and hover label in the browser from the tile's properties, as text nodes
(never HTML), so a stored string cannot inject markup. The sites are drawn with the default
symbol of the layer's geometry family (one style: the per-site classes of the small layers would
need every site's data in the page).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import folium
import geopandas as gpd
import morecantile
from branca.element import Figure, JavascriptLink, MacroElement
from jinja2 import Template
from markupsafe import escape as markup_escape

from geo_industry.i18n import catalog, data_language
from geo_industry.maps.base import PageContext
from geo_industry.maps.layers import SiteLayer, Symbol
from geo_industry.maps.styles import (
    APPROX_DASH,
    APPROXIMATE_PRECISION_PREFIXES,
    APPROXIMATE_PRECISIONS,
    APPROXIMATE_QUALITIES,
    path_style,
)
from geo_industry.maps.symbols import SymbolRule, geometry_family
from geo_industry.models import NAME_FIELDS
from geo_industry.web_safety import script_json

BBox = tuple[float, float, float, float]
SCRIPT = "tiled-layers.js"
"""The drawing code, in ``geo_industry/static/maps``."""
VECTORGRID = "vectorgrid/Leaflet.VectorGrid.bundled.min.js"
"""Leaflet.VectorGrid in the vendor folder (see its README)."""
TILE_FEATURE_BUDGET = 5_000
"""Sites a tile may hold on average over the layer's extent for the browser to draw it at that zoom."""


def leaflet_style(symbol: Symbol, family: str, *, approximate: bool = False) -> dict[str, Any]:
    """Leaflet path options of a site drawn with ``symbol`` (``radius`` sizes points; VectorGrid never fills
    lines). A point is a circle of the symbol's colour and size (the tiles draw no other marker shape);
    a hollow one white inside a thick ring of its colour, as the page's hollow markers are; an
    ``approximate`` one pale inside a dashed ring of its colour, as the page's approximate markers are."""
    if family == "point":
        fill = "#ffffff" if symbol.hollow else symbol.color
        style = {"radius": symbol.size / 2, "weight": 3 if symbol.hollow else 1.5,
                 "color": symbol.color if symbol.hollow or approximate else "#ffffff", "opacity": 1, "fill": True,
                 "fillColor": fill, "fillOpacity": 0.35 if approximate else 0.9}
        return style | ({"dashArray": APPROX_DASH} if approximate else {})
    return {**path_style(symbol.color, approximate=approximate, fill=family == "polygon", weight=symbol.weight),
            "fill": family == "polygon"}


APPROXIMATE = {"qualityField": "geometry_quality", "qualities": list(APPROXIMATE_QUALITIES),
               "precisionField": "coord_precision", "precisions": list(APPROXIMATE_PRECISIONS),
               "precisionPrefixes": list(APPROXIMATE_PRECISION_PREFIXES)}
"""When a site's location is approximate (:func:`~geo_industry.maps.styles.is_approximate`), as data."""


def _styles(rule: SymbolRule, family: str, *, hollow: bool, approximate: bool, extra: dict[str, Any]) -> dict[str, Any]:
    return {cls: leaflet_style(replace(symbol, hollow=hollow), family, approximate=approximate) | extra
            for cls, symbol in rule.symbols.items()}


def symbol_table(rule: SymbolRule, geometry_type: str, *, context: bool = False) -> dict[str, Any]:
    """What the browser styles a tiled layer's sites by: the layer's :class:`SymbolRule` as data with the
    Leaflet path options of each class (``classes``; ``hollowClasses`` when the rule makes some hollow;
    ``approximateClasses`` and ``approximateHollowClasses`` for sites whose location is approximate, told
    by :data:`APPROXIMATE`). Its size does not depend on the number of sites. ``context`` layers are drawn
    pale (``gi-context``)."""
    family = geometry_family(geometry_type)
    extra = {"className": "gi-context"} if context else {}
    table = rule.table() | {"approximate": APPROXIMATE}
    for hollow in (False, True) if rule.hollow_field else (False,):
        for approximate in (False, True):
            key = ("approximate" if approximate else "") + ("Hollow" if hollow else "")
            name = (key[0].lower() + key[1:] + "Classes") if key else "classes"
            table[name] = _styles(rule, family, hollow=hollow, approximate=approximate, extra=extra)
    return table


def located_extent(frame: gpd.GeoDataFrame) -> tuple[int, BBox | None]:
    """How many sites of ``frame`` have a geometry, and their bounds (lon/lat)."""
    located = frame.geometry[frame.geometry.notna() & ~frame.geometry.is_empty]
    if located.empty:
        return 0, None
    west, south, east, north = (float(v) for v in located.total_bounds)
    return len(located), (west, south, east, north)


def min_zoom(located: int, bbox: BBox | None, *, budget: int = TILE_FEATURE_BUDGET) -> int:
    """The first zoom at which ``located`` sites spread over ``bbox``'s tiles average at most ``budget``
    per tile (a million points over the province: zoom 12); lower zooms draw nothing."""
    if located <= budget or bbox is None:
        return 0
    west, south, east, north = bbox
    tms = morecantile.tms.get("WebMercatorQuad")
    for zoom in range(tms.maxzoom + 1):
        corner, other = tms.tile(west, north, zoom), tms.tile(east, south, zoom)
        if located <= budget * (other.x - corner.x + 1) * (other.y - corner.y + 1):
            return zoom
    return int(tms.maxzoom)


def popup_spec(layer_id: str, ctx: PageContext) -> dict[str, Any]:
    """What the browser needs to write a site's popup and label: name properties in the page's data
    language order, the words of every status, and the link to the feature's page."""
    first, second = ("name_vi", "name_en") if data_language(ctx.lang) == "vi" else ("name_en", "name_vi")
    statuses = sorted(key.removeprefix("status.") for key in catalog(ctx.lang) if key.startswith("status."))
    base = ctx.urls.api_base or ""
    return {
        "names": [first, second, "name", "id"],
        "statusLabel": ctx.t("popup.status"),
        "statuses": {s: ctx.t(f"status.{s}") for s in statuses},
        "featureUrl": f"{base}/collections/{layer_id}/items/",
        "featureQuery": "?" + urlencode({"f": "html", "lang": ctx.lang}),
        "featureLabel": ctx.t("api.properties"),
    }


SEARCH_LIMIT = 10
"""Sites a search asks the API for, per tiled layer."""


def search_fields(fields: Iterable[str]) -> list[str]:
    """The name fields of :data:`NAME_FIELDS` among a layer's ``fields`` that a search matches."""
    present = [f for f in NAME_FIELDS if f in set(fields)]
    if "name_search" in present:
        present = [f for f in present if f not in ("name_vi", "name_en")]
    return present


def search_spec(layer_id: str, ctx: PageContext, *, fields: Iterable[str], title: str) -> dict[str, Any] | None:
    """What the search box needs to ask the API for the layer's sites by name (the items URL, the name
    fields the filter matches, how many to ask for, the layer's title); None when the page has no API or
    the layer no name field."""
    names = search_fields(fields)
    if ctx.urls.api_base is None or not names:
        return None
    return {"url": f"{ctx.urls.api_base}/collections/{layer_id}/items", "fields": names, "limit": SEARCH_LIMIT,
            "title": title}


class TiledLayer(MacroElement):
    """One layer drawn from vector tiles into a Folium group (shown and hidden with it).

    Parameters
    ----------
    url
        Tile URL template with ``{z}/{y}/{x}`` (:meth:`~geo_industry.maps.urls.PageUrls.tiles`).
    layer_id
        The collection id: the MVT layer's name and the key in ``window.giLayers``.
    group
        Folium variable name of the layer's group.
    spec
        The sites' symbol table (:func:`symbol_table`), popup texts (:func:`popup_spec`) and the first zoom
        drawn (:func:`min_zoom`).
    scripts
        URLs of Leaflet.VectorGrid and of the drawing code, put in the page header once.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.giTiledLayer({{ this.call_args }});
        {% endmacro %}
        """
    )

    def __init__(self, *, url: str, layer_id: str, group: str, spec: dict[str, Any], scripts: tuple[str, str]) -> None:
        super().__init__()
        self._name = "TiledLayer"
        self.call_args = f"{script_json(url)}, {script_json(layer_id)}, {group}, {script_json(spec)}"
        self.scripts = scripts

    def render(self, **kwargs: Any) -> Any:
        """Render the call and put VectorGrid and the drawing code in the page header once."""
        figure = self.get_root()
        assert isinstance(figure, Figure), "TiledLayer renders only inside a map's figure"
        figure.header.add_child(JavascriptLink(self.scripts[0]), name="gi_vectorgrid_js")
        figure.header.add_child(JavascriptLink(self.scripts[1]), name="gi_tiled_layers_js")
        return super().render(**kwargs)


def tiled_site_layer(layer_id: str, ctx: PageContext, *, url: str, name: str, symbols: dict[str, Any], located: int,
                     bbox: BBox | None, unmapped: list[str], fields: Iterable[str] = (),
                     show: bool = True) -> SiteLayer:
    """The layer ``layer_id`` drawn from the vector tiles at ``url`` with the ``symbols`` of
    :func:`symbol_table`: a group holding a :class:`TiledLayer`, with its ``located`` sites counted and
    the ids of its ``unmapped`` ones when known. No per-site search entries (the page stays small): the
    search box asks the API for its sites by the name fields among ``fields`` (:func:`search_spec`)."""
    group = folium.FeatureGroup(name=markup_escape(name), show=show)  # the layer control shows it as HTML
    spec = {"symbols": symbols, "popup": popup_spec(layer_id, ctx), "minZoom": min_zoom(located, bbox),
            "search": search_spec(layer_id, ctx, fields=fields, title=name)}
    scripts = (ctx.urls.asset(VECTORGRID), ctx.urls.script(SCRIPT))
    TiledLayer(url=url, layer_id=layer_id, group=group.get_name(), spec=spec, scripts=scripts).add_to(group)
    return SiteLayer(group=group, mapped=located, unmapped=unmapped, layer_id=layer_id)
