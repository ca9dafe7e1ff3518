"""The application's state, typed: one :class:`AppState` per app, resolved per request.

``create_app`` builds the :class:`AppState` (settings, conformance classes, worker pools) and
keeps it as ``app.state.app``, the one attribute of Starlette's untyped state it uses; the
lifespan opens the store and the raster service into it. Everything reads it through
:func:`state_of` (dependencies: ``deps.get_app_state``).

What is prepared from the store for one data version (the store's read view, the encoder's
fragment cache, the statistics records and when they were loaded) travels together in one
:class:`Prepared`, swapped in whole when the store's revision changes (an editable backend
bumps it on every committed write; the embedded files never change). A request resolves it once
(``deps.get_prepared``) and reads everything from it, so it never mixes two versions of the
data while writes land. Preparing a revision costs what the write changed: the statistics
records are built again only when the store's statistics revision moved (statistics written, or
a feature that is a statistics entity), else the previous revision's are kept, so a feature write
to any other layer is served by every worker within milliseconds.

The zones' analysis properties (``mean_slope_deg``, ``suitability_score`` …) follow the raster
service: once it has assessed the prepared revision with a DEM's slope, the revision is prepared
again over a view of the store holding the service's assessments, so every format, filter and
sortby serves the score ``/analysis/rankings`` gives (until then, and without a DEM, the
store's own assessment, without slope). A store that keeps the slopes itself (PostGIS, whose
columns every worker and client reads: :class:`~geo_industry.store.SlopeKeeper`) is given them
once the service has measured them, and serves the analysis from its own columns. After an edit,
a DEM-reading service is updated in the background (:meth:`RasterState.refresh`). The response
cache's key says which of the two it is.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.applications import Starlette

from geo_industry.api.pools import WorkPools
from geo_industry.geojson import MAX_CACHED_FRAGMENTS, FeatureEncoder
from geo_industry.keys import ApiKeys, HoldsApiKeys, KeyStore
from geo_industry.raster.analysis import ZoneAssessment
from geo_industry.raster.service import RasterService
from geo_industry.records import StatisticsRecords
from geo_industry.settings import Settings
from geo_industry.store import BulkReader, FeatureStore, HeldView, SlopeKeeper, WritableStore, ZoneAssessable, pinned
from geo_industry.store.slope_writer import SlopeWriter

if TYPE_CHECKING:
    from geo_industry.maps.data import MapData

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """One data version: an immutable read view of the store and what was built from it."""

    data_version: int
    store: FeatureStore
    """What requests read: the snapshot of ``data_version`` when it holds nothing (in-memory data), else the
    store itself (a database; its reads may see a later revision, and requests pin a view where it matters)."""
    encoder: FeatureEncoder
    records: StatisticsRecords
    loaded_at: str
    rasters_assessed: bool = False
    """Whether the raster service had assessed this revision with a DEM's slope when it was prepared
    (then the zones carry its assessments, on every store that takes them: the in-memory ones)."""
    statistics_revision: int = 0
    """The store's statistics revision the records were built at (:meth:`BulkReader.statistics_revision`)."""

    @classmethod
    def of(cls, store: FeatureStore, rasters: RasterState | None = None, *,
           previous: Prepared | None = None, feature_cache_size: int = MAX_CACHED_FRAGMENTS) -> Prepared:
        """Pin the store's current snapshot and build the encoder and the records from it (one revision's).

        When ``rasters`` has assessed the snapshot's revision with a DEM's slope, the zone layers
        carry those assessments (see the module's docstring). The records of ``previous`` (what
        was prepared before, from the same store) are kept when the statistics revision has not
        moved since. Only the features that are statistics entities are read (for their names),
        never whole layers: a database backend may hold layers of millions of features. The encoder
        keeps at most ``feature_cache_size`` encoded features.
        """
        with pinned(store) as view:
            revision = view.revision()
            assessments = None if rasters is None else rasters.sloped_assessments(revision)
            if assessments is not None and isinstance(view, ZoneAssessable):
                view = view.with_zone_assessments(assessments)
            statistics_revision = view.statistics_revision()
            if previous is not None and previous.statistics_revision == statistics_revision:
                records = previous.records
            else:
                records = statistics_records(view)
        # a view holding a database transaction served this preparation only: requests read the store itself,
        # each pinning its own view where its reads must agree (store.pinned)
        served = store if isinstance(view, HeldView) else view
        return cls(revision, served, FeatureEncoder(feature_cache_size), records,
                   datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                   rasters_assessed=assessments is not None, statistics_revision=statistics_revision)


def statistics_records(view: BulkReader) -> StatisticsRecords:
    """The statistics records of ``view``: its stored and derived statistics, named after its entities."""
    statistics = view.statistics
    return StatisticsRecords.from_tables(
        statistics, view.derived_statistics, entities=view.entities,
        features=view.entity_features(set(statistics["entity"])),
    )


