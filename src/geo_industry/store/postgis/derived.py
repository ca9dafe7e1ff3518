"""Derived columns of the PostGIS layer tables: what served features carry beyond their properties.

:func:`refresh_derived` materialises, as typed columns of the layer tables listed in
``derived_columns``, the latest actual statistics (``latest_<indicator>``, ``_year``, ``_unit``)
of features that are statistics entities, and the zone analysis (``dist_*_km``,
``mean_slope_deg``, ``suitability_score`` …) of zones and clusters, so reads, filters, sorts and
tiles see them as ordinary columns. ``db load`` runs it, and so does every write transaction that
changes features or statistics. The zone analysis is the Python one of every backend
(:func:`~geo_industry.raster.properties.with_zone_analysis`), with the slopes the raster service
measured (:mod:`geo_industry.store.postgis.slopes`) where they hold for the zone's current shape;
:func:`refresh_zone_analysis` recomputes it when those slopes change. Export leaves these columns
out (it writes ``properties``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg
from psycopg import sql

from geo_industry import statistics as stats_mod
from geo_industry.catalog import layer_kinds
from geo_industry.raster.layers import TARGET_RULES
from geo_industry.raster.properties import ANALYSIS_FIELDS, OUTLINE_LAYER, ZONE_LAYERS, with_zone_analysis
from geo_industry.store.postgis.frames import StoredLayer, read_layer_frame, read_layers, read_statistics
from geo_industry.store.postgis.schema import layer_table, table
from geo_industry.store.postgis.slopes import read_zone_slopes

_ANALYSIS_NAMES = tuple(f.name for f in ANALYSIS_FIELDS)
_ANALYSIS_TYPES: dict[str, str] = {f.name: f.type for f in ANALYSIS_FIELDS}
_TARGET_KINDS = frozenset(kind for rules in TARGET_RULES.values() for kind, _, _ in rules)


def _json_type(series: pd.Series) -> str:
    dtype = series.dtype
    return "integer" if str(dtype) == "Int64" else "number" if dtype.kind == "f" else "string"


def _sql_values(series: pd.Series, json_type: str) -> list[Any]:
    values = series.astype(object).where(series.notna(), None).tolist()
    if json_type == "integer":
        return [None if v is None else int(v) for v in values]
    if json_type == "number":
        return [None if v is None else float(v) for v in values]
    return [None if v is None else str(v) for v in values]


_SQL_TYPES = {"integer": "bigint", "number": "double precision", "string": "text"}


def _set_columns(conn: psycopg.Connection, layer_id: str, values: pd.DataFrame, types: dict[str, str]) -> None:
    """``UPDATE`` the rows of ``values.index`` (feature ids) with its columns, in one statement."""
    if values.empty or not len(values.columns):
        return
    names = list(values.columns)
    arrays = [list(values.index)] + [_sql_values(values[n], types[n]) for n in names]
    unnest = sql.SQL(", ").join(sql.SQL("%s::{}[]").format(sql.SQL(_SQL_TYPES[types[n]])) for n in names)
    conn.execute(sql.SQL("UPDATE {} AS t SET {} FROM unnest(%s::text[], {}) AS v(id, {}) WHERE t.id = v.id").format(
        layer_table(layer_id),
        sql.SQL(", ").join(sql.SQL("{} = v.{}").format(sql.Identifier(n), sql.Identifier(n)) for n in names),
        unnest, sql.SQL(", ").join(sql.Identifier(n) for n in names)), arrays)


def _latest_values(conn: psycopg.Connection, layer: StoredLayer, latest: pd.DataFrame) -> pd.DataFrame:
    """The ``latest_*`` values of the layer's features that are statistics entities (index: feature id)."""
    if latest.empty:
        return pd.DataFrame()
    ids = [r[0] for r in conn.execute(sql.SQL("SELECT id FROM {} WHERE id = ANY(%s)").format(
        layer_table(layer.meta.id)), (list(latest.index),))]
    values = latest.reindex(ids).dropna(axis=1, how="all")
    declared = {spec.name for spec in layer.meta.fields}
    return values[[c for c in values.columns if c not in declared]]


