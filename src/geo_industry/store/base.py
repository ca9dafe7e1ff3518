"""The store contract: what every backend (embedded files, SQLite, PostGIS later) provides.

One family of Protocols, by what a caller needs:

- :class:`FeatureReader` — the per-request reads of the API: metadata from the catalog
  (collections, queryables, schema, extent), ``count``, ``query`` (a page holding its own rows
  plus ``matched``, as tipg's ``features()``), ``get`` one feature, its ETag, a series.
- :class:`BulkReader` — whole layers and statistics tables for the whole-layer consumers (maps,
  rasters, statistics joins, analysis). A database backend implements ``frame`` with one
  streaming read of the table; the API's request path never calls it.
- :class:`FeatureStore` — both, plus ``snapshot()``: a read view pinned at one revision. A view that
  holds a database transaction (:class:`HeldView`, PostGIS's) is released when done; :func:`pinned`
  gives any store's view for the reads of one ``with`` block and releases it.
- :class:`ZoneAssessable` — optional: a read view that can serve the raster service's zone
  assessments (with the DEM's slope) as its zone layers' analysis properties.
- :class:`FeatureRecordSource` — optional: a store that reads one feature and its ETag in one
  statement, as a :class:`FeatureRecord`, and a page as a :class:`RecordPage` (no frame: a database's
  GeoJSON reads).
- :class:`InvestorFactSource` — optional: a store holding the investor facts (PostGIS) instead of the
  data folder's file.
- :class:`TileSource` — optional: a read view that builds a layer's vector tiles itself (PostGIS's
  ``ST_AsMVT``); the others' tiles are encoded from a ``query`` by :mod:`geo_industry.vector_tiles`.
- :class:`Replicated` — optional: a store reading from a replica tells where its reads went
  (:class:`ReadRoutes`, shown by the health probe).
- :class:`WritableStore` — a :class:`FeatureStore` with writes (create, replace, update,
  delete, statistics, layer uploads), history, ETags and revision, as pygeoapi's provider
  base holds reads and writes. The API and the CLI use it without knowing the class.

Geometries come back in storage CRS (OGC:CRS84) unless a read asks for another CRS: a page says
which CRS its rows are in (:attr:`~geo_industry.models.FeaturePage.crs`; a database transforms them,
the in-memory backends leave that to :mod:`geo_industry.geojson` and :mod:`geo_industry.export`), and
``get`` returns the feature in the CRS asked for. Axis order and rounding are the encoder's. Errors are
the ones of :mod:`geo_industry.errors` (``CollectionNotFound``, ``FeatureNotFound``, ``InvalidFeature`` …),
the same on every backend, so the API answers the same status for the same bad input.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import geopandas as gpd
import pandas as pd

from geo_industry.crs import CRS84, SupportedCRS
from geo_industry.investor_facts import InvestorFact
from geo_industry.models import FeaturePage, FeatureQuery, LayerMeta, PageCounts, SeekKey, TileAddress, VectorTile

BBox = tuple[float, float, float, float]
Extent = tuple[BBox | None, tuple[int | None, int | None]]
BATCH_ROWS = 10_000
"""Rows per batch of :meth:`BulkReader.frame_batches` unless the caller asks for another size."""


@dataclass(frozen=True)
class Quarantined:
    """A stored row that cannot be served (an older store, a manual edit): left out of reads until repaired.

    ``feature_id`` is ``None`` for a whole layer (its catalog entry is damaged); statistics rows
    are reported under the ``statistics`` collection with their position.
    """

    collection: str
    feature_id: str | None
    reason: str


@dataclass(frozen=True)
class ReadRoutes:
    """Where a replicated store's reads went: the revisions it knows, the reads it sent to the primary."""

    revision: int | None
    """The newest revision this process knows committed (``None``: not known, no connection)."""
    replayed: int | None
    """The revision the replica shows (``None``: not known, no connection)."""
    from_primary: int
    """Reads sent to the primary since start because the replica had not replayed a known revision yet."""
    wait_ms: int = 0
    """How long the first read to find the replica behind a known revision waits for it, in milliseconds."""