class RasterState:
    """The app's raster service and the thread building it."""

    def __init__(self, service: RasterService) -> None:
        """Hold ``service``; call :meth:`start` to build it."""
        self.service = service
        self.error: BaseException | None = None
        self.slope_writer = SlopeWriter()
        """Hands the measured slopes to a store that keeps them (a failed write is retried in the background)."""
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    def start(self, store: BulkReader, *, then: Callable[[], None] | None = None) -> None:
        """Build the products and analysis for ``store`` in a background thread, then call ``then``
        (if the build succeeded)."""
        def run() -> None:
            try:
                self._update(store)
            except Exception as exc:  # reported to every raster request, logged once here
                logger.exception("raster build failed")
                self.error = exc
                return
            if then is not None:
                then()

        self._thread = threading.Thread(target=run, name="raster-build", daemon=True)
        self._thread.start()

    def refresh(self, store: BulkReader) -> None:
        """Update a DEM-reading service in the background when ``store`` has moved past it (an edit),
        so the zones' slope follows without waiting for a raster request; no-op while a build runs
        and after a failed one (the raster routes report it)."""
        if self.service.dem_path is None or self.error is not None or self.is_current(store):
            return
        with self._starting:
            if self._thread is None or not self._thread.is_alive():
                self.start(store)

    def sloped_assessments(self, revision: int) -> Sequence[ZoneAssessment] | None:
        """The service's zone assessments of ``revision`` if built with a DEM's slope (never waits)."""
        return self.service.sloped_assessments(revision)

    def is_current(self, store: BulkReader) -> bool:
        """Whether the service is built for ``store``'s revision (no waiting, no building)."""
        return self.service.result is not None and store.revision() == self.service.revision

    def ready(self, store: BulkReader) -> RasterService:
        """Wait for the start-up build, then update if the store changed (blocking: run in a worker)."""
        if self._thread is not None:
            self._thread.join()
        if self.error is not None:
            raise self.error
        if store.revision() != self.service.revision:
            self._update(store)
        return self.service

    def _update(self, store: BulkReader) -> None:
        """Update the service for ``store``, and give a store that keeps the zones' slopes the new ones."""
        if self.service.update(store) and isinstance(store, SlopeKeeper):
            revision = self.service.revision
            slopes = self.service.measured_slopes(revision)
            if slopes is None or not isinstance(revision, int):
                return
            self.slope_writer.keep(store, revision, slopes)  # never raises: the rasters stand without it

    def close(self) -> None:
        """Wait for a running build and close the readers."""
        if self._thread is not None:
            self._thread.join()
        self.slope_writer.close()
        self.service.close()


@dataclass
class AppState:
    """What the app keeps between requests.

    ``store`` is the backend as opened (writes go to it); ``writable`` is the same object when
    it takes writes, else ``None``. Readers use :meth:`current` (one revision's snapshot).
    ``map_data`` caches the maps' data keyed on the data revision it was built from.
    """

    settings: Settings
    conformance: list[str]
    work_pools: WorkPools
    store: FeatureStore | None = None
    writable: WritableStore | None = None
    rasters: RasterState | None = None
    api_keys: ApiKeys | None = None
    map_data: tuple[object, MapData] | None = None
    _prepared: Prepared | None = field(default=None, repr=False)
    _preparing: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def open(self, store: FeatureStore) -> None:
        """Serve ``store`` and prepare its current revision."""
        self.store = store
        self.writable = store if isinstance(store, WritableStore) else None
        self._prepared = Prepared.of(store, self.rasters, feature_cache_size=self.settings.feature_cache_size)

    def opened(self) -> FeatureStore:
        """The open store (the lifespan opens it before the first request)."""
        if self.store is None:
            raise RuntimeError("the store is not open: run the app with its lifespan")
        return self.store

    def current(self) -> Prepared:
        """What is prepared for the store's current revision, preparing it again if the data changed
        or the raster service has since assessed it with a DEM's slope (blocking: a worker thread
        runs it; threads asking at once wait for one preparation)."""
        prepared = self.prepared_if_current()
        if prepared is not None:
            return prepared
        with self._preparing:
            prepared = self.prepared_if_current()
            if prepared is None:
                prepared = self._prepared = Prepared.of(self.opened(), self.rasters, previous=self._prepared,
                                                        feature_cache_size=self.settings.feature_cache_size)
                self._refresh_rasters(prepared)
        return prepared

    def _refresh_rasters(self, prepared: Prepared) -> None:
        """Start updating a DEM-reading raster service past an edit (in the background; never waits)."""
        if not prepared.rasters_assessed and self.rasters is not None:
            self.rasters.refresh(self.opened())

    def prepared_if_current(self) -> Prepared | None:
        """What is prepared, if it is for the store's current revision (else ``None``: :meth:`current`); never waits."""
        prepared = self._prepared
        revision = self.opened().revision()
        if (prepared is None or revision != prepared.data_version
                or (not prepared.rasters_assessed and self._sloped(revision))):
            return None
        self._refresh_rasters(prepared)
        return prepared

    def _sloped(self, revision: int) -> bool:
        return self.rasters is not None and self.rasters.sloped_assessments(revision) is not None

    def data_version(self) -> tuple[int, bool]:
        """The store's revision (0 before the store is open) and whether the zones' analysis has the
        DEM's slope, for the response cache's keys."""
        if self.store is None:
            return 0, False
        revision = self.store.revision()
        return revision, self._sloped(revision)

    def writable_store(self) -> WritableStore:
        """The store writes go to; only the write routes ask, and they exist only over a writable store."""
        if self.writable is None:
            raise RuntimeError(f"{type(self.store).__name__} takes no writes")
        return self.writable

    def keys(self) -> KeyStore:
        """The API keys writes are checked against: the store's own when it keeps them (PostGIS), else the
        ones installed with editing."""
        if isinstance(self.store, HoldsApiKeys):
            return self.store.api_keys()
        if self.api_keys is None:
            raise RuntimeError("API keys are installed with editing (settings.editing)")
        return self.api_keys


def state_of(app: Starlette) -> AppState:
    """The app's typed state."""
    state: AppState = app.state.app
    return state
