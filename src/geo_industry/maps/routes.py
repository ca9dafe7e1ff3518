"""The maps' web pages under ``/maps``: thin handlers that call the builders and return HTML.

The app keeps the store, the settings and the raster service in its typed state
(:class:`geo_industry.api.state.AppState`); the vendored assets are expected under ``/static/vendor/`` (mount
``StaticFiles(directory=geo_industry.maps.assets.vendor_dir())`` at ``/static/vendor``).

The page builders (Folium, branca) are imported by the first page asked, not with the app: a worker
serving only the features API never loads them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from geo_industry.api.state import AppState, state_of
from geo_industry.i18n import DEFAULT_LANGUAGE
from geo_industry.maps.data import MapData, map_data_from_store
from geo_industry.maps.registry import MAP_PAGES
from geo_industry.maps.urls import PageUrls
from geo_industry.raster.service import RasterService
from geo_industry.store import pinned

if TYPE_CHECKING:
    from geo_industry.maps.base import PageContext

router = APIRouter(prefix="/maps", tags=["maps"])
logger = logging.getLogger(__name__)

Lang = Annotated[Literal["vi", "en", "zh-CN"] | None, Query(description="page language")]
Basemap = Annotated[
    Literal["offline", "osm", "carto"] | None,
    Query(description="basemap: offline (no tile requests), osm or carto; default from settings"),
]


def _raster_service(state: AppState) -> RasterService | None:
    """The app's raster service once built (None without one, or if its build failed)."""
    if state.rasters is None:
        return None
    try:
        return state.rasters.ready(state.opened())
    except Exception:  # the maps still work without rasters; the API reports the failure
        logger.exception("maps without raster overlays and zone analysis")
        return None


def _data(request: Request) -> MapData:
    """Map data built from one pinned view of the store, the reference layers and the rasters, once per data revision.

    The cache is keyed on the data revision the view holds (and on whether the rasters are
    there), not on the raster service's revision: after an edit the maps follow the data even
    when the raster build failed.
    """
    from geo_industry.maps.rasters import server_overlays

    state = state_of(request.app)
    prepared = state.current()
    service = _raster_service(state)
    key = (prepared.data_version, service is not None)
    if state.map_data is not None and state.map_data[0] == key:
        return state.map_data[1]
    settings = state.settings
    public = (settings.public_url or "").rstrip("/")
    with pinned(prepared.store) as view:  # every layer, summary and table of one revision
        data = map_data_from_store(
            view,
            boundary_path=settings.boundary_path,
            rivers_path=settings.rivers_path,
            assessments=None if service is None else {a.zone_id: a for a in service.assessments},
            overlays=() if service is None else server_overlays(service, base_url=public),
            investor_facts_path=settings.investor_facts_path,
            read_below=settings.vector_tile_threshold,
        )
        key = (view.revision(), service is not None)
    state.map_data = (key, data)
    return data


def _ctx(request: Request, lang: str | None, basemap: str | None) -> PageContext:
    from geo_industry.maps.base import PageContext

    settings = state_of(request.app).settings
    public = (settings.public_url or "").rstrip("/")
    chosen = basemap or settings.basemap
    urls = PageUrls(
        prefix=f"{public}/maps",
        vendor_base=f"{public}/static/vendor/",
        script_base=f"{public}/static/maps/",
        basemap=chosen,
        api_base=public,
        tile_threshold=settings.vector_tile_threshold,
    )
    return PageContext(lang=lang or DEFAULT_LANGUAGE, basemap=chosen, urls=urls)


@router.get("/", response_class=HTMLResponse, operation_id="maps_index")
def index(request: Request, lang: Lang = None, basemap: Basemap = None) -> HTMLResponse:
    """The list of maps and zone fact sheets."""
    from geo_industry.maps.pages import render

    return HTMLResponse(render("index", _data(request), _ctx(request, lang, basemap)))


@router.get("/compare", response_class=HTMLResponse, operation_id="maps_compare")
def compare(
    request: Request,
    lang: Lang = None,
    basemap: Basemap = None,
    zones: Annotated[str | None, Query(description="2 to 5 comma-separated zone ids")] = None,
) -> HTMLResponse:
    """Two to five zones side by side."""
    from geo_industry.maps.zones import build_compare_page, parse_zone_ids

    data = _data(request)
    ids = parse_zone_ids(zones, data) if zones else None
    return HTMLResponse(build_compare_page(data, _ctx(request, lang, basemap), ids))


@router.get("/zones/{zone_id}", response_class=HTMLResponse, operation_id="maps_zone")
def zone(request: Request, zone_id: str, lang: Lang = None, basemap: Basemap = None) -> HTMLResponse:
    """The printable fact sheet of one industrial zone, economic zone or cluster."""
    from geo_industry.maps.pages import render_zone

    return HTMLResponse(render_zone(zone_id, _data(request), _ctx(request, lang, basemap)))


def _map_route(page: str, summary: str) -> None:
    def handler(request: Request, lang: Lang = None, basemap: Basemap = None) -> HTMLResponse:
        from geo_industry.maps.pages import render

        return HTMLResponse(render(page, _data(request), _ctx(request, lang, basemap)))

    handler.__doc__ = summary
    router.add_api_route(
        f"/{page}",
        handler,
        methods=["GET"],
        response_class=HTMLResponse,
        operation_id=f"maps_{page.replace('-', '_')}",
        summary=summary,
    )


for _page in MAP_PAGES:
    _map_route(_page.name, _page.summary)
