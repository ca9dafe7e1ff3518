"""Vector tiles built in the database: one ``ST_AsMVT`` statement per tile.

The same tile as the in-memory encoder (:mod:`geo_industry.vector_tiles`) makes from the same
rows: rows are selected by the GiST index with the CRS84 bbox of the buffered tile
(:func:`~geo_industry.vector_tiles.selection_bbox`), projected into the tile matrix set's CRS,
simplified by the same fraction of a pixel (Douglas-Peucker, ``ST_Simplify`` keeping what would
collapse), then clipped to the tile grown by :data:`~geo_industry.vector_tiles.BUFFER` units
and snapped to its :data:`~geo_industry.vector_tiles.EXTENT` grid by ``ST_AsMVTGeom``; points
are not simplified (nothing to simplify). The tile envelope is ``ST_TileEnvelope`` for
WebMercatorQuad and ``ST_MakeEnvelope`` in the set's CRS for the others.

Properties are :func:`~geo_industry.vector_tiles.tile_properties`, read from the table's typed
columns (never the ``properties`` JSON): ``id``, the declared fields (lists and objects as JSON
text, since ``ST_AsMVT`` drops nested values) and the joined statistics (``latest_*``); NULLs are
left out, as the in-memory encoder leaves missing values out. A row whose geometry
``ST_AsMVTGeom`` reduces to nothing is skipped by ``ST_AsMVT`` itself (filtering it in the
query made the planner run ``ST_AsMVTGeom`` twice per row). Features are ordered by id in code-
point order, so the same rows give the same bytes (and ETag) whatever order a plan reads them in.
At most :data:`~geo_industry.vector_tiles.TILE_FEATURE_LIMIT` rows are read (the first the plan
finds, one more to tell whether any was left out): a low-zoom tile of a million-row table costs
what a tile of the limit costs.
The statement runs without parallel workers and without JIT compilation (:data:`TILE_PLAN`). A
set whose CRS has no EPSG code answers ``None`` (the caller encodes in memory).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import psycopg
from psycopg import sql
from pyproj import CRS

from geo_industry.models import TileAddress, VectorTile
from geo_industry.store.postgis.frames import StoredLayer
from geo_industry.store.postgis.schema import SRID, field_columns, layer_table
from geo_industry.vector_tiles import (
    BUFFER,
    EXTENT,
    SIMPLIFY_PIXELS,
    TILE_FEATURE_LIMIT,
    selection_bbox,
    tile_bounds,
    tile_matrix_set,
    tile_properties,
)

WEB_MERCATOR = "WebMercatorQuad"
TILE_PLAN = ("SELECT set_config('max_parallel_workers_per_gather', '0', true), "
             "set_config('jit', 'off', true)")
"""How a tile's statement is planned, for its transaction: without parallel workers (its rows are few, one
tile's, and every one would pass through the Gather node to the leader's ST_AsMVT: a z12 tile of 3,200 points
took 82-157 ms with two workers and 23-47 ms without on the benchmark's machine) and without JIT (a tile of
a million-row table is costed above ``jit_above_cost``; compiling took 4 ms of a 43 ms tile)."""

_NESTED_TYPES = ("array", "object")
_POINT_TYPES = ("Point", "MultiPoint")


@cache
def tile_srid(tms_id: str) -> int | None:
    """The EPSG code of the tile matrix set's CRS as PostGIS knows it (CRS84 is 4326), or None."""
    crs = CRS.from_user_input(tile_matrix_set(tms_id).crs._pyproj_crs)
    if crs.equals(CRS.from_user_input("OGC:CRS84"), ignore_axis_order=True):
        return SRID
    return crs.to_epsg()


