"""The editable backend: a SQLite database in WAL mode, seeded from ``data/``.

SQLite is the durable truth. Every write runs in one ``BEGIN IMMEDIATE`` transaction with
``synchronous=FULL`` (durable when it returns), records an audit entry (who, when, what,
before and after) and bumps a revision counter. Readers use an immutable in-memory snapshot
(a :class:`~geo_industry.store.memory.MemoryStore` built from one read transaction); a reader
that sees a newer revision builds a new snapshot and swaps it in whole, so no reader ever sees
half a change, in this process or in another worker.

Feature properties and geometries are kept as the JSON text they were given in, so
``export_data`` writes back files identical to the curated ones when nothing changed.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
import threading
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely
from pydantic import ValidationError

from geo_industry import statistics as stats_mod
from geo_industry.catalog import Catalog, layer_file, load_data_catalog
from geo_industry.crs import CRS84, SupportedCRS
from geo_industry.errors import (
    CollectionNotFound,
    Conflict,
    DataError,
    FeatureNotFound,
    InvalidFeature,
    LimitExceeded,
)
from geo_industry.json_values import load_json
from geo_industry.models import FeaturePage, FeatureQuery, LayerMeta
from geo_industry.private_files import create_private
from geo_industry.store.base import BATCH_ROWS, AuditEntry, Quarantined
from geo_industry.store.memory import MemoryStore, typed_frame
from geo_industry.store.writes import (
    STAT_FIELDS,
    STATISTICS_COLLECTION,
    WriteLimits,
    audit_json,
    check_feature_count,
    check_if_match,
    check_layer_id,
    check_statistics_entities,
    dumps,
    etag,
    feature_id_of,
    merge_patch,
    now,
    prepare_feature,
    row_fault,
    statistics_digest,
    statistics_exists,
    statistics_fault,
    statistics_text,
)
from geo_industry.validate import layer_meta_problems

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS layers (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, metadata TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS features (
    layer_id TEXT NOT NULL REFERENCES layers(id), id TEXT NOT NULL, position INTEGER NOT NULL,
    properties TEXT NOT NULL, geometry TEXT, version INTEGER NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (layer_id, id));
CREATE UNIQUE INDEX IF NOT EXISTS features_id ON features (id);
CREATE TABLE IF NOT EXISTS statistics (
    position INTEGER PRIMARY KEY, indicator TEXT NOT NULL, entity TEXT NOT NULL, year TEXT NOT NULL,
    period TEXT NOT NULL, value TEXT NOT NULL, unit TEXT NOT NULL, basis TEXT NOT NULL,
    price_basis TEXT NOT NULL, source TEXT NOT NULL, note TEXT NOT NULL, variant TEXT NOT NULL,
    derivation TEXT NOT NULL DEFAULT '',
    UNIQUE (indicator, entity, year, period, basis, variant));
CREATE TABLE IF NOT EXISTS entities (position INTEGER PRIMARY KEY, entity TEXT UNIQUE NOT NULL, row TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    layer_id TEXT, feature_id TEXT, before TEXT, after TEXT);
CREATE INDEX IF NOT EXISTS audit_feature ON audit (layer_id, feature_id);
CREATE INDEX IF NOT EXISTS statistics_entity ON statistics (entity);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL, scopes TEXT NOT NULL,
    created_at TEXT NOT NULL, revoked_at TEXT);
"""
log = logging.getLogger("geo_industry.store")


_STATISTICS_TEXT = f"SELECT entity, {', '.join(STAT_FIELDS)} FROM statistics"


def _entity_statistics(con: sqlite3.Connection, entity: str) -> str:
    rows = con.execute(_STATISTICS_TEXT + " WHERE entity = ? ORDER BY position", (entity,)).fetchall()
    return statistics_digest([r[1:] for r in rows])


