"""The raster service in the app's lifespan: built in the background at start-up, fetched per request.

``start_rasters`` (called by the lifespan after the store is open) creates one
:class:`~geo_industry.raster.service.RasterService` for the app and builds it in a background
thread (:class:`~geo_industry.api.state.RasterState`), so the features API answers at once even
when a large DEM takes a while. The ``RastersDep`` dependency waits for that build, and updates
the service (in a worker thread) when the store's revision changed since, so assessments follow
edits.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from anyio import to_thread
from fastapi import Depends, Request

from geo_industry.api.heap import freeze_long_lived
from geo_industry.api.state import AppState, RasterState, state_of
from geo_industry.raster.service import ZONE_LAYERS, RasterService

logger = logging.getLogger(__name__)

__all__ = ["RasterState", "RastersDep", "analysis_member", "ready_service", "start_rasters", "stop_rasters"]


def start_rasters(state: AppState) -> None:
    """Create the raster service from the settings and start building it from the open store (products
    written in a process of their own: the worker keeps none of rasterio's or SciPy's memory)."""
    state.rasters = RasterState(RasterService.from_settings(state.settings, build_apart=True))
    state.rasters.start(state.opened(), then=freeze_long_lived)  # what it built is kept (geo_industry.api.heap)


def stop_rasters(state: AppState) -> None:
    """Close the raster service (lifespan shutdown)."""
    if state.rasters is not None:
        state.rasters.close()


def ready_service(state: AppState) -> RasterService:
    """The service once built and current (blocking; for synchronous callers like the maps' pages)."""
    if state.rasters is None:
        raise RuntimeError("the raster service starts with the app's lifespan")
    return state.rasters.ready(state.opened())


async def get_rasters(request: Request) -> RasterService:
    """The raster service, built and current for the store's revision."""
    state = state_of(request.app)
    if state.rasters is not None and state.rasters.is_current(state.opened()):
        return state.rasters.service
    return await to_thread.run_sync(ready_service, state)


RastersDep = Annotated[RasterService, Depends(get_rasters)]


async def analysis_member(request: Request, layer_id: str, feature_id: str) -> dict[str, Any]:
    """``{"analysis": ...}`` for a zone or cluster feature (its assessment), else ``{}``.

    The single-feature response of industrial zones and clusters carries it as a member.
    """
    if layer_id not in ZONE_LAYERS or state_of(request.app).rasters is None:
        return {}
    try:
        service = await get_rasters(request)
    except Exception:  # the feature itself must not fail because the analysis did
        logger.exception("zone analysis unavailable for %s", feature_id)
        return {}
    assessment = service.assessment(feature_id)
    return {} if assessment is None else {"analysis": assessment.model_dump(mode="json")}
