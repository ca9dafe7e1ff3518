"""Downloads of a selection (the items' filters, no paging) as GIS files, in the requested CRS."""

from typing import Annotated

import geopandas as gpd
from fastapi import APIRouter, Query
from starlette.responses import Response

from geo_industry.api.deps import LayerDep, StoreDep
from geo_industry.api.errors import NotAcceptable
from geo_industry.api.features import content_crs
from geo_industry.api.params import DownloadQueryDep
from geo_industry.export import EXPORT_FORMATS, export_bytes

router = APIRouter(tags=["Data"])
_FORMATS = tuple(EXPORT_FORMATS)
_BINARY = {"type": "string", "format": "binary"}
_FILE_SCHEMAS = {"geojson": {"type": "object"}, "csv": {"type": "string"}, "kml": {"type": "string"}}


@router.get(
    "/collections/{collectionId}/download", operation_id="downloadFeatures", summary="Download features",
    responses={200: {"content": {fmt.media_type: {"schema": _FILE_SCHEMAS.get(fmt.name, _BINARY)}
                                 for fmt in EXPORT_FORMATS.values()}}},
    response_class=Response,
)
def download(
    layer: LayerDep,
    query: DownloadQueryDep,
    store: StoreDep,
    f: Annotated[str, Query(description="File format: " + ", ".join(_FORMATS),
                            json_schema_extra={"enum": list(_FORMATS)})] = "geojson",
) -> Response:
    """Every feature the filters select (bbox, datetime, filter, queryables) as one file.

    Runs in the thread pool: writing a file through GDAL takes longer than a page of JSON.
    """
    fmt = EXPORT_FORMATS.get(f.lower())
    if fmt is None:
        raise NotAcceptable("f", f, _FORMATS)
    page = store.query(layer.id, query.query)
    frame = page.features
    if query.query.properties is not None:
        frame = frame[["id", *[p for p in query.query.properties if p != "id"], frame.geometry.name]]
    if query.skip_geometry:
        frame = frame.set_geometry(gpd.GeoSeries([None] * len(frame), index=frame.index, crs=frame.crs))
    content = export_bytes(frame, fmt=fmt, crs=query.crs, layer_name=layer.id)
    disposition = f'attachment; filename="{layer.id}{fmt.suffix}"'
    return Response(content, media_type=fmt.media_type,
                    headers={"Content-Disposition": disposition, **content_crs(query.crs)})
