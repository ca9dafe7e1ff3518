"""Raster products: listing, metadata, map tiles (XYZ and tile-matrix-set paths), legend, point, zonal.

The tiles follow OGC API - Tiles' path shape (``.../tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}``)
for every morecantile tile matrix set, but they earn no OGC API - Tiles conformance class: the raster
tilesets are not attached to collections and have no tileset metadata documents. The classes the API
declares are earned by the collections' vector tiles (:mod:`geo_industry.api.routes.tiles`).
"""

from typing import Annotated, Any

import geopandas as gpd
import morecantile
from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import Response

from geo_industry.api.deps import StoreDep, UrlsDep, reject_unknown_params
from geo_industry.api.limits import run_bounded
from geo_industry.api.negotiation import JSON_OFFER, Offer, negotiator
from geo_industry.api.raster_documents import (
    PNG,
    SVG,
    RasterList,
    RasterMeta,
    TileMatrixSets,
    ZonalResult,
    legend_svg,
    raster_list,
    raster_meta,
    tile_matrix_sets,
)
from geo_industry.api.raster_params import (
    PointParamsDep,
    UserPolygonsDep,
    ZonalBodyParamsDep,
    ZonalParamsDep,
    ZonesIdDep,
    parse_percentiles,
)
from geo_industry.api.rasters_state import RastersDep
from geo_industry.api.responses import JSONResponse
from geo_industry.errors import NotFound
from geo_industry.raster.products import Legend, PointValue

CONFORMS_TO: tuple[str, ...] = ()  # see the module docstring

router = APIRouter(tags=["Rasters"], dependencies=[Depends(reject_unknown_params)])
ProductId = Annotated[str, Path(description="Raster product id, e.g. `suitability`, `slope`, "
                                            "`distance_border_gate` (see `/rasters`)")]
Zoom = Annotated[int, Path(ge=0, le=24, description="Zoom level (tile matrix)")]
Index = Annotated[int, Path(ge=0, description="Tile column or row")]
LegendFormat = Annotated[Offer, Depends(negotiator(JSON_OFFER, Offer("svg", SVG, (SVG,))))]
_PNG_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {PNG: {"schema": {"type": "string", "format": "binary"}}},
          "description": "A 256 × 256 PNG tile, transparent where there is no data"}}


class TileMatrixSetNotFound(NotFound):
    """No tile matrix set with that id."""


@router.get("/rasters", operation_id="getRasters", summary="Raster products",
            responses={200: {"model": RasterList}}, response_class=JSONResponse)
async def rasters(service: RastersDep, urls: UrlsDep) -> Response:
    """Every built raster with bounds, CRS, resolution, units, legend, value range and links."""
    return JSONResponse(raster_list(service, urls))


@router.get("/rasters/{product}", operation_id="getRaster", summary="Raster product",
            responses={200: {"model": RasterMeta}}, response_class=JSONResponse)
async def raster(product: ProductId, service: RastersDep, urls: UrlsDep) -> Response:
    """One raster's metadata (terrain products need a DEM: `GEO_INDUSTRY_DEM_PATH`)."""
    return JSONResponse(raster_meta(service.product(product), urls))


@router.get("/rasters/{product}/legend", operation_id="getRasterLegend", summary="Raster legend",
            response_class=JSONResponse,
            responses={200: {"model": Legend, "content": {SVG: {"schema": {"type": "string"}}}}})
async def legend(product: ProductId, service: RastersDep, out: LegendFormat) -> Response:
    """What the tile colours mean: stops of value and colour (`f=svg` for a drawn legend)."""
    drawn = service.reader(product).legend
    if out.name == "svg":
        return Response(legend_svg(drawn), media_type=SVG)
    return JSONResponse(drawn.model_dump(mode="json"))


def _tile(service: object, product: str, tms: str, z: int, x: int, y: int) -> bytes:
    return service.reader(product).tile(x=x, y=y, z=z, tms=tms)  # type: ignore[attr-defined,no-any-return]


@router.get("/rasters/{product}/tiles/{z}/{x}/{y}.png", operation_id="getRasterTileXYZ",
            summary="Raster map tile (XYZ)", response_class=Response, responses=_PNG_RESPONSE)
async def tile_xyz(request: Request, product: ProductId, z: Zoom, x: Index, y: Index, service: RastersDep) -> Response:
    """A WebMercatorQuad tile in the usual web-map `z/x/y` order (404 outside the raster)."""
    png = await run_bounded(request, _tile, service, product, "WebMercatorQuad", z, x, y)
    return Response(png, media_type=PNG)


@router.get("/rasters/{product}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            operation_id="getRasterTile", summary="Raster map tile (tile matrix set)", response_class=Response,
            responses=_PNG_RESPONSE)