@dataclass(frozen=True)
class AuditEntry:
    """One recorded change."""

    seq: int
    at: str
    actor: str
    action: str
    layer_id: str | None
    feature_id: str | None
    before: Any
    after: Any


@runtime_checkable
class FeatureReader(Protocol):
    """Per-request reads: metadata, counts, one page, one feature. Never a whole layer."""

    def collections(self) -> list[LayerMeta]:
        """Every layer's metadata, in catalog order."""
        ...

    def collection(self, layer_id: str) -> LayerMeta:
        """One layer's metadata; raises ``CollectionNotFound``."""
        ...

    def queryables(self, layer_id: str) -> dict[str, str]:
        """Property name → JSON type for every property a filter or sortby may use (and ``geometry``)."""
        ...

    def schema(self, layer_id: str) -> dict[str, str]:
        """Property name → JSON type of every property a feature of the layer carries (``properties=``)."""
        ...

    def extent(self, layer_id: str) -> Extent:
        """Spatial bbox (CRS84) of the layer's geometries and its temporal extent (years)."""
        ...

    def count(self, layer_id: str) -> int:
        """How many features the layer holds."""
        ...

    def query(self, layer_id: str, query: FeatureQuery) -> FeaturePage:
        """The page of features matching ``query`` (its own rows) and ``matched`` counted before paging.

        The rows' geometries are in the page's ``crs``: ``query.crs`` if the backend transformed them,
        else storage CRS84. With ``query.properties`` the rows may hold only those properties.
        """
        ...

    def get(self, layer_id: str, feature_id: str, crs: SupportedCRS = CRS84) -> gpd.GeoDataFrame:
        """A one-row frame for ``feature_id``, its geometry in ``crs`` (x/y order); raises ``FeatureNotFound``."""
        ...

    def feature_etag(self, layer_id: str, feature_id: str) -> str | None:
        """The strong ETag a write's ``If-Match`` compares with; ``None`` for read-only backends."""
        ...

    def series(self, entity: str) -> pd.DataFrame:
        """Stored and derived statistics of one entity (feature id or entity id)."""
        ...

    def revision(self) -> int:
        """A counter that grows with every committed write (constant for read-only backends)."""
        ...

    @property
    def quarantined(self) -> tuple[Quarantined, ...]:
        """Stored rows left out of reads because they cannot be served (empty when all are)."""
        ...


@runtime_checkable
class BulkReader(Protocol):
    """Whole layers and tables, for maps, rasters, statistics joins and analysis."""

    def collections(self) -> list[LayerMeta]:
        """Every layer's metadata, in catalog order."""
        ...

    def revision(self) -> int:
        """The data revision the frames belong to."""
        ...

    def statistics_revision(self) -> int:
        """The revision at which what the statistics records are built from last changed (cheap to ask).

        Those inputs are :attr:`statistics`, :attr:`entities` (and so :attr:`derived_statistics`)
        and the features that are statistics entities (their id is an ``entity`` of the statistics:
        their names and province). A committed write moves it to the new :meth:`revision` when it
        writes statistics or a feature whose id is a statistics entity; any other write may leave
        it, so what is built from those inputs alone (the statistics records of
        :class:`geo_industry.api.state.Prepared`) is kept across it. Constant for read-only backends.
        """
        ...

    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        """The whole layer joined with its latest actual statistics (read-only; a database streams it)."""
        ...

    def frame_batches(self, layer_id: str, *, size: int = BATCH_ROWS) -> Iterator[gpd.GeoDataFrame]:
        """The rows of :meth:`frame` in file order, ``size`` at a time, for consumers that need every row
        but not all at once (exports): a database reads one consistent snapshot through a cursor and holds
        one batch in memory. Every batch has the same columns; an empty layer yields one empty batch."""
        ...

    def geometry_types(self, layer_id: str) -> frozenset[str]:
        """The geometry types the layer's features have (``Point``, ``MultiPolygon`` …, with `` Z`` for
        3D ones; null geometries left out): what a file format's layer type is chosen from."""
        ...

    @property
    def statistics(self) -> pd.DataFrame:
        """The long statistics table (stored rows only)."""
        ...

    @property
    def entities(self) -> pd.DataFrame:
        """Statistics entities that are not features (admin units with vintage, organisations)."""
        ...

    @property
    def derived_statistics(self) -> pd.DataFrame:
        """Derived indicators: year-on-year growth, target attainment, share of province."""
        ...

    def entity_features(self, entities: Collection[str]) -> list[tuple[str, gpd.GeoDataFrame]]:
        """``(layer id, rows)`` of every layer: its features among ``entities`` (never a whole large layer)."""
        ...


