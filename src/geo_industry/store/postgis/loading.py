"""Load a ``data/`` folder into the PostGIS store and export it back.

:func:`load_data` makes the database hold what the folder holds: each layer is replaced in one
transaction (table dropped, created, filled with ``COPY`` and written in spatial order:
:mod:`geo_industry.store.postgis.layout`), then the statistics, entities and
investor facts in one more, then :func:`refresh_derived` and a revision bump. Properties are kept
as the file had them (``properties``), and the typed columns come from the same typing as every
other backend's (:func:`geo_industry.store.memory.typed_frame`), so filters and sorts agree.

:func:`export_data` writes the ``data/`` layout back (catalog entries and property order as
loaded), so a load followed by an export reproduces the committed files.

:func:`refresh_derived` (:mod:`geo_industry.store.postgis.derived`, re-exported here for the
writers) materialises the columns served features carry beyond their properties.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
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
from psycopg.types.json import Json, Jsonb
from shapely.geometry import mapping

from geo_industry import statistics as stats_mod
from geo_industry.catalog import layer_file, load_data_catalog
from geo_industry.errors import DataError
from geo_industry.investor_facts import COLUMNS as INVESTOR_FACT_COLUMNS
from geo_industry.json_values import load_json
from geo_industry.models import LayerMeta
from geo_industry.raster.properties import (
    with_analysis_fields,
)
from geo_industry.store.memory import typed_frame
from geo_industry.store.postgis.connections import Database
from geo_industry.store.postgis.derived import refresh_derived
from geo_industry.store.postgis.layout import cluster_in_spatial_order, write_in_spatial_order
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
    nested_columns,
    table,
    with_nested_order,
)
from geo_industry.store.writes import statistics_fault
from geo_industry.validate import property_problems

Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)``: called as a load advances."""


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
        return Json(value.tolist() if isinstance(value, np.ndarray) else value, dumps=_json_text)
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return bool(value)
    return value if isinstance(value, str) else str(value)


_SRID_HEX = SRID.to_bytes(4, "little").hex().upper()


def _with_srid(wkb: str) -> str:
    """Little-endian hex WKB as EWKB carrying :data:`SRID` (the type's SRID flag set, the SRID after it)."""
    kind = int.from_bytes(bytes.fromhex(wkb[2:10]), "little") | 0x20000000
    return wkb[:2] + kind.to_bytes(4, "little").hex().upper() + _SRID_HEX + wkb[10:]


def _ewkb(geometries: Sequence[dict[str, Any] | None]) -> list[str | None]:
    texts = [orjson.dumps(g).decode() if g else None for g in geometries]
    wkbs = shapely.to_wkb(shapely.from_geojson(texts), hex=True, byte_order=1)
    return [None if wkb is None else _with_srid(str(wkb)) for wkb in wkbs]


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def layer_rows(meta: LayerMeta, features: Sequence[dict[str, Any]], *, source: str) -> Iterator[tuple[Any, ...]]:
    """Rows of a layer table for GeoJSON features: id, geometry (EWKB), typed field columns, properties, position.

    ``meta`` is the layer as served (:func:`~geo_industry.raster.properties.with_analysis_fields`);
    the field columns follow :func:`~geo_industry.store.postgis.schema.field_columns`.
    """
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
               Jsonb(properties[position], dumps=_json_text), position)


def _check_properties(meta: LayerMeta, features: Sequence[dict[str, Any]], path: Path) -> None:
    """Refuse a layer whose features the other backends could not serve (undeclared or mistyped properties)."""
    faults = []
    for feature in features:
        properties = feature.get("properties") or {}
        for problem in property_problems(meta, properties):
            faults.append(f"{path}: feature {properties.get('id', feature.get('id'))}: {problem}")
        if len(faults) >= 20:
            break
    if faults:
        raise DataError("\n".join(faults) + "\n(check the folder with `geo-industry validate`)")


def _load_layer(conn: psycopg.Connection, meta: LayerMeta, raw: dict[str, Any], position: int,
                path: Path, progress: Progress) -> int:
    """Replace one layer (table, catalog entry) in one transaction; returns its feature count."""
    try:
        document = load_json(path.read_bytes())  # integers past 64 bits as written, for the check to refuse
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read layer {meta.id} ({exc})") from None
    features = document.get("features") or []
    _check_properties(meta, features, path)
    served = with_analysis_fields(meta)
    rows = layer_rows(served, features, source=str(path))
    columns = ["id", "geom", *field_columns(served), "properties", "position"]
    with conn.transaction():
        drop_layer_table(conn, meta.id)
        create_layer_table(conn, served, indexes=False)
        conn.execute(sql.SQL("DELETE FROM {} WHERE layer_id = %s").format(table("derived_columns")), (meta.id,))
        conn.execute(sql.SQL(
            "INSERT INTO {} (layer_id, position, meta, meta_text, property_order) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (layer_id) DO UPDATE SET position = EXCLUDED.position, meta = EXCLUDED.meta, "
            "meta_text = EXCLUDED.meta_text, property_order = EXCLUDED.property_order").format(table("catalog")),
            (meta.id, position, Jsonb(raw), json.dumps(raw, ensure_ascii=False), _property_order(features)))
        write_in_spatial_order(conn, served, columns, rows,
                               written=lambda done: progress(meta.id, done, len(features)))
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
            fault = statistics_fault(row["year"] or "", row["value"] or "", row.get("variant") or "0")
            if fault:  # the rule of writes: a year, value or variant no column holds is named, not a database error
                raise DataError(f"{path}: row {number}: {fault}")
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


