"""The PostGIS backend's reads: the :class:`~geo_industry.store.base.FeatureStore` contract in SQL.

Per-request reads are single bounded statements, never a whole layer: a page is
``SELECT … WHERE … ORDER BY <sortby>, position, id LIMIT … OFFSET …`` with the bbox as
``geom && envelope AND ST_Intersects`` (the GiST index answers it), the datetime on the temporal
field, the CQL2 filter compiled to parameterised SQL (:mod:`geo_industry.store.postgis.filters`);
``numberMatched`` comes from a ``count(*)`` in the same read-only snapshot (skipped when the page
itself shows it). The output CRS is applied in the ``SELECT`` (``ST_Transform`` to the SRID of
the supported CRS, when ``spatial_ref_sys`` holds it), a ``properties=`` selection reads only
those columns and ``skipGeometry`` reads no geometry; axis order and rounding stay the encoder's, so
the bytes are those of the other backends. Rows become the same typed frames as on the other backends
(:mod:`geo_industry.store.postgis.frames`), or, for a GeoJSON response, records that encode to the same
bytes without a frame (:meth:`PostGISReader.record_page`, :meth:`PostGISReader.feature_record`).

What changes only with the revision — the catalog, queryables, schemas, the statistics tables,
whole small layers for the bulk consumers — is read once per revision and kept. A layer over
:data:`CACHE_MAX_ROWS` rows is never kept: :meth:`PostGISReader.frame` streams it on each call.
Each read of the store is one statement (or one read-only transaction); reads that must agree with each
other go through :meth:`PostGISReader.snapshot` (:mod:`geo_industry.store.postgis.snapshot`).
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg
from psycopg import IsolationLevel, sql
from psycopg.errors import IdleInTransactionSessionTimeout
from psycopg.pq import TransactionStatus

from geo_industry import statistics as stats_mod
from geo_industry.catalog import Catalog
from geo_industry.crs import CRS84, SUPPORTED_CRS, SupportedCRS, frame_in_crs
from geo_industry.errors import FeatureNotFound, InvalidSortBy
from geo_industry.investor_facts import InvestorFact
from geo_industry.models import (
    DateInterval,
    FeaturePage,
    FeatureQuery,
    LayerMeta,
    SeekKey,
    SortKey,
    TileAddress,
    VectorTile,
)
from geo_industry.settings import Settings
from geo_industry.store.base import BATCH_ROWS, Extent, FeatureRecord, Quarantined, ReadRoutes, RecordPage
from geo_industry.store.memory import LEGACY_PROVINCE, MERGED_PROVINCE
from geo_industry.store.postgis.connections import Database
from geo_industry.store.postgis.filters import compile_filter
from geo_industry.store.postgis.frames import (
    StoredLayer,
    layer_frame,
    layer_record,
    layer_records,
    read_entities,
    read_geometry_types,
    read_investor_facts,
    read_layer_batches,
    read_layer_frame,
    read_layers,
    read_statistics,
    select_list,
    served_catalog,
)
from geo_industry.store.postgis.schema import SRID, field_columns, layer_table, table
from geo_industry.store.postgis.snapshot import Lease, SnapshotEnded
from geo_industry.store.postgis.tiles import postgis_tile

CACHE_MAX_ROWS = 50_000
"""Layers with more rows than this are streamed by every :meth:`PostGISReader.frame`, never kept."""
SELECTION_COUNTS_MAX = 1024
"""Counts of filtered selections kept (per revision) by one reader."""
BIGINT_MAX = 2**63 - 1
"""The largest OFFSET PostgreSQL takes."""
_JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}
_NUMERIC_TEXT = r"^\s*[-+]?[0-9]+(\.[0-9]*)?\s*$"
_STATISTICS_DIGEST = sql.SQL(
    "(SELECT md5(string_agg(concat_ws(chr(31), indicator, year, period, value, unit, basis, price_basis, source, "
    "note, variant, derivation), chr(30) ORDER BY position)) FROM {} AS s WHERE s.entity = t.id)"
).format(table("statistics"))
_REVISION_SEEN = sql.SQL("(SELECT value FROM {})").format(table("revision"))
"""The revision a statement sees, read in the statement itself: what it computed is kept under that revision
(the listener's may be older or newer), so a snapshot sharing the store's caches finds only entries of its own."""


def entity_tag(row_etag: str, statistics_digest: str | None) -> str:
    """The strong ETag of a feature: its stored content (``etag`` column) and its statistics rows.

    A feature's GeoJSON carries its statistics series, so writing its statistics changes its
    tag; writing other entities' statistics does not.
    """
    digest = hashlib.sha256(f"{row_etag}:{statistics_digest or ''}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def feature_tag(conn: psycopg.Connection, layer_id: str, feature_id: str) -> str:
    """The strong ETag of a stored feature as ``conn`` sees it (in a write's transaction: after the write).

    Raises :class:`FeatureNotFound`.
    """
    statement = sql.SQL("SELECT t.etag, {} FROM {} AS t WHERE t.id = %s").format(
        _STATISTICS_DIGEST, layer_table(layer_id))
    row = conn.execute(statement, (feature_id,)).fetchone()
    if row is None:
        raise FeatureNotFound(f"no feature '{feature_id}' in collection '{layer_id}'")
    return entity_tag(row[0], row[1])


def output_srid(crs: SupportedCRS) -> int:
    """The PostGIS SRID of a supported CRS (OGC:CRS84 is the stored SRID 4326: x/y is lon/lat)."""
    return SRID if crs.code == CRS84.code else int(crs.code.removeprefix("EPSG:"))


OUTPUT_SRIDS = tuple(sorted({output_srid(crs) for crs in SUPPORTED_CRS}))
"""The SRIDs a response may be transformed to in the database (those ``spatial_ref_sys`` holds)."""


@dataclass(frozen=True)
class _Metadata:
    """What changes only with the revision: the layers as stored, their catalog, queryables, schemas,
    and the output SRIDs the database can transform to."""

    revision: int
    layers: dict[str, StoredLayer]
    catalog: Catalog
    quarantined: tuple[Quarantined, ...]
    srids: frozenset[int]

    def output(self, crs: SupportedCRS) -> tuple[int, SupportedCRS]:
        """The SRID to read geometries in for a response in ``crs`` and the CRS they are then in: ``crs``
        when the database knows its SRID, else the stored CRS84 (the encoder transforms them)."""
        srid = output_srid(crs)
        return (srid, crs) if srid in self.srids else (SRID, CRS84)


@dataclass(frozen=True)
class _PageRows:
    """The rows of a page as :func:`~geo_industry.store.postgis.frames.select_list` reads them (geometries in
    ``srid``, i.e. ``crs``), how many features match and, in default order, the key of the last row."""

    layer: StoredLayer
    rows: list[Any]
    matched: int
    srid: int
    crs: SupportedCRS
    last_key: SeekKey | None


@dataclass(frozen=True)
class _Tables:
    """The statistics tables as of ``statistics_revision``, known to be current at ``revision`` (or later)."""

    revision: int
    statistics_revision: int
    statistics: pd.DataFrame
    entities: pd.DataFrame
    derived: pd.DataFrame


def _queryables(layer: StoredLayer) -> dict[str, str]:
    out = {spec.name: _JSON_TYPES[spec.type] for spec in layer.meta.fields if spec.type in _JSON_TYPES}
    for column in layer.derived:
        if column.name.startswith("latest_") and column.name not in out:
            out[column.name] = column.json_type
    out["id"] = "string"
    out["geometry"] = "geometry"
    return out


def _schema(layer: StoredLayer, queryables: dict[str, str]) -> dict[str, str]:
    """Every property a feature carries, in frame order: file properties, other declared fields, derived."""
    declared = {spec.name: spec.type for spec in layer.meta.fields}
    names = [*layer.property_order, *declared, *(c.name for c in layer.derived)]
    derived = {c.name: c.json_type for c in layer.derived}
    out = {"id": "string"}
    for name in dict.fromkeys(names):
        out[name] = declared.get(name) or queryables.get(name) or derived.get(name) or "string"
    return out


def _sort_key(layer: StoredLayer, key: SortKey, queryables: dict[str, str]) -> sql.Composable:
    if key.name not in queryables or queryables[key.name] == "geometry":
        raise InvalidSortBy("sortby", key.name, f"a queryable property of collection '{layer.meta.id}'")
    column: sql.Composable = sql.Identifier(key.name)
    if queryables[key.name] == "string":
        column = sql.SQL('{} COLLATE "C"').format(column)  # code-point order, as Python sorts text
    return sql.SQL("{} {} NULLS LAST").format(column, sql.SQL("ASC" if key.ascending else "DESC"))


def _year_expression(layer: StoredLayer) -> sql.Composable | None:
    """The temporal field as a number (``None``: the layer has no temporal field)."""
    field = layer.meta.temporal_field
    if not field:
        return None
    spec = layer.meta.field_spec(field)
    if spec is not None and field in field_columns(layer.meta) and spec.type in ("integer", "number"):
        return sql.Identifier(field)
    if spec is not None and field in field_columns(layer.meta) and spec.type == "string":
        text: sql.Composable = sql.Identifier(field)
    elif field in layer.property_order:
        text = sql.SQL("(properties ->> {})").format(sql.Literal(field))
    else:
        return sql.SQL("NULL::numeric")  # a temporal field no feature carries: no feature has a year
    return sql.SQL("(CASE WHEN {} ~ {} THEN ({})::numeric END)").format(text, sql.Literal(_NUMERIC_TEXT), text)


def _interval_condition(year: sql.Composable, interval: DateInterval) -> tuple[sql.Composable, list[Any]]:
    parts: list[sql.Composable] = [sql.SQL("{} IS NOT NULL").format(year)]
    params: list[Any] = []
    if interval.start is not None:
        parts.append(sql.SQL("{} >= %s").format(year))
        params.append(interval.start.year)
    if interval.end is not None:
        parts.append(sql.SQL("{} <= %s").format(year))
        params.append(interval.end.year)
    return sql.SQL(" AND ").join(parts), params


def _province_of(conn: psycopg.Connection, layers: Iterable[StoredLayer], entities: set[str]
                 ) -> dict[str, tuple[str, ...]]:
    """Province entities of the features among ``entities`` (their former province and the merged one)."""
    out: dict[str, tuple[str, ...]] = {}
    for layer in layers:
        statement = sql.SQL("SELECT id, properties ->> 'former_province' FROM {} WHERE id = ANY(%s)").format(
            layer_table(layer.meta.id))
        for feature_id, province in conn.execute(statement, (list(entities),)):
            legacy = LEGACY_PROVINCE.get(str(province))
            out[feature_id] = (legacy, MERGED_PROVINCE) if legacy else (MERGED_PROVINCE,)
    return out


def _is_selective(query: FeatureQuery) -> bool:
    """Whether the query selects some features (bbox, datetime or filter), not all."""
    return query.bbox is not None or query.datetime is not None or query.filter is not None


def _counts_in_scan(query: FeatureQuery) -> bool:
    """Whether the page counts its matches in its own scan (``count(*) OVER ()``, the last column).

    A bbox selects its rows by the GiST index and the page sorts every one of them anyway, so the
    window costs nothing more. A filter or datetime alone is read in file order (the ``position``
    index) and stops at the end of the page; carrying every match's whole row to a window would read
    and keep them all (on 100,000 parcels: 53 ms instead of 1 ms), so such a selection is counted by a
    separate ``count(*)``, kept per revision (:attr:`PostGISReader.selection_counts`). A page that seeks
    (``after``) sees only the rows after its key: its selection is counted that way too.
    """
    return query.bbox is not None and query.after is None


class SelectionCounts:
    """How many rows a selection (layer, ``WHERE`` text, parameters) matches at a revision; least recently
    used dropped past ``max_entries``. Thread-safe."""

    def __init__(self, max_entries: int = SELECTION_COUNTS_MAX) -> None:
        self.max_entries = max_entries
        self._counts: OrderedDict[tuple[int, str, str, str], int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str, str, str]) -> int | None:
        """The count kept for ``key`` (revision, layer, where, parameters), if any."""
        with self._lock:
            count = self._counts.get(key)
            if count is not None:
                self._counts.move_to_end(key)
            return count

    def put(self, key: tuple[int, str, str, str], count: int) -> None:
        """Keep ``count`` for ``key``."""
        with self._lock:
            self._counts[key] = count
            self._counts.move_to_end(key)
            while len(self._counts) > self.max_entries:
                self._counts.popitem(last=False)

    def __len__(self) -> int:
        return len(self._counts)


class PostGISReader:
    """The :class:`~geo_industry.store.base.FeatureStore` over a PostGIS database loaded by ``db load``."""

    def __init__(self, database: Database, *, revision_source: Callable[[], int | None] | None = None,
                 cache_max_rows: int = CACHE_MAX_ROWS) -> None:
        self.database = database
        self._revision_source = revision_source
        self.cache_max_rows = cache_max_rows
        self._lock = threading.Lock()
        self._metadata_cache: _Metadata | None = None
        self._tables_cache: _Tables | None = None
        self._frames: dict[str, tuple[int, gpd.GeoDataFrame]] = {}
        self._counts: dict[str, tuple[int, int]] = {}
        self._counting: dict[str, threading.Lock] = {}
        self._extents: dict[str, tuple[int, Extent]] = {}
        self._investor_facts: tuple[int, tuple[InvestorFact, ...]] | None = None
        self.selection_counts = SelectionCounts()

    @classmethod
    def from_settings(cls, settings: Settings) -> PostGISReader:
        """Open the database the settings name, its revision kept in memory by a listener (no connection
        to the database: the revision is unknown at once, an ``OperationalError``)."""
        database = Database.from_settings(settings)
        return cls(database, revision_source=database.revisions().current)

    def read_routes(self) -> ReadRoutes | None:
        """Where reads go (``None`` without a replica): see :class:`~geo_industry.store.base.Replicated`."""
        return self.database.read_routes()

    def close(self) -> None:
        """Close the connection pools."""
        self.database.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.database!r})"

    # connections --------------------------------------------------------------------------
    @contextmanager
    def _reading(self) -> Iterator[psycopg.Connection]:
        """A read-only snapshot transaction on the read database, begun by one statement
        (``BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY``: no ``SET TRANSACTION`` round trip)."""
        with self.database.read_connection() as conn:
            conn.isolation_level, conn.read_only = IsolationLevel.REPEATABLE_READ, True
            try:
                with conn.transaction():
                    yield conn
            finally:
                if conn.info.transaction_status == TransactionStatus.IDLE:
                    conn.isolation_level, conn.read_only = None, None  # the pool's default for the next user
                else:  # cannot be reset: never handed out again read-only (the pool drops a closed connection)
                    conn.close()

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """A read connection as the pool hands it out (a snapshot hands out its own)."""
        with self.database.read_connection() as conn:
            yield conn

    @contextmanager
    def _one_statement(self) -> Iterator[psycopg.Connection]:
        """A read connection in autocommit, for a read that is one statement (its own snapshot): no
        ``BEGIN`` and ``COMMIT`` round trips around it."""
        with self.database.read_connection() as conn:
            conn.autocommit = True
            try:
                yield conn
            finally:
                if conn.info.transaction_status == TransactionStatus.IDLE:
                    conn.autocommit = False  # the pool's default for the next user
                else:  # cannot be reset: never handed out again in autocommit (the pool drops a closed connection)
                    conn.close()

    @staticmethod
    def _read_revision(conn: psycopg.Connection) -> int:
        return PostGISReader._read_revisions(conn)[0]

    @staticmethod
    def _read_revisions(conn: psycopg.Connection) -> tuple[int, int]:
        """The revision and the statistics revision (:meth:`statistics_revision`) as ``conn`` sees them."""
        row = conn.execute(sql.SQL("SELECT value, statistics_revision FROM {}").format(table("revision"))).fetchone()
        return (0, 0) if row is None else (int(row[0]), int(row[1]))

    # revision-scoped metadata -------------------------------------------------------------
    def revision(self) -> int:
        """The revision counter of the read database (from the listener when one is set)."""
        known = self._revision_source() if self._revision_source is not None else None
        if known is not None:
            return known
        with self._connection() as conn:
            return self._read_revision(conn)

    def _metadata(self) -> _Metadata:
        revision = self.revision()
        cached = self._metadata_cache
        if cached is not None and cached.revision == revision:
            return cached
        with self._reading() as conn:
            revision = self._read_revision(conn)
            layers, quarantined = read_layers(conn)
            srids = conn.execute("SELECT srid FROM spatial_ref_sys WHERE srid = ANY(%s)", (list(OUTPUT_SRIDS),))
            known = frozenset(int(row[0]) for row in srids)
        metadata = _Metadata(revision, {layer.meta.id: layer for layer in layers}, served_catalog(layers),
                             tuple(quarantined), known | {SRID})
        self._metadata_cache = metadata
        return metadata

    def _layer(self, layer_id: str, metadata: _Metadata | None = None) -> StoredLayer:
        metadata = metadata or self._metadata()
        metadata.catalog.get(layer_id)  # CollectionNotFound naming the known ones
        return metadata.layers[layer_id]

    def snapshot(self) -> PostGISSnapshot:
        """A read view pinned at the current revision: one read-only transaction on one pooled connection,
        held until the view is released (:class:`PostGISSnapshot`)."""
        return PostGISSnapshot(self)

    @property
    def quarantined(self) -> tuple[Quarantined, ...]:
        """Layers whose stored catalog entry cannot be served (the typed tables hold no bad rows)."""
        return self._metadata().quarantined

    def collections(self) -> list[LayerMeta]:
        """Every layer's metadata in catalog order."""
        return list(self._metadata().catalog)

    def collection(self, layer_id: str) -> LayerMeta:
        """One layer's metadata."""
        return self._metadata().catalog.get(layer_id)

    def queryables(self, layer_id: str) -> dict[str, str]:
        """Property name → JSON type for filters and sortby."""
        return _queryables(self._layer(layer_id))

    def schema(self, layer_id: str) -> dict[str, str]:
        """Property name → JSON type of every property a feature carries."""
        layer = self._layer(layer_id)
        return _schema(layer, _queryables(layer))

    # per-request reads --------------------------------------------------------------------
    def count(self, layer_id: str) -> int:
        """How many features the layer holds (counted once per revision)."""
        metadata = self._metadata()
        layer = self._layer(layer_id, metadata)  # CollectionNotFound naming the known ones
        return self._counted(layer.meta.id, metadata.revision, self._one_statement)[1]

    def _counted(self, layer_id: str, revision: int,
                 connection: Callable[[], AbstractContextManager[psycopg.Connection]]) -> tuple[int, int]:
        """The layer's count kept for ``revision``, else counted on a ``connection()``: (the revision the count
        saw, the count), kept under that revision. One count per layer at a time: requests arriving together wait
        for it instead of each scanning the table (ten concurrent first pages of a million rows made ten parallel
        full scans), and only the one counting takes a connection."""
        cached = self._counts.get(layer_id)
        if cached is None or cached[0] != revision:
            with self._counting.setdefault(layer_id, threading.Lock()):
                cached = self._counts.get(layer_id)
                if cached is None or cached[0] != revision:
                    with connection() as conn:
                        row = conn.execute(sql.SQL("SELECT count(*), {} FROM {}").format(
                            _REVISION_SEEN, layer_table(layer_id))).fetchone()
                    assert row is not None
                    cached = self._counts[layer_id] = (int(row[1]), int(row[0]))
        return cached

    def extent(self, layer_id: str) -> Extent:
        """Bbox of present geometries (``ST_Extent``) and the temporal field's year range (once per revision)."""
        metadata = self._metadata()
        layer = self._layer(layer_id, metadata)
        cached = self._extents.get(layer_id)
        if cached is not None and cached[0] == metadata.revision:
            return cached[1]
        year = _year_expression(layer) or sql.SQL("NULL::numeric")
        statement = sql.SQL("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), y0, y1, {} FROM "
                            "(SELECT ST_Extent(geom) AS e, min({}) AS y0, max({}) AS y1 FROM {}) AS x").format(
            _REVISION_SEEN, year, year, layer_table(layer.meta.id))
        with self._connection() as conn:
            row = conn.execute(statement).fetchone()
        assert row is not None
        bbox = None if row[0] is None else (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
        years = (None if row[4] is None else int(row[4]), None if row[5] is None else int(row[5]))
        self._extents[layer_id] = (int(row[6]), (bbox, years))
        return bbox, years

    def _where(self, layer: StoredLayer, query: FeatureQuery) -> tuple[sql.Composable, list[Any]]:
        parts: list[sql.Composable] = []
        params: list[Any] = []
        if query.bbox is not None:
            parts.append(sql.SQL("geom && ST_MakeEnvelope(%s, %s, %s, %s, {srid}) AND "
                                 "ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, {srid}))").format(
                srid=sql.Literal(SRID)))
            params.extend([*query.bbox, *query.bbox])
        year = _year_expression(layer)
        if query.datetime is not None and year is not None:
            condition, values = _interval_condition(year, query.datetime)
            parts.append(condition)
            params.extend(values)
        if query.filter is not None:
            compiled = compile_filter(query.filter, _queryables(layer))
            parts.append(sql.SQL("({})").format(compiled.where))
            params.extend(compiled.params)
        return (sql.SQL(" AND ").join(parts) if parts else sql.SQL("true")), params

    def page_statement(self, layer_id: str, query: FeatureQuery) -> tuple[sql.Composed, list[Any]]:
        """The ``SELECT`` of one page of ``query`` and its parameters (what :meth:`query` runs; ``EXPLAIN`` it)."""
        metadata = self._metadata()
        return self._page_statement(self._layer(layer_id, metadata), query, metadata.output(query.crs)[0])

    def _page_statement(self, layer: StoredLayer, query: FeatureQuery, srid: int = SRID
                        ) -> tuple[sql.Composed, list[Any]]:
        """The page's ``SELECT`` (geometries in ``srid``, ``NULL`` when the query skips them, the query's
        properties, then ``position``); a bbox selection also counts its matches (last column) in the same scan,
        any other page carries the revision it sees (last column).

        See :func:`_counts_in_scan`; an unfiltered page reads only its rows and takes the layer's count. A page
        that seeks (``after``) starts at its key by the ``position`` index, not by skipping ``OFFSET`` rows.
        """
        queryables = _queryables(layer)
        order = [_sort_key(layer, key, queryables) for key in query.sortby]
        where, params = self._where(layer, query)
        order_by = sql.SQL(", ").join([*order, sql.SQL("position, id")])
        columns = sql.SQL("{}, position").format(select_list(layer, srid=srid, properties=query.properties,
                                                             geometry=not query.skip_geometry))
        if query.after is not None:
            statement = sql.SQL("SELECT {}, {} FROM {} WHERE ({}) AND (position, id) > (%s, %s) ORDER BY {} "
                                "LIMIT %s").format(columns, _REVISION_SEEN, layer_table(layer.meta.id), where, order_by)
            return statement, [*params, query.after.position, query.after.id, query.limit]
        if _counts_in_scan(query):
            columns = sql.SQL("{}, count(*) OVER ()").format(columns)
        else:  # the revision the page sees (evaluated once): the count paired with it must be of that revision
            columns = sql.SQL("{}, {}").format(columns, _REVISION_SEEN)
        statement = sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT %s OFFSET %s").format(
            columns, layer_table(layer.meta.id), where, order_by)
        # OFFSET is a bigint: an offset past it (a client may send 10**30) skips every row all the same
        return statement, [*params, query.limit, min(query.offset, BIGINT_MAX)]

    def query(self, layer_id: str, query: FeatureQuery) -> FeaturePage:
        """One page of features matching ``query`` and how many match in all."""
        read = self._page_rows(layer_id, query)
        return FeaturePage(read.layer.meta, layer_frame(read.layer, read.rows, srid=read.srid,
                                                        properties=query.properties),
                           matched=read.matched, offset=query.offset, limit=query.limit, crs=read.crs,
                           last_key=read.last_key)

    def record_page(self, layer_id: str, query: FeatureQuery) -> RecordPage:
        """The page :meth:`query` reads, as records (no frame: what a GeoJSON response needs)."""
        read = self._page_rows(layer_id, query)
        ids, geometries, properties = layer_records(read.layer, read.rows, properties=query.properties)
        return RecordPage(read.layer.meta, ids, geometries, properties, matched=read.matched, offset=query.offset,
                          limit=query.limit, crs=read.crs, last_key=read.last_key)

    def _page_rows(self, layer_id: str, query: FeatureQuery) -> _PageRows:
        """The rows of one page of ``query`` and how many features match in all (of the revision the rows saw)."""
        metadata = self._metadata()
        layer = self._layer(layer_id, metadata)
        srid, crs = metadata.output(query.crs)
        statement, params = self._page_statement(layer, query, srid)
        # every feature: one statement, its count the layer's (of this revision); a selection may need its count
        # in the page's snapshot (a full page of a filter, a page past the end): one read-only transaction
        pinned = _is_selective(query)
        while True:
            with self._reading() if pinned else self._one_statement() as conn:
                rows = conn.execute(statement, params).fetchall()
                matched = self._matched(conn, rows, layer, query)
            if matched is not None:
                break
            pinned = True  # a write landed between the page and its count: read both again in one snapshot
        # default order: the rows end with (position, revision seen or count); the key of the last one
        last_key = SeekKey(int(rows[-1][-2]), str(rows[-1][0])) if rows and not query.sortby else None
        return _PageRows(layer, rows, matched, srid, crs, last_key)

    def _matched(self, conn: psycopg.Connection, rows: list[Any], layer: StoredLayer, query: FeatureQuery
                 ) -> int | None:
        """How many features match ``query`` at the revision ``rows`` (its page) saw; ``None`` when the count
        read on ``conn`` is of another revision (possible only outside a transaction)."""
        if rows and _counts_in_scan(query):
            return int(rows[0][-1])
        if query.after is None and ((rows and len(rows) < query.limit) or (not rows and query.offset == 0)):
            return query.offset + len(rows)  # the page itself shows how many match (a seek's shows only the rest)
        # a full page, or a page past the end: the count of the revision the page saw
        seen = int(rows[0][-1]) if rows else self._read_revision(conn)
        if _is_selective(query):
            return self._selection_count(conn, seen, layer, query)
        return self._layer_count(conn, seen, layer)

    def _layer_count(self, conn: psycopg.Connection, revision: int, layer: StoredLayer) -> int | None:
        """How many features the layer holds at ``revision`` (the page's), counted on ``conn`` when not kept;
        ``None`` when that count saw another revision (``conn`` in autocommit and a write committed since the
        page's statement)."""
        seen, count = self._counted(layer.meta.id, revision, lambda: nullcontext(conn))
        return count if seen == revision else None

    def _selection_count(self, conn: psycopg.Connection, revision: int, layer: StoredLayer,
                         query: FeatureQuery) -> int:
        """How many features ``query`` selects: kept per revision, else ``count(*)`` in ``conn``'s snapshot."""
        where, params = self._where(layer, query)
        key = (revision, layer.meta.id, where.as_string(conn), repr(params))
        count = self.selection_counts.get(key)
        if count is None:
            row = conn.execute(sql.SQL("SELECT count(*), {} FROM {} WHERE {}").format(
                _REVISION_SEEN, layer_table(layer.meta.id), where), params).fetchone()
            assert row is not None
            count = int(row[0])
            self.selection_counts.put((int(row[1]), *key[1:]), count)
        return count

    def vector_tile(self, layer_id: str, tile: TileAddress, *, limit: int) -> VectorTile | None:
        """The layer's Mapbox Vector Tile built by ``ST_AsMVT`` (:mod:`geo_industry.store.postgis.tiles`)."""
        layer = self._layer(layer_id)
        with self._connection() as conn:
            return postgis_tile(conn, layer, tile, limit=limit)

    def get(self, layer_id: str, feature_id: str, crs: SupportedCRS = CRS84) -> gpd.GeoDataFrame:
        """One feature as a one-row frame, its geometry in ``crs`` (transformed by the database)."""
        metadata = self._metadata()
        layer = self._layer(layer_id, metadata)
        srid, delivered = metadata.output(crs)
        statement = sql.SQL("SELECT {} FROM {} WHERE id = %s").format(select_list(layer, srid=srid),
                                                                      layer_table(layer.meta.id))
        with self._one_statement() as conn:
            rows = conn.execute(statement, (feature_id,)).fetchall()
        if not rows:
            raise FeatureNotFound(f"no feature '{feature_id}' in collection '{layer_id}'")
        frame = layer_frame(layer, rows, srid=srid)
        return frame if delivered == crs else frame_in_crs(frame, crs)

    def feature_record(self, layer_id: str, feature_id: str, crs: SupportedCRS = CRS84) -> FeatureRecord:
        """One feature (its geometry transformed to ``crs`` by the database when it knows the SRID) and its
        entity tag, read by one statement (one snapshot), without a frame."""
        metadata = self._metadata()
        layer = self._layer(layer_id, metadata)
        srid, delivered = metadata.output(crs)
        statement = sql.SQL("SELECT {}, t.etag, {} FROM {} AS t WHERE t.id = %s").format(
            select_list(layer, srid=srid), _STATISTICS_DIGEST, layer_table(layer.meta.id))
        with self._one_statement() as conn:
            row = conn.execute(statement, (feature_id,)).fetchone()
        if row is None:
            raise FeatureNotFound(f"no feature '{feature_id}' in collection '{layer_id}'")
        record_id, geometry, properties = layer_record(layer, row[:-2])
        return FeatureRecord(record_id, geometry, properties, entity_tag(row[-2], row[-1]), delivered)

    def feature_etag(self, layer_id: str, feature_id: str) -> str:
        """The strong entity tag of the feature's stored version and statistics (what ``If-Match`` compares)."""
        layer = self._layer(layer_id)
        with self._one_statement() as conn:
            return feature_tag(conn, layer.meta.id, feature_id)

    def series(self, entity: str) -> pd.DataFrame:
        """Stored and derived statistics rows of one entity."""
        tables = self._tables()
        both = pd.concat([tables.statistics, tables.derived], ignore_index=True)
        return stats_mod.series_for(both, entity)

    # bulk reads ---------------------------------------------------------------------------
    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        """The whole layer with its derived columns (kept per revision unless it is large; do not modify it)."""
        metadata = self._metadata()
        layer = self._layer(layer_id, metadata)
        cached = self._frames.get(layer_id)
        if cached is not None and cached[0] == metadata.revision:
            return cached[1]
        with self._reading() as conn:
            seen = self._read_revision(conn)
            frame = read_layer_frame(conn, layer)
        if len(frame) <= self.cache_max_rows:
            self._frames[layer_id] = (seen, frame)
        else:
            self._frames.pop(layer_id, None)
        return frame

    def frame_batches(self, layer_id: str, *, size: int = BATCH_ROWS) -> Iterator[gpd.GeoDataFrame]:
        """The layer in batches of ``size`` rows from one read-only snapshot, one batch in memory at a time
        (a pooled connection is held until the batches are consumed or closed). A bad id raises at once."""
        layer = self._layer(layer_id)

        def batches() -> Iterator[gpd.GeoDataFrame]:
            with self._reading() as conn:
                yield from read_layer_batches(conn, layer, size)

        return batches()

    def geometry_types(self, layer_id: str) -> frozenset[str]:
        """The geometry types of the layer's present geometries (one scan of the table)."""
        layer = self._layer(layer_id)
        with self._one_statement() as conn:
            return read_geometry_types(conn, layer)

    def entity_features(self, entities: Collection[str]) -> list[tuple[str, gpd.GeoDataFrame]]:
        """The features among ``entities``, per layer (only their rows: a large layer is never read whole)."""
        wanted = list(entities)
        layers = self._metadata().layers.values()  # before taking a connection: never two at once
        out = []
        with self._reading() as conn:
            for layer in layers:
                statement = sql.SQL("SELECT {} FROM {} WHERE id = ANY(%s) ORDER BY position").format(
                    select_list(layer), layer_table(layer.meta.id))
                out.append((layer.meta.id, layer_frame(layer, conn.execute(statement, (wanted,)).fetchall())))
        return out

    def statistics_revision(self) -> int:
        """The revision the statistics, the entities or a statistics entity's feature last changed at
        (one read of the revision row when the revision moved; nothing else is read unless it moved)."""
        return self._tables().statistics_revision

    def _tables(self) -> _Tables:
        """The statistics tables, read again only when the statistics revision moved (a write of
        statistics or of a statistics entity's feature), not on every revision."""
        cached = self._tables_cache
        if cached is not None and cached.revision >= self.revision():
            return cached
        layers = self._metadata().layers.values()  # before taking a connection: never two at once
        with self._lock, self._reading() as conn:
            revision, statistics_revision = self._read_revisions(conn)
            cached = self._tables_cache
            if cached is not None and cached.statistics_revision == statistics_revision:
                tables = replace(cached, revision=max(revision, cached.revision))
            else:
                statistics = read_statistics(conn)
                entities = read_entities(conn)
                province_of = _province_of(conn, layers, set(statistics["entity"]))
                derived = stats_mod.derived_indicators(statistics, province_of=province_of)
                tables = _Tables(revision, statistics_revision, statistics, entities, derived)
            self._tables_cache = tables
        return tables

    def investor_facts(self) -> tuple[InvestorFact, ...]:
        """The investor facts ``db load`` stored (read once per revision: any edit of them bumps it)."""
        revision = self.revision()
        cached = self._investor_facts
        if cached is not None and cached[0] == revision:
            return cached[1]
        with self._reading() as conn:
            revision = self._read_revision(conn)
            facts = tuple(read_investor_facts(conn))
        self._investor_facts = (revision, facts)
        return facts

    @property
    def statistics(self) -> pd.DataFrame:
        """The stored statistics rows."""
        return self._tables().statistics

    @property
    def entities(self) -> pd.DataFrame:
        """Statistics entities that are not features."""
        return self._tables().entities

    @property
    def derived_statistics(self) -> pd.DataFrame:
        """Derived indicators (growth, target attainment, share of province)."""
        return self._tables().derived


class PostGISSnapshot(PostGISReader):
    """The store's reads in one read-only transaction: every read sees the revision it was taken at.

    Use it in a ``with`` block (``with store.snapshot() as view:``); it holds a pooled connection
    until released. Reads only: writes go to the store.
    """

    def __init__(self, store: PostGISReader) -> None:
        super().__init__(store.database, cache_max_rows=store.cache_max_rows)
        self._lease = Lease(store.database.pool_for_reads(), store.database.snapshot_idle_s)
        self._revision, statistics_revision = self._lease.revisions
        self._share_caches(store, statistics_revision)
        self._finalizer = weakref.finalize(self, self._lease.give_back)
        self._finalizer.atexit = False  # at exit the pools close with their connections: nothing to give back

    def _share_caches(self, store: PostGISReader, statistics_revision: int) -> None:
        """Use the store's caches: their entries are keyed by revision, and what one revision holds is
        the same in every view of it (its statistics tables: in every view of its statistics revision)."""
        self._frames, self._counts, self._counting = store._frames, store._counts, store._counting
        self._extents, self.selection_counts = store._extents, store.selection_counts
        metadata, tables, facts = store._metadata_cache, store._tables_cache, store._investor_facts
        self._metadata_cache = metadata if metadata is not None and metadata.revision == self._revision else None
        self._investor_facts = facts if facts is not None and facts[0] == self._revision else None
        self._tables_cache = (tables if tables is not None and tables.statistics_revision == statistics_revision
                              else None)

    def release(self) -> None:
        """End the snapshot's transaction and return its connection to the pool (idempotent)."""
        self._finalizer()

    close = release  # closing a view releases it; the store's pools stay open

    @property
    def released(self) -> bool:
        """Whether the snapshot has been released (its reads then raise :class:`SnapshotReleased`)."""
        return not self._finalizer.alive

    def __enter__(self) -> PostGISSnapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(revision={self._revision}, {self.database!r})"

    def snapshot(self) -> PostGISSnapshot:
        """The view itself: it is pinned already."""
        return self

    def revision(self) -> int:
        """The revision the snapshot was taken at (every read asks it first: a released view refuses them all,
        those its caches could answer too)."""
        self._lease.connection()
        return self._revision

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """The snapshot's connection, for every read (already in its transaction)."""
        try:
            yield self._lease.connection()
        except IdleInTransactionSessionTimeout:
            raise SnapshotEnded(f"the database ended the snapshot of revision {self._revision}: it sat idle longer "
                                f"than {self.database.snapshot_idle_s:g} s") from None

    _reading = _one_statement = _connection