@runtime_checkable
class FeatureStore(FeatureReader, BulkReader, Protocol):
    """A backend's reads, per request and in bulk."""

    def snapshot(self) -> FeatureStore:
        """A read view pinned at one revision (the store itself when its data never change).

        An in-memory view holds nothing and may be kept for as long as its revision is served.
        A database backend's view (PostGIS) holds a read-only transaction on a pooled connection: it
        is a :class:`HeldView`, used for the reads of one request or task and released (see
        :func:`pinned`). Reads of the store itself are each consistent, but two of them may see two
        revisions.
        """
        ...


@runtime_checkable
class HeldView(Protocol):
    """A snapshot holding a database resource (a transaction on a pooled connection) until released."""

    def release(self) -> None:
        """Let go of what the view holds (idempotent); its reads then fail."""
        ...


@contextmanager
def pinned(store: FeatureStore) -> Iterator[FeatureStore]:
    """A view of ``store`` pinned at one revision, for reads that must agree (a page and its count, a
    download's count and rows, a fact sheet's layers); a view holding a transaction is released on
    leaving the block (a view that ``store`` already is stays as it was)."""
    view = store.snapshot()
    try:
        yield view
    finally:
        if view is not store and isinstance(view, HeldView):
            view.release()


@runtime_checkable
class ZoneAssessable(Protocol):
    """A read view that can take the raster service's zone assessments (the in-memory engine's)."""

    def with_zone_assessments(self, assessments: Sequence[Any]) -> FeatureStore:
        """A view whose zone and cluster layers carry ``assessments`` as their analysis properties."""
        ...


@dataclass(frozen=True)
class FeatureRecord:
    """One feature as read, without a frame: its id, geometry (in ``crs``, x/y order: the CRS asked for
    when the store transformed it, else storage CRS84), JSON-ready properties (in the order and with the
    values the feature's frame row encodes to) and entity tag."""

    id: str
    geometry: Any
    properties: dict[str, Any]
    etag: str
    crs: SupportedCRS = CRS84


@dataclass(frozen=True)
class RecordPage(PageCounts):
    """A page of features as read, without a frame (as :class:`~geo_industry.models.FeaturePage` holds them in
    a frame): their ids, WKB geometries (in ``crs``, x/y order) and JSON-ready properties (those the query
    selected, in the order and with the values the page's frame rows encode to), and the paging counts."""

    layer: LayerMeta
    ids: list[str]
    geometries: list[bytes | None]
    properties: Sequence[dict[str, Any]]
    matched: int
    offset: int
    limit: int
    crs: SupportedCRS = CRS84
    last_key: SeekKey | None = None

    @property
    def number_returned(self) -> int:
        """How many features this page holds (OGC ``numberReturned``)."""
        return len(self.ids)


@runtime_checkable
class FeatureRecordSource(Protocol):
    """A store that reads features as records, without a frame (a database's): one feature with its entity
    tag in one statement, a page of a query with its count."""

    def record_page(self, layer_id: str, query: FeatureQuery) -> RecordPage:
        """The page :meth:`FeatureReader.query` reads (the same rows and ``numberMatched``) as records."""
        ...

    def feature_record(self, layer_id: str, feature_id: str, crs: SupportedCRS = CRS84) -> FeatureRecord:
        """The feature (its geometry in ``crs`` if the store transforms it: the record's ``crs`` says) and the
        tag of that same version (no write can land between the two); raises
        :class:`~geo_industry.errors.FeatureNotFound`."""
        ...


