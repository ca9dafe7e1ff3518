"""The raster service in the app's lifespan: built in the background at start-up, fetched per request.

``start_rasters`` (called by the lifespan after the store is open) creates one
:class:`~geo_industry.raster.service.RasterService` for the app and builds it in a background
thread, so the features API answers at once even when a large DEM takes a while. The
``RastersDep`` dependency waits for that build, and updates the service (in a worker thread)
when the store's revision changed since, so assessments follow edits.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Any

from anyio import to_thread
from fastapi import Depends, Path, Request

from geo_industry.raster.service import ZONE_LAYERS, RasterService

logger = logging.getLogger(__name__)


class RasterState:
    """The app's raster service and the thread building it."""

    def __init__(self, service: RasterService) -> None:
        """Hold ``service``; call :meth:`start` to build it."""
        self.service = service
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self, store: Any) -> None:
        """Build the products and analysis for ``store`` in a background thread."""
        def run() -> None:
            try:
                self.service.update(store)
            except Exception as exc:  # reported to every raster request, logged once here
                logger.exception("raster build failed")
                self.error = exc

        self._thread = threading.Thread(target=run, name="raster-build", daemon=True)
        self._thread.start()

    def ready(self, store: Any) -> RasterService:
        """Wait for the start-up build, then update if the store changed (blocking: run in a worker)."""
        if self._thread is not None:
            self._thread.join()
        if self.error is not None:
            raise self.error
        if store.revision() != self.service.revision:
            self.service.update(store)
        return self.service

    def close(self) -> None:
        """Wait for a running build and close the readers."""
        if self._thread is not None:
            self._thread.join()
        self.service.close()


def start_rasters(state: Any, settings: Any) -> None:
    """Create the raster service from ``settings`` and start building it from ``state.store``."""
    state.rasters = RasterState(RasterService.from_settings(settings))
    state.rasters.start(state.store)


def stop_rasters(state: Any) -> None:
    """Close the raster service (lifespan shutdown)."""
    rasters = getattr(state, "rasters", None)
    if rasters is not None:
        rasters.close()


def ready_service(state: Any) -> RasterService:
    """The service once built and current (blocking; for synchronous callers like the maps' pages)."""
    rasters: RasterState = state.rasters
    return rasters.ready(state.store)


async def get_rasters(request: Request) -> RasterService:
    """The raster service, built and current for the store's revision."""
    state = request.app.state
    if state.rasters.service.result is not None and state.store.revision() == state.rasters.service.revision:
        return state.rasters.service  # type: ignore[no-any-return]
    return await to_thread.run_sync(ready_service, state)


RastersDep = Annotated[RasterService, Depends(get_rasters)]


async def analysis_member(request: Request, layer_id: str, feature_id: str) -> dict[str, Any]:
    """``{"analysis": ...}`` for a zone or cluster feature (its assessment), else ``{}``.

    The single-feature response of industrial zones and clusters carries it as a member.
    """
    if layer_id not in ZONE_LAYERS or getattr(request.app.state, "rasters", None) is None:
        return {}
    try:
        service = await get_rasters(request)
    except Exception:  # the feature itself must not fail because the analysis did
        logger.exception("zone analysis unavailable for %s", feature_id)
        return {}
    assessment = service.assessment(feature_id)
    return {} if assessment is None else {"analysis": assessment.model_dump(mode="json")}


async def zone_analysis(
    request: Request,
    collection_id: Annotated[str, Path(alias="collectionId")],
    feature_id: Annotated[str, Path(alias="featureId")],
) -> dict[str, Any]:
    """The ``analysis`` member of a single zone or cluster feature (see :func:`analysis_member`)."""
    return await analysis_member(request, collection_id, feature_id)


ZoneAnalysisDep = Annotated[dict[str, Any], Depends(zone_analysis)]
