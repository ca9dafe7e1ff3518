"""Load a ``data/`` folder into the PostGIS store, export it back, and materialise derived columns.

:func:`load_data` makes the database hold what the folder holds: each layer is replaced in one
transaction (table dropped, created, filled with ``COPY``), then the statistics, entities and
investor facts in one more, then :func:`refresh_derived` and a revision bump. Properties are kept
as the file had them (``properties``), and the typed columns come from the same typing as every
other backend's (:func:`geo_industry.store.memory.typed_frame`), so filters and sorts agree.

:func:`export_data` writes the ``data/`` layout back (catalog entries and property order as
loaded), so a load followed by an export reproduces the committed files.

:func:`refresh_derived` computes what the served features carry beyond their properties: the
latest actual statistics (``latest_<indicator>``, ``_year``, ``_unit``) of features that are
statistics entities, and the zone analysis (``dist_*_km``, ``suitability_score`` …) of zones and
clusters, as typed columns listed in ``derived_columns``. Every write transaction that changes
features or statistics runs it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import psycopg
import shapely
from psycopg import sql
from psycopg.types.json import Jsonb
from shapely.geometry import mapping

from geo_industry import statistics as stats_mod
from geo_industry.catalog import layer_file, layer_kinds, load_data_catalog
from geo_industry.errors import DataError
from geo_industry.investor_facts import COLUMNS as INVESTOR_FACT_COLUMNS
from geo_industry.models import LayerMeta
from geo_industry.raster.layers import TARGET_RULES
from geo_industry.raster.properties import (
    ANALYSIS_FIELDS,
    OUTLINE_LAYER,
    ZONE_LAYERS,
    with_analysis_fields,
    with_zone_analysis,
)
from geo_industry.store.memory import typed_frame
from geo_industry.store.postgis.connections import Database
from geo_industry.store.postgis.frames import StoredLayer, read_layer_frame, read_layers, read_statistics
from geo_industry.store.postgis.schema import (
    ENTITY_COLUMNS,
    SRID,
    STATISTICS_COLUMNS,
    bump_revision,
    create_layer_table,
    drop_layer_table,
    field_columns,
    init_schema,
    layer_table,
    table,
)

Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)``: called as a load advances."""
_COPY_CHUNK = 5_000
_ANALYSIS_NAMES = tuple(f.name for f in ANALYSIS_FIELDS)
_ANALYSIS_TYPES: dict[str, str] = {f.name: f.type for f in ANALYSIS_FIELDS}
_TARGET_KINDS = frozenset(kind for rules in TARGET_RULES.values() for kind, _, _ in rules)


@dataclass
class LoadReport:
    """What a load wrote."""

    features: dict[str, int] = field(default_factory=dict)
    statistics: int = 0
    entities: int = 0
    investor_facts: int = 0
    revision: int = 0


def _no_progress(step: str, done: int, total: int) -> None:
    """Progress nobody watches."""


# loading layers ---------------------------------------------------------------------------
def _raw_catalog(data_dir: Path) -> list[dict[str, Any]]:
    """The catalog entries as written in the files (key order kept, for export)."""
    return [raw for folder in ("geo", "reference") if (data_dir / folder / "catalog.json").exists()
            for raw in orjson.loads((data_dir / folder / "catalog.json").read_bytes())["layers"]]


def _property_order(features: Sequence[dict[str, Any]]) -> list[str]:
    order: dict[str, None] = {}
    for feature in features:
        order.update(dict.fromkeys(feature.get("properties") or {}))
    return list(order)