@runtime_checkable
class SlopeKeeper(Protocol):
    """A store that keeps the raster service's zone slopes itself and serves the zone analysis with them
    (a database every worker and every client reads: PostGIS)."""

    def keep_zone_slopes(self, revision: int, slopes: Sequence[Any]) -> bool:
        """Keep the zones' slopes (:class:`~geo_industry.raster.analysis.MeasuredSlope`) measured at
        ``revision`` and serve the analysis with them; whether anything changed (then the revision moved)."""
        ...


@runtime_checkable
class TileSource(Protocol):
    """A store that builds a layer's Mapbox Vector Tiles itself, equal to the in-memory encoder's."""

    def vector_tile(self, layer_id: str, tile: TileAddress, *, limit: int) -> VectorTile | None:
        """The MVT of the layer in ``tile`` holding at most ``limit`` features, or None to let the caller
        encode it from a query (e.g. a tile matrix set the store cannot project into)."""
        ...


@runtime_checkable
class Replicated(Protocol):
    """A store that reads from a replica (and from the primary while the replica lags)."""

    def read_routes(self) -> ReadRoutes | None:
        """Where reads go; ``None`` when no replica is set."""
        ...


@runtime_checkable
class InvestorFactSource(Protocol):
    """A store that holds the investor facts itself (PostGIS: ``db load`` stores them), so edits of them
    follow its revision; the others' come from the data folder's ``investor_facts.csv``."""

    def investor_facts(self) -> tuple[InvestorFact, ...]:
        """The investor facts, in file order."""
        ...


@runtime_checkable
class WritableStore(FeatureStore, Protocol):
    """A store that takes writes (OGC API - Features Part 4), with history, ETags and revisions.

    Every write is checked with the rules of ``geo-industry validate`` and is atomic (all or
    nothing); it records an audit entry and bumps :meth:`revision`. Replace, update and delete
    compare ``if_match`` with the feature's current :meth:`feature_etag`.
    """

    def feature_etag(self, layer_id: str, feature_id: str) -> str:
        """The strong entity tag of the feature's current stored version; raises ``FeatureNotFound``."""
        ...

    def create_features(self, layer_id: str, features: list[Mapping[str, Any]], *, actor: str,
                        repair: bool = False) -> list[str]:
        """Add features in one transaction (ids from ``id`` or ``properties.id``); returns the ids."""
        ...

    def replace_feature(self, layer_id: str, feature_id: str, feature: Mapping[str, Any], *, actor: str,
                        if_match: str | None = None, repair: bool = False) -> str:
        """Replace a feature whole; returns the new ETag."""
        ...

    def update_feature(self, layer_id: str, feature_id: str, patch: Mapping[str, Any], *, actor: str,
                       if_match: str | None = None, repair: bool = False) -> str:
        """Apply a JSON merge patch (RFC 7396); returns the new ETag."""
        ...

    def delete_feature(self, layer_id: str, feature_id: str, *, actor: str, if_match: str | None = None) -> None:
        """Delete a feature (its statistics rows must be removed first)."""
        ...

    def write_statistics(self, rows: pd.DataFrame, *, actor: str, mode: str = "add") -> int:
        """Add (or, with ``mode='replace'``, overwrite) statistics rows; returns the count."""
        ...

    def add_layer(self, meta: LayerMeta, features: list[dict[str, Any]], *, actor: str,
                  repair: bool = False) -> None:
        """Add a new layer with its features (GeoJSON dicts in storage CRS)."""
        ...

    def history(self, *, layer_id: str | None = None, feature_id: str | None = None,
                limit: int = 100) -> list[AuditEntry]:
        """Recorded changes, newest first, optionally of one layer or feature."""
        ...

    def export_data(self, out_dir: Path) -> list[Path]:
        """Write the store in the ``data/`` layout for review; returns the files written."""
        ...
