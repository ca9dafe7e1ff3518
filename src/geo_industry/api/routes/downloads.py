"""Downloads of a selection (the items' filters, no paging) as GIS files, in the requested CRS."""

from dataclasses import replace
from typing import Annotated

import geopandas as gpd
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from geo_industry.api.deps import LayerDep, SettingsDep, StoreDep
from geo_industry.api.errors import NotAcceptable
from geo_industry.api.features import content_crs
from geo_industry.api.limits import run_bounded
from geo_industry.api.params import DownloadQueryDep, ItemsQuery
from geo_industry.errors import DownloadTooLarge
from geo_industry.export import EXPORT_FORMATS, ExportFormat, export_bytes
from geo_industry.models import LayerMeta
from geo_industry.store import FeatureStore, pinned

router = APIRouter(tags=["Data"])
_FORMATS = tuple(EXPORT_FORMATS)
_BINARY = {"type": "string", "format": "binary"}
_FILE_SCHEMAS = {"geojson": {"type": "object"}, "csv": {"type": "string"}, "kml": {"type": "string"}}


@router.get(
    "/collections/{collectionId}/download", operation_id="downloadFeatures", summary="Download features",
    responses={200: {"content": {fmt.media_type: {"schema": _FILE_SCHEMAS.get(fmt.name, _BINARY)}
                                 for fmt in EXPORT_FORMATS.values()}},
               413: {"description": "The selection holds more features than one download may "
                                    "(GEO_INDUSTRY_MAX_DOWNLOAD_FEATURES): narrow it, page the items, use the "
                                    "vector tiles or `geo-industry export`"}},
    response_class=Response,
)
async def download(
    request: Request,
    layer: LayerDep,
    query: DownloadQueryDep,
    store: StoreDep,
    settings: SettingsDep,
    f: Annotated[str, Query(description="File format: " + ", ".join(_FORMATS),
                            json_schema_extra={"enum": list(_FORMATS)})] = "geojson",
) -> Response:
    """Every feature the filters select (bbox, datetime, filter, queryables) as one file, up to
    ``GEO_INDUSTRY_MAX_DOWNLOAD_FEATURES`` (a larger selection: 413, never a cut file)."""
    fmt = EXPORT_FORMATS.get(f.lower())
    if fmt is None:
        raise NotAcceptable("f", f, _FORMATS)
    return await run_bounded(request, _download_file, layer, query, store, fmt, settings.max_download_features)


def _download_file(layer: LayerMeta, query: ItemsQuery, store: FeatureStore, fmt: ExportFormat,
                   max_features: int) -> Response:
    """Select and write the file (in a worker thread, within the request budget: GDAL takes time).

    The layer's count and the selection are read from one pinned view, so a feature written between the two
    reads is never cut off the end of the file. A layer larger than ``max_features`` is first asked how many
    features the selection holds (a count, no rows read); past the limit the answer is 413.
    """
    with pinned(store) as view:
        selected = view.count(layer.id)
        if selected > max_features:
            selected = view.query(layer.id, replace(query.query, limit=1)).matched
            if selected > max_features:
                raise DownloadTooLarge(layer.id, selected, max_features)
        page = view.query(layer.id, replace(query.query, limit=max(selected, 1)))
    frame = page.features
    if query.query.properties is not None:
        frame = frame[["id", *[p for p in query.query.properties if p != "id"], frame.geometry.name]]
    if query.skip_geometry:
        frame = frame.set_geometry(gpd.GeoSeries([None] * len(frame), index=frame.index, crs=frame.crs))
    content = export_bytes(frame, fmt=fmt, crs=query.crs, layer_name=layer.id, source=page.crs)
    disposition = f'attachment; filename="{layer.id}{fmt.suffix}"'
    return Response(content, media_type=fmt.media_type,
                    headers={"Content-Disposition": disposition, **content_crs(query.crs)})
