"""The app factory: lifespan (open the store once), middleware, routers, error handlers.

``create_app(settings)`` builds everything from explicit settings; ``api/main.py`` at the
repository root exposes ``app = create_app(Settings())`` for ASGI servers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from geo_industry import __version__
from geo_industry.api.auth import QueryCredentialGuard, redact_access_log
from geo_industry.api.caching import ConditionalGetMiddleware, ResponseCache
from geo_industry.api.editing import install_editing
from geo_industry.api.errors import add_exception_handlers
from geo_industry.api.heap import freeze_long_lived, limit_malloc_arenas
from geo_industry.api.openapi import build_openapi
from geo_industry.api.pools import WorkPools
from geo_industry.api.rasters_state import start_rasters, stop_rasters
from geo_industry.api.routes import (
    analysis,
    collections,
    conformance,
    downloads,
    health,
    items,
    landing,
    rasters,
    statistics,
    tiles,
)
from geo_industry.api.state import AppState, state_of
from geo_industry.api.web_security import SecurityHeadersMiddleware, TrustedHostMiddleware
from geo_industry.maps.routes import router as maps_router
from geo_industry.settings import PACKAGE_ROOT, Settings
from geo_industry.store import FeatureStore, open_store

#: Router modules in matching order (statistics before the generic collection routes).
ROUTERS = (landing, conformance, statistics, collections, items, tiles, downloads, health, rasters, analysis)
OPENAPI_TAGS = [
    {"name": "Capabilities", "description": "Landing page, API definition, conformance"},
    {"name": "Data", "description": "Collections of features (OGC API - Features Parts 1-3) and downloads"},
    {"name": "Tiles", "description": "Vector tiles of every collection (OGC API - Tiles, Mapbox Vector Tile)"},
    {"name": "Statistics", "description": "Output statistics as a collection of records"},
    {"name": "Service", "description": "Operations"},
    {"name": "Rasters", "description": "Raster products: tiles, legends, point values, zonal statistics"},
    {"name": "Analysis", "description": "Zone assessments, investor rankings, value chain"},
    {"name": "maps", "description": "Interactive maps and zone fact sheets (HTML)"},
]


def conformance_classes() -> list[str]:
    """The classes the included routers earn, each declared once, in router order."""
    return list(dict.fromkeys(uri for module in ROUTERS for uri in getattr(module, "CONFORMS_TO", ())))


def create_app(settings: Settings | None = None, *, store: FeatureStore | None = None) -> FastAPI:
    """Build the OGC API - Features application over the data named by ``settings``.

    ``store`` serves an already open backend instead of the one ``settings`` name (the contract
    tests run the app over every backend this way).
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limit_malloc_arenas(settings.malloc_arenas)  # before the store's threads (api.heap)
        state = state_of(app)
        state.open(open_store(settings) if store is None else store)
        start_rasters(state)  # builds in the background (geo_industry.api.rasters_state)
        freeze_long_lived()  # start-up's objects out of the cycle collector's walks (geo_industry.api.heap)
        yield
        stop_rasters(state)

    app = FastAPI(
        title="geo-industry: Lào Cai industrial investment geodata",
        description="OGC API - Features (Parts 1-3) over the industrial zones, mines, processing plants, "
                    "hydropower plants, border gates and transport of Lào Cai province, with output statistics.",
        version=__version__,
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        openapi_tags=OPENAPI_TAGS,
    )
    # heavy work runs off the event loop, in bounded pools (geo_industry.api.limits)
    state = AppState(settings=settings, conformance=conformance_classes(),
                     work_pools=WorkPools.of(settings.request_workers, database=settings.database_pool_size))
    app.state.app = state
    for module in ROUTERS:
        app.include_router(module.router)
    app.include_router(maps_router)  # the maps' HTML pages under /maps (geo_industry.maps)
    app.mount("/static", StaticFiles(directory=PACKAGE_ROOT / "static"), name="static")
    add_exception_handlers(app)
    # innermost: sees the uncompressed page, and what it adds is cached with the response
    app.add_middleware(SecurityHeadersMiddleware, origins=[o for o in (settings.public_origin,) if o])
    # zlib's default level, not Starlette's 9: on a 147 kB document 5 % larger and 2.3 times less CPU on the event loop
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "HEAD", "OPTIONS"],
                       allow_headers=["Accept", "Accept-Language", "If-None-Match"],
                       expose_headers=["ETag", "Content-Crs", "Content-Disposition", "Content-Language"],
                       max_age=600)
    app.add_middleware(ConditionalGetMiddleware, data_version=state.data_version,
                       cache=ResponseCache(max_bytes=int(settings.response_cache_mb * 1_000_000)))
    app.add_middleware(QueryCredentialGuard)  # outermost of these: no credential in a URL reaches a route or cache
    redact_access_log()
    if settings.editing:  # writes, Part 4 conformance, body limits, write CORS (geo_industry.api.editing)
        install_editing(app, settings)
    # outermost: a forged Host is refused before any route or the response cache sees it
    app.add_middleware(TrustedHostMiddleware, allowed=settings.allowed_hosts)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
