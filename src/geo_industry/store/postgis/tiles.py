"""Vector tiles built in the database: one ``ST_AsMVT`` statement per tile.

The same tile as the in-memory encoder (:mod:`geo_industry.vector_tiles`) makes from the same
rows: rows are selected by the GiST index with the CRS84 bbox of the buffered tile
(:func:`~geo_industry.vector_tiles.selection_bbox`), projected into the tile matrix set's CRS,
simplified by the same fraction of a pixel, then clipped to the tile grown by
:data:`~geo_industry.vector_tiles.BUFFER` units and snapped to its
:data:`~geo_industry.vector_tiles.EXTENT` grid by ``ST_AsMVTGeom``. The tile envelope is
``ST_TileEnvelope`` for WebMercatorQuad and ``ST_MakeEnvelope`` in the set's CRS for the others.
Properties are the feature's stored properties plus ``id`` and the derived columns, with lists
and objects as JSON text (``ST_AsMVT`` would drop them) and missing values left out, as the
in-memory encoder does. Features are ordered by id, so the same rows give the same bytes (and
ETag) whatever order a plan reads them in (a parallel scan returns rows in any order). A set whose
CRS has no EPSG code answers ``None`` (the caller encodes in memory).
"""

from __future__ import annotations

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
_PAIRS_PER_CALL = 40
"""Derived columns per ``jsonb_build_object`` call (a function takes at most 100 arguments)."""

# the stored properties with lists and objects as their JSON text (ST_AsMVT skips nested values)
_STORED_PROPERTIES = sql.SQL(
    "(SELECT coalesce(jsonb_object_agg(p.key, CASE WHEN jsonb_typeof(p.value) IN ('array', 'object') "
    "THEN to_jsonb(p.value::text) ELSE p.value END), '{}'::jsonb) "
    "FROM jsonb_each(t.properties) AS p WHERE jsonb_typeof(p.value) <> 'null')"
)


@cache
def tile_srid(tms_id: str) -> int | None:
    """The EPSG code of the tile matrix set's CRS as PostGIS knows it (CRS84 is 4326), or None."""
    crs = CRS.from_user_input(tile_matrix_set(tms_id).crs._pyproj_crs)
    if crs.equals(CRS.from_user_input("OGC:CRS84"), ignore_axis_order=True):
        return SRID
    return crs.to_epsg()


def _properties(layer: StoredLayer) -> sql.Composable:
    """The jsonb of a row's tile properties: stored properties, ``id``, derived columns (nulls left out)."""
    parts: list[sql.Composable] = [_STORED_PROPERTIES, sql.SQL("jsonb_build_object('id', t.id)")]
    names = [column.name for column in layer.derived]
    for start in range(0, len(names), _PAIRS_PER_CALL):
        pairs = sql.SQL(", ").join(sql.SQL("{}, t.{}").format(sql.Literal(name), sql.Identifier(name))
                                   for name in names[start:start + _PAIRS_PER_CALL])
        parts.append(sql.SQL("jsonb_strip_nulls(jsonb_build_object({}))").format(pairs))
    return sql.SQL(" || ").join(parts)


def _envelope(tile: TileAddress, srid: int) -> tuple[sql.Composable, list[Any]]:
    """The tile's bounds in the set's CRS, unbuffered (``ST_AsMVTGeom`` adds the buffer)."""
    if tile.tms == WEB_MERCATOR:
        return sql.SQL("ST_TileEnvelope(%s, %s, %s)"), [tile.matrix, tile.col, tile.row]
    left, bottom, right, top = tile_bounds(tile, buffer=0)
    return sql.SQL("ST_MakeEnvelope(%s, %s, %s, %s, %s)"), [left, bottom, right, top, srid]


def tile_statement(layer: StoredLayer, tile: TileAddress) -> tuple[sql.Composed, list[Any]] | None:
    """The ``ST_AsMVT`` statement of ``layer`` in ``tile`` and its parameters; None when the set's CRS
    has no EPSG code."""
    srid = tile_srid(tile.tms)
    if srid is None:
        return None
    envelope, envelope_params = _envelope(tile, srid)
    left, _, right, _ = tile_bounds(tile, buffer=0)
    tolerance = (right - left) / 256 * SIMPLIFY_PIXELS
    statement = sql.SQL(
        "WITH bounds AS (SELECT {envelope} AS box) "
        "SELECT ST_AsMVT(tile, %s, %s, 'geom' ORDER BY tile.properties ->> 'id') FROM ("
        "SELECT ST_AsMVTGeom(ST_SimplifyPreserveTopology(ST_Transform(t.geom, %s), %s), bounds.box, %s, %s, true) "
        "AS geom, {properties} AS properties "
        "FROM {table} AS t, bounds "
        "WHERE t.geom && ST_MakeEnvelope(%s, %s, %s, %s, %s) AND NOT ST_IsEmpty(t.geom)"
        ") AS tile WHERE tile.geom IS NOT NULL"
    ).format(envelope=envelope, properties=_properties(layer), table=layer_table(layer.meta.id))
    params = [*envelope_params, layer.meta.id, EXTENT, srid, tolerance, EXTENT, BUFFER, *selection_bbox(tile), SRID]
    return statement, params


def postgis_tile(conn: psycopg.Connection, layer: StoredLayer, tile: TileAddress) -> bytes | None:
    """The MVT bytes of ``layer`` in ``tile`` built by the database (``b""``: no feature reaches it),
    or None when the database cannot build it (the caller encodes in memory)."""
    statement = tile_statement(layer, tile)
    if statement is None:
        return None
    row = conn.execute(*statement).fetchone()
    return bytes(row[0]) if row is not None and row[0] is not None else b""