async def tile_tms(
    request: Request,
    product: ProductId,
    tile_matrix_set_id: Annotated[str, Path(alias="tileMatrixSetId", description="e.g. `WebMercatorQuad`",
                                            json_schema_extra={"enum": morecantile.tms.list()})],
    tile_matrix: Annotated[int, Path(alias="tileMatrix", ge=0, le=24, description="Zoom level")],
    tile_row: Annotated[int, Path(alias="tileRow", ge=0, description="Row (y)")],
    tile_col: Annotated[int, Path(alias="tileCol", ge=0, description="Column (x)")],
    service: RastersDep,
) -> Response:
    """A tile in any listed tile matrix set; OGC order: matrix, row, column (404 outside the raster)."""
    if tile_matrix_set_id not in morecantile.tms.list():
        raise TileMatrixSetNotFound(f"tile matrix set {tile_matrix_set_id!r} is not one of "
                                    f"{', '.join(morecantile.tms.list())}")
    png = await run_bounded(request, _tile, service, product, tile_matrix_set_id, tile_matrix, tile_col, tile_row)
    return Response(png, media_type=PNG)


@router.get("/tileMatrixSets", operation_id="getTileMatrixSets", summary="Tile matrix sets",
            responses={200: {"model": TileMatrixSets}}, response_class=JSONResponse)
async def tile_matrix_set_list(urls: UrlsDep) -> Response:
    """The tile matrix sets raster tiles can be asked in."""
    return JSONResponse(tile_matrix_sets(urls))


@router.get("/tileMatrixSets/{tileMatrixSetId}", operation_id="getTileMatrixSet", summary="Tile matrix set",
            response_class=JSONResponse, responses={200: {"content": {"application/json": {
                "schema": {"type": "object"}}}}})
async def tile_matrix_set(
    tile_matrix_set_id: Annotated[str, Path(alias="tileMatrixSetId", description="e.g. `WebMercatorQuad`")],
) -> Response:
    """One tile matrix set's definition (OGC Two Dimensional Tile Matrix Set 2.0 JSON)."""
    if tile_matrix_set_id not in morecantile.tms.list():
        raise TileMatrixSetNotFound(f"tile matrix set {tile_matrix_set_id!r} is not one of "
                                    f"{', '.join(morecantile.tms.list())}")
    definition = morecantile.tms.get(tile_matrix_set_id)
    return JSONResponse(definition.model_dump(mode="json", exclude_none=True, by_alias=True))


@router.get("/rasters/{product}/point", operation_id="getRasterPoint", summary="Raster value at a point",
            responses={200: {"model": PointValue}}, response_class=JSONResponse)
async def point(request: Request, product: ProductId, params: PointParamsDep, service: RastersDep) -> Response:
    """The product's value at (x, y) in any supported CRS (null where the raster has no data)."""
    crs = params.supported_crs
    value = await run_bounded(request, service.reader(product).point, x=params.x, y=params.y, crs=crs.code)
    return JSONResponse({**value.model_dump(mode="json"), "crs": crs.uri})


@router.get("/rasters/{product}/zonal", operation_id="getRasterZonalStatistics",
            summary="Zonal statistics per feature of a collection", responses={200: {"model": ZonalResult}},
            response_class=JSONResponse)
async def zonal(request: Request, product: ProductId, zones: ZonesIdDep, params: ZonalParamsDep, store: StoreDep,
                service: RastersDep) -> Response:
    """Mean, min, max and percentiles of the product in each feature of `zones` (points: the pixel)."""
    percentiles = parse_percentiles(params.percentiles)
    frame = store.frame(zones)[["id", "geometry"]]
    stats = await run_bounded(request, lambda: service.zonal(product, zones=frame, percentiles=percentiles))
    info = service.product(product)
    return JSONResponse({"product": product, "units": info.units, "zones": zones,
                         "statistics": [s.model_dump(mode="json") for s in stats]})


@router.post("/rasters/{product}/zonal", operation_id="postRasterZonalStatistics",
             summary="Zonal statistics of your polygons", responses={200: {"model": ZonalResult}},
             response_class=JSONResponse,
             openapi_extra={"requestBody": {"required": True, "content": {"application/geo+json": {
                 "schema": {"type": "object"}}, "application/json": {"schema": {"type": "object"}}}}})
async def zonal_polygons(request: Request, product: ProductId, polygons: UserPolygonsDep, params: ZonalBodyParamsDep,
                         service: RastersDep) -> Response:
    """Statistics inside a GeoJSON Polygon/MultiPolygon (or a Feature or FeatureCollection of them) you send."""
    percentiles = parse_percentiles(params.percentiles)
    crs = params.supported_crs
    frame = gpd.GeoDataFrame({"id": [zid or str(i) for i, (zid, _) in enumerate(polygons)]},
                             geometry=[g for _, g in polygons], crs=crs.crs)
    if len(polygons) == 1:
        stats = await run_bounded(request, lambda: service.zonal(product, zones=polygons[0][1], zones_crs=crs.crs,
                                                               percentiles=percentiles))
        stats = [s.model_copy(update={"zone_id": frame["id"].iloc[0]}) for s in stats]
    else:
        stats = await run_bounded(request, lambda: service.zonal(product, zones=frame, percentiles=percentiles))
    info = service.product(product)
    return JSONResponse({"product": product, "units": info.units, "zones": None,
                         "statistics": [s.model_dump(mode="json") for s in stats]})