class SnapshotView(MemoryStore):
    """An immutable read view of one revision, with the entity tags of its features."""

    def __init__(self, catalog: Catalog, frames: dict[str, gpd.GeoDataFrame], statistics: pd.DataFrame,
                 entities: pd.DataFrame, *, revision: int, etags: dict[tuple[str, str], str],
                 quarantined: tuple[Quarantined, ...] = (), statistics_revision: int = 0,
                 ordinals: dict[str, np.ndarray | None] | None = None) -> None:
        super().__init__(catalog, frames, statistics, entities, ordinals=ordinals)
        self._revision = revision
        self._statistics_revision = statistics_revision
        self._etags = etags
        self.quarantined = quarantined

    def revision(self) -> int:
        """The revision this view was read at."""
        return self._revision

    def statistics_revision(self) -> int:
        """The revision the statistics inputs last changed at, as of this view."""
        return self._statistics_revision

    def feature_etag(self, layer_id: str, feature_id: str) -> str:
        """The entity tag of the feature as this view holds it (what a client echoes in If-Match)."""
        try:
            return self._etags[(layer_id, feature_id)]
        except KeyError:
            raise FeatureNotFound(f"no feature '{feature_id}' in collection '{layer_id}'") from None


class SQLiteStore:
    """The :class:`~geo_industry.store.base.WritableStore` (OGC API - Features Part 4) over SQLite."""

    def __init__(self, path: Path, *, limits: WriteLimits | None = None) -> None:
        self.path = path
        self.limits = limits or WriteLimits()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._snapshot: SnapshotView | None = None
        self._snapshot_revision = -1

    # connections ------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, *, seed_dir: Path, limits: WriteLimits | None = None) -> SQLiteStore:
        """Open (creating and seeding from ``seed_dir`` on first start) the database at ``path``."""
        create_private(path)  # 0600, and so are the -wal and -shm files SQLite creates beside it
        con = sqlite3.connect(path, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)
            _add_missing_statistics_columns(con)
            seeded = con.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
            if seeded is None:
                _seed(con, seed_dir)
        finally:
            con.close()
        return cls(path, limits=limits)

    def _connection(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")
            con.execute("PRAGMA foreign_keys=ON")
            self._local.con = con
        return con

    @contextmanager
    def _transaction(self, *, immediate: bool) -> Iterator[sqlite3.Connection]:
        con = self._connection()
        con.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection."""
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    # snapshots --------------------------------------------------------------------------
    def revision(self) -> int:
        """The revision counter: it grows by one with every committed write."""
        row = self._connection().execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
        return int(row[0])

    def snapshot(self) -> SnapshotView:
        """The current consistent read view (rebuilt after any write, here or elsewhere)."""
        return self.read_view()[1]

    def read_view(self) -> tuple[int, SnapshotView]:
        """The current read view and the revision it was read at, as one consistent pair.

        A caller that serves one request from the returned view never mixes two revisions.
        """
        revision = self.revision()
        with self._lock:
            if revision != self._snapshot_revision or self._snapshot is None:
                self._snapshot, self._snapshot_revision = self._load_snapshot()
            return self._snapshot_revision, self._snapshot

    def _load_snapshot(self) -> tuple[SnapshotView, int]:
        quarantine: list[Quarantined] = []
        with self._transaction(immediate=False) as con:
            revision = int(con.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])
            statistics_row = con.execute("SELECT value FROM meta WHERE key = 'statistics_revision'").fetchone()
            catalog = _catalog_from(con, quarantine)
            layers = {meta.id: _frame_from(con, meta, quarantine) for meta in catalog}
            statistics = _statistics_from(con, quarantine)
            entities = _entities_from(con)
            etags = _etags_from(con)
        for row in quarantine:
            log.warning("quarantined (left out of reads until repaired): collection %s, %s: %s", row.collection,
                        row.feature_id or "the whole layer", row.reason)
        view = SnapshotView(catalog, {k: frame for k, (frame, _) in layers.items()}, statistics, entities,
                            ordinals={k: ordinals for k, (_, ordinals) in layers.items()},
                            revision=revision, etags=etags, quarantined=tuple(quarantine),
                            statistics_revision=0 if statistics_row is None else int(statistics_row[0]))
        return view, revision

    # the read contract: delegated to the snapshot ----------------------------------------
    def collections(self) -> list[LayerMeta]:
        """Every layer's metadata in catalog order."""
        return self.snapshot().collections()

    def collection(self, layer_id: str) -> LayerMeta:
        """One layer's metadata."""
        return self.snapshot().collection(layer_id)

    def queryables(self, layer_id: str) -> dict[str, str]:
        """Property name → JSON type."""
        return self.snapshot().queryables(layer_id)

    def schema(self, layer_id: str) -> dict[str, str]:
        """Property name → JSON type of every property a feature carries."""
        return self.snapshot().schema(layer_id)

    def extent(self, layer_id: str) -> tuple[tuple[float, float, float, float] | None, tuple[int | None, int | None]]:
        """Spatial and temporal extent."""
        return self.snapshot().extent(layer_id)

    def count(self, layer_id: str) -> int:
        """How many servable features the layer holds."""
        return self.snapshot().count(layer_id)

    @property
    def quarantined(self) -> tuple[Quarantined, ...]:
        """Stored rows the current snapshot leaves out."""
        return self.snapshot().quarantined

    def query(self, layer_id: str, query: FeatureQuery) -> FeaturePage:
        """Select, sort and page features of the current snapshot."""
        return self.snapshot().query(layer_id, query)

    def get(self, layer_id: str, feature_id: str, crs: SupportedCRS = CRS84) -> gpd.GeoDataFrame:
        """One feature, its geometry in ``crs``."""
        return self.snapshot().get(layer_id, feature_id, crs)

    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        """The whole joined layer of the current snapshot."""
        return self.snapshot().frame(layer_id)

    def frame_batches(self, layer_id: str, *, size: int = BATCH_ROWS) -> Iterator[gpd.GeoDataFrame]:
        """The current snapshot's layer in batches (it is held in memory)."""
        return self.snapshot().frame_batches(layer_id, size=size)

    def geometry_types(self, layer_id: str) -> frozenset[str]:
        """The geometry types of the current snapshot's layer."""
        return self.snapshot().geometry_types(layer_id)

    def statistics_revision(self) -> int:
        """The revision the statistics inputs last changed at (of the current snapshot)."""
        return self.snapshot().statistics_revision()

    @property
    def statistics(self) -> pd.DataFrame:
        """The stored statistics rows."""
        return self.snapshot().statistics

    @property
    def entities(self) -> pd.DataFrame:
        """Statistics entities that are not features."""
        return self.snapshot().entities

    @property
    def derived_statistics(self) -> pd.DataFrame:
        """Derived indicators of the current snapshot."""
        return self.snapshot().derived_statistics

    def series(self, entity: str) -> pd.DataFrame:
        """Stored and derived rows of one entity."""
        return self.snapshot().series(entity)

    def entity_features(self, entities: Collection[str]) -> list[tuple[str, gpd.GeoDataFrame]]:
        """Each layer's features among ``entities``, from the current snapshot."""
        return self.snapshot().entity_features(entities)

    # feature writes ---------------------------------------------------------------------
    def feature_etag(self, layer_id: str, feature_id: str) -> str:
        """The strong entity tag of a feature's stored version."""
        with self._transaction(immediate=False) as con:
            row = self._feature_row(con, layer_id, feature_id)
            return etag(layer_id, feature_id, row["version"], row["properties"], row["geometry"],
                         _entity_statistics(con, feature_id))

    def create_feature(self, layer_id: str, feature: Mapping[str, Any], *, actor: str, repair: bool = False) -> str:
        """Add a feature; its id comes from ``feature['id']`` or ``properties.id``. Returns the id."""
        return self.create_features(layer_id, [feature], actor=actor, repair=repair)[0]

    def create_features(self, layer_id: str, features: list[Mapping[str, Any]], *, actor: str,
                        repair: bool = False) -> list[str]:
        """Add several features in one transaction: all of them or, on any fault, none. Returns the ids."""
        check_feature_count(len(features), self.limits)
        ids = []
        with self._transaction(immediate=True) as con:
            meta = self._layer_meta(con, layer_id)
            for feature in features:
                feature_id = feature_id_of(feature)
                properties, geometry = prepare_feature(meta, feature, feature_id, self.limits, repair=repair)
                if con.execute("SELECT layer_id FROM features WHERE id = ?", (feature_id,)).fetchone():
                    raise Conflict(f"feature id '{feature_id}' is already taken; use PUT to replace it")
                con.execute("INSERT INTO features VALUES (?, ?, ?, ?, ?, 1, ?)",
                            (layer_id, feature_id, _next_position(con, layer_id), properties, geometry, now()))
                self._audit(con, actor, "create", layer_id, feature_id, None, (properties, geometry))
                ids.append(feature_id)
        return ids

    def replace_feature(self, layer_id: str, feature_id: str, feature: Mapping[str, Any], *, actor: str,
                        if_match: str | None = None, repair: bool = False) -> str:
        """Replace a feature whole (properties and geometry). Returns the new version's ETag."""
        with self._transaction(immediate=True) as con:
            meta = self._layer_meta(con, layer_id)
            current = self._checked_row(con, layer_id, feature_id, if_match)
            properties, geometry = prepare_feature(meta, feature, feature_id, self.limits, repair=repair)
            return self._store_version(con, actor, "replace", layer_id, feature_id, current, properties, geometry)

    def update_feature(self, layer_id: str, feature_id: str, patch: Mapping[str, Any], *, actor: str,
                       if_match: str | None = None, repair: bool = False) -> str:
        """Apply a JSON merge patch (RFC 7396) to a feature's properties and/or geometry. Returns the new ETag."""
        if not isinstance(patch, Mapping):
            raise InvalidFeature("the patch must be a JSON object")
        with self._transaction(immediate=True) as con:
            meta = self._layer_meta(con, layer_id)
            current = self._checked_row(con, layer_id, feature_id, if_match)
            merged = merge_patch(feature_id, current["properties"], current["geometry"], patch)
            new_properties, new_geometry = prepare_feature(meta, merged, feature_id, self.limits, repair=repair)
            return self._store_version(con, actor, "update", layer_id, feature_id, current, new_properties,
                                       new_geometry)

    def delete_feature(self, layer_id: str, feature_id: str, *, actor: str, if_match: str | None = None) -> None:
        """Delete a feature (its statistics rows must be removed first)."""
        with self._transaction(immediate=True) as con:
            current = self._checked_row(con, layer_id, feature_id, if_match)
            used = con.execute("SELECT COUNT(*) FROM statistics WHERE entity = ?", (feature_id,)).fetchone()[0]
            if used:
                raise Conflict(f"feature '{feature_id}' has {used} statistics rows; replace or remove them first")
            con.execute("DELETE FROM features WHERE layer_id = ? AND id = ?", (layer_id, feature_id))
            _keep_position_taken(con, layer_id, current["position"])
            self._audit(con, actor, "delete", layer_id, feature_id, (current["properties"], current["geometry"]), None)

    def _store_version(self, con: sqlite3.Connection, actor: str, action: str, layer_id: str, feature_id: str,
                       current: sqlite3.Row, properties: str, geometry: str | None) -> str:
        con.execute("UPDATE features SET properties = ?, geometry = ?, version = version + 1, updated_at = ? "
                    "WHERE layer_id = ? AND id = ?", (properties, geometry, now(), layer_id, feature_id))
        self._audit(con, actor, action, layer_id, feature_id, (current["properties"], current["geometry"]),
                    (properties, geometry))
        return etag(layer_id, feature_id, current["version"] + 1, properties, geometry,
                     _entity_statistics(con, feature_id))

    def _checked_row(self, con: sqlite3.Connection, layer_id: str, feature_id: str,
                     if_match: str | None) -> sqlite3.Row:
        current = self._feature_row(con, layer_id, feature_id)
        if if_match is not None:
            tag = etag(layer_id, feature_id, current["version"], current["properties"], current["geometry"],
                       _entity_statistics(con, feature_id))
            check_if_match(if_match, tag, feature_id)
        return current

    @staticmethod
    def _feature_row(con: sqlite3.Connection, layer_id: str, feature_id: str) -> sqlite3.Row:
        con.row_factory = sqlite3.Row
        try:
            row = con.execute("SELECT * FROM features WHERE layer_id = ? AND id = ?", (layer_id, feature_id)).fetchone()
        finally:
            con.row_factory = None
        if row is None:
            raise FeatureNotFound(f"no feature '{feature_id}' in collection '{layer_id}'")
        return row

    @staticmethod
    def _layer_meta(con: sqlite3.Connection, layer_id: str) -> LayerMeta:
        row = con.execute("SELECT metadata FROM layers WHERE id = ?", (layer_id,)).fetchone()
        if row is None:
            raise CollectionNotFound(f"no collection '{layer_id}'")
        try:
            return LayerMeta.model_validate_json(row[0])
        except ValidationError:
            raise InvalidFeature(f"the stored catalog entry of collection '{layer_id}' is damaged; "
                                 "it takes no writes until an operator repairs it") from None

    # statistics writes ------------------------------------------------------------------
    def write_statistics(self, rows: pd.DataFrame, *, actor: str, mode: str = "add") -> int:
        """Add rows, or replace existing ones with the same key (``mode='replace'``). Returns the count.

        The rows pass the same checks as ``geo-industry validate``; any problem rejects all of them.
        """
        text = statistics_text(rows, self.limits, mode)
        with self._transaction(immediate=True) as con:
            known = {r[0] for r in con.execute("SELECT id FROM features")} | {
                r[0] for r in con.execute("SELECT entity FROM entities")}
            check_statistics_entities(text, known)
            next_position = con.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM statistics").fetchone()[0]
            for values in text.itertuples(index=False, name=None):
                key = dict(zip(STAT_FIELDS, values, strict=True))
                existing = con.execute(
                    "SELECT * FROM statistics WHERE indicator = ? AND entity = ? AND year = ? AND period = ? "
                    "AND basis = ? AND variant = ?",
                    (key["indicator"], key["entity"], key["year"], key["period"], key["basis"], key["variant"]),
                ).fetchone()
                if existing and mode == "add":
                    raise statistics_exists(key)
                if existing:
                    con.execute("UPDATE statistics SET value = ?, unit = ?, price_basis = ?, source = ?, note = ?, "
                                "derivation = ? WHERE position = ?",
                                (key["value"], key["unit"], key["price_basis"], key["source"], key["note"],
                                 key["derivation"], existing[0]))
                    before = dict(zip(("position", *STAT_FIELDS), existing, strict=True))
                    self._audit(con, actor, "statistics.replace", None, key["entity"], before, key)
                else:
                    con.execute(f"INSERT INTO statistics VALUES (?, {', '.join('?' * len(STAT_FIELDS))})",
                                (next_position, *values))
                    next_position += 1
                    self._audit(con, actor, "statistics.add", None, key["entity"], None, key)
        return len(text)

    # layers ------------------------------------------------------------------------------
    def add_layer(self, meta: LayerMeta, features: list[dict[str, Any]], *, actor: str, repair: bool = False) -> None:
        """Add a new layer with its features (GeoJSON dicts in storage CRS), checked like any write.

        Invalid geometries are rejected with the reason, or repaired (``shapely.make_valid``)
        when ``repair`` is true.
        """
        check_feature_count(len(features), self.limits)
        check_layer_id(meta.id)
        with self._transaction(immediate=True) as con:
            if con.execute("SELECT 1 FROM layers WHERE id = ?", (meta.id,)).fetchone():
                raise Conflict(f"collection '{meta.id}' exists already")
            position = con.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM layers").fetchone()[0]
            con.execute("INSERT INTO layers VALUES (?, ?, ?)", (meta.id, position, meta.model_dump_json()))
            problems: list[str] = []
            for index, feature in enumerate(features):
                try:
                    feature_id = feature_id_of(feature)
                    properties, geometry = prepare_feature(meta, feature, feature_id, self.limits, repair=repair)
                except (InvalidFeature, LimitExceeded) as exc:
                    problems.append(f"feature #{index}: {exc}")
                    continue
                if con.execute("SELECT 1 FROM features WHERE id = ?", (feature_id,)).fetchone():
                    problems.append(f"feature #{index}: id '{feature_id}' is already taken")
                    continue
                con.execute("INSERT INTO features VALUES (?, ?, ?, ?, ?, 1, ?)",
                            (meta.id, feature_id, index, properties, geometry, now()))
            if problems:
                raise InvalidFeature(f"layer '{meta.id}' rejected", problems)
            self._audit(con, actor, "layer.create", meta.id, None, None, {"features": len(features)})

    # audit ------------------------------------------------------------------------------
    def _audit(self, con: sqlite3.Connection, actor: str, action: str, layer_id: str | None,
               feature_id: str | None, before: Any, after: Any) -> None:
        con.execute("INSERT INTO audit (at, actor, action, layer_id, feature_id, before, after) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (now(), actor, action, layer_id, feature_id, audit_json(before), audit_json(after)))
        con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")
        if _changes_statistics_inputs(con, layer_id, feature_id):
            con.execute("INSERT OR REPLACE INTO meta SELECT 'statistics_revision', value FROM meta "
                        "WHERE key = 'revision'")

    def history(self, *, layer_id: str | None = None, feature_id: str | None = None,
                limit: int = 100) -> list[AuditEntry]:
        """Recorded changes, newest first, optionally of one layer or feature."""
        sql = "SELECT seq, at, actor, action, layer_id, feature_id, before, after FROM audit"
        clauses, params = [], []
        if layer_id is not None:
            clauses.append("layer_id = ?")
            params.append(layer_id)
        if feature_id is not None:
            clauses.append("feature_id = ?")
            params.append(feature_id)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        rows = self._connection().execute(sql + " ORDER BY seq DESC LIMIT ?", (*params, limit)).fetchall()
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], _loads(r[6]), _loads(r[7])) for r in rows]

    # export ------------------------------------------------------------------------------
    def export_data(self, out_dir: Path) -> list[Path]:
        """Write the store in the ``data/`` layout (geo/ and reference/ *.geojson and catalog.json, CSVs)."""
        written = []
        with self._transaction(immediate=False) as con:
            catalog_rows = con.execute("SELECT id, metadata FROM layers ORDER BY position").fetchall()
            by_folder: dict[str, list[dict[str, Any]]] = {}
            for layer_id, metadata in catalog_rows:
                layer = orjson.loads(metadata)
                folder = out_dir / ("reference" if layer.get("group") == "reference" else "geo")
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"{layer_id}.geojson"
                path.write_text(_layer_text(con, layer_id), encoding="utf-8")
                written.append(path)
                by_folder.setdefault(folder.name, []).append(layer)
            for folder_name, layers in by_folder.items():
                catalog_path = out_dir / folder_name / "catalog.json"
                catalog_path.write_text(json.dumps({"layers": layers}, ensure_ascii=False, indent=1) + "\n",
                                        encoding="utf-8")
                written.append(catalog_path)
            columns = stats_mod.FILE_COLUMNS
            written.append(_write_csv(out_dir / "statistics.csv", list(columns),
                                      con.execute(f"SELECT {', '.join(columns)} FROM statistics "
                                                  "ORDER BY position")))
            entity_rows = [orjson.loads(r[0]) for r in con.execute("SELECT row FROM entities ORDER BY position")]
            if entity_rows:
                header = list(entity_rows[0])
                written.append(_write_csv(out_dir / "entities.csv", header, ([r[h] for h in header]
                                                                             for r in entity_rows)))
        return written


