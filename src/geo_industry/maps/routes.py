"""The maps' web pages under ``/maps``: thin handlers that call the builders and return HTML.

The app keeps the store in ``app.state.store`` and the settings in ``app.state.settings``; the
vendored assets are expected under ``/static/vendor/`` (mount
``StaticFiles(directory=geo_industry.maps.assets.vendor_dir())`` at ``/static/vendor``).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from geo_industry.i18n import DEFAULT_LANGUAGE
from geo_industry.maps.base import PageContext
from geo_industry.maps.data import MapData, map_data_from_store
from geo_industry.maps.pages import render, render_zone
from geo_industry.maps.rasters import server_overlays
from geo_industry.maps.registry import MAP_PAGES
from geo_industry.maps.urls import PageUrls
from geo_industry.maps.zones import build_compare_page, parse_zone_ids

router = APIRouter(prefix="/maps", tags=["maps"])
logger = logging.getLogger(__name__)

Lang = Annotated[Literal["vi", "en", "zh-CN"] | None, Query(description="page language")]
Basemap = Annotated[
    Literal["offline", "osm", "carto"] | None,
    Query(description="basemap: offline (no tile requests), osm or carto; default from settings"),
]


def _raster_service(state: Any) -> Any:
    """The app's raster service once built (None without one, or if its build failed)."""
    rasters = getattr(state, "rasters", None)
    if rasters is None:
        return None
    try:
        return rasters.ready(state.store)
    except Exception:  # the maps still work without rasters; the API reports the failure
        logger.exception("maps without raster overlays and zone analysis")
        return None


def _data(request: Request) -> MapData:
    """Map data built from the store, the reference layers and the rasters, once per data revision."""
    state = request.app.state
    service = _raster_service(state)
    revision = None if service is None else service.revision
    cached = getattr(state, "map_data", None)
    if cached is None or getattr(state, "map_data_revision", None) != revision:
        settings = state.settings
        public = (settings.public_url or "").rstrip("/")
        cached = map_data_from_store(
            state.store,
            boundary_path=settings.boundary_path,
            rivers_path=settings.rivers_path,
            assessments=None if service is None else {a.zone_id: a for a in service.assessments},
            overlays=() if service is None else server_overlays(service, base_url=public),
            investor_facts_path=settings.investor_facts_path,
        )
        state.map_data, state.map_data_revision = cached, revision
    return cached


def _ctx(request: Request, lang: str | None, basemap: str | None) -> PageContext:
    settings = request.app.state.settings
    public = (settings.public_url or "").rstrip("/")
    chosen = basemap or settings.basemap
    urls = PageUrls(
        prefix=f"{public}/maps",
        vendor_base=f"{public}/static/vendor/",
        script_base=f"{public}/static/maps/",
        basemap=chosen,
        api_base=public,
    )
    return PageContext(lang=lang or DEFAULT_LANGUAGE, basemap=chosen, urls=urls)


@router.get("/", response_class=HTMLResponse, operation_id="maps_index")
def index(request: Request, lang: Lang = None, basemap: Basemap = None) -> HTMLResponse:
    """The list of maps and zone fact sheets."""
    return HTMLResponse(render("index", _data(request), _ctx(request, lang, basemap)))


@router.get("/compare", response_class=HTMLResponse, operation_id="maps_compare")
def compare(
    request: Request,
    lang: Lang = None,
    basemap: Basemap = None,
    zones: Annotated[str | None, Query(description="2 to 5 comma-separated zone ids")] = None,
) -> HTMLResponse:
    """Two to five zones side by side."""
    data = _data(request)
    ids = parse_zone_ids(zones, data) if zones else None
    return HTMLResponse(build_compare_page(data, _ctx(request, lang, basemap), ids))


@router.get("/zones/{zone_id}", response_class=HTMLResponse, operation_id="maps_zone")
def zone(request: Request, zone_id: str, lang: Lang = None, basemap: Basemap = None) -> HTMLResponse:
    """The printable fact sheet of one industrial zone, economic zone or cluster."""
    return HTMLResponse(render_zone(zone_id, _data(request), _ctx(request, lang, basemap)))


def _map_route(page: str, summary: str) -> None:
    def handler(request: Request, lang: Lang = None, basemap: Basemap = None) -> HTMLResponse:
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
