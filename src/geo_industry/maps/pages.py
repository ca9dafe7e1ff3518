"""Every page of the site by name: one function ``(data, ctx) -> HTML`` per page.

The router and the static build both render pages through :func:`render`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import folium

from geo_industry.maps.base import PageContext, render_page
from geo_industry.maps.copper import build_copper_map
from geo_industry.maps.data import MapData
from geo_industry.maps.energy import build_energy_map
from geo_industry.maps.index_page import build_index_page
from geo_industry.maps.overview import build_overview_map
from geo_industry.maps.statistics_page import build_statistics_map
from geo_industry.maps.zones import build_compare_page, build_zone_page

MAP_BUILDERS: dict[str, Callable[[MapData, PageContext], folium.Map]] = {
    "overview": build_overview_map,
    "copper-value-chain": build_copper_map,
    "energy": build_energy_map,
    "statistics": build_statistics_map,
}


COMPACT_PAGES = frozenset({"overview"})
"""Pages sent without the indentation of Folium's templates (keeps the overview under its 1 MB budget)."""
_INDENT = re.compile(r"\n[ \t]+")


def compact(html: str) -> str:
    """``html`` without leading whitespace on its lines: the same page in HTML, CSS and JavaScript
    as long as it has no ``<pre>`` or multi-line string whose indentation matters (Folium's have none)."""
    return _INDENT.sub("\n", html)


def render(name: str, data: MapData, ctx: PageContext) -> str:
    """Render the page ``name`` (``index``, ``compare`` or a key of :data:`MAP_BUILDERS`)."""
    if name == "index":
        return build_index_page(data, ctx)
    if name == "compare":
        return build_compare_page(data, ctx)
    if name not in MAP_BUILDERS:
        raise KeyError(f"invalid page={name!r}: expected index, compare or one of {', '.join(MAP_BUILDERS)}")
    html = render_page(MAP_BUILDERS[name](data, ctx), ctx)
    return compact(html) if name in COMPACT_PAGES else html


def render_zone(zone_id: str, data: MapData, ctx: PageContext) -> str:
    """Render the fact sheet of ``zone_id``."""
    return render_page(build_zone_page(data, ctx, zone_id), ctx)