def _changes_statistics_inputs(con: sqlite3.Connection, layer_id: str | None, feature_id: str | None) -> bool:
    """Whether an audited change moves the statistics revision (:meth:`SQLiteStore.statistics_revision`):
    a statistics row (no layer), a new layer (no one feature) or a feature that is a statistics entity."""
    if layer_id is None or feature_id is None:
        return True
    return con.execute("SELECT 1 FROM statistics WHERE entity = ? LIMIT 1", (feature_id,)).fetchone() is not None


def _position_end_key(layer_id: str) -> str:
    return f"position_end:{layer_id}"


def _next_position(con: sqlite3.Connection, layer_id: str) -> int:
    """The ``position`` of a new feature of the layer: after every position it ever gave, so never one a deleted
    feature had (a ``next`` link's seek key may still name it). Positions are the layer's file order and the
    stable ordinals seek paging uses (:class:`~geo_industry.store.memory.MemoryStore`)."""
    row = con.execute("SELECT MAX(COALESCE((SELECT MAX(position) + 1 FROM features WHERE layer_id = ?), 0), "
                      "COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?), 0))",
                      (layer_id, _position_end_key(layer_id))).fetchone()
    return int(row[0])


def _keep_position_taken(con: sqlite3.Connection, layer_id: str, position: int) -> None:
    """Record that ``position`` was given in the layer, so :func:`_next_position` never gives it again."""
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                (_position_end_key(layer_id), str(max(position + 1, _next_position(con, layer_id)))))