def _refresh_latest(conn: psycopg.Connection, layer: StoredLayer, latest: pd.DataFrame) -> list[tuple[str, str]]:
    """Bring a layer's ``latest_*`` columns up to the statistics; returns (name, JSON type) of those it has.

    Columns are added or dropped only when the set changes (a write of one feature's
    statistics usually only updates values, without a table lock beyond its rows).
    """
    target = layer_table(layer.meta.id)
    values = _latest_values(conn, layer, latest)
    wanted = {name: _json_type(values[name]) for name in values.columns}
    present = {c.name: c.json_type for c in layer.derived if c.name.startswith("latest_")
               and c.name not in _ANALYSIS_NAMES}
    for name, kind in present.items():
        if wanted.get(name) != kind:
            conn.execute(sql.SQL("ALTER TABLE {} DROP COLUMN IF EXISTS {}").format(target, sql.Identifier(name)))
    for name, kind in wanted.items():
        if present.get(name) != kind:
            conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(target, sql.Identifier(name),
                                                                         sql.SQL(_SQL_TYPES[kind])))
    kept = [name for name in wanted if present.get(name) == wanted[name]]
    if kept:  # rows that are no longer entities with these values lose them
        conn.execute(sql.SQL("UPDATE {} SET {} WHERE NOT (id = ANY(%s)) AND ({})").format(
            target, sql.SQL(", ").join(sql.SQL("{} = NULL").format(sql.Identifier(n)) for n in kept),
            sql.SQL(" OR ").join(sql.SQL("{} IS NOT NULL").format(sql.Identifier(n)) for n in kept)),
            (list(values.index),))
    _set_columns(conn, layer.meta.id, values, wanted)
    return list(wanted.items())


def _analysis_inputs(layers: Sequence[StoredLayer]) -> list[StoredLayer]:
    kinds = layer_kinds(layer.meta for layer in layers)
    wanted = _TARGET_KINDS | set(ZONE_LAYERS) | {OUTLINE_LAYER}
    return [layer for layer in layers if layer.meta.id in wanted or kinds[layer.meta.id] in wanted]


def _refresh_analysis(conn: psycopg.Connection, layers: Sequence[StoredLayer]) -> None:
    """Recompute the zone analysis columns of the zone layers from the layers it reads."""
    inputs = _analysis_inputs(layers)
    frames: dict[str, gpd.GeoDataFrame] = {layer.meta.id: read_layer_frame(conn, layer) for layer in inputs}
    metas = {layer.meta.id: layer.meta for layer in inputs}
    analysed, _ = with_zone_analysis(frames, metas, measured_slopes=read_zone_slopes(conn))
    for layer_id in ZONE_LAYERS:
        if layer_id in frames:
            frame = analysed[layer_id].set_index("id")[list(_ANALYSIS_NAMES)]
            _set_columns(conn, layer_id, frame, _ANALYSIS_TYPES)


def refresh_zone_analysis(conn: psycopg.Connection) -> None:
    """Recompute the zone analysis columns (after the kept slopes changed), in the caller's transaction."""
    _refresh_analysis(conn, read_layers(conn)[0])


def refresh_derived(conn: psycopg.Connection, layer_ids: Iterable[str] | None = None) -> None:
    """Materialise the derived columns of ``layer_ids`` (every layer when ``None``), in the caller's transaction.

    Pass the layers whose features changed; after a change of statistics pass ``None`` (every
    layer's ``latest_*`` columns may change). The zone analysis is recomputed when any layer it
    reads (zones, outlines, the target kinds) is among them.
    """
    layers, _ = read_layers(conn)
    changed = {layer.meta.id for layer in layers} if layer_ids is None else set(layer_ids)
    latest = stats_mod.latest_actuals(read_statistics(conn))
    listed = table("derived_columns")
    for layer in layers:
        if layer.meta.id not in changed:
            continue
        columns = _refresh_latest(conn, layer, latest)
        if layer.meta.id in ZONE_LAYERS:
            columns = [(name, _ANALYSIS_TYPES[name]) for name in _ANALYSIS_NAMES] + columns
        conn.execute(sql.SQL("DELETE FROM {} WHERE layer_id = %s").format(listed), (layer.meta.id,))
        with conn.cursor() as cursor:
            cursor.executemany(sql.SQL("INSERT INTO {} (layer_id, name, json_type, position) "
                                       "VALUES (%s, %s, %s, %s)").format(listed),
                               [(layer.meta.id, name, kind, i) for i, (name, kind) in enumerate(columns)])
    if changed & {layer.meta.id for layer in _analysis_inputs(layers)}:
        _refresh_analysis(conn, read_layers(conn)[0])
