"""Dependencies that read as types: the store, settings, the collection, language, URLs.

Route signatures use these ``Annotated`` aliases (``StoreDep``, ``LayerDep``, ``LangDep`` …) so
each reads like a plain function. ``reject_unknown_params`` refuses query parameters a route
does not declare (OGC API - Features ``/req/core/query-param-unknown``).
"""

from typing import Annotated

import anyio
from fastapi import Depends, Path, Query, Request
from fastapi.dependencies.models import Dependant

from geo_industry.api.links import Urls
from geo_industry.api.negotiation import _accept_entries
from geo_industry.api.state import AppState, Prepared, state_of
from geo_industry.errors import CollectionNotFound, InvalidParameter, UnknownParameter
from geo_industry.geojson import FeatureEncoder
from geo_industry.models import LayerMeta
from geo_industry.records import STATISTICS_ID, StatisticsRecords
from geo_industry.settings import Settings
from geo_industry.store import FeatureStore

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


async def get_app_state(request: Request) -> AppState:
    """The app's typed state."""
    return state_of(request.app)


AppStateDep = Annotated[AppState, Depends(get_app_state)]


async def get_prepared(request: Request) -> Prepared:
    """What is prepared for the current data version, resolved once per request (one revision).

    Preparing a new revision reads the database and builds the statistics records (a second on
    PostGIS): it runs in a worker thread, so the event loop keeps answering other requests.
    The dependencies every request resolves take the request, not :data:`AppStateDep`: each level
    of dependencies costs every request its resolution.
    """
    state = state_of(request.app)
    prepared = state.prepared_if_current()
    return prepared if prepared is not None else await anyio.to_thread.run_sync(state.current)


PreparedDep = Annotated[Prepared, Depends(get_prepared)]


async def get_store(prepared: PreparedDep) -> FeatureStore:
    """The store's read view for this request (an editable store's snapshot of one revision)."""
    return prepared.store


async def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return state_of(request.app).settings


async def get_encoder(prepared: PreparedDep) -> FeatureEncoder:
    """The GeoJSON encoder holding the per-feature fragment cache."""
    return prepared.encoder


async def get_records(prepared: PreparedDep) -> StatisticsRecords:
    """The statistics records collection."""
    return prepared.records


StoreDep = Annotated[FeatureStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EncoderDep = Annotated[FeatureEncoder, Depends(get_encoder)]
RecordsDep = Annotated[StatisticsRecords, Depends(get_records)]


async def get_layer(
    prepared: PreparedDep,
    collection_id: Annotated[str, Path(alias="collectionId", description="Collection id, e.g. `mines`")],
) -> LayerMeta:
    """The layer named in the path; ``CollectionNotFound`` (404, listing every collection) otherwise."""
    store = prepared.store
    try:
        return store.collection(collection_id)
    except CollectionNotFound:
        known = ", ".join([meta.id for meta in store.collections()] + [STATISTICS_ID])
        raise CollectionNotFound(f"no collection {collection_id[:80]!r}; the collections are: {known}") from None


LayerDep = Annotated[LayerMeta, Depends(get_layer)]


async def get_language(
    request: Request,
    lang: Annotated[
        str | None,
        Query(description="Language of titles and pages: `vi` or `en` (default: Accept-Language, else vi)",
              json_schema_extra={"enum": list(LANGUAGES)}),
    ] = None,
) -> str:
    """``lang=`` if given, else the best of ``Accept-Language``, else Vietnamese."""
    if lang is not None:
        if lang.lower() not in LANGUAGES:
            raise InvalidParameter("lang", lang, "vi or en")
        return lang.lower()
    for tag, quality in _accept_entries(request.headers.get("accept-language", "")):
        primary = tag.split("-")[0]
        if quality > 0 and primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


LangDep = Annotated[str, Depends(get_language)]


async def get_urls(request: Request) -> Urls:
    """URL builder for this request."""
    settings = state_of(request.app).settings
    return Urls(request, settings.public_url, settings.basemap)


UrlsDep = Annotated[Urls, Depends(get_urls)]


def _query_names(dependant: Dependant) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


_DECLARED: dict[int, frozenset[str]] = {}


def declared_query_params(request: Request) -> frozenset[str]:
    """Names of the query parameters the matched route declares (cached per route)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return frozenset()
    key = id(route)
    if key not in _DECLARED:
        _DECLARED[key] = frozenset(_query_names(dependant))
    return _DECLARED[key]


def undeclared_query_params(request: Request) -> list[str]:
    """Query parameters of this request that the route does not declare, in request order."""
    declared = declared_query_params(request)
    return [name for name in dict.fromkeys(request.query_params) if name not in declared]


async def reject_unknown_params(request: Request) -> None:
    """Refuse undeclared query parameters with 400."""
    unknown = undeclared_query_params(request)
    if unknown:
        allowed = ", ".join(sorted(declared_query_params(request))) or "none"
        raise UnknownParameter(unknown[0], request.query_params[unknown[0]],
                               f"no parameter of that name here; this resource accepts: {allowed}")