def _loads(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


def _layer_text(con: sqlite3.Connection, layer_id: str) -> str:
    rows = con.execute("SELECT id, properties, geometry FROM features WHERE layer_id = ? ORDER BY position",
                       (layer_id,)).fetchall()
    lines = ['{"type": "FeatureCollection", "name": ' + dumps(layer_id) + ', "features": [']
    for index, (feature_id, properties, geometry) in enumerate(rows):
        text = (f'{{"type": "Feature", "id": {dumps(feature_id)}, "properties": {properties}, '
                f'"geometry": {geometry or "null"}}}')
        lines.append(text + ("," if index < len(rows) - 1 else ""))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def _write_csv(path: Path, header: list[str], rows: Any) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _catalog_from(con: sqlite3.Connection, quarantine: list[Quarantined]) -> Catalog:
    """The catalog of servable layers; a layer whose stored entry is damaged goes to ``quarantine``."""
    layers = []
    for layer_id, text in con.execute("SELECT id, metadata FROM layers ORDER BY position").fetchall():
        try:
            meta = LayerMeta.model_validate_json(text)
        except ValidationError as exc:
            problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]]
        else:
            problems = layer_meta_problems(meta)
        if problems:
            quarantine.append(Quarantined(layer_id, None, "; ".join(problems)[:500]))
        else:
            layers.append(meta)
    return Catalog(layers)


