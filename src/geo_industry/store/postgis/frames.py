"""Stored rows of the PostGIS backend as the frames every backend serves, and the catalog as stored.

A layer row is read as ``id``, ``ST_AsBinary(geom)``, ``properties`` and the derived columns
(:data:`DerivedColumn`); :func:`layer_frame` turns such rows into the same typed GeoDataFrame
the other backends build (:func:`geo_industry.store.memory.typed_frame`), properties in the
order the layer's file had them, derived columns after the geometry. A read for a response may
take the geometry in another SRID (``ST_Transform`` in the database), no geometry at all (``NULL``:
the response skips it) and only the properties the client selected (``properties=``): :func:`select_list`
and :func:`layer_frame` take the same ``srid`` and ``properties``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import psycopg
import shapely
from psycopg import sql
from pydantic import ValidationError

from geo_industry import statistics as stats_mod
from geo_industry.catalog import Catalog
from geo_industry.geojson import column_values
from geo_industry.investor_facts import COLUMNS as INVESTOR_FACT_COLUMNS
from geo_industry.investor_facts import InvestorFact, facts_from_rows
from geo_industry.models import LayerMeta
from geo_industry.raster.properties import with_analysis_fields
from geo_industry.store.base import Quarantined
from geo_industry.store.postgis.schema import (
    ENTITY_COLUMNS,
    SRID,
    STATISTICS_COLUMNS,
    field_columns,
    layer_table,
    table,
)
from geo_industry.validate import layer_meta_problems


@dataclass(frozen=True)
class DerivedColumn:
    """A column computed from other data (``latest_*`` statistics, zone analysis), not stored in properties."""

    name: str
    json_type: str  # "number", "integer" or "string"


@dataclass(frozen=True)
class StoredLayer:
    """A layer as the catalog table holds it: its served metadata, file property order, derived columns."""

    meta: LayerMeta
    property_order: tuple[str, ...]
    derived: tuple[DerivedColumn, ...]


def read_layers(conn: psycopg.Connection) -> tuple[list[StoredLayer], list[Quarantined]]:
    """Every servable layer in catalog order, and those whose stored entry cannot be served."""
    derived: dict[str, list[DerivedColumn]] = {}
    for layer_id, name, json_type in conn.execute(sql.SQL(
            "SELECT layer_id, name, json_type FROM {} ORDER BY layer_id, position").format(table("derived_columns"))):
        derived.setdefault(layer_id, []).append(DerivedColumn(name, json_type))
    sloped = conn.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(table("zone_slopes"))).fetchone()
    with_slope = bool(sloped and sloped[0])
    layers: list[StoredLayer] = []
    quarantined: list[Quarantined] = []
    for layer_id, meta, order in conn.execute(sql.SQL(
            "SELECT layer_id, meta::text, property_order FROM {} ORDER BY position").format(table("catalog"))):
        layer = _stored_layer(layer_id, meta, tuple(order), tuple(derived.get(layer_id, ())), with_slope)
        if isinstance(layer, Quarantined):
            quarantined.append(layer)
        else:
            layers.append(layer)
    return layers, quarantined


@functools.lru_cache(maxsize=1024)
def _stored_layer(layer_id: str, meta: str, order: tuple[str, ...], derived: tuple[DerivedColumn, ...],
                  with_slope: bool) -> StoredLayer | Quarantined:
    """A catalog row checked and parsed, once per distinct row (every revision reads the catalog again;
    a write seldom changes it). Do not modify the result: later reads share it.

    ``with_slope``: whether the database keeps the raster service's slopes (the zone layers' schema
    then says their score includes the slope)."""
    try:
        parsed = LayerMeta.model_validate(orjson.loads(meta))
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]]
    else:
        problems = layer_meta_problems(parsed)
    if problems:
        return Quarantined(layer_id, None, "; ".join(problems)[:500])
    return StoredLayer(with_analysis_fields(parsed, with_slope=with_slope), order, derived)


def served_catalog(layers: Iterable[StoredLayer]) -> Catalog:
    """The catalog of the stored layers (served metadata, analysis fields declared)."""
    return Catalog([layer.meta for layer in layers])


def _declared(layer: StoredLayer) -> dict[str, str]:
    """Declared field → catalog type, for the fields that have a column (all but ``id``)."""
    columns = field_columns(layer.meta)
    return {spec.name: spec.type for spec in layer.meta.fields if spec.name in columns}


def _derived_only(layer: StoredLayer) -> list[DerivedColumn]:
    """Derived columns that are not declared fields (``latest_*``; the zone analysis is declared)."""
    declared = _declared(layer)
    return [column for column in layer.derived if column.name not in declared]


def _selected(layer: StoredLayer, properties: Sequence[str] | None
              ) -> tuple[dict[str, str], list[DerivedColumn], tuple[str, ...] | None]:
    """The declared fields and derived columns a read takes (all, or those in ``properties``), and the
    properties no column holds that ``properties`` names (``None``: every one the rows carry)."""
    declared, derived = _declared(layer), _derived_only(layer)
    if properties is None:
        return declared, derived, None
    wanted = set(properties)
    held = {"id", *declared, *(column.name for column in derived)}
    return ({name: kind for name, kind in declared.items() if name in wanted},
            [column for column in derived if column.name in wanted],
            tuple(dict.fromkeys(name for name in properties if name not in held)))


def select_list(layer: StoredLayer, *, srid: int = SRID, properties: Sequence[str] | None = None,
                geometry: bool = True) -> sql.Composable:
    """The columns a frame is built from.

    ``id``, the WKB geometry (``ST_Transform``-ed to ``srid`` when it is not the stored one; ``NULL``
    without ``geometry``, so that the database neither reads, transforms nor sends it), the
    properties no column holds (``properties`` less ``id`` and the declared fields: usually ``{}``;
    ``NULL`` when a selection names none of them), the declared fields' typed columns and the derived
    columns (those a selection names). ``srid`` must come from the supported CRSs, never from a request.
    """
    declared, derived, loose = _selected(layer, properties)
    wkb = _wkb(srid) if geometry else sql.SQL("NULL::bytea")
    if loose is None or loose:
        keys = sql.SQL(", ").join(sql.Literal(name) for name in ["id", *_declared(layer)])
        rest: sql.Composable = sql.SQL("properties - ARRAY[{}]::text[]").format(keys)
    else:
        rest = sql.SQL("NULL::jsonb")
    columns = [sql.Identifier(name) for name in declared] + [sql.Identifier(c.name) for c in derived]
    return sql.SQL(", ").join([sql.SQL("id, {}, {}").format(wkb, rest), *columns])


def _wkb(srid: int) -> sql.Composable:
    """The row's geometry as WKB in ``srid`` (a supported CRS's)."""
    if srid == SRID:
        return sql.SQL("ST_AsBinary(geom)")
    return sql.SQL("ST_AsBinary(ST_Transform(geom, {}))").format(sql.Literal(int(srid)))


def select_layer(layer: StoredLayer) -> sql.Composed:
    """``SELECT`` of every row of a layer in file order."""
    return sql.SQL("SELECT {} FROM {} ORDER BY position").format(select_list(layer), layer_table(layer.meta.id))


def _objects(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _typed(values: Sequence[Any], kind: str) -> Any:
    """A column's values typed as :func:`geo_industry.store.memory.typed_frame` types a field of ``kind``."""
    if kind == "integer":
        return pd.array(list(values), dtype="Int64")
    if kind == "number":
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    if kind == "boolean":
        return pd.array(list(values), dtype="boolean")
    return _objects(values)


