"""Where pages and vendored assets live: on the server (``/maps/...``) or in a static build.

Builders take a :class:`PageUrls` and never assume one or the other, so the same builder
serves both.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

REMOTE_MIN_FEATURES = 20
"""Served pages fetch a layer from the API when it has at least this many located features.

Smaller layers (border gates, transport) stay embedded: one request costs more than their
few markers. On the real data every zone, cluster, mine, plant and hydropower layer qualifies.
"""
ITEMS_LIMIT = 10_000
"""``limit`` of the items URL: large enough for any layer to come in one page."""
TILE_MATRIX_SET = "WebMercatorQuad"
"""The tile matrix set the maps draw vector tiles in (Leaflet's own)."""


@dataclass(frozen=True)
class PageUrls:
    """Links between pages and to the vendored assets.

    ``static=False``: server paths like ``/maps/overview?lang=en``.
    ``static=True``: relative files like ``overview.en.html`` in one flat folder.

    ``api_base`` is where the OGC API answers (``""`` for the same host's root) when the page
    is served by it: large layers then load from ``{api_base}/collections/{id}/items`` instead
    of being embedded, and a layer of at least ``tile_threshold`` located features (when set)
    from its vector tiles. ``None`` (the static build) embeds every layer.
    """

    static: bool = False
    prefix: str = "/maps"
    vendor_base: str = "/static/vendor/"
    basemap: str | None = None
    api_base: str | None = None
    script_base: str = "/static/maps/"
    tile_threshold: int | None = None

    def page(self, name: str, lang: str, **params: str) -> str:
        """URL of the page ``name`` (one of :data:`~geo_industry.maps.registry.PAGE_NAMES`) in ``lang``."""
        if self.static:
            return f"{name}.{lang}.html"
        path = f"{self.prefix}/" if name == "index" else f"{self.prefix}/{name}"
        query = {"lang": lang, **({"basemap": self.basemap} if self.basemap else {}), **params}
        return f"{path}?{urlencode(query)}"

    def zone(self, zone_id: str, lang: str) -> str:
        """URL of the fact sheet of zone ``zone_id``."""
        if self.static:
            return f"zone-{zone_id}.{lang}.html"
        query = {"lang": lang, **({"basemap": self.basemap} if self.basemap else {})}
        return f"{self.prefix}/zones/{zone_id}?{urlencode(query)}"

    def compare(self, zone_ids: list[str], lang: str) -> str:
        """URL of the compare page for ``zone_ids`` (the static page picks zones in the browser)."""
        if self.static:
            return f"compare.{lang}.html#" + ",".join(zone_ids)
        return self.page("compare", lang, zones=",".join(zone_ids))

    def asset(self, path: str) -> str:
        """URL of a vendored file, ``path`` relative to the vendor folder."""
        return self.vendor_base + path

    def script(self, path: str) -> str:
        """URL of one of our own scripts, ``path`` relative to ``static/maps``."""
        return self.script_base + path

    def items(self, layer_id: str, *, features: int) -> str | None:
        """Items URL of a layer of ``features`` located features to fetch, or None to embed it."""
        if self.api_base is None or features < REMOTE_MIN_FEATURES or self.tiles(layer_id, features=features):
            return None
        return f"{self.api_base}/collections/{layer_id}/items?{urlencode({'limit': ITEMS_LIMIT})}"

    def tiles(self, layer_id: str, *, features: int) -> str | None:
        """Vector tile URL template (``{z}/{y}/{x}``) of a layer of ``features`` located features to draw
        from tiles, or None (no API, no threshold, or fewer features: embedded or fetched as GeoJSON)."""
        if self.api_base is None or self.tile_threshold is None or features < self.tile_threshold:
            return None
        return f"{self.api_base}/collections/{layer_id}/tiles/{TILE_MATRIX_SET}/{{z}}/{{y}}/{{x}}"


def static_urls() -> PageUrls:
    """Links for the static build: relative to one flat folder with ``vendor/`` and ``scripts/`` beside the pages."""
    return PageUrls(static=True, vendor_base="vendor/", script_base="scripts/")