@contextmanager
def _without_statement_timeout(conn: psycopg.Connection) -> Iterator[None]:
    """A bulk load is not a request: its COPYs and index builds may outlast the request budget.

    The pool's connections carry the request budget as ``statement_timeout``; it is lifted for the
    load and restored (``RESET`` goes back to the connection's start-up value) before the
    connection returns to the pool.
    """
    conn.execute("SET statement_timeout = 0")
    conn.commit()  # a session setting; commit the implicit transaction so the load's own ones are real
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    else:
        conn.commit()  # reads between the load's transactions leave one open; what they wrote is kept
    finally:
        conn.execute("RESET statement_timeout")
        conn.commit()


def load_data(database: Database, data_dir: Path, *, progress: Progress = _no_progress) -> LoadReport:
    """Make the database hold the ``data/`` folder: layers, catalog, statistics, entities, investor facts."""
    catalog = load_data_catalog(data_dir)
    raw = _raw_catalog(data_dir)
    statistics = _statistics_rows(data_dir / "statistics.csv")
    entities = _text_rows(data_dir / "entities.csv", ENTITY_COLUMNS)
    facts = _text_rows(data_dir / "investor_facts.csv", INVESTOR_FACT_COLUMNS)
    report = LoadReport()
    with database.connection() as conn, _without_statement_timeout(conn):
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


def optimise_layers(database: Database, layer_ids: Sequence[str] = (), *,
                    done: Callable[[str, int], None] = lambda layer_id, rows: None) -> dict[str, int]:
    """Rewrite the named layers' tables (every layer's when none is named) in spatial order, one layer per
    transaction (:func:`~geo_industry.store.postgis.layout.cluster_in_spatial_order`); returns each layer's
    row count. An unknown layer is refused before any is touched. Running it again changes nothing."""
    with database.connection() as conn, _without_statement_timeout(conn):
        stored = [r[0] for r in conn.execute(sql.SQL("SELECT layer_id FROM {} ORDER BY position").format(
            table("catalog")))]
        conn.commit()
        unknown = [layer_id for layer_id in layer_ids if layer_id not in stored]
        if unknown:
            raise DataError(f"layer '{unknown[0][:80]}' is not in the database (its layers: {', '.join(stored)})")
        rows = {}
        for layer_id in layer_ids or stored:
            rows[layer_id] = cluster_in_spatial_order(conn, layer_id)
            done(layer_id, rows[layer_id])
    return rows


def _feature_ids(conn: psycopg.Connection, layer_ids: list[str], entities: set[str]) -> set[str]:
    """Feature ids among the statistics' entities (and the entities themselves)."""
    known = set(entities)
    for layer_id in layer_ids:
        known.update(r[0] for r in conn.execute(sql.SQL("SELECT id FROM {}").format(layer_table(layer_id))))
    return known


# export -----------------------------------------------------------------------------------
def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _ordered(properties: dict[str, Any], order: Sequence[str]) -> dict[str, Any]:
    first = {key: properties[key] for key in order if key in properties}
    return {**first, **{key: value for key, value in properties.items() if key not in first}}


def _layer_text(conn: psycopg.Connection, layer_id: str, order: Sequence[str], nested: Sequence[str]) -> str:
    """The layer's file: features in file order, properties in ``order``, lists and objects from their
    ``nested`` columns (their keys in the file's order)."""
    lines = ['{"type": "FeatureCollection", "name": ' + _dumps(layer_id) + ', "features": [']
    features = []
    with conn.cursor(name=f"export_{layer_id}"[:60]) as cursor:
        cursor.itersize = 5000
        cursor.execute(sql.SQL("SELECT id, properties, ST_AsBinary(geom){} FROM {} ORDER BY position").format(
            sql.SQL("").join(sql.SQL(", {}").format(sql.Identifier(name)) for name in nested),
            layer_table(layer_id)))
        for feature_id, properties, wkb, *values in cursor:
            properties = with_nested_order(_ordered(properties, order), dict(zip(nested, values, strict=True)))
            geometry = "null" if wkb is None else _dumps(mapping(shapely.from_wkb(wkb)))
            features.append(f'{{"type": "Feature", "id": {_dumps(feature_id)}, '
                            f'"properties": {_dumps(properties)}, "geometry": {geometry}}}')
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
            nested = nested_columns(LayerMeta.model_validate(meta))
            path.write_text(_layer_text(conn, layer_id, order, nested), encoding="utf-8")
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


__all__ = ["LoadReport", "export_data", "layer_rows", "load_data", "optimise_layers", "refresh_derived"]