def _column_order(layer: StoredLayer, names: Iterable[str], extra_keys: Sequence[str]) -> tuple[list[str], list[str]]:
    """The property columns before the geometry and after it, as the other backends' frames order them:
    the properties in file order (``id`` first when the file has none), then declared fields no file
    property holds and the derived columns (``names``: every column there is)."""
    names = list(names)
    present = set(names)
    in_file = [name for name in layer.property_order if name in present]
    first = [*in_file, *(name for name in extra_keys if name not in set(in_file))]
    if "id" not in first:
        first.insert(0, "id")
    return first, [name for name in names if name not in set(first)]


def layer_frame(layer: StoredLayer, rows: Sequence[Sequence[Any]], *, srid: int = SRID,
                properties: Sequence[str] | None = None, extra_keys: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """Rows of :func:`select_list` (with the same ``srid`` and ``properties``) as the typed frame every
    backend serves, its geometries in ``srid`` (x/y order; ``None`` where read without one).

    Columns in the order of the other backends' frames: the properties in file order, the
    geometry, declared fields no file property holds, the derived columns. With ``properties``,
    only ``id`` and those (each one a column, ``None`` where a row lacks it). ``extra_keys`` are the
    properties no column holds (default: those the rows carry, or those ``properties`` names; a batch
    of a layer is given the layer's, so that every batch has the same columns).
    """
    declared, derived, loose = _selected(layer, properties)
    extras = [row[2] or {} for row in rows]
    if extra_keys is None:
        extra_keys = list(dict.fromkeys(key for extra in extras for key in extra)) if loose is None else list(loose)
    values: dict[str, Any] = {"id": _objects([row[0] for row in rows])}
    for offset, (name, kind) in enumerate(declared.items(), start=3):
        values[name] = _typed([row[offset] for row in rows], kind)
    for name in extra_keys:
        values[name] = pd.Series([extra.get(name) for extra in extras]).to_numpy() if rows else _objects([])
    offset = 3 + len(declared)
    for index, column in enumerate(derived, start=offset):
        values[column.name] = _typed([row[index] for row in rows], column.json_type)
    first, rest = _column_order(layer, values, extra_keys)
    geometry = shapely.from_wkb([row[1] for row in rows]) if rows else np.empty(0, dtype=object)
    ordered = {**{name: values[name] for name in first}, "geometry": geometry, **{name: values[name] for name in rest}}
    return gpd.GeoDataFrame(ordered, geometry="geometry", crs=f"EPSG:{srid}")


def _json_value(value: Any, kind: str) -> Any:
    """One value of a column of ``kind`` as the frame's GeoJSON encoding gives it (missing: ``None``)."""
    if value is None:
        return None
    if kind == "integer":
        return int(value)
    if kind == "number":
        number = float(value)
        return None if math.isnan(number) else number
    return value


def _json_values(values: list[Any], kind: str) -> list[Any]:
    """A column's values as the frame's GeoJSON encoding gives them (numbers converted, the others as read)."""
    if kind in ("integer", "number"):
        return [_json_value(value, kind) for value in values]
    return values


def layer_records(layer: StoredLayer, rows: Sequence[Sequence[Any]], *, properties: Sequence[str] | None = None
                  ) -> tuple[list[str], list[bytes | None], RowProperties]:
    """Rows of :func:`select_list` (with the same ``properties``) as their ids, WKB geometries (as read; ``None``
    where read without one) and JSON-ready properties, without a frame.

    The properties are those the rows' :func:`layer_frame` holds, in its column order (with ``properties``:
    those, in the order named), with the values its GeoJSON encoding
    (:func:`geo_industry.geojson.feature_bytes`) gives them: the properties no column holds are typed per
    page as a frame's column types them (a page where one feature has one gets it ``null`` in the others).
    """
    declared, derived, loose = _selected(layer, properties)
    extras = [row[2] or {} for row in rows]
    extra_keys = list(dict.fromkeys(key for extra in extras for key in extra)) if loose is None else list(loose)
    columns: dict[str, list[Any]] = {"id": [row[0] for row in rows]}
    for offset, (name, kind) in enumerate(declared.items(), start=3):
        columns[name] = _json_values([row[offset] for row in rows], kind)
    for name in extra_keys:
        columns[name] = column_values(pd.Series([extra.get(name) for extra in extras], dtype=None if rows else object))
    for index, column in enumerate(derived, start=3 + len(declared)):
        columns[column.name] = _json_values([row[index] for row in rows], column.json_type)
    if properties is None:
        first, rest = _column_order(layer, columns, extra_keys)
        names = [*first, *rest]
    else:
        names = list(properties)
    return columns["id"], [row[1] for row in rows], RowProperties(names, [columns[name] for name in names], len(rows))


class RowProperties(Sequence[dict[str, Any]]):
    """Rows' properties held as columns, each row's dict made when it is read (an encoder reusing a kept
    feature never reads its row)."""

    def __init__(self, names: list[str], columns: list[list[Any]], length: int) -> None:
        self._names, self._columns, self._length = names, columns, length

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if not -self._length <= index < self._length:
            raise IndexError(index)
        return dict(zip(self._names, [column[index] for column in self._columns], strict=True))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self._names:
            return iter([{} for _ in range(self._length)])
        return (dict(zip(self._names, row, strict=True)) for row in zip(*self._columns, strict=True))


def layer_record(layer: StoredLayer, row: Sequence[Any]) -> tuple[str, shapely.Geometry | None, dict[str, Any]]:
    """One row of :func:`select_list` as its id, geometry and JSON-ready properties (:func:`layer_records`)."""
    ids, geometries, values = layer_records(layer, [row])
    return ids[0], None if geometries[0] is None else shapely.from_wkb(geometries[0]), values[0]


def read_layer_frame(conn: psycopg.Connection, layer: StoredLayer) -> gpd.GeoDataFrame:
    """The whole layer as a typed frame (one streaming read)."""
    with conn.cursor(name=f"frame_{layer.meta.id}"[:60]) as cursor:
        cursor.itersize = 5000
        cursor.execute(select_layer(layer))
        return layer_frame(layer, cursor.fetchall())


def _extra_keys(conn: psycopg.Connection, layer: StoredLayer) -> list[str]:
    """The properties no column holds, over the whole layer (one scan; usually none): in file order, then by name."""
    keys = sql.SQL(", ").join(sql.Literal(name) for name in ["id", *_declared(layer)])
    found = {row[0] for row in conn.execute(sql.SQL(
        "SELECT DISTINCT jsonb_object_keys(properties - ARRAY[{}]::text[]) FROM {}").format(
        keys, layer_table(layer.meta.id)))}
    return [name for name in layer.property_order if name in found] + sorted(found - set(layer.property_order))


def read_layer_batches(conn: psycopg.Connection, layer: StoredLayer, size: int) -> Iterator[gpd.GeoDataFrame]:
    """The whole layer in typed frames of at most ``size`` rows, in file order, through one server-side
    cursor (one batch in memory at a time); every batch has the same columns, an empty layer yields one."""
    extra_keys = _extra_keys(conn, layer)
    with conn.cursor(name=f"batches_{layer.meta.id}"[:60]) as cursor:
        cursor.itersize = size
        cursor.execute(select_layer(layer))
        rows = cursor.fetchmany(size)
        yield layer_frame(layer, rows, extra_keys=extra_keys)
        while len(rows) == size:
            rows = cursor.fetchmany(size)
            if rows:
                yield layer_frame(layer, rows, extra_keys=extra_keys)


def read_geometry_types(conn: psycopg.Connection, layer: StoredLayer) -> frozenset[str]:
    """The types of the layer's present geometries (shapely's names), `` Z`` appended for 3D ones (one scan)."""
    statement = sql.SQL("SELECT DISTINCT substr(ST_GeometryType(geom), 4), ST_Zmflag(geom) IN (2, 3) "
                        "AND NOT ST_IsEmpty(geom) FROM {} WHERE geom IS NOT NULL").format(layer_table(layer.meta.id))
    return frozenset(f"{kind} Z" if z else kind for kind, z in conn.execute(statement))


def read_statistics(conn: psycopg.Connection) -> pd.DataFrame:
    """The stored statistics rows, typed as :func:`geo_industry.statistics.typed_statistics` types them."""
    columns = list(STATISTICS_COLUMNS)
    rows = conn.execute(sql.SQL("SELECT {} FROM {} ORDER BY position").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in columns), table("statistics"))).fetchall()
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame["year"] = pd.array(frame["year"], dtype="Int64")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    frame["variant"] = pd.to_numeric(frame["variant"]).fillna(0).astype(int)
    return frame[[*stats_mod.STAT_COLUMNS, "variant", *stats_mod.OPTIONAL_COLUMNS]]


def read_entities(conn: psycopg.Connection) -> pd.DataFrame:
    """The statistics entities that are not features, as ``entities.csv`` holds them (text)."""
    rows = conn.execute(sql.SQL("SELECT {} FROM {} ORDER BY position").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in ENTITY_COLUMNS), table("entities"))).fetchall()
    return pd.DataFrame(rows, columns=list(ENTITY_COLUMNS), dtype=object)


def read_investor_facts(conn: psycopg.Connection) -> list[InvestorFact]:
    """The investor facts as ``investor_facts.csv`` holds them, in file order."""
    columns = list(INVESTOR_FACT_COLUMNS)
    rows = conn.execute(sql.SQL("SELECT {} FROM {} ORDER BY position").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in columns), table("investor_facts"))).fetchall()
    return facts_from_rows(dict(zip(columns, row, strict=True)) for row in rows)
