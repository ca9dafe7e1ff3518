"""Vector tiles built in the database: one ``ST_AsMVT`` statement per tile.

The same tile as the in-memory encoder (:mod:`geo_industry.vector_tiles`) makes from the same
rows: rows are selected by the GiST index with the CRS84 bbox of the buffered tile
(:func:`~geo_industry.vector_tiles.selection_bbox`), projected into the tile matrix set's CRS,
simplified by the same fraction of a pixel, then clipped to the tile grown by
:data:`~geo_industry.vector_tiles.BUFFER` units and snapped to its
:data:`~geo_industry.vector_tiles.EXTENT` grid by ``ST_AsMVTGeom``. The tile envelope is
``ST_TileEnvelope`` for WebMercatorQuad and ``ST_MakeEnvelope`` in the set's CRS for the others.
Properties are ``id``, the feature's stored properties and the derived columns, with the declared
list and object fields as JSON text (``ST_AsMVT`` drops nested values, so an undeclared list or
object is left out) and missing values left out, as the in-memory encoder does; points are not
simplified (nothing to simplify). Features are ordered by id, so the same rows give the same bytes (and
ETag) whatever order a plan reads them in (a parallel scan returns rows in any order). A set whose
CRS has no EPSG code answers ``None`` (the caller encodes in memory).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import psycopg
from psycopg import sql
from pyproj import CRS

from geo_industry.models import TileAddress
from geo_industry.store.postgis.frames import StoredLayer
from geo_industry.store.postgis.schema import SRID, layer_table
from geo_industry.vector_tiles import BUFFER, EXTENT, SIMPLIFY_PIXELS, selection_bbox, tile_bounds, tile_matrix_set

WEB_MERCATOR = "WebMercatorQuad"
SERIAL_PLAN = "SET LOCAL max_parallel_workers_per_gather = 0"
"""A tile is built without parallel workers: its rows are few (one tile's) and every one would pass through
the Gather node to the leader's ST_AsMVT; a z12 tile of 3,200 points took 82-157 ms with two workers and
23-47 ms without on the benchmark's machine."""
_PAIRS_PER_CALL = 40
"""Derived columns per ``jsonb_build_object`` call (a function takes at most 100 arguments)."""

_NESTED_TYPES = ("array", "object")
_POINT_TYPES = ("Point", "MultiPoint")


@cache
def tile_srid(tms_id: str) -> int | None:
    """The EPSG code of the tile matrix set's CRS as PostGIS knows it (CRS84 is 4326), or None."""
    crs = CRS.from_user_input(tile_matrix_set(tms_id).crs._pyproj_crs)
    if crs.equals(CRS.from_user_input("OGC:CRS84"), ignore_axis_order=True):
        return SRID
    return crs.to_epsg()


def _json_pairs(pairs: Sequence[tuple[str, sql.Composable]]) -> list[sql.Composable]:
    """``jsonb_strip_nulls(jsonb_build_object(name, value, …))`` calls, 40 pairs each (a function takes 100
    arguments at most)."""
    calls: list[sql.Composable] = []
    for start in range(0, len(pairs), _PAIRS_PER_CALL):
        arguments = sql.SQL(", ").join(sql.SQL("{}, {}").format(sql.Literal(name), value)
                                       for name, value in pairs[start:start + _PAIRS_PER_CALL])
        calls.append(sql.SQL("jsonb_strip_nulls(jsonb_build_object({}))").format(arguments))
    return calls


def _properties(layer: StoredLayer) -> sql.Composable:
    """The jsonb of a row's tile properties besides ``id``: the stored properties with the declared list
    and object fields as their JSON text (``ST_AsMVT`` would drop them), then the derived columns."""
    nested = [spec.name for spec in layer.meta.fields if spec.type in _NESTED_TYPES]
    removed = sql.SQL(", ").join(sql.Literal(name) for name in ["id", *nested])
    texts = [(name, sql.SQL("CASE WHEN jsonb_typeof(t.properties -> {0}) IN ('array', 'object') "
                            "THEN (t.properties -> {0})::text END").format(sql.Literal(name))) for name in nested]
    derived = [(column.name, sql.SQL("t.{}").format(sql.Identifier(column.name))) for column in layer.derived]
    pairs: list[tuple[str, sql.Composable]] = [*texts, *derived]
    parts: list[sql.Composable] = [sql.SQL("(t.properties - ARRAY[{}]::text[])").format(removed), *_json_pairs(pairs)]
    return sql.SQL(" || ").join(parts)


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
    return sql.SQL("ST_SimplifyPreserveTopology(ST_Transform(t.geom, %s), %s)"), [srid, tolerance]


def tile_statement(layer: StoredLayer, tile: TileAddress) -> tuple[sql.Composed, list[Any]] | None:
    """The ``ST_AsMVT`` statement of ``layer`` in ``tile`` and its parameters; None when the set's CRS
    has no EPSG code."""
    srid = tile_srid(tile.tms)
    if srid is None:
        return None
    envelope, envelope_params = _envelope(tile, srid)
    geometry, geometry_params = _geometry(layer, tile, srid)
    statement = sql.SQL(
        "WITH bounds AS (SELECT {envelope} AS box) "
        "SELECT ST_AsMVT(tile, %s, %s, 'geom' ORDER BY tile.id) FROM ("
        "SELECT ST_AsMVTGeom({geometry}, bounds.box, %s, %s, true) AS geom, t.id AS id, {properties} AS properties "
        "FROM {table} AS t, bounds "
        "WHERE t.geom && ST_MakeEnvelope(%s, %s, %s, %s, %s) AND NOT ST_IsEmpty(t.geom)"
        ") AS tile WHERE tile.geom IS NOT NULL"
    ).format(envelope=envelope, geometry=geometry, properties=_properties(layer), table=layer_table(layer.meta.id))
    params = [*envelope_params, layer.meta.id, EXTENT, *geometry_params, EXTENT, BUFFER, *selection_bbox(tile), SRID]
    return statement, params


def postgis_tile(conn: psycopg.Connection, layer: StoredLayer, tile: TileAddress) -> bytes | None:
    """The MVT bytes of ``layer`` in ``tile`` built by the database (``b""``: no feature reaches it),
    or None when the database cannot build it (the caller encodes in memory)."""
    statement = tile_statement(layer, tile)
    if statement is None:
        return None
    with conn.transaction():
        conn.execute(SERIAL_PLAN)
        row = conn.execute(*statement).fetchone()
    return bytes(row[0]) if row is not None and row[0] is not None else b""