def _columns(layer: StoredLayer) -> sql.Composable:
    """The tile's properties after ``id`` from the typed columns: declared lists and objects as their JSON
    text (``ST_AsMVT`` would drop them), the other declared fields and joined statistics as they are."""
    nested = {spec.name for spec in layer.meta.fields if spec.type in _NESTED_TYPES}
    names = tile_properties(layer.meta, [*field_columns(layer.meta), *(column.name for column in layer.derived)])
    columns: list[sql.Composable] = []
    for name in names:
        column = sql.SQL("t.{}").format(sql.Identifier(name))
        if name in nested:
            column = sql.SQL("CASE WHEN json_typeof({0}) IN ('array', 'object') THEN {0}::text END").format(column)
        columns.append(sql.SQL("{} AS {}").format(column, sql.Identifier(name)))
    return sql.SQL("").join(sql.SQL(", ") + column for column in columns)


def _envelope(tile: TileAddress, srid: int) -> tuple[sql.Composable, list[Any]]:
    """The tile's bounds in the set's CRS, unbuffered (``ST_AsMVTGeom`` adds the buffer)."""
    if tile.tms == WEB_MERCATOR:
        return sql.SQL("ST_TileEnvelope(%s, %s, %s)"), [tile.matrix, tile.col, tile.row]
    left, bottom, right, top = tile_bounds(tile, buffer=0)
    return sql.SQL("ST_MakeEnvelope(%s, %s, %s, %s, %s)"), [left, bottom, right, top, srid]


def _geometry(layer: StoredLayer, tile: TileAddress, srid: int) -> tuple[sql.Composable, list[Any]]:
    """A row's geometry in the set's CRS, simplified by a fraction of the zoom's pixel (points as they are)."""
    if layer.meta.geometry_type in _POINT_TYPES:
        return sql.SQL("ST_Transform(t.geom, %s)"), [srid]
    left, _, right, _ = tile_bounds(tile, buffer=0)
    tolerance = (right - left) / 256 * SIMPLIFY_PIXELS
    return sql.SQL("ST_Simplify(ST_Transform(t.geom, %s), %s, true)"), [srid, tolerance]


def tile_statement(layer: StoredLayer, tile: TileAddress, *, limit: int = TILE_FEATURE_LIMIT
                   ) -> tuple[sql.Composed, list[Any]] | None:
    """The ``ST_AsMVT`` statement of ``layer`` in ``tile`` (at most ``limit`` features) and its parameters;
    None when the set's CRS has no EPSG code. It answers the tile and whether features were left out."""
    srid = tile_srid(tile.tms)
    if srid is None:
        return None
    envelope, envelope_params = _envelope(tile, srid)
    geometry, geometry_params = _geometry(layer, tile, srid)
    statement = sql.SQL(
        "SELECT ST_AsMVT(s.tile, %s, %s, 'geom' ORDER BY (s.tile).id COLLATE \"C\") FILTER (WHERE s.n <= %s), "
        "count(*) > %s FROM (SELECT tile, row_number() OVER () AS n FROM ("
        "SELECT ST_AsMVTGeom({geometry}, {envelope}, %s, %s, true) AS geom, t.id AS id{columns} "
        "FROM {table} AS t WHERE t.geom && ST_MakeEnvelope(%s, %s, %s, %s, %s) AND NOT ST_IsEmpty(t.geom) "
        "LIMIT %s) AS tile) AS s"
    ).format(envelope=envelope, geometry=geometry, columns=_columns(layer), table=layer_table(layer.meta.id))
    params = [layer.meta.id, EXTENT, limit, limit, *geometry_params, *envelope_params,
              EXTENT, BUFFER, *selection_bbox(tile), SRID, limit + 1]
    return statement, params


def postgis_tile(conn: psycopg.Connection, layer: StoredLayer, tile: TileAddress, *,
                 limit: int = TILE_FEATURE_LIMIT) -> VectorTile | None:
    """The MVT of ``layer`` in ``tile`` built by the database, at most ``limit`` features (``b""``: no
    feature reaches it), or None when the database cannot build it (the caller encodes in memory)."""
    statement = tile_statement(layer, tile, limit=limit)
    if statement is None:
        return None
    with conn.transaction():
        conn.execute(TILE_PLAN)
        row = conn.execute(*statement, binary=True).fetchone()  # the tile's bytes as they are, not as hex text
    if row is None or row[0] is None:
        return VectorTile(b"", limited=bool(row and row[1]))
    return VectorTile(bytes(row[0]), limited=bool(row[1]))
