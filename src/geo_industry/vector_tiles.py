"""Vector tiles of a layer (Mapbox Vector Tile) in any morecantile tile matrix set.

A tile's features are selected through the store (on the embedded store: the layer's STRtree,
as a ``bbox`` query) for the tile's bounds grown by a buffer, projected into the tile matrix
set's CRS, clipped to the buffered tile, simplified for the zoom (a fraction of a pixel) and
encoded with ``mapbox-vector-tile`` (a store that builds tiles itself, PostGIS with ``ST_AsMVT``,
is asked first: :func:`layer_tile`). A tile carries what a map draws and labels with: ``id``,
the layer's declared fields and the statistics joined to its features (``latest_*``), not
undeclared stored properties (:func:`tile_properties`; the feature's page has everything).
Properties keep their type where MVT has one (string, integer, number, boolean); lists and
objects become JSON text; missing values are left out (MVT has no null). Nothing here knows
HTTP: :mod:`geo_industry.api.routes.tiles` adapts it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cache
from typing import Any

import geopandas as gpd
import morecantile
import numpy as np
import orjson
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo_industry.budget import check_deadline
from geo_industry.errors import InvalidParameter, NotFound
from geo_industry.json_values import dumps
from geo_industry.models import FeatureQuery, LayerMeta, TileAddress, VectorTile
from geo_industry.store.base import FeatureStore, TileSource

MVT = "application/vnd.mapbox-vector-tile"
EXTENT = 4096
"""Tile coordinates per side (the MVT default)."""
BUFFER = 64
"""Extra tile units kept around the tile, so lines and polygons join without seams."""
SIMPLIFY_PIXELS = 0.25
"""Simplification tolerance as a fraction of a 256-pixel tile's pixel (invisible at the zoom)."""
TILE_MATRIX_SETS: tuple[str, ...] = tuple(morecantile.tms.list())
TILE_FEATURE_LIMIT = 10_000
"""Features a tile holds at most, as tipg's ``max_features_per_tile``: a low-zoom tile of a dense layer
asked for directly (a million points in one z6 tile) costs the database and the encoder no more than this
many; which features it keeps is not specified (the first the store finds) and the response says it was
cut (:data:`LIMITED_HEADER`). The overview map asks a dense layer's tiles only from the zoom where they
average 5,000 sites (:func:`geo_industry.maps.tiled.min_zoom`)."""
LIMITED_HEADER = "Tile-Feature-Limit"
"""Response header of a tile cut at :data:`TILE_FEATURE_LIMIT`, whose value is the limit."""


class TileMatrixSetNotFound(NotFound):
    """No tile matrix set with that id."""


class TileOutOfRange(InvalidParameter):
    """A tile matrix, row or column outside the tile matrix set."""


def tile_matrix_set(tms_id: str) -> morecantile.TileMatrixSet:
    """The morecantile set called ``tms_id``; :class:`TileMatrixSetNotFound` otherwise. Shared: do not modify."""
    if tms_id not in TILE_MATRIX_SETS:
        raise TileMatrixSetNotFound(f"tile matrix set {tms_id[:80]!r} is not one of {', '.join(TILE_MATRIX_SETS)}")
    return _registered(tms_id)


@cache
def _registered(tms_id: str) -> morecantile.TileMatrixSet:
    """A registered set, read once: ``morecantile.tms.get`` hands out a deep copy on every call (0.3 ms
    each, several per tile)."""
    return morecantile.tms.get(tms_id)


def check_tile(tile: TileAddress) -> morecantile.TileMatrixSet:
    """The tile's matrix set, after checking matrix, row and column are inside it (else 400)."""
    tms = tile_matrix_set(tile.tms)
    if not tms.minzoom <= tile.matrix <= tms.maxzoom:
        raise TileOutOfRange("tileMatrix", tile.matrix, f"an integer from {tms.minzoom} to {tms.maxzoom} "
                                                       f"in {tile.tms}")
    matrix = tms.matrix(tile.matrix)
    if not 0 <= tile.row < matrix.matrixHeight:
        raise TileOutOfRange("tileRow", tile.row, f"0 to {matrix.matrixHeight - 1} at tileMatrix {tile.matrix}")
    if not 0 <= tile.col < matrix.matrixWidth:
        raise TileOutOfRange("tileCol", tile.col, f"0 to {matrix.matrixWidth - 1} at tileMatrix {tile.matrix}")
    return tms


@cache
def _transformers(tms_id: str) -> tuple[Transformer, Transformer]:
    """CRS84 → the set's CRS and back, both in x/y (easting, northing) order."""
    target = CRS.from_user_input(tile_matrix_set(tms_id).crs._pyproj_crs)
    to_tms = Transformer.from_crs("OGC:CRS84", target, always_xy=True)
    return to_tms, Transformer.from_crs(target, "OGC:CRS84", always_xy=True)


def _xy_box(tile: TileAddress) -> morecantile.commons.BoundingBox:
    return tile_matrix_set(tile.tms).xy_bounds(morecantile.Tile(tile.col, tile.row, tile.matrix))