def _column_value(value: Any, kind: str) -> Any:
    """A typed frame's cell as the value of its column (``None`` for missing)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind in ("array", "object"):
        return Jsonb(value.tolist() if isinstance(value, np.ndarray) else value)
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return bool(value)
    return value if isinstance(value, str) else str(value)


def _ewkb(geometries: Sequence[dict[str, Any] | None]) -> list[str | None]:
    texts = [orjson.dumps(g).decode() if g else None for g in geometries]
    shapes = shapely.set_srid(shapely.from_geojson(texts), SRID)
    return [None if g is None else str(g) for g in shapely.to_wkb(shapes, hex=True, include_srid=True)]


def _layer_rows(meta: LayerMeta, features: Sequence[dict[str, Any]], *, source: str) -> Iterator[tuple[Any, ...]]:
    """COPY rows of a layer: id, geometry, typed field columns, properties, position."""
    properties = [dict(f.get("properties") or {}) for f in features]
    for props, feature in zip(properties, features, strict=True):
        if props.get("id") is None and feature.get("id") is not None:
            props["id"] = feature["id"]
    table_ = pd.DataFrame(properties) if properties else pd.DataFrame({"id": []})
    frame = typed_frame(gpd.GeoDataFrame(table_, geometry=[None] * len(table_), crs=f"EPSG:{SRID}"), meta,
                        source=source)
    if frame["id"].duplicated().any():
        twice = ", ".join(frame["id"][frame["id"].duplicated()][:5])
        raise DataError(f"{source}: feature ids are not unique ({twice})")
    columns = field_columns(meta)
    kinds = {spec.name: spec.type for spec in meta.fields}
    values = [[_column_value(v, kinds[name]) for v in frame[name]] for name in columns]
    geometries = _ewkb([f.get("geometry") for f in features])
    for position, feature_id in enumerate(frame["id"]):
        yield (feature_id, geometries[position], *(column[position] for column in values),
               Jsonb(properties[position]), position)


def _load_layer(conn: psycopg.Connection, meta: LayerMeta, raw: dict[str, Any], position: int,
                path: Path, progress: Progress) -> int:
    """Replace one layer (table, catalog entry) in one transaction; returns its feature count."""
    try:
        document = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise DataError(f"{path}: cannot read layer {meta.id} ({exc})") from None
    features = document.get("features") or []
    served = with_analysis_fields(meta)
    rows = _layer_rows(served, features, source=str(path))
    names = [sql.Identifier(n) for n in ("id", "geom", *field_columns(served), "properties", "position")]
    with conn.transaction():
        drop_layer_table(conn, meta.id)
        create_layer_table(conn, served)
        conn.execute(sql.SQL("DELETE FROM {} WHERE layer_id = %s").format(table("derived_columns")), (meta.id,))
        conn.execute(sql.SQL(
            "INSERT INTO {} (layer_id, position, meta, meta_text, property_order) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (layer_id) DO UPDATE SET position = EXCLUDED.position, meta = EXCLUDED.meta, "
            "meta_text = EXCLUDED.meta_text, property_order = EXCLUDED.property_order").format(table("catalog")),
            (meta.id, position, Jsonb(raw), json.dumps(raw, ensure_ascii=False), _property_order(features)))
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(layer_table(meta.id), sql.SQL(", ").join(names))
        with conn.cursor().copy(copy_sql) as copy:
            for done, row in enumerate(rows, start=1):
                copy.write_row(row)
                if done % _COPY_CHUNK == 0:
                    progress(meta.id, done, len(features))
        conn.execute(sql.SQL("ANALYZE {}").format(layer_table(meta.id)))
    progress(meta.id, len(features), len(features))
    return len(features)


def _drop_layers_not_in(conn: psycopg.Connection, keep: set[str]) -> None:
    with conn.transaction():
        stored = [r[0] for r in conn.execute(sql.SQL("SELECT layer_id FROM {}").format(table("catalog")))]
        for layer_id in stored:
            if layer_id not in keep:
                drop_layer_table(conn, layer_id)
                conn.execute(sql.SQL("DELETE FROM {} WHERE layer_id = %s").format(table("catalog")), (layer_id,))


# loading tables ---------------------------------------------------------------------------
def _number(text: str, column: str, row: int, source: Path) -> float | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise DataError(f"{source}: row {row}: {column} {text[:20]!r} is not a number") from None


def _statistics_rows(path: Path) -> list[tuple[Any, ...]]:
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in stats_mod.STAT_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{path}: missing columns {', '.join(missing)}")
        for position, row in enumerate(reader):
            number = position + 2
            year = _number(row["year"] or "", "year", number, path)
            if year is not None and not year.is_integer():
                raise DataError(f"{path}: row {number}: year {row['year']!r} is not an integer")
            variant = _number(row.get("variant") or "0", "variant", number, path) or 0
            values = {**{c: row.get(c) or "" for c in STATISTICS_COLUMNS}, "year": None if year is None else int(year),
                      "value": _number(row["value"] or "", "value", number, path), "variant": int(variant)}
            rows.append((position, *values.values()))
    return rows


def _text_rows(path: Path, columns: Sequence[str]) -> list[tuple[Any, ...]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        unknown = [c for c in reader.fieldnames or [] if c not in columns]
        if unknown:
            raise DataError(f"{path}: unknown columns {', '.join(unknown)} (expected {', '.join(columns)})")
        return [(position, *((row.get(c) or "") for c in columns)) for position, row in enumerate(reader)]


def _replace_table(conn: psycopg.Connection, name: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    conn.execute(sql.SQL("DELETE FROM {}").format(table(name)))
    names = sql.SQL(", ").join(sql.Identifier(c) for c in ("position", *columns))
    with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(table(name), names)) as copy:
        for row in rows:
            copy.write_row(row)


def _check_statistics_entities(rows: list[tuple[Any, ...]], known: set[str], source: Path) -> None:
    entity_at = list(STATISTICS_COLUMNS).index("entity") + 1
    unknown = [f"{source}: row {r[0] + 2}: entity '{r[entity_at]}' is unknown"
               for r in rows if r[entity_at] not in known]
    if unknown:
        raise DataError("\n".join(unknown[:20]))


def load_data(database: Database, data_dir: Path, *, progress: Progress = _no_progress) -> LoadReport:
    """Make the database hold the ``data/`` folder: layers, catalog, statistics, entities, investor facts."""
    catalog = load_data_catalog(data_dir)
    raw = _raw_catalog(data_dir)
    statistics = _statistics_rows(data_dir / "statistics.csv")
    entities = _text_rows(data_dir / "entities.csv", ENTITY_COLUMNS)
    facts = _text_rows(data_dir / "investor_facts.csv", INVESTOR_FACT_COLUMNS)
    report = LoadReport()
    with database.connection() as conn:
        init_schema(conn)
        for position, (meta, entry) in enumerate(zip(catalog, raw, strict=True)):
            report.features[meta.id] = _load_layer(conn, meta, entry, position, layer_file(data_dir, meta), progress)
        _drop_layers_not_in(conn, {meta.id for meta in catalog})
        known = _feature_ids(conn, list(report.features), {r[1] for r in entities})
        _check_statistics_entities(statistics, known, data_dir / "statistics.csv")
        progress("statistics", 0, 1)
        with conn.transaction():
            _replace_table(conn, "statistics", list(STATISTICS_COLUMNS), statistics)
            _replace_table(conn, "entities", ENTITY_COLUMNS, entities)
            _replace_table(conn, "investor_facts", INVESTOR_FACT_COLUMNS, facts)
        progress("statistics", 1, 1)
        progress("derived columns", 0, 1)
        with conn.transaction():
            refresh_derived(conn)
            report.revision = bump_revision(conn)
        progress("derived columns", 1, 1)
    report.statistics, report.entities, report.investor_facts = len(statistics), len(entities), len(facts)
    return report


def _feature_ids(conn: psycopg.Connection, layer_ids: list[str], entities: set[str]) -> set[str]:
    """Feature ids among the statistics' entities (and the entities themselves)."""
    known = set(entities)
    for layer_id in layer_ids:
        known.update(r[0] for r in conn.execute(sql.SQL("SELECT id FROM {}").format(layer_table(layer_id))))
    return known


