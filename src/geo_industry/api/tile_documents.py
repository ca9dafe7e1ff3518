"""OGC API - Tiles documents of a collection's vector tilesets: the list, a tileset, TileJSON."""

from __future__ import annotations

import warnings
from typing import Any

import morecantile
from morecantile.errors import PointOutsideTMSBounds

from geo_industry.api.links import Urls, link
from geo_industry.api.responses import JSON
from geo_industry.crs import CRS84_URI
from geo_industry.models import LayerMeta
from geo_industry.vector_tiles import LIMITED_HEADER, MVT, TILE_FEATURE_LIMIT, TILE_MATRIX_SETS, tile_matrix_set

TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
TILEJSON = "application/vnd.mapbox.tile+json"
_DIMENSION = {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1, "Polygon": 2, "MultiPolygon": 2}

BBox = tuple[float, float, float, float]


def _base(layer: LayerMeta, tms_id: str, urls: Urls, lang: str) -> dict[str, Any]:
    tms = tile_matrix_set(tms_id)
    path = f"/collections/{layer.id}/tiles/{tms_id}"
    document: dict[str, Any] = {
        "title": f"{layer.title.in_language(lang)} ({tms_id})",
        "dataType": "vector",
        "crs": tms.crs.srs,
        "links": [
            link(urls.url(path), "self", JSON, "this tileset"),
            link(urls.url(f"/tileMatrixSets/{tms_id}"), TILING_SCHEME, JSON, f"the {tms_id} tile matrix set"),
            link(urls.url(path) + "/{tileMatrix}/{tileRow}/{tileCol}", "item", MVT, "vector tiles", templated=True),
        ],
    }
    if tms.uri:  # the registered sets have one; the tiling-scheme link names every set
        document["tileMatrixSetURI"] = tms.uri
    return document


def tilesets_list(layer: LayerMeta, urls: Urls, lang: str) -> dict[str, Any]:
    """``/collections/{id}/tiles``: one vector tileset per tile matrix set."""
    return {
        "links": [link(urls.url(f"/collections/{layer.id}/tiles"), "self", JSON, "this list of tilesets"),
                  link(urls.url(f"/collections/{layer.id}"), "collection", JSON, "the collection")],
        "tilesets": [_base(layer, tms_id, urls, lang) for tms_id in TILE_MATRIX_SETS],
    }


def _limits(tms: morecantile.TileMatrixSet, bbox: BBox) -> list[dict[str, Any]]:
    """Per tile matrix, the rows and columns holding the corners of the layer's bbox (none when a
    corner lies outside the set: the limits would not be true)."""
    corners = [(bbox[0], bbox[1]), (bbox[0], bbox[3]), (bbox[2], bbox[1]), (bbox[2], bbox[3])]
    limits = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", PointOutsideTMSBounds)
        try:
            for zoom in range(tms.minzoom, tms.maxzoom + 1):
                tiles = [tms.tile(x, y, zoom) for x, y in corners]
                limits.append({"tileMatrix": str(zoom), "minTileRow": min(t.y for t in tiles),
                               "maxTileRow": max(t.y for t in tiles), "minTileCol": min(t.x for t in tiles),
                               "maxTileCol": max(t.x for t in tiles)})
        except PointOutsideTMSBounds:
            return []
    return limits


def tile_fields(layer: LayerMeta, queryables: dict[str, str]) -> dict[str, str]:
    """Each property a tile's features carry (:func:`geo_industry.vector_tiles.tile_properties`) and its JSON
    type: ``id``, the declared fields (lists and objects travel as JSON text) and the joined statistics."""
    declared = {spec.name: "string" if spec.type in ("array", "object") else spec.type for spec in layer.fields}
    names = ["id", *declared, *(name for name in queryables if name != "geometry")]
    return {name: declared.get(name) or queryables.get(name) or "string" for name in dict.fromkeys(names)}


def _tile_layer(layer: LayerMeta, fields: dict[str, str], lang: str) -> dict[str, Any]:
    """The tileset's one layer: its properties as a JSON schema and the per-tile feature limit."""
    entry: dict[str, Any] = {
        "id": layer.id, "title": layer.title.in_language(lang), "dataType": "vector",
        "description": f"At most {TILE_FEATURE_LIMIT} features per tile (which ones is not specified); a tile "
                       f"cut at the limit carries the response header {LIMITED_HEADER}.",
        "featureLimit": TILE_FEATURE_LIMIT,
        "propertiesSchema": {"type": "object", "required": ["id"],
                             "properties": {name: {"type": kind} for name, kind in fields.items()}},
    }
    if layer.geometry_type in _DIMENSION:
        entry["geometryDimension"] = _DIMENSION[layer.geometry_type]
    return entry


def tileset(layer: LayerMeta, tms_id: str, bbox: BBox | None, fields: dict[str, str], urls: Urls,
            lang: str) -> dict[str, Any]:
    """``/collections/{id}/tiles/{tileMatrixSetId}``: the tileset metadata (OGC API - Tiles ``TileSet``), with
    the tile properties (:func:`tile_fields`) and the per-tile feature limit in its layer."""
    document = _base(layer, tms_id, urls, lang)
    path = f"/collections/{layer.id}/tiles/{tms_id}"
    if tms_id == "WebMercatorQuad":
        document["links"].append(link(urls.url(f"{path}/tilejson.json"), "describedby", TILEJSON, "TileJSON"))
    document["links"].append(link(urls.url(f"/collections/{layer.id}"), "collection", JSON, "the collection"))
    document["layers"] = [_tile_layer(layer, fields, lang)]
    if bbox is not None:
        document["boundingBox"] = {"lowerLeft": list(bbox[:2]), "upperRight": list(bbox[2:]), "crs": CRS84_URI}
        document["tileMatrixSetLimits"] = _limits(tile_matrix_set(tms_id), bbox)
    return document


def tilejson_fields(fields: dict[str, str]) -> dict[str, str]:
    """TileJSON's ``fields``: each tile property (:func:`tile_fields`) and its MVT type."""
    kinds = {"integer": "Number", "number": "Number", "boolean": "Boolean"}
    return {name: kinds.get(kind, "String") for name, kind in fields.items()}


def tilejson(layer: LayerMeta, bbox: BBox | None, fields: dict[str, str], urls: Urls, lang: str) -> dict[str, Any]:
    """TileJSON 3.0.0 of the WebMercatorQuad tileset (``{z}/{y}/{x}``: tile matrix, row, column)."""
    tms = tile_matrix_set("WebMercatorQuad")
    template = urls.url(f"/collections/{layer.id}/tiles/WebMercatorQuad") + "/{z}/{y}/{x}"
    document: dict[str, Any] = {
        "tilejson": "3.0.0", "name": layer.id, "description": layer.title.in_language(lang),
        "attribution": layer.attribution, "scheme": "xyz", "tiles": [template],
        "minzoom": tms.minzoom, "maxzoom": tms.maxzoom,
        "vector_layers": [{"id": layer.id, "description": layer.title.in_language(lang), "fields": fields,
                           "minzoom": tms.minzoom, "maxzoom": tms.maxzoom}],
    }
    if bbox is not None:
        document["bounds"] = list(bbox)
    return document
