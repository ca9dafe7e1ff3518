"""Vendored JavaScript and CSS: rewrite Folium's CDN links to files we ship and serve.

Folium and its plugins name each asset (``leaflet``, ``markerclusterjs`` …). Every name a page
uses must be in :data:`VENDORED` (shipped under ``geo_industry/static/vendor``) or in
:data:`UNUSED` (dropped: we draw markers as SVG, so Bootstrap and the icon fonts are not needed).
Anything else raises :class:`UnvendoredAsset`, so a new plugin cannot slip in a CDN request.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from branca.element import Element

from geo_industry.maps.urls import PageUrls

VENDORED: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "jquery": "jquery/jquery.min.js",
    "markerclusterjs": "markercluster/leaflet.markercluster.js",
    "markerclustercss": "markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "markercluster/MarkerCluster.Default.css",
    "Control.Fullscreen.js": "fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "fullscreen/Control.FullScreen.css",
    "leaflet_measure_js": "measure/leaflet-measure.js",
    "leaflet_measure_css": "measure/leaflet-measure.css",
    "Control_MiniMap_js": "minimap/Control.MiniMap.min.js",
    "Control_MiniMap_css": "minimap/Control.MiniMap.min.css",
    "proj4": "proj4/proj4.js",
}
UNUSED = frozenset(
    {
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
    }
)


class UnvendoredAsset(LookupError):
    """A Folium element asks for an asset we do not ship."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url
        super().__init__(f"asset {name!r} ({url}) is not vendored: add it to static/vendor and VENDORED")


def vendor_dir() -> Path:
    """The folder of the vendored files inside the installed package."""
    return Path(str(resources.files("geo_industry").joinpath("static", "vendor")))


def scripts_dir() -> Path:
    """The folder of the project's own page scripts (``static/maps``) inside the installed package."""
    return Path(str(resources.files("geo_industry").joinpath("static", "maps")))


def _localized(links: list[tuple[str, str]], urls: PageUrls) -> list[tuple[str, str]]:
    result = []
    for name, url in links:
        if name in UNUSED:
            continue
        if name not in VENDORED:
            raise UnvendoredAsset(name, url)
        result.append((name, urls.asset(VENDORED[name])))
    return result


def _walk(element: Element) -> list[Element]:
    found = [element]
    for child in list(element._children.values()):
        found.extend(_walk(child))
    return found


def localize_assets(root: Element, urls: PageUrls) -> None:
    """Point every ``default_js``/``default_css`` of ``root``'s tree at our vendored copies."""
    for element in _walk(root):
        for attr in ("default_js", "default_css"):
            links = getattr(element, attr, None)
            if links:
                setattr(element, attr, _localized(list(links), urls))
