"""Vector tiles of every feature collection (OGC API - Tiles): tilesets, tileset metadata, TileJSON, tiles.

Tiles are Mapbox Vector Tiles in any morecantile tile matrix set listed under ``/tileMatrixSets``,
one MVT layer named after the collection (:mod:`geo_industry.vector_tiles`). A tile no feature
reaches is answered ``204 No Content``; a tile cut at the per-tile feature limit carries the
``Tile-Feature-Limit`` header (the limit). Tiles get a strong ETag (304 on ``If-None-Match``) and
``Cache-Control`` from :class:`~geo_industry.api.caching.ConditionalGetMiddleware`.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import Response

from geo_industry.api.deps import LangDep, LayerDep, StoreDep, UrlsDep, reject_unknown_params
from geo_industry.api.limits import run_bounded
from geo_industry.api.responses import JSONResponse
from geo_industry.api.tile_documents import TILEJSON, tile_fields, tilejson, tilejson_fields, tileset, tilesets_list
from geo_industry.store.base import TileSource
from geo_industry.vector_tiles import (
    LIMITED_HEADER,
    MVT,
    TILE_FEATURE_LIMIT,
    TILE_MATRIX_SETS,
    TileAddress,
    TileMatrixSetNotFound,
    layer_tile,
)

OGC_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf"
CONFORMS_TO = tuple(f"{OGC_TILES}/{name}" for name in ("core", "tileset", "tilesets-list", "geodata-tilesets",
                                                          "mvt"))

router = APIRouter(tags=["Tiles"], dependencies=[Depends(reject_unknown_params)])
TileMatrixSetId = Annotated[str, Path(alias="tileMatrixSetId", description="e.g. `WebMercatorQuad` "
                                      "(see `/tileMatrixSets`)", json_schema_extra={"enum": list(TILE_MATRIX_SETS)})]
_JSON_OBJECT: dict[int | str, dict[str, Any]] = {200: {"content": {"application/json": {"schema": {"type": "object"}}}}}
_MVT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {MVT: {"schema": {"type": "string", "format": "binary"}}},
          "description": "A Mapbox Vector Tile with one layer named after the collection",
          "headers": {LIMITED_HEADER: {"description": f"Present when features were left out of the tile at the "
                                                     f"per-tile limit of {TILE_FEATURE_LIMIT}: its value is the limit",
                                       "schema": {"type": "integer"}}}},
    204: {"description": "No feature of the collection reaches this tile"},
}


@router.get("/collections/{collectionId}/tiles", operation_id="getCollectionVectorTilesets",
            summary="Vector tilesets of a collection", response_class=JSONResponse, responses=_JSON_OBJECT)
async def tilesets(layer: LayerDep, urls: UrlsDep, lang: LangDep) -> Response:
    """One vector tileset per tile matrix set, each with its metadata and tile URL template."""
    return JSONResponse(tilesets_list(layer, urls, lang))


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}", operation_id="getCollectionVectorTileSet",
            summary="Vector tileset metadata", response_class=JSONResponse, responses=_JSON_OBJECT)
async def tileset_metadata(request: Request, layer: LayerDep, tile_matrix_set_id: TileMatrixSetId, store: StoreDep,
                           urls: UrlsDep, lang: LangDep) -> Response:
    """The tileset: CRS, tile matrix set, limits per tile matrix over the collection's extent, links, and its
    layer's tile properties and per-tile feature limit."""
    bbox, _ = await run_bounded(request, store.extent, layer.id)  # read once per revision: a scan on a database
    fields = tile_fields(layer, store.queryables(layer.id))
    return JSONResponse(tileset(layer, tile_matrix_set_id, bbox, fields, urls, lang))


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}/tilejson.json", operation_id="getTileJSON",
            summary="TileJSON of the WebMercatorQuad vector tiles", response_class=JSONResponse,
            responses={200: {"content": {TILEJSON: {"schema": {"type": "object"}}}}})
async def tile_json(request: Request, layer: LayerDep, tile_matrix_set_id: TileMatrixSetId, store: StoreDep,
                    urls: UrlsDep, lang: LangDep) -> Response:
    """TileJSON 3.0.0 for web map clients (MapLibre, OpenLayers); WebMercatorQuad only, as TileJSON is."""
    if tile_matrix_set_id != "WebMercatorQuad":
        raise TileMatrixSetNotFound(f"TileJSON describes WebMercatorQuad tiles only, not {tile_matrix_set_id[:80]!r}; "
                                    f"see /collections/{layer.id}/tiles/{{tileMatrixSetId}} for the others")
    bbox, _ = await run_bounded(request, store.extent, layer.id)  # read once per revision: a scan on a database
    fields = tilejson_fields(tile_fields(layer, store.queryables(layer.id)))
    return JSONResponse(tilejson(layer, bbox, fields, urls, lang), media_type=TILEJSON)


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            operation_id="getCollectionVectorTile", summary="Vector tile", response_class=Response,
            responses=_MVT_RESPONSES)
async def tile(
    request: Request,
    layer: LayerDep,
    tile_matrix_set_id: TileMatrixSetId,
    tile_matrix: Annotated[int, Path(alias="tileMatrix", description="Tile matrix (zoom level) of the set")],
    tile_row: Annotated[int, Path(alias="tileRow", description="Row (y), from the top")],
    tile_col: Annotated[int, Path(alias="tileCol", description="Column (x), from the left")],
    store: StoreDep,
) -> Response:
    """The collection's features in one tile, clipped, simplified for the zoom, with their properties."""
    address = TileAddress(tile_matrix_set_id, tile_matrix, tile_row, tile_col)
    built = await run_bounded(request, layer_tile, store, layer.id, address, in_database=isinstance(store, TileSource))
    limited = {LIMITED_HEADER: str(TILE_FEATURE_LIMIT)} if built.limited else None
    if not built.body:
        return Response(status_code=204, headers=limited)
    return Response(built.body, media_type=MVT, headers=limited)
