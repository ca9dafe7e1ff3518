"""The in-memory query engine both the embedded and the SQLite backends serve from.

Each layer becomes a GeoDataFrame (joined with its latest actual statistics) and a shapely
STRtree; queries select row positions with the tree and vectorised masks, then cut their page.
Zone and cluster layers get the computed analysis properties (``dist_*_km``,
``suitability_score`` …, :mod:`geo_industry.raster.properties`) as declared fields, computed
when a zone layer is first read, or taken from the raster service's assessments (with the DEM's
slope) in a view made by :meth:`MemoryStore.with_zone_assessments`. The backends only load
the frames: the embedded one from the files of ``data/`` (:mod:`geo_industry.store.embedded`),
the SQLite one from one read transaction per revision (:mod:`geo_industry.store.sqlite`); neither imports the other.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from geo_industry import statistics as stats_mod
from geo_industry.catalog import Catalog
from geo_industry.cql import FilterEvaluator
from geo_industry.crs import CRS84, METRIC_CRS, SupportedCRS, frame_in_crs, transform_geometries
from geo_industry.errors import DataError, FeatureNotFound
from geo_industry.json_values import OUT_OF_RANGE, int64_column
from geo_industry.models import FeaturePage, FeatureQuery, LayerMeta, SeekKey
from geo_industry.raster.analysis import ZoneAssessment
from geo_industry.raster.properties import ZONE_LAYERS, with_analysis_fields, with_zone_analysis
from geo_industry.selection import sort_positions, year_mask
from geo_industry.store.base import BATCH_ROWS, Quarantined

logger = logging.getLogger(__name__)

STORAGE_CRS = "OGC:CRS84"
_JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}
LEGACY_PROVINCE = {"lao_cai": "admin:10:pre-2025-07-01", "yen_bai": "admin:15:pre-2025-07-01"}
MERGED_PROVINCE = "admin:15:2025-07-01"


@dataclass
class _Layer:
    meta: LayerMeta
    frame: gpd.GeoDataFrame
    tree: shapely.STRtree
    positions_by_id: dict[str, int]
    queryables: dict[str, str]
    schema: dict[str, str]
    ordinals: np.ndarray | None
    """Each row's stable ordinal (increasing in row order, kept across deletes); ``None``: the row numbers."""

    def ordinal(self, row: int) -> int:
        """The stable ordinal of row ``row``: the ``position`` of its seek key."""
        return row if self.ordinals is None else int(self.ordinals[row])

    def first_row_after(self, ordinal: int) -> int:
        """The first row whose ordinal follows ``ordinal`` (a binary search; the row count if none)."""
        if self.ordinals is None:
            return max(ordinal + 1, 0)
        return int(np.searchsorted(self.ordinals, ordinal, side="right"))


def geometry_types_of(geometries: gpd.GeoSeries) -> frozenset[str]:
    """The types of the present geometries of ``geometries``, `` Z`` appended for 3D ones (empty ones are 2D)."""
    present = geometries[geometries.notna()]
    solid = ~present.is_empty & present.has_z
    return frozenset(f"{kind} Z" if z else kind for kind, z in zip(present.geom_type, solid, strict=True))


def typed_frame(frame: gpd.GeoDataFrame, meta: LayerMeta, *, source: str) -> gpd.GeoDataFrame:
    """Give each declared field its type (lists as lists, integers as Int64); check ids."""
    if frame.crs is None or not frame.crs.equals("EPSG:4326"):
        frame = frame.set_crs("EPSG:4326", allow_override=True)
    for spec in meta.fields:
        if spec.name not in frame.columns:
            frame[spec.name] = None
            continue
        frame[spec.name] = _typed_column(frame[spec.name], spec.type, source=source, name=spec.name)
    if "id" not in frame.columns or frame["id"].isna().any():
        raise DataError(f"{source}: every feature needs an 'id' property")
    frame["id"] = frame["id"].astype(str)
    return frame


def _typed_column(column: pd.Series, kind: str, *, source: str, name: str) -> pd.Series:
    if kind == "integer":  # one past 64 bits (refused by writes and ``validate``, stored before) served empty
        typed, beyond = int64_column(column)
        if beyond:
            logger.warning("%s: field %s holds %d %s; served empty", source, name, beyond, OUT_OF_RANGE)
        return typed
    if kind == "number":
        return pd.to_numeric(column, errors="coerce").astype(float)
    if kind == "array":
        return column.map(_as_list)
    if kind == "object":
        return column.map(lambda v: orjson.loads(v) if isinstance(v, str) else (None if _is_na(v) else v))
    if kind == "boolean":
        return column.astype("boolean")
    return column.astype(object).where(column.notna(), None)