def _frame_from(con: sqlite3.Connection, meta: LayerMeta,
                quarantine: list[Quarantined]) -> tuple[gpd.GeoDataFrame, np.ndarray | None]:
    """A layer's servable features as a typed frame, and their stored positions (the rows' stable ordinals);
    rows that cannot be served go to ``quarantine``."""
    rows = []
    for feature_id, properties, geometry, position in con.execute(
            "SELECT id, properties, geometry, position FROM features WHERE layer_id = ? ORDER BY position, id",
            (meta.id,)):
        fault = row_fault(meta, feature_id, properties, geometry)
        if fault:
            quarantine.append(Quarantined(meta.id, feature_id, fault[:500]))
        else:
            rows.append((feature_id, properties, geometry, position))
    try:
        return _typed_rows(meta, rows), _positions(rows)
    except Exception:  # a fault the row checks missed: find the rows and leave them out
        servable = []
        for row in rows:
            try:
                _typed_rows(meta, [row])
            except Exception as exc:
                quarantine.append(Quarantined(meta.id, row[0], f"cannot be typed: {str(exc)[:200]}"))
            else:
                servable.append(row)
        return _typed_rows(meta, servable), _positions(servable)


def _positions(rows: list[tuple[str, str, str | None, Any]]) -> np.ndarray | None:
    """The rows' stored positions; ``None`` (seek by row number) if one is not an integer."""
    if not all(type(r[3]) is int for r in rows):
        log.warning("a stored feature position is not an integer; pages seek by row number")
        return None
    return np.fromiter((r[3] for r in rows), dtype=np.int64, count=len(rows))


