"""The zones' mean slopes as the raster service measured them, kept in the ``zone_slopes`` table.

The slope needs the DEM, which only the raster service reads; the database keeps each zone's
slope with the revision it was measured at and a digest of what it was read over
(:func:`~geo_industry.raster.analysis.slope_inputs`: the zone's outline or point, its precision
and radius). :func:`~geo_industry.store.postgis.derived.refresh_derived` scores a zone with its
kept slope while its shape is the one measured (an edit of the shape leaves it without slope
until the service has measured the new one), with the same Python scoring as ``/analysis/rankings``.
Keeping a revision's slopes drops the rows of zones it no longer has (deleted, or moved to another
layer), so the table holds the zones there are, not every zone there ever was.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg import sql

from geo_industry.raster.analysis import MeasuredSlope
from geo_industry.store.postgis.schema import table

__all__ = ["prune_zone_slopes", "read_zone_slopes", "write_zone_slopes"]


def read_zone_slopes(conn: psycopg.Connection) -> dict[str, MeasuredSlope] | None:
    """Zone id → its kept slope; ``None`` when no slope was ever kept (no DEM: the analysis is without slope)."""
    rows = conn.execute(sql.SQL("SELECT layer_id, feature_id, inputs, mean_slope_deg FROM {}").format(
        table("zone_slopes"))).fetchall()
    if not rows:
        return None
    return {feature_id: MeasuredSlope(layer_id, feature_id, inputs, slope) for layer_id, feature_id, inputs, slope
            in rows}


def write_zone_slopes(conn: psycopg.Connection, revision: int, slopes: Sequence[MeasuredSlope]) -> int:
    """Keep ``slopes`` measured at ``revision``, in the caller's transaction; returns how many rows changed.

    A zone's row changes only to a measurement of the same or a later revision that says something
    new (another shape or another value): a late measurement of an older revision never replaces a
    newer one, and a second worker measuring the same revision writes nothing.
    """
    if not slopes:
        return 0
    columns = ([s.layer_id for s in slopes], [s.zone_id for s in slopes], [revision] * len(slopes),
               [s.inputs for s in slopes], [s.mean_slope_deg for s in slopes])
    cursor = conn.execute(sql.SQL(
        "INSERT INTO {0} AS kept (layer_id, feature_id, revision, inputs, mean_slope_deg) "
        "SELECT * FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::text[], %s::double precision[]) "
        "ON CONFLICT (layer_id, feature_id) DO UPDATE SET revision = excluded.revision, inputs = excluded.inputs, "
        "mean_slope_deg = excluded.mean_slope_deg WHERE kept.revision <= excluded.revision "
        "AND (kept.inputs, kept.mean_slope_deg) IS DISTINCT FROM (excluded.inputs, excluded.mean_slope_deg)"
    ).format(table("zone_slopes")), columns)
    return cursor.rowcount


def prune_zone_slopes(conn: psycopg.Connection, revision: int, slopes: Sequence[MeasuredSlope]) -> int:
    """Drop the kept slopes of zones that ``slopes`` (every zone measured at ``revision``) does not have,
    if kept at ``revision`` or before, in the caller's transaction; returns how many rows went.

    Those zones were deleted (or moved to another layer) by ``revision``; a slope kept at a later revision
    is a later measurement's and stays. An empty measurement drops nothing.
    """
    if not slopes:
        return 0
    cursor = conn.execute(sql.SQL(
        "DELETE FROM {0} AS kept WHERE kept.revision <= %s AND NOT EXISTS (SELECT 1 FROM "
        "unnest(%s::text[], %s::text[]) AS measured (layer_id, feature_id) "
        "WHERE measured.layer_id = kept.layer_id AND measured.feature_id = kept.feature_id)"
    ).format(table("zone_slopes")), (revision, [s.layer_id for s in slopes], [s.zone_id for s in slopes]))
    return cursor.rowcount