def tile_bounds(tile: TileAddress, *, buffer: int = BUFFER) -> tuple[float, float, float, float]:
    """The tile's bounds in the set's CRS (x/y order), grown by ``buffer`` tile units per side."""
    box = _xy_box(tile)
    pad_x = (box.right - box.left) * buffer / EXTENT
    pad_y = (box.top - box.bottom) * buffer / EXTENT
    return box.left - pad_x, box.bottom - pad_y, box.right + pad_x, box.top + pad_y


def selection_bbox(tile: TileAddress) -> tuple[float, float, float, float]:
    """The CRS84 bbox of the buffered tile, for the store's spatial selection."""
    _, to_crs84 = _transformers(tile.tms)
    west, south, east, north = to_crs84.transform_bounds(*tile_bounds(tile), densify_pts=21)
    if not all(math.isfinite(v) for v in (west, south, east, north)):  # a polar set's corner: take everything
        return -180.0, -90.0, 180.0, 90.0
    return max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0)


def tile_properties(meta: LayerMeta, columns: Iterable[str]) -> list[str]:
    """The properties a tile of the layer carries besides ``id``, of the ``columns`` a store has: the
    declared fields in catalog order, then the joined statistics (``latest_*``) in the store's order."""
    present = list(columns)
    declared = [spec.name for spec in meta.fields if spec.name != "id" and spec.name in present]
    joined = [name for name in present if name.startswith("latest_") and name not in declared]
    return [*declared, *joined]


def mvt_value(value: Any) -> str | int | float | bool | None:
    """A property value as MVT can hold it: scalars kept, lists and objects as JSON text, missing as None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return dumps(value, default=str, option=orjson.OPT_SERIALIZE_NUMPY, what="a tile property").decode()


def _tile_geometries(rows: gpd.GeoDataFrame, tile: TileAddress) -> np.ndarray:
    """The rows' geometries in tile units (0…EXTENT, y down): projected, clipped to the buffered
    tile, simplified for its zoom and snapped to the unit grid (all vectorised in GEOS)."""
    to_tms, _ = _transformers(tile.tms)
    box = _xy_box(tile)
    scale_x, scale_y = EXTENT / (box.right - box.left), EXTENT / (box.top - box.bottom)

    def to_tile_units(xy: np.ndarray) -> np.ndarray:
        x, y = to_tms.transform(xy[:, 0], xy[:, 1])
        return np.column_stack(((x - box.left) * scale_x, (box.top - y) * scale_y))

    in_units = shapely.transform(np.asarray(rows.geometry.array), to_tile_units)
    clipped = shapely.clip_by_rect(in_units, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    simplified = shapely.simplify(clipped, EXTENT / 256 * SIMPLIFY_PIXELS, preserve_topology=True)
    return shapely.set_precision(simplified, grid_size=1.0)


def _features(rows: gpd.GeoDataFrame, geometries: np.ndarray) -> list[dict[str, Any]]:
    columns = [c for c in rows.columns if c != rows.geometry.name]
    features = []
    for count, (geometry, record) in enumerate(zip(geometries, rows[columns].itertuples(index=False, name=None),
                                                   strict=True)):
        if count % 1000 == 999:
            check_deadline()  # an abandoned request's worker stops here
        if geometry is None or geometry.is_empty:
            continue
        properties = {name: v for name, v in zip(columns, map(mvt_value, record), strict=True) if v is not None}
        features.append({"geometry": geometry, "properties": properties})
    return features


def encode_tile(rows: gpd.GeoDataFrame, tile: TileAddress, *, layer_name: str) -> bytes:
    """The MVT bytes of ``rows`` (CRS84) in ``tile``; ``b""`` when no geometry reaches the tile."""
    import mapbox_vector_tile  # imported by the first tile encoded here: PostGIS builds its tiles itself

    located = rows[rows.geometry.notna() & ~rows.geometry.is_empty]
    if located.empty:
        return b""
    features = _features(located, _tile_geometries(located, tile))
    check_deadline()
    if not features:
        return b""
    options = {"extents": EXTENT, "y_coord_down": True}  # already in tile units
    return mapbox_vector_tile.encode([{"name": layer_name, "features": features}],  # type: ignore[no-any-return]
                                     default_options=options)


def layer_tile(store: FeatureStore, layer_id: str, tile: TileAddress, *, limit: int = TILE_FEATURE_LIMIT
               ) -> VectorTile:
    """The MVT of layer ``layer_id`` in ``tile`` (one MVT layer named after it; ``b""`` when empty),
    holding at most ``limit`` features.

    A store that builds tiles itself (:class:`~geo_industry.store.base.TileSource`, e.g. PostGIS
    with ``ST_AsMVT``) is asked first; otherwise the tile is encoded here from a ``bbox`` query
    (of the first features in the layer's order, when more than the limit reach the tile).
    """
    check_tile(tile)
    if isinstance(store, TileSource):
        built = store.vector_tile(layer_id, tile, limit=limit)
        if built is not None:
            return built
    page = store.query(layer_id, FeatureQuery(bbox=selection_bbox(tile), limit=limit))
    check_deadline()
    rows = page.features
    carried = ["id", *tile_properties(store.collection(layer_id), rows.columns), rows.geometry.name]
    return VectorTile(encode_tile(rows[carried], tile, layer_name=layer_id), limited=page.matched > len(rows))