def _typed_rows(meta: LayerMeta, rows: list[tuple[str, str, str | None, Any]]) -> gpd.GeoDataFrame:
    properties = pd.DataFrame([load_json(r[1]) for r in rows]) if rows else pd.DataFrame({"id": []})
    geometries = shapely.from_geojson([r[2] if r[2] else None for r in rows]) if rows else []
    frame = gpd.GeoDataFrame(properties, geometry=list(geometries), crs="EPSG:4326")
    return typed_frame(frame, meta, source=f"layer {meta.id}")


def _etags_from(con: sqlite3.Connection) -> dict[tuple[str, str], str]:
    by_entity: dict[str, list[tuple[Any, ...]]] = {}
    for row in con.execute(_STATISTICS_TEXT + " ORDER BY position"):
        by_entity.setdefault(row[0], []).append(row[1:])
    rows = con.execute("SELECT layer_id, id, version, properties, geometry FROM features").fetchall()
    return {(r[0], r[1]): etag(r[0], r[1], r[2], r[3], r[4], statistics_digest(by_entity.get(r[1], [])))
            for r in rows}


def _add_missing_statistics_columns(con: sqlite3.Connection) -> None:
    """Bring a database made before an optional statistics column existed up to the schema."""
    present = {row[1] for row in con.execute("PRAGMA table_info(statistics)")}
    for column in stats_mod.OPTIONAL_COLUMNS:
        if column not in present:
            con.execute(f"ALTER TABLE statistics ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")