# derived columns --------------------------------------------------------------------------
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
    analysed, _ = with_zone_analysis(frames, metas)
    for layer_id in ZONE_LAYERS:
        if layer_id in frames:
            frame = analysed[layer_id].set_index("id")[list(_ANALYSIS_NAMES)]
            _set_columns(conn, layer_id, frame, _ANALYSIS_TYPES)


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


# export -----------------------------------------------------------------------------------
def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _ordered(properties: dict[str, Any], order: Sequence[str]) -> dict[str, Any]:
    first = {key: properties[key] for key in order if key in properties}
    return {**first, **{key: value for key, value in properties.items() if key not in first}}


def _layer_text(conn: psycopg.Connection, layer_id: str, order: Sequence[str]) -> str:
    lines = ['{"type": "FeatureCollection", "name": ' + _dumps(layer_id) + ', "features": [']
    features = []
    with conn.cursor(name=f"export_{layer_id}"[:60]) as cursor:
        cursor.itersize = 5000
        cursor.execute(sql.SQL("SELECT id, properties, ST_AsBinary(geom) FROM {} ORDER BY position").format(
            layer_table(layer_id)))
        for feature_id, properties, wkb in cursor:
            geometry = "null" if wkb is None else _dumps(mapping(shapely.from_wkb(wkb)))
            features.append(f'{{"type": "Feature", "id": {_dumps(feature_id)}, '
                            f'"properties": {_dumps(_ordered(properties, order))}, "geometry": {geometry}}}')
    if features:
        lines.append(",\n".join(features))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _statistics_text_rows(conn: psycopg.Connection) -> Iterator[list[str]]:
    columns = list(stats_mod.FILE_COLUMNS)
    for row in conn.execute(sql.SQL("SELECT {} FROM {} ORDER BY position").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in columns), table("statistics"))):
        record = dict(zip(columns, row, strict=True))
        record["year"] = "" if record["year"] is None else str(record["year"])
        record["value"] = _number_text(record["value"])
        record["variant"] = str(record["variant"])
        yield [record[c] for c in columns]


