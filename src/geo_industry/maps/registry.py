"""The one list of the site's pages: URL name, menu entry, and for a map page what it shows.

The header menu, the index page, the ``/maps`` routes, the static build and the URL helpers all
read it; a new map page adds one :class:`Page` here and its builder to
:data:`geo_industry.maps.pages.MAP_BUILDERS`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """One page of the site."""

    name: str
    """URL name: ``/maps/<name>`` on the server, ``<name>.<lang>.html`` in a static build."""
    nav_key: str
    """i18n key of its entry in the header menu and on the index page."""
    summary: str = ""
    """What a map page shows (its route's summary); empty for the index and the comparison pages."""

    @property
    def is_map(self) -> bool:
        """Whether a map builder draws the page (else it has a route of its own)."""
        return bool(self.summary)


PAGES: tuple[Page, ...] = (
    Page("index", "nav.index"),
    Page("overview", "nav.overview", "Every layer on one map."),
    Page("copper-value-chain", "nav.copper", "Copper from mines to smelters to the border, by year."),
    Page("energy", "nav.energy", "Hydropower plants by river, size and output."),
    Page("statistics", "nav.statistics", "Industrial production value and site outputs."),
    Page("compare", "nav.compare"),
)
PAGE_NAMES: tuple[str, ...] = tuple(page.name for page in PAGES)
MAP_PAGES: tuple[Page, ...] = tuple(page for page in PAGES if page.is_map)