def _statistics_from(con: sqlite3.Connection, quarantine: list[Quarantined]) -> pd.DataFrame:
    rows = []
    for position, *values in con.execute(f"SELECT position, {', '.join(STAT_FIELDS)} FROM statistics "
                                         "ORDER BY position"):
        record = dict(zip(STAT_FIELDS, values, strict=True))
        fault = statistics_fault(record["year"], record["value"], record["variant"])
        if fault:
            quarantine.append(Quarantined(STATISTICS_COLLECTION, f"row {position} ({record['entity']})", fault))
        else:
            rows.append(values)
    frame = pd.DataFrame(rows, columns=list(STAT_FIELDS), dtype=object)
    return stats_mod.typed_statistics(frame, source="statistics table")


def _entities_from(con: sqlite3.Connection) -> pd.DataFrame:
    rows = [orjson.loads(r[0]) for r in con.execute("SELECT row FROM entities ORDER BY position")]
    return pd.DataFrame(rows) if rows else stats_mod.read_entities(Path("/nonexistent"))


def _seed(con: sqlite3.Connection, data_dir: Path) -> None:
    """Fill an empty database from a ``data/`` folder (catalog, layers, statistics, entities)."""
    catalog = load_data_catalog(data_dir)
    raw_catalog = [raw for folder in ("geo", "reference") if (data_dir / folder / "catalog.json").exists()
                   for raw in orjson.loads((data_dir / folder / "catalog.json").read_bytes())["layers"]]
    con.execute("BEGIN IMMEDIATE")
    try:
        seeded_at = now()
        for position, (meta, raw) in enumerate(zip(catalog, raw_catalog, strict=True)):
            con.execute("INSERT INTO layers VALUES (?, ?, ?)", (meta.id, position, dumps(raw)))
            layer = load_json(layer_file(data_dir, meta).read_bytes())  # every integer as the file writes it
            for index, feature in enumerate(layer["features"]):
                properties = feature["properties"]
                geometry = feature.get("geometry")
                con.execute("INSERT INTO features VALUES (?, ?, ?, ?, ?, 1, ?)",
                            (meta.id, str(properties["id"]), index, dumps(properties),
                             None if geometry is None else dumps(geometry), seeded_at))
        with (data_dir / "statistics.csv").open(encoding="utf-8", newline="") as handle:
            for position, row in enumerate(csv.DictReader(handle)):
                row.setdefault("variant", "0")
                con.execute(f"INSERT INTO statistics VALUES (?, {', '.join('?' * len(STAT_FIELDS))})",
                            (position, *(row.get(f, "") for f in STAT_FIELDS)))
        entities_path = data_dir / "entities.csv"
        if entities_path.exists():
            with entities_path.open(encoding="utf-8", newline="") as handle:
                for position, row in enumerate(csv.DictReader(handle)):
                    con.execute("INSERT INTO entities VALUES (?, ?, ?)", (position, row["entity"], dumps(row)))
        con.execute("INSERT INTO meta VALUES ('revision', '0')")
        con.execute("INSERT INTO meta VALUES ('seeded_from', ?)", (str(data_dir),))
        con.execute("INSERT INTO meta VALUES ('seeded_at', ?)", (seeded_at,))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if not catalog:
        raise DataError(f"{data_dir}: the catalog names no layer")
