"""Where pages and vendored assets live: on the server (``/maps/...``) or in a static build.

Builders take a :class:`PageUrls` and never assume one or the other, so the same builder
serves both.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

PAGES = ("index", "overview", "copper-value-chain", "energy", "statistics", "compare")


@dataclass(frozen=True)
class PageUrls:
    """Links between pages and to the vendored assets.

    ``static=False``: server paths like ``/maps/overview?lang=en``.
    ``static=True``: relative files like ``overview.en.html`` in one flat folder.
    """

    static: bool = False
    prefix: str = "/maps"
    vendor_base: str = "/static/vendor/"
    basemap: str | None = None

    def page(self, name: str, lang: str, **params: str) -> str:
        """URL of the page ``name`` (one of :data:`PAGES`) in ``lang``."""
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


def static_urls() -> PageUrls:
    """Links for the static build: relative to one flat folder with ``vendor/`` beside the pages."""
    return PageUrls(static=True, vendor_base="vendor/")