def _catalog_entry(meta: dict[str, Any], meta_text: str | None) -> dict[str, Any]:
    """The entry as loaded (its key order) while it still says what the stored metadata says."""
    if meta_text:
        loaded = json.loads(meta_text)
        if loaded == meta:
            return dict(loaded)
    return meta


def export_data(database: Database, out_dir: Path) -> list[Path]:
    """Write the store in the ``data/`` layout (geo/ and reference/ layers and catalogs, CSVs); return the files."""
    written: list[Path] = []
    with database.read_connection() as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        by_folder: dict[str, list[dict[str, Any]]] = {}
        for layer_id, meta, meta_text, order in conn.execute(sql.SQL(
                "SELECT layer_id, meta, meta_text, property_order FROM {} ORDER BY position").format(table("catalog"))):
            folder = out_dir / ("reference" if meta.get("group") == "reference" else "geo")
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{layer_id}.geojson"
            path.write_text(_layer_text(conn, layer_id, order), encoding="utf-8")
            written.append(path)
            by_folder.setdefault(folder.name, []).append(_catalog_entry(meta, meta_text))
        for folder_name, layers in by_folder.items():
            path = out_dir / folder_name / "catalog.json"
            path.write_text(json.dumps({"layers": layers}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            written.append(path)
        out_dir.mkdir(parents=True, exist_ok=True)
        written.append(_write_csv(out_dir / "statistics.csv", stats_mod.FILE_COLUMNS, _statistics_text_rows(conn)))
        for name, columns in (("entities", ENTITY_COLUMNS), ("investor_facts", INVESTOR_FACT_COLUMNS)):
            rows = conn.execute(sql.SQL("SELECT {} FROM {} ORDER BY position").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in columns), table(name))).fetchall()
            if rows:
                written.append(_write_csv(out_dir / f"{name}.csv", columns, rows))
    return written


__all__ = ["LoadReport", "export_data", "load_data", "refresh_derived"]
