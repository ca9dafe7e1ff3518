"""The writable PostGIS backend: the :class:`~geo_industry.store.base.WritableStore` contract in SQL.

Every write is one transaction on the primary. It first locks the revision row (writes are
serialised: the derived columns a write refreshes are shared by every layer, and one order of
locks keeps two writes from deadlocking), then locks the feature it changes
(``SELECT … FOR UPDATE``) and compares ``If-Match`` with its tag, stores the checked feature
(:mod:`geo_industry.store.writes`, the same checks as every backend), refreshes the derived
columns the change touches (:func:`~geo_industry.store.postgis.derived.refresh_derived`),
records an audit entry and bumps the revision with a ``pg_notify`` — all committed together or
not at all. Reads are the reader's (:class:`~geo_industry.store.postgis.reader.PostGISReader`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from geo_industry.errors import CollectionNotFound, Conflict, DataError, FeatureNotFound, InvalidFeature, LimitExceeded
from geo_industry.models import LayerMeta
from geo_industry.raster.analysis import MeasuredSlope
from geo_industry.raster.properties import with_analysis_fields
from geo_industry.settings import Settings
from geo_industry.store.base import AuditEntry
from geo_industry.store.postgis.api_keys import PostGISKeys
from geo_industry.store.postgis.connections import Database
from geo_industry.store.postgis.derived import refresh_derived, refresh_zone_analysis
from geo_industry.store.postgis.layout import write_in_spatial_order
from geo_industry.store.postgis.loading import export_data, layer_rows
from geo_industry.store.postgis.reader import PostGISReader, feature_tag
from geo_industry.store.postgis.schema import (
    STATISTICS_COLUMNS,
    bump_revision,
    create_layer_table,
    field_columns,
    layer_table,
    nested_columns,
    table,
    take_positions,
    with_nested_order,
)
from geo_industry.store.postgis.schema import check_layer_id as check_table_name
from geo_industry.store.postgis.slopes import prune_zone_slopes, write_zone_slopes
from geo_industry.store.writes import (
    STAT_FIELDS,
    WriteLimits,
    audit_json,
    check_feature_count,
    check_if_match,
    check_layer_id,
    check_statistics_entities,
    dumps,
    feature_id_of,
    merge_patch,
    prepare_feature,
    statistics_exists,
    statistics_text,
)

_STATISTICS_KEY = ("indicator", "entity", "year", "period", "basis", "variant")
_STATISTICS_VALUES = ("value", "unit", "price_basis", "source", "note", "derivation")


class PostGISStore(PostGISReader):
    """The :class:`~geo_industry.store.base.WritableStore` (OGC API - Features Part 4) over PostGIS."""

    def __init__(self, database: Database, *, limits: WriteLimits | None = None, **reader: Any) -> None:
        super().__init__(database, **reader)
        self.limits = limits or WriteLimits()
        self._local = threading.local()  # the revision of the write this thread is committing

    @classmethod
    def from_settings(cls, settings: Settings) -> PostGISStore:
        """Open the database the settings name (as the reader does), with the settings' write limits."""
        store = super().from_settings(settings)
        assert isinstance(store, PostGISStore)
        store.limits = WriteLimits(max_vertices=settings.max_vertices, max_features=settings.max_features_per_request)
        return store

    # transactions ---------------------------------------------------------------------------
    @contextmanager
    def _writing(self) -> Iterator[psycopg.Connection]:
        """One write transaction on the primary, holding the revision row (one writer at a time); once it
        committed, the database hears of its revision (this process's reads see it at once, replica or not)."""
        self._local.committed = None
        with self.database.connection() as conn:
            with conn.transaction():
                conn.execute(sql.SQL("SELECT value FROM {} FOR UPDATE").format(table("revision")))
                yield conn
            if self._local.committed is not None:
                self.database.committed(self._local.committed)

    def _commit(self, conn: psycopg.Connection, changed: Sequence[str] | None, *,
                features: Sequence[str] = ()) -> None:
        """Refresh the derived columns of ``changed`` layers (every layer: ``None``, a statistics write) and
        bump the revision; the statistics revision too when statistics were written or one of the written
        ``features`` is a statistics entity (:meth:`statistics_revision`)."""
        refresh_derived(conn, changed)
        statistics = changed is None or _are_statistics_entities(conn, features)
        self._local.committed = bump_revision(conn, statistics=statistics)  # told to the database once committed

    def _forget_cached(self) -> None:
        """Drop what the reader keeps per revision (the next read sees this process's write; the statistics
        tables are checked against the statistics revision)."""
        self._metadata_cache = None

    def _audit(self, conn: psycopg.Connection, actor: str, action: str, layer_id: str | None,
               feature_id: str | None, before: Any, after: Any) -> None:
        conn.execute(sql.SQL("INSERT INTO {} (actor, action, layer_id, feature_id, before, after) "
                             "VALUES (%s, %s, %s, %s, %s::jsonb, %s::jsonb)").format(table("audit")),
                     (actor, action, layer_id, feature_id, audit_json(before), audit_json(after)))

    # layers and features as stored ------------------------------------------------------------
    @staticmethod
    def _layer_meta(conn: psycopg.Connection, layer_id: str) -> LayerMeta:
        """The layer's catalog entry as stored (what a feature is checked against)."""
        row = conn.execute(sql.SQL("SELECT meta FROM {} WHERE layer_id = %s").format(table("catalog")),
                           (layer_id,)).fetchone()
        if row is None:
            raise CollectionNotFound(f"no collection '{layer_id}'")
        try:
            return LayerMeta.model_validate(row[0])
        except ValueError:
            raise InvalidFeature(f"the stored catalog entry of collection '{layer_id}' is damaged; "
                                 "it takes no writes until an operator repairs it") from None

    @staticmethod
    def _locked_feature(conn: psycopg.Connection, meta: LayerMeta, feature_id: str,
                        if_match: str | None) -> tuple[str, str | None]:
        """Lock a feature's row, check ``If-Match`` with its tag; return its properties and geometry texts
        (nested objects' keys in their stored order)."""
        nested = nested_columns(meta)
        row = conn.execute(sql.SQL("SELECT properties::text, ST_AsGeoJSON(geom, 15){} FROM {} WHERE id = %s "
                                   "FOR UPDATE").format(
            sql.SQL("").join(sql.SQL(", {}::text").format(sql.Identifier(name)) for name in nested),
            layer_table(meta.id)), (feature_id,)).fetchone()
        if row is None:
            raise FeatureNotFound(f"no feature '{feature_id}' in collection '{meta.id}'")
        check_if_match(if_match, feature_tag(conn, meta.id, feature_id), feature_id)
        properties, geometry, *values = row
        if nested:
            stored = {name: None if value is None else orjson.loads(value)
                      for name, value in zip(nested, values, strict=True)}
            ordered = with_nested_order(orjson.loads(properties), stored)
            properties = orjson.dumps(ordered).decode()
        return properties, geometry

    @staticmethod
    def _layer_ids(conn: psycopg.Connection) -> list[str]:
        return [r[0] for r in conn.execute(sql.SQL("SELECT layer_id FROM {} ORDER BY position").format(
            table("catalog")))]

    def _taken_ids(self, conn: psycopg.Connection, feature_ids: Sequence[str]) -> set[str]:
        """Which of ``feature_ids`` some layer holds already (ids are unique across layers: statistics name them)."""
        if not feature_ids:
            return set()
        layers = self._layer_ids(conn)
        if not layers:
            return set()
        union = sql.SQL(" UNION ").join(sql.SQL("SELECT id FROM {} WHERE id = ANY(%(ids)s)").format(layer_table(name))
                                        for name in layers)
        return {r[0] for r in conn.execute(union, {"ids": list(feature_ids)})}

    @staticmethod
    def _row_values(served: LayerMeta, feature_id: str, properties: str, geometry: str | None) -> list[Any]:
        """The column values of a checked feature: geometry (EWKB), typed fields, properties (one typing for all)."""
        feature = {"type": "Feature", "id": feature_id, "properties": orjson.loads(properties),
                   "geometry": None if geometry is None else orjson.loads(geometry)}
        row = next(layer_rows(served, [feature], source=f"feature {feature_id}"))
        return list(row[1:-1])  # without id and position

    def _column_names(self, served: LayerMeta) -> list[sql.Identifier]:
        return [sql.Identifier(name) for name in ("geom", *field_columns(served), "properties")]

    def _insert(self, conn: psycopg.Connection, meta: LayerMeta, feature_id: str, properties: str,
                geometry: str | None, position: int) -> None:
        served = with_analysis_fields(meta)
        names = self._column_names(served)
        values = self._row_values(served, feature_id, properties, geometry)
        conn.execute(sql.SQL("INSERT INTO {} (id, {}, position) VALUES (%s, {}, %s)").format(
            layer_table(meta.id), sql.SQL(", ").join(names), sql.SQL(", ").join(sql.Placeholder() * len(names))),
            (feature_id, *values, position))

    def _update(self, conn: psycopg.Connection, meta: LayerMeta, feature_id: str, properties: str,
                geometry: str | None) -> None:
        served = with_analysis_fields(meta)
        names = self._column_names(served)
        values = self._row_values(served, feature_id, properties, geometry)
        assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(name) for name in names)
        conn.execute(sql.SQL("UPDATE {} SET {}, version = version + 1 WHERE id = %s").format(
            layer_table(meta.id), assignments), (*values, feature_id))

    # feature writes ---------------------------------------------------------------------------
    def create_feature(self, layer_id: str, feature: Mapping[str, Any], *, actor: str, repair: bool = False) -> str:
        """Add a feature; its id comes from ``feature['id']`` or ``properties.id``. Returns the id."""
        return self.create_features(layer_id, [feature], actor=actor, repair=repair)[0]

    def create_features(self, layer_id: str, features: list[Mapping[str, Any]], *, actor: str,
                        repair: bool = False) -> list[str]:
        """Add several features in one transaction: all of them or, on any fault, none. Returns the ids."""
        check_feature_count(len(features), self.limits)
        with self._writing() as conn:
            meta = self._layer_meta(conn, layer_id)
            prepared = []
            for feature in features:
                feature_id = feature_id_of(feature)
                prepared.append((feature_id, *prepare_feature(meta, feature, feature_id, self.limits, repair=repair)))
            ids = [p[0] for p in prepared]
            taken = self._taken_ids(conn, ids) | {i for n, i in enumerate(ids) if i in ids[:n]}
            if taken:
                raise Conflict(f"feature id '{sorted(taken)[0]}' is already taken; use PUT to replace it")
            first = take_positions(conn, layer_id, len(prepared))
            for position, (feature_id, properties, geometry) in enumerate(prepared, start=first):
                self._insert(conn, meta, feature_id, properties, geometry, position)
                self._audit(conn, actor, "create", layer_id, feature_id, None, (properties, geometry))
            self._commit(conn, [layer_id], features=ids)
        self._forget_cached()
        return ids

    def replace_feature(self, layer_id: str, feature_id: str, feature: Mapping[str, Any], *, actor: str,
                        if_match: str | None = None, repair: bool = False) -> str:
        """Replace a feature whole (properties and geometry). Returns the new version's ETag."""
        with self._writing() as conn:
            meta = self._layer_meta(conn, layer_id)
            before = self._locked_feature(conn, meta, feature_id, if_match)
            properties, geometry = prepare_feature(meta, feature, feature_id, self.limits, repair=repair)
            tag = self._store_version(conn, actor, "replace", meta, feature_id, before, properties, geometry)
        self._forget_cached()
        return tag

    def update_feature(self, layer_id: str, feature_id: str, patch: Mapping[str, Any], *, actor: str,
                       if_match: str | None = None, repair: bool = False) -> str:
        """Apply a JSON merge patch (RFC 7396) to a feature's properties and/or geometry. Returns the new ETag."""
        if not isinstance(patch, Mapping):
            raise InvalidFeature("the patch must be a JSON object")
        with self._writing() as conn:
            meta = self._layer_meta(conn, layer_id)
            before = self._locked_feature(conn, meta, feature_id, if_match)
            merged = merge_patch(feature_id, before[0], before[1], patch)
            properties, geometry = prepare_feature(meta, merged, feature_id, self.limits, repair=repair)
            tag = self._store_version(conn, actor, "update", meta, feature_id, before, properties, geometry)
        self._forget_cached()
        return tag

    def _store_version(self, conn: psycopg.Connection, actor: str, action: str, meta: LayerMeta, feature_id: str,
                       before: tuple[str, str | None], properties: str, geometry: str | None) -> str:
        self._update(conn, meta, feature_id, properties, geometry)
        self._audit(conn, actor, action, meta.id, feature_id, before, (properties, geometry))
        self._commit(conn, [meta.id], features=[feature_id])
        return feature_tag(conn, meta.id, feature_id)

    def delete_feature(self, layer_id: str, feature_id: str, *, actor: str, if_match: str | None = None) -> None:
        """Delete a feature (its statistics rows must be removed first)."""
        with self._writing() as conn:
            meta = self._layer_meta(conn, layer_id)
            before = self._locked_feature(conn, meta, feature_id, if_match)
            used = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE entity = %s").format(table("statistics")),
                                (feature_id,)).fetchone()
            if used and used[0]:
                raise Conflict(f"feature '{feature_id}' has {used[0]} statistics rows; replace or remove them first")
            conn.execute(sql.SQL("DELETE FROM {} WHERE id = %s").format(layer_table(layer_id)), (feature_id,))
            self._audit(conn, actor, "delete", layer_id, feature_id, before, None)
            self._commit(conn, [layer_id], features=[feature_id])
        self._forget_cached()

    # statistics ---------------------------------------------------------------------------------
    def write_statistics(self, rows: pd.DataFrame, *, actor: str, mode: str = "add") -> int:
        """Add rows, or replace existing ones with the same key (``mode='replace'``). Returns the count.

        The rows pass the same checks as ``geo-industry validate``; any problem rejects all of them.
        """
        text = statistics_text(rows, self.limits, mode)
        with self._writing() as conn:
            named = sorted(set(text["entity"]))
            known = self._taken_ids(conn, named) | {r[0] for r in conn.execute(sql.SQL(
                "SELECT entity FROM {} WHERE entity = ANY(%s)").format(table("entities")), (named,))}
            check_statistics_entities(text, known)
            statistics = table("statistics")
            position_row = conn.execute(sql.SQL("SELECT coalesce(max(position) + 1, 0) FROM {}").format(
                statistics)).fetchone()
            position = int(position_row[0]) if position_row else 0
            columns = list(STATISTICS_COLUMNS)
            for values in text.itertuples(index=False, name=None):
                record = dict(zip(STAT_FIELDS, values, strict=True))
                typed = _typed_statistics_row(record)
                key = sql.SQL(" AND ").join(sql.SQL("{} IS NOT DISTINCT FROM %s").format(sql.Identifier(c))
                                            for c in _STATISTICS_KEY)
                existing = conn.execute(sql.SQL("SELECT position, {} FROM {} WHERE {} FOR UPDATE").format(
                    sql.SQL(", ").join(sql.Identifier(c) for c in columns), statistics, key),
                    [typed[c] for c in _STATISTICS_KEY]).fetchone()
                if existing and mode == "add":
                    raise statistics_exists(record)
                if existing:
                    conn.execute(sql.SQL("UPDATE {} SET {} WHERE position = %s").format(
                        statistics, sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c))
                                                       for c in _STATISTICS_VALUES)),
                        [*(typed[c] for c in _STATISTICS_VALUES), existing[0]])
                    before = dict(zip(("position", *columns), existing, strict=True))
                    self._audit(conn, actor, "statistics.replace", None, record["entity"], before, record)
                else:
                    conn.execute(sql.SQL("INSERT INTO {} (position, {}) VALUES (%s, {})").format(
                        statistics, sql.SQL(", ").join(sql.Identifier(c) for c in columns),
                        sql.SQL(", ").join(sql.Placeholder() * len(columns))),
                        [position, *(typed[c] for c in columns)])
                    position += 1
                    self._audit(conn, actor, "statistics.add", None, record["entity"], None, record)
            self._commit(conn, None)  # any layer's latest_* columns may change
        self._forget_cached()
        return len(text)

    # layers -------------------------------------------------------------------------------------
    def add_layer(self, meta: LayerMeta, features: list[dict[str, Any]], *, actor: str, repair: bool = False) -> None:
        """Add a new layer (its table, catalog entry and features), checked like any write, in one transaction;
        its rows are written in spatial order (:mod:`~geo_industry.store.postgis.layout`), positions in upload order.

        Invalid geometries are rejected with the reason, or repaired (``shapely.make_valid``)
        when ``repair`` is true.
        """
        check_feature_count(len(features), self.limits)
        check_layer_id(meta.id)
        served = with_analysis_fields(meta)
        try:
            check_table_name(meta.id)
            field_columns(served)
        except DataError as exc:
            raise InvalidFeature(f"layer '{meta.id}' rejected", [str(exc)]) from None
        with self._writing() as conn:
            if meta.id in self._layer_ids(conn):
                raise Conflict(f"collection '{meta.id}' exists already")
            problems: list[str] = []
            prepared: list[tuple[str, str, str | None]] = []
            for index, feature in enumerate(features):
                try:
                    feature_id = feature_id_of(feature)
                    prepared.append((feature_id, *prepare_feature(meta, feature, feature_id, self.limits,
                                                                  repair=repair)))
                except (InvalidFeature, LimitExceeded) as exc:
                    problems.append(f"feature #{index}: {exc}")
            ids = [p[0] for p in prepared]
            taken = self._taken_ids(conn, ids) | {i for n, i in enumerate(ids) if i in ids[:n]}
            problems += [f"feature #{n}: id '{i}' is already taken" for n, i in enumerate(ids) if i in taken]
            if problems:
                raise InvalidFeature(f"layer '{meta.id}' rejected", problems)
            self._add_catalog_entry(conn, meta, features)
            create_layer_table(conn, served, indexes=False)
            checked = [{"type": "Feature", "id": feature_id, "properties": orjson.loads(properties),
                        "geometry": None if geometry is None else orjson.loads(geometry)}
                       for feature_id, properties, geometry in prepared]
            write_in_spatial_order(conn, served, ["id", "geom", *field_columns(served), "properties", "position"],
                                   layer_rows(served, checked, source=f"layer {meta.id}"))
            self._audit(conn, actor, "layer.create", meta.id, None, None, {"features": len(features)})
            self._commit(conn, [meta.id], features=ids)
        self._forget_cached()

    @staticmethod
    def _add_catalog_entry(conn: psycopg.Connection, meta: LayerMeta, features: list[dict[str, Any]]) -> None:
        entry = meta.model_dump(mode="json")
        order: dict[str, None] = {}
        for feature in features:
            properties = feature.get("properties") if isinstance(feature, Mapping) else None
            order.update(dict.fromkeys(properties if isinstance(properties, Mapping) else {}))
        conn.execute(sql.SQL("INSERT INTO {} (layer_id, position, meta, meta_text, property_order) VALUES "
                             "(%s, (SELECT coalesce(max(position) + 1, 0) FROM {}), %s, %s, %s)").format(
            table("catalog"), table("catalog")), (meta.id, Jsonb(entry), dumps(entry), list(order)))

    # the raster service's slopes ----------------------------------------------------------------
    def keep_zone_slopes(self, revision: int, slopes: Sequence[MeasuredSlope]) -> bool:
        """Keep the zones' mean slopes the raster service measured at ``revision`` (every zone's) and recompute
        the zone analysis with them (``mean_slope_deg``, the score with slope), in one write transaction;
        returns whether anything changed (then the revision moved and every worker hears of it). The slopes
        kept for zones the measurement no longer has are dropped with it (:func:`prune_zone_slopes`).

        A slope measured at an older revision than the one kept for its zone never replaces it, and a
        kept slope counts only while the zone's shape is the one it was measured over, so a measurement
        that lost a race with an edit changes nothing the edit made. Workers measuring the same revision
        queue on the revision row: the first writes, the others find nothing new and write nothing.
        """
        with self._writing() as conn:
            prune_zone_slopes(conn, revision, slopes)  # zones that are gone: no served value changes with them
            if not write_zone_slopes(conn, revision, slopes):
                return False
            refresh_zone_analysis(conn)
            self._local.committed = bump_revision(conn, statistics=False)  # told to the database once committed
        self._forget_cached()
        return True

    # API keys -----------------------------------------------------------------------------------
    def api_keys(self) -> PostGISKeys:
        """The API keys, kept in the database (every worker on every machine checks the same ones)."""
        return PostGISKeys(self.database)

    # history and export -------------------------------------------------------------------------
    def history(self, *, layer_id: str | None = None, feature_id: str | None = None,
                limit: int = 100) -> list[AuditEntry]:
        """Recorded changes, newest first, optionally of one layer or feature."""
        clauses: list[sql.Composable] = []
        params: list[Any] = []
        for column, value in (("layer_id", layer_id), ("feature_id", feature_id)):
            if value is not None:
                clauses.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
                params.append(value)
        where = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(clauses) if clauses else sql.SQL("")
        statement = sql.SQL("SELECT seq, at, actor, action, layer_id, feature_id, before, after FROM {}{} "
                            "ORDER BY seq DESC LIMIT %s").format(table("audit"), where)
        with self.database.connection() as conn:
            rows = conn.execute(statement, (*params, limit)).fetchall()
        return [AuditEntry(r[0], _timestamp(r[1]), r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]

    def export_data(self, out_dir: Path) -> list[Path]:
        """Write the store in the ``data/`` layout (as ``geo-industry db export`` does)."""
        return export_data(self.database, out_dir)


def _are_statistics_entities(conn: psycopg.Connection, feature_ids: Sequence[str]) -> bool:
    """Whether any of ``feature_ids`` is an entity of the statistics (its features feed the statistics records)."""
    if not feature_ids:
        return False
    row = conn.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE entity = ANY(%s))").format(table("statistics")),
                       (list(feature_ids),)).fetchone()
    return bool(row and row[0])


def _timestamp(at: Any) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _typed_statistics_row(record: Mapping[str, str]) -> dict[str, Any]:
    """A checked statistics row (text) as the statistics table types it: year and variant integers, value a number."""
    out: dict[str, Any] = {c: str(record.get(c, "") or "") for c in STATISTICS_COLUMNS}
    year = out["year"].strip()
    out["year"] = int(year) if year else None
    try:
        value = float(out["value"].replace(",", ""))
    except ValueError:
        value = None  # unparsable reads as missing, as from the CSV
    out["value"] = None if value is None or value != value else value
    variant = out["variant"].strip()
    out["variant"] = int(variant) if variant not in ("", "nan") else 0
    return out
