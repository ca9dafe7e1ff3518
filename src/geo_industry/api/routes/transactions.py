"""Writes (OGC API - Features Part 4): create, replace, update, delete; statistics; layer uploads; history.

Included only when ``settings.editing`` is true (the store is then the SQLite backend); with
editing off these paths answer 405 (or 404) and ``/conformance`` declares no Part 4 class.
Every write needs a bearer token with the operation's scope (:mod:`geo_industry.api.auth`).
Replace, update and delete need ``If-Match`` with the feature's current ``ETag`` (from
``GET /collections/{collectionId}/items/{featureId}``): 428 without it, 412 when stale.
Write handlers are plain functions, run in the thread pool, so a durable commit (fsync)
never blocks the event loop.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Header, Path, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from geo_industry.api.auth import FeaturesWriter, LayersWriter, StatisticsWriter, actor_of
from geo_industry.api.deps import AppStateDep, LayerDep, SettingsDep, UrlsDep, reject_unknown_params
from geo_industry.api.errors import MalformedBody, PreconditionRequired
from geo_industry.api.limits import (
    CSV,
    MERGE_PATCH,
    MULTIPART,
    check_json_depth,
    csv_rows,
    json_body,
    require_media_type,
)
from geo_industry.api.responses import GEOJSON, JSON, JSONResponse
from geo_industry.api.state import state_of
from geo_industry.errors import FeatureNotFound, InvalidFeature
from geo_industry.json_values import load_json
from geo_industry.statistics import OPTIONAL_COLUMNS as OPTIONAL_STAT_COLUMNS
from geo_industry.statistics import STAT_COLUMNS
from geo_industry.store import WritableStore
from geo_industry.upload import UploadLimits, read_upload

CONFORMS_TO = (
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
)
FEATURE_TYPES = (GEOJSON, JSON)
STATISTICS_TYPES = (CSV, JSON)
#: statistics columns a row must have (``note``, ``variant`` and ``derivation`` may be left out)
REQUIRED_COLUMNS = tuple(c for c in STAT_COLUMNS if c != "note")
OPTIONAL_COLUMNS = ("note", "variant", *OPTIONAL_STAT_COLUMNS)
MAX_METADATA_BYTES = 1_000_000

router = APIRouter(tags=["Editing"], dependencies=[Depends(reject_unknown_params)])
FeatureId = Annotated[str, Path(alias="featureId", description="Feature id, e.g. `mine-sin-quyen`")]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="The feature's current ETag (required)")]
Repair = Annotated[bool, Query(description="Repair invalid geometries (make_valid) instead of rejecting them")]


def _problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/OGCException"}}}}


_Responses = dict[int | str, dict[str, Any]]
_AUTH: _Responses = {401: _problem("No, malformed, unknown or revoked API key"),
                     403: _problem("The key lacks the scope")}
_BODY: _Responses = {413: _problem("Body, features, vertices or archive over a limit"),
         415: _problem("Content-Type not accepted"), 422: _problem("The data breaks the layer's rules (reasons)")}
_VERSIONED: _Responses = {412: _problem("If-Match is stale: the feature changed"), 428: _problem("If-Match is missing")}
_FEATURE_BODY = {"required": True, "content": {
    media: {"schema": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}}}
    for media in FEATURE_TYPES}}
_PATCH_BODY = {"required": True, "content": {MERGE_PATCH: {"schema": {"type": "object"}}}}


def get_writable_store(state: AppStateDep) -> WritableStore:
    """The editable store (writes go to it directly, not to a request's read view)."""
    return state.writable_store()


WritableStoreDep = Annotated[WritableStore, Depends(get_writable_store)]


def _if_match(value: str | None) -> str:
    if not value:
        raise PreconditionRequired("send If-Match with the feature's current ETag (GET the feature first); "
                                   "writes without it could overwrite someone else's change")
    return value


def _etag_headers(etag: str) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": "no-store"}


# statistics ------------------------------------------------------------------------------------
async def statistics_rows(request: Request) -> pd.DataFrame:
    """The rows of a statistics body (CSV with a header, or a JSON array of objects)."""
    kind = require_media_type(request, STATISTICS_TYPES)
    rows = await csv_rows(request) if kind == CSV else await json_body(request, (JSON,))
    if isinstance(rows, dict) and isinstance(rows.get("rows"), list):
        rows = rows["rows"]
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise MalformedBody("the JSON body must be an array of row objects (or {\"rows\": [...]})")
    return _statistics_frame(rows)


def _statistics_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    if not rows:
        raise InvalidFeature("no statistics rows in the body")
    columns = set().union(*(row.keys() for row in rows))
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = sorted(columns - set(REQUIRED_COLUMNS) - set(OPTIONAL_COLUMNS))
    if missing or unknown:
        raise InvalidFeature("statistics rows rejected", [f"missing column {c}" for c in missing]
                             + [f"unknown column {c}" for c in unknown])
    for number, row in enumerate(rows, start=1):
        if any(isinstance(v, dict | list) for v in row.values()):
            raise InvalidFeature(f"statistics row {number} holds a nested value; cells must be text or numbers")
    text = [{name: "" if value is None else str(value) for name, value in row.items()} for row in rows]
    return pd.DataFrame(text, dtype=object).fillna("").astype(str)


StatisticsRowsDep = Annotated[pd.DataFrame, Depends(statistics_rows)]


@router.post("/collections/statistics/items", operation_id="writeStatistics", summary="Add or replace statistics",
             tags=["Statistics"], response_class=JSONResponse,
             responses={200: {"description": "Rows written"}, **_AUTH, **_BODY, 409: _problem("Row exists (add)")},
             openapi_extra={"requestBody": {"required": True, "content": {
                 CSV: {"schema": {"type": "string"}},
                 JSON: {"schema": {"type": "array", "items": {"type": "object"}}}}}})
def write_statistics(key: StatisticsWriter, rows: StatisticsRowsDep, store: WritableStoreDep,
                     mode: Annotated[Literal["add", "replace"], Query(
                         description="`add` refuses rows whose key exists; `replace` overwrites them")] = "add",
                     ) -> Response:
    """Add (or replace) statistics rows in one transaction: every row passes `geo-industry validate`'s
    rules or none is written."""
    count = store.write_statistics(rows, actor=actor_of(key), mode=mode)
    return JSONResponse({"mode": mode, "rows": count}, headers={"Cache-Control": "no-store"})


# layer upload ----------------------------------------------------------------------------------
async def layer_upload(request: Request) -> tuple[bytes, dict[str, Any]]:
    """The uploaded file and its metadata from a ``multipart/form-data`` body."""
    require_media_type(request, (MULTIPART,))
    async with request.form(max_files=1, max_fields=1, max_part_size=MAX_METADATA_BYTES) as form:
        upload, metadata = form.get("file"), form.get("metadata")
        if upload is None or isinstance(upload, str):
            raise MalformedBody("the form needs a 'file' part holding the layer file")
        content = await upload.read()
    if not isinstance(metadata, str):
        raise MalformedBody("the form needs a 'metadata' part: the layer's catalog entry as JSON")
    try:
        document = load_json(metadata, finite=True)
    except ValueError as exc:
        raise MalformedBody(f"the 'metadata' part is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise MalformedBody("the 'metadata' part must be a JSON object (the layer's catalog entry)")
    check_json_depth(document, state_of(request.app).settings.max_json_depth, what="the 'metadata' part")
    return content, document


LayerUploadDep = Annotated[tuple[bytes, dict[str, Any]], Depends(layer_upload)]


@router.post("/collections", operation_id="uploadLayer", summary="Upload a layer", status_code=201,
             response_class=JSONResponse,
             responses={201: {"description": "Layer created"}, **_AUTH, **_BODY, 409: _problem("Id exists")},
             openapi_extra={"requestBody": {"required": True, "content": {MULTIPART: {"schema": {
                 "type": "object", "required": ["file", "metadata"], "properties": {
                     "file": {"type": "string", "format": "binary",
                              "description": "GeoPackage, zipped Shapefile or GeoJSON"},
                     "metadata": {"type": "string", "description": "Catalog entry as JSON: id, title, "
                                  "description, licence, attribution (fields inferred when absent)"}}}}}}})
def upload_layer(key: LayersWriter, upload: LayerUploadDep, store: WritableStoreDep, urls: UrlsDep,
                 settings: SettingsDep, repair: Repair = False) -> Response:
    """Add a new layer from a GeoPackage, zipped Shapefile or GeoJSON file, checked with the rules of
    `geo-industry validate` and reprojected to storage CRS (VN-2000 through EPSG:6960)."""
    limits = UploadLimits(max_archive_files=settings.max_archive_files,
                          max_uncompressed_bytes=4 * settings.max_upload_bytes,
                          max_features=settings.max_features_per_request,
                          max_vertices=settings.max_upload_vertices)
    layer = read_upload(upload[0], upload[1], limits=limits)
    store.add_layer(layer.meta, layer.features, actor=actor_of(key), repair=repair)
    location = urls.url(f"/collections/{layer.meta.id}")
    return JSONResponse({"id": layer.meta.id, "features": len(layer.features), "sourceFormat": layer.source_format,
                         "sourceCrs": layer.source_crs}, status_code=201,
                        headers={"Location": location, "Cache-Control": "no-store"})


# features (Part 4) -----------------------------------------------------------------------------
async def feature_body(request: Request) -> Any:
    """A GeoJSON body (``application/geo+json`` or ``application/json``)."""
    return await json_body(request, FEATURE_TYPES)


async def merge_patch_body(request: Request) -> Any:
    """A JSON merge patch body (``application/merge-patch+json``, RFC 7396)."""
    return await json_body(request, (MERGE_PATCH,))


FeatureBody = Annotated[Any, Depends(feature_body)]
PatchBody = Annotated[Any, Depends(merge_patch_body)]


def _features_of(body: Any) -> list[Any]:
    if isinstance(body, dict) and body.get("type") == "FeatureCollection":
        features = body.get("features")
        if not isinstance(features, list):
            raise InvalidFeature("the FeatureCollection needs a 'features' array")
        return features
    return [body]


@router.post("/collections/{collectionId}/items", operation_id="createFeature", summary="Create features",
             status_code=201, response_class=JSONResponse,
             responses={201: {"description": "Created; Location names the (first) new feature"}, **_AUTH, **_BODY,
                        409: _problem("Id taken")}, openapi_extra={"requestBody": _FEATURE_BODY})
def create_feature(key: FeaturesWriter, layer: LayerDep, body: FeatureBody, store: WritableStoreDep, urls: UrlsDep,
                   repair: Repair = False) -> Response:
    """Add a feature (or a FeatureCollection of them, all or none); its id is `id` or `properties.id`."""
    ids = store.create_features(layer.id, _features_of(body), actor=actor_of(key), repair=repair)
    location = urls.url(f"/collections/{layer.id}/items/{ids[0]}")
    return JSONResponse({"created": ids}, status_code=201, headers={"Location": location, "Cache-Control": "no-store"})


@router.put("/collections/{collectionId}/items/{featureId}", operation_id="replaceFeature", summary="Replace a feature",
            status_code=204, response_class=Response,
            responses={204: {"description": "Replaced; ETag is the new version's"}, **_AUTH, **_BODY, **_VERSIONED},
            openapi_extra={"requestBody": _FEATURE_BODY})
def replace_feature(key: FeaturesWriter, layer: LayerDep, feature_id: FeatureId, body: FeatureBody,
                    store: WritableStoreDep, if_match: IfMatch = None, repair: Repair = False) -> Response:
    """Replace a feature whole (properties and geometry); needs If-Match."""
    etag = store.replace_feature(layer.id, feature_id, body, actor=actor_of(key), if_match=_if_match(if_match),
                                 repair=repair)
    return Response(status_code=204, headers=_etag_headers(etag))


@router.patch("/collections/{collectionId}/items/{featureId}", operation_id="updateFeature", summary="Update a feature",
              status_code=204, response_class=Response,
              responses={204: {"description": "Updated; ETag is the new version's"}, **_AUTH, **_BODY, **_VERSIONED},
              openapi_extra={"requestBody": _PATCH_BODY})
def update_feature(key: FeaturesWriter, layer: LayerDep, feature_id: FeatureId, patch: PatchBody,
                   store: WritableStoreDep, if_match: IfMatch = None, repair: Repair = False) -> Response:
    """Change some properties and/or the geometry with a JSON merge patch (null removes a property)."""
    etag = store.update_feature(layer.id, feature_id, patch, actor=actor_of(key), if_match=_if_match(if_match),
                                repair=repair)
    return Response(status_code=204, headers=_etag_headers(etag))


@router.delete("/collections/{collectionId}/items/{featureId}", operation_id="deleteFeature",
               summary="Delete a feature", status_code=204, response_class=Response,
               responses={204: {"description": "Deleted"}, **_AUTH, **_VERSIONED,
                          409: _problem("The feature still has statistics rows")})
def delete_feature(key: FeaturesWriter, layer: LayerDep, feature_id: FeatureId, store: WritableStoreDep,
                   if_match: IfMatch = None) -> Response:
    """Delete a feature (remove its statistics rows first); needs If-Match."""
    store.delete_feature(layer.id, feature_id, actor=actor_of(key), if_match=_if_match(if_match))
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


# history ---------------------------------------------------------------------------------------
class HistoryEntry(BaseModel):
    """One recorded change."""

    seq: int
    at: str
    actor: str
    action: str
    before: Any = None
    after: Any = None


class FeatureHistory(BaseModel):
    """A feature's audit trail, newest first."""

    collectionId: str  # noqa: N815 - OGC member name
    featureId: str  # noqa: N815 - OGC member name
    entries: list[HistoryEntry]


@router.get("/collections/{collectionId}/items/{featureId}/history", operation_id="getFeatureHistory",
            summary="Feature history", response_model=FeatureHistory, response_class=JSONResponse)
def feature_history(layer: LayerDep, feature_id: FeatureId, store: WritableStoreDep,
                    limit: Annotated[int, Query(ge=1, le=1000, description="Most entries returned")] = 100) -> Response:
    """Every recorded change of a feature and its statistics rows, newest first: who, when, what,
    before and after (deleted features keep their history)."""
    entries = [e for e in store.history(feature_id=feature_id, limit=limit) if e.layer_id in (layer.id, None)]
    if not entries and not _exists(store, layer.id, feature_id):
        raise FeatureNotFound(f"no feature '{feature_id}' in collection '{layer.id}' and no recorded change of it")
    document = {"collectionId": layer.id, "featureId": feature_id,
                "entries": [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "before": e.before,
                             "after": e.after} for e in entries]}
    return JSONResponse(document, headers={"Cache-Control": "no-cache"})


def _exists(store: WritableStore, layer_id: str, feature_id: str) -> bool:
    try:
        store.feature_etag(layer_id, feature_id)
    except FeatureNotFound:
        return False
    return True