def _as_list(value: Any) -> list[Any] | None:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, str):
        return orjson.loads(value) if value.startswith("[") else [value]
    if isinstance(value, list):
        return value
    return None


def _is_na(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _column_type(column: pd.Series) -> str:
    dtype = column.dtype
    return "integer" if str(dtype) == "Int64" else "number" if dtype.kind == "f" else "string"


def _queryables(frame: gpd.GeoDataFrame, meta: LayerMeta) -> dict[str, str]:
    out = {spec.name: _JSON_TYPES[spec.type] for spec in meta.fields if spec.type in _JSON_TYPES}
    for column in frame.columns:
        if column.startswith("latest_") and column not in out:
            out[column] = _column_type(frame[column])
    out["id"] = "string"
    out["geometry"] = "geometry"
    return out


def _schema(frame: gpd.GeoDataFrame, meta: LayerMeta, queryables: dict[str, str]) -> dict[str, str]:
    """Every property a feature carries: the declared fields, the joined statistics, any other column."""
    declared = {spec.name: spec.type for spec in meta.fields}
    out = {"id": "string"}
    for column in frame.columns:
        if column != frame.geometry.name:
            out[str(column)] = declared.get(column) or queryables.get(column) or _column_type(frame[column])
    return out


def _page_start(positions: np.ndarray, query: FeatureQuery, layer: _Layer) -> int:
    """Where the page begins among the selected ``positions`` (row numbers, file order without ``sortby``): after
    the query's seek key, else at its offset.

    The key's ``position`` is a stable ordinal (:attr:`_Layer.ordinals`), so a page seeks exactly even when the
    key's feature and features before it were deleted since: two binary searches, ordinal → row → selection.
    """
    if query.after is None:
        return min(query.offset, len(positions))
    return int(np.searchsorted(positions, layer.first_row_after(query.after.position), side="left"))


class MemoryStore:
    """A :class:`~geo_industry.store.base.FeatureStore` over layer frames held in memory (read-only)."""

    #: files that load are served whole; nothing is left out
    quarantined: tuple[Quarantined, ...] = ()

    def __init__(self, catalog: Catalog, frames: dict[str, gpd.GeoDataFrame], statistics: pd.DataFrame,
                 entities: pd.DataFrame, *, ordinals: dict[str, np.ndarray | None] | None = None) -> None:
        """``ordinals``: per layer, its rows' stable ordinals in row order (strictly increasing; a layer not named
        or named with ``None`` numbers its rows 0, 1, … as files that take no writes do)."""
        catalog = Catalog([with_analysis_fields(meta) for meta in catalog])
        self.catalog = catalog
        self._statistics = statistics
        self.entities = entities
        self._derived = stats_mod.derived_indicators(statistics, province_of=self._province_of(frames))
        self._latest = stats_mod.latest_actuals(statistics)
        self._frames = frames
        self._ordinals = ordinals or {}
        self._zone_lock = threading.Lock()
        self._assessments: Sequence[ZoneAssessment] | None = None
        self._layers = {
            layer_id: self._index(catalog.get(layer_id), frame, self._latest, self._ordinals.get(layer_id))
            for layer_id, frame in frames.items() if layer_id not in ZONE_LAYERS
        }

    @staticmethod
    def _province_of(frames: dict[str, gpd.GeoDataFrame]) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for frame in frames.values():
            former = frame["former_province"] if "former_province" in frame else pd.Series(index=frame.index)
            for feature_id, province in zip(frame["id"], former, strict=True):
                legacy = LEGACY_PROVINCE.get(str(province))
                out[feature_id] = (legacy, MERGED_PROVINCE) if legacy else (MERGED_PROVINCE,)
        return out

    @staticmethod
    def _index(meta: LayerMeta, frame: gpd.GeoDataFrame, latest: pd.DataFrame,
               ordinals: np.ndarray | None) -> _Layer:
        if not latest.empty:
            joined = latest.reindex(frame["id"]).dropna(axis=1, how="all")
            joined.index = frame.index
            frame = frame.join(joined)
        frame = frame.reset_index(drop=True)
        positions = {feature_id: i for i, feature_id in enumerate(frame["id"])}
        if len(positions) != len(frame):
            raise DataError(f"layer {meta.id}: feature ids are not unique")
        if ordinals is not None and (len(ordinals) != len(frame) or (np.diff(ordinals) <= 0).any()):
            logger.warning("layer %s: stored positions are not one strictly increasing number per row; "
                           "pages seek by row number", meta.id)
            ordinals = None
        tree = shapely.STRtree(np.asarray(frame.geometry.array))
        queryables = _queryables(frame, meta)
        return _Layer(meta, frame, tree, positions, queryables, _schema(frame, meta, queryables), ordinals)

    # contract --------------------------------------------------------------------------
    def collections(self) -> list[LayerMeta]:
        """Every layer's metadata in catalog order."""
        return [meta for meta in self.catalog if meta.id in self._frames]

    def collection(self, layer_id: str) -> LayerMeta:
        """One layer's metadata."""
        return self.catalog.get(layer_id)

    def _layer(self, layer_id: str) -> _Layer:
        self.catalog.get(layer_id)
        layer = self._layers.get(layer_id)
        if layer is None and layer_id in ZONE_LAYERS and layer_id in self._frames:
            self._analyse_zones()
            layer = self._layers.get(layer_id)
        if layer is None:
            raise KeyError(layer_id)
        return layer

    def _analyse_zones(self) -> None:
        """Index the zone layers with their analysis columns, once, when a zone layer is first read.

        Writes that never touch a zone layer's reader (statistics, border gates …) then cost no
        analysis: a snapshot of the editable store computes it only if a request needs it.
        """
        with self._zone_lock:
            if all(layer_id in self._layers for layer_id in ZONE_LAYERS if layer_id in self._frames):
                return
            frames, _ = with_zone_analysis(self._frames, {meta.id: meta for meta in self.catalog},
                                           assessments=self._assessments)
            for layer_id in ZONE_LAYERS:
                if layer_id in self._frames:
                    self._layers[layer_id] = self._index(self.catalog.get(layer_id), frames[layer_id], self._latest,
                                                         self._ordinals.get(layer_id))

    def with_zone_assessments(self, assessments: Sequence[ZoneAssessment]) -> MemoryStore:
        """A view of this store whose zone layers carry ``assessments`` (the raster service's, with
        the DEM's slope, for this revision) as their analysis properties; other layers are shared."""
        view = copy.copy(self)
        view.catalog = Catalog([with_analysis_fields(meta, with_slope=True) for meta in self.catalog])
        view._layers = {k: v for k, v in self._layers.items() if k not in ZONE_LAYERS}
        view._zone_lock = threading.Lock()
        view._assessments = list(assessments)
        return view

    def queryables(self, layer_id: str) -> dict[str, str]:
        """Property name → JSON type for filters and sortby."""
        return dict(self._layer(layer_id).queryables)

    def schema(self, layer_id: str) -> dict[str, str]:
        """Property name → JSON type of every property a feature carries."""
        return dict(self._layer(layer_id).schema)

    def count(self, layer_id: str) -> int:
        """How many features the layer holds."""
        return len(self._layer(layer_id).frame)

    def extent(self, layer_id: str) -> tuple[tuple[float, float, float, float] | None, tuple[int | None, int | None]]:
        """Bbox of present geometries and the temporal field's year range."""
        layer = self._layer(layer_id)
        present = layer.frame.geometry[~layer.frame.geometry.isna()]
        bbox = tuple(float(v) for v in present.total_bounds) if len(present) else None
        years: tuple[int | None, int | None] = (None, None)
        field = layer.meta.temporal_field
        if field and field in layer.frame and layer.frame[field].notna().any():
            column = layer.frame[field].dropna()
            years = (int(column.min()), int(column.max()))
        return bbox, years  # type: ignore[return-value]

    def revision(self) -> int:
        """The data revision: files loaded once never change, so always 0."""
        return 0

    def statistics_revision(self) -> int:
        """The revision the statistics inputs last changed at: files loaded once never change, so always 0."""
        return 0

    def snapshot(self) -> MemoryStore:
        """The store itself: its data never change."""
        return self

    def feature_etag(self, layer_id: str, feature_id: str) -> str | None:
        """No ETag: the files take no writes, so there is nothing for ``If-Match`` to guard."""
        self.get(layer_id, feature_id)
        return None

    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        """The whole joined layer (do not modify it)."""
        return self._layer(layer_id).frame

    def frame_batches(self, layer_id: str, *, size: int = BATCH_ROWS) -> Iterator[gpd.GeoDataFrame]:
        """Slices of the frame held in memory (an empty layer: one empty slice; a bad id raises at once)."""
        frame = self.frame(layer_id)
        return (frame.iloc[start : start + size] for start in range(0, max(len(frame), 1), size))

    def geometry_types(self, layer_id: str) -> frozenset[str]:
        """The geometry types of the layer's present geometries (`` Z`` appended for 3D ones)."""
        return geometry_types_of(self.frame(layer_id).geometry)

    def get(self, layer_id: str, feature_id: str, crs: SupportedCRS = CRS84) -> gpd.GeoDataFrame:
        """One feature as a one-row frame, its geometry in ``crs``."""
        layer = self._layer(layer_id)
        position = layer.positions_by_id.get(feature_id)
        if position is None:
            raise FeatureNotFound(f"no feature '{feature_id}' in collection '{layer_id}'")
        return frame_in_crs(layer.frame.iloc[[position]].reset_index(drop=True), crs)

    def query(self, layer_id: str, query: FeatureQuery) -> FeaturePage:
        """Select, sort and page features."""
        layer = self._layer(layer_id)
        positions = self._select(layer, query)
        positions = self._sort(layer, positions, query)
        page = positions[_page_start(positions, query, layer):][:query.limit]
        last_key = None
        if len(page) and not query.sortby:  # default order: the next page seeks after the last row
            last_key = SeekKey(layer.ordinal(int(page[-1])), str(layer.frame["id"].iat[page[-1]]))
        return FeaturePage(layer.meta, layer.frame.iloc[page].reset_index(drop=True), matched=len(positions),
                           offset=query.offset, limit=query.limit, last_key=last_key)

    @property
    def statistics(self) -> pd.DataFrame:
        """The stored statistics rows."""
        return self._statistics

    @property
    def derived_statistics(self) -> pd.DataFrame:
        """Derived indicators (growth, target attainment, share of province)."""
        return self._derived

    def series(self, entity: str) -> pd.DataFrame:
        """Stored and derived rows of one entity."""
        both = pd.concat([self._statistics, self._derived], ignore_index=True)
        return stats_mod.series_for(both, entity)

    def entity_features(self, entities: Collection[str]) -> list[tuple[str, gpd.GeoDataFrame]]:
        """Each layer's features among ``entities``."""
        wanted = set(entities)
        out = []
        for meta in self.collections():
            frame = self.frame(meta.id)
            out.append((meta.id, frame[frame["id"].isin(wanted)]))
        return out

    # query steps -----------------------------------------------------------------------
    def _select(self, layer: _Layer, query: FeatureQuery) -> np.ndarray:
        frame = layer.frame
        if query.bbox is not None:
            box = shapely.box(*query.bbox)
            mask = np.zeros(len(frame), dtype=bool)
            mask[layer.tree.query(box, predicate="intersects")] = True
        else:
            mask = np.ones(len(frame), dtype=bool)
        if query.datetime is not None:
            mask &= self._temporal_mask(layer, query)
        if query.filter is not None and mask.any():
            evaluator = FilterEvaluator(frame, tree=layer.tree, queryables=layer.queryables,
                                        metric=lambda g: transform_geometries(g, STORAGE_CRS, METRIC_CRS))
            mask &= evaluator.mask(query.filter)
        return np.flatnonzero(mask)

    @staticmethod
    def _temporal_mask(layer: _Layer, query: FeatureQuery) -> np.ndarray:
        field = layer.meta.temporal_field
        assert query.datetime is not None
        if not field:
            return np.ones(len(layer.frame), dtype=bool)
        if field not in layer.frame:  # a temporal field the layer lacks: no feature has a year
            return np.zeros(len(layer.frame), dtype=bool)
        return year_mask(layer.frame[field], query.datetime)

    @staticmethod
    def _sort(layer: _Layer, positions: np.ndarray, query: FeatureQuery) -> np.ndarray:
        return sort_positions(layer.frame, positions, query.sortby, layer.queryables,
                              collection=f"collection '{layer.meta.id}'")
