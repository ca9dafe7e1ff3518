"""Where a layer's rows sit on disk: in spatial order, so a tile or a bbox page reads few heap pages.

A tile or a small bbox selects rows near each other. In file order those rows are spread over
the whole table (one heap page read per row); written in :data:`SPATIAL_ORDER` (the Hilbert
curve PostGIS sorts geometries by, taken at the centre of each geometry's bounding box; empty
geometries, then missing ones, last; file position breaking ties) they share a few pages.

Bulk writes (``db load``, a layer upload) pass their rows through :func:`write_in_spatial_order`.
Single-feature writes append; :func:`cluster_in_spatial_order` (``geo-industry db optimise``)
rewrites a layer's table in that order again. Neither touches ``position``: paging and exports
keep file order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import psycopg
from psycopg import sql

from geo_industry.errors import DataError
from geo_industry.models import LayerMeta
from geo_industry.store.postgis.schema import SCHEMA, create_layer_indexes, layer_table

SPATIAL_KEYS = ("ST_IsEmpty(geom)", "ST_Centroid(ST_Envelope(geom))", "position")
SPATIAL_ORDER = ", ".join(SPATIAL_KEYS)
"""The physical order of a layer's rows: by the Hilbert order of the bounding box centre (the
``geometry`` btree order of a point), empty geometries after the others and missing ones last,
ties in file order. ``bench/synthetic_layers.sql`` writes its tables in the same order."""

LOCK_TIMEOUT = "5s"
"""How long :func:`cluster_in_spatial_order` waits for a layer's readers and writers to finish before it
gives up (reads arriving meanwhile queue behind it, so the wait is kept short)."""

_INDEX_KEYS = ", ".join(f"({key})" for key in SPATIAL_KEYS)
_STAGING = sql.Identifier("layer_rows_staging")


def write_in_spatial_order(conn: psycopg.Connection, meta: LayerMeta, columns: Sequence[str],
                           rows: Iterable[Sequence[Any]], *,
                           written: Callable[[int], None] = lambda done: None) -> None:
    """Fill the new, empty (index-less) table of layer ``meta`` with ``rows`` (values of ``columns``) in
    :data:`SPATIAL_ORDER`, then build its indexes and statistics; inside the caller's transaction.

    The rows are copied into a temporary table first (no WAL, dropped at commit) and written from
    there sorted; ``written(n)`` is told every 5,000 rows copied.
    """
    target = layer_table(meta.id)
    names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(_STAGING))
    conn.execute(sql.SQL("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
        _STAGING, names, target))
    with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(_STAGING, names)) as copy:
        for done, row in enumerate(rows, start=1):
            copy.write_row(row)
            if done % 5_000 == 0:
                written(done)
    conn.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ORDER BY " + SPATIAL_ORDER).format(
        target, names, names, _STAGING))
    conn.execute(sql.SQL("DROP TABLE {}").format(_STAGING))
    create_layer_indexes(conn, meta)  # built once over the filled table: faster than row by row
    conn.execute(sql.SQL("ANALYZE {}").format(target))


def cluster_in_spatial_order(conn: psycopg.Connection, layer_id: str) -> int:
    """Rewrite the table of ``layer_id`` in :data:`SPATIAL_ORDER` (``CLUSTER`` on a temporary index of
    that order; the table's indexes are rebuilt) and refresh its statistics, in one transaction;
    returns its row count.

    ``CLUSTER`` holds an exclusive lock on the table while it rewrites it: the layer's reads and
    writes wait for it. Waiting for that lock is bounded by :data:`LOCK_TIMEOUT`; past it the
    layer is left as it was and :class:`DataError` says so.
    """
    target = layer_table(layer_id)
    name = f"{layer_id[:40]}_spatial_order"
    try:
        with conn.transaction():
            conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
            conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(target))
            conn.execute(sql.SQL("SET LOCAL lock_timeout = 0"))
            conn.execute(sql.SQL("CREATE INDEX {} ON {} (" + _INDEX_KEYS + ")").format(sql.Identifier(name), target))
            conn.execute(sql.SQL("CLUSTER {} USING {}").format(target, sql.Identifier(name)))
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(SCHEMA, name)))
            conn.execute(sql.SQL("ANALYZE {}").format(target))
            row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(target)).fetchone()
    except psycopg.errors.LockNotAvailable:
        raise DataError(f"layer '{layer_id}' stayed in use for {LOCK_TIMEOUT}: left as it was; "
                        "run again when it is quieter") from None
    return int(row[0]) if row else 0


__all__ = ["LOCK_TIMEOUT", "SPATIAL_ORDER", "cluster_in_spatial_order", "write_in_spatial_order"]
