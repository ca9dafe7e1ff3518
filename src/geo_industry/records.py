"""The output statistics as a non-spatial collection of records (OGC ``itemType: record``).

Stored and derived statistics rows become records with a stable, URL-safe id. They are
queried like a layer — ``datetime`` on the year, CQL2 through the same vectorised
:class:`~geo_industry.cql.FilterEvaluator`, ``sortby``, paging — and come back as a
:class:`~geo_industry.models.FeaturePage` whose frame has null geometries, so the GeoJSON
encoder and the exporters treat records like features.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_industry.cql import FilterEvaluator
from geo_industry.errors import FeatureNotFound, InvalidFilter
from geo_industry.models import Bilingual, FeaturePage, FeatureQuery, FieldSpec, LayerMeta
from geo_industry.selection import sort_positions, year_mask
from geo_industry.statistics import OPTIONAL_COLUMNS, STAT_COLUMNS, records

STATISTICS_ID = "statistics"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.~-]+")


def _field(name: str, kind: str, vi: str, en: str) -> FieldSpec:
    return FieldSpec(name=name, type=kind, title=Bilingual(vi=vi, en=en))  # type: ignore[arg-type]


RECORD_FIELDS: tuple[FieldSpec, ...] = (
    _field("id", "string", "Mã bản ghi", "Record id"),
    _field("indicator", "string", "Chỉ tiêu", "Indicator"),
    _field("entity", "string", "Đối tượng", "Entity"),
    _field("entity_name_vi", "string", "Tên đối tượng", "Entity name (Vietnamese)"),
    _field("entity_name_en", "string", "Tên đối tượng (tiếng Anh)", "Entity name (English)"),
    _field("entity_collection", "string", "Lớp của đối tượng", "Entity collection"),
    _field("year", "integer", "Năm", "Year"),
    _field("period", "string", "Kỳ", "Period"),
    _field("value", "number", "Giá trị", "Value"),
    _field("unit", "string", "Đơn vị", "Unit"),
    _field("basis", "string", "Loại số liệu", "Basis"),
    _field("price_basis", "string", "Giá so sánh", "Price basis"),
    _field("source", "string", "Nguồn", "Source"),
    _field("note", "string", "Ghi chú", "Note"),
    _field("derivation", "string", "Cách tính (số liệu tính toán)",
           "How a computed figure was computed (null: printed by the source)"),
    _field("variant", "integer", "Phương án", "Variant"),
    _field("derived", "boolean", "Số liệu suy ra", "Derived"),
)

STATISTICS_META = LayerMeta(
    id=STATISTICS_ID,
    title=Bilingual(vi="Số liệu thống kê sản xuất", en="Output statistics"),
    description=Bilingual(
        vi="Chuỗi số liệu theo năm (thực hiện, kế hoạch, ước tính) của các cơ sở, đơn vị hành chính "
           "và tổ chức, cùng các chỉ tiêu suy ra (tăng trưởng, tỷ lệ hoàn thành kế hoạch, tỷ trọng).",
        en="Yearly series (actual, target, estimate) of sites, administrative units and organisations, "
           "with derived indicators (growth, target attainment, share of province).",
    ),
    keywords=["statistics", "thống kê"],
    geometry_type="None",
    licence="see each record's source",
    attribution="geo-industry research notes",
    temporal_field="year",
    fields=list(RECORD_FIELDS),
)


def _record_ids(rows: pd.DataFrame) -> list[str]:
    """Readable ids ``indicator.entity.year.period.basis[.vN]``, made unique by a ``-2`` suffix."""
    ids: list[str] = []
    seen: dict[str, int] = {}
    for row in rows.itertuples(index=False):
        year = "na" if pd.isna(row.year) else str(int(row.year))
        parts = [row.indicator, row.entity.replace(":", "_"), year, row.period or "na", row.basis]
        if row.variant:
            parts.append(f"v{int(row.variant)}")
        base = _UNSAFE.sub("-", ".".join(str(p) for p in parts))
        count = seen.get(base, 0) + 1
        seen[base] = count
        ids.append(base if count == 1 else f"{base}-{count}")
    return ids


def _has_spatial(node: Any) -> bool:
    """Whether a CQL2 JSON filter uses a spatial function (``s_*``)."""
    if isinstance(node, dict):
        if str(node.get("op", "")).lower().startswith("s_"):
            return True
        return any(_has_spatial(arg) for arg in node.get("args", []))
    if isinstance(node, list):
        return any(_has_spatial(item) for item in node)
    return False


class StatisticsRecords:
    """Stored and derived statistics as one queryable, pageable record collection."""

    meta = STATISTICS_META

    def __init__(self, frame: gpd.GeoDataFrame) -> None:
        self.frame = frame.reset_index(drop=True)
        self._positions = {record_id: i for i, record_id in enumerate(self.frame["id"])}
        self._tree = shapely.STRtree(np.asarray(self.frame.geometry.array))
        self._queryables = {spec.name: spec.type for spec in RECORD_FIELDS}
        columns = [c for c in self.frame.columns if c != self.frame.geometry.name]
        rows = records(self.frame[columns])
        self._series: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            self._series.setdefault(str(row["entity"]), []).append(row)

    @classmethod
    def from_tables(cls, stored: pd.DataFrame, derived: pd.DataFrame, *, entities: pd.DataFrame,
                    features: Iterable[tuple[str, pd.DataFrame]]) -> StatisticsRecords:
        """Build the records from the stored and derived tables.

        ``features`` yields ``(layer_id, frame)`` pairs; they name the entities that are
        features (``entity_collection``), ``entities`` names the others.
        """
        rows = pd.concat([stored.assign(derived=False), derived.assign(derived=True)], ignore_index=True)
        rows = rows.reindex(columns=[*STAT_COLUMNS, *OPTIONAL_COLUMNS, "variant", "derived"]).sort_values(
            ["indicator", "entity", "year", "period", "basis", "variant"], kind="stable", na_position="last"
        )
        names = cls._entity_names(entities, features)
        frame = pd.DataFrame({"id": _record_ids(rows)})
        frame["indicator"] = rows["indicator"].astype(object).to_numpy()
        frame["entity"] = rows["entity"].astype(object).to_numpy()
        frame = frame.join(names, on="entity")
        for column in ("year", "period", "value", "unit", "basis", "price_basis", "source", "note", "derivation",
                       "variant", "derived"):
            frame[column] = rows[column].to_numpy()
        frame["year"] = pd.array(frame["year"], dtype="Int64")
        frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
        frame["variant"] = pd.array(frame["variant"], dtype="Int64")
        frame["derived"] = frame["derived"].astype(bool)
        for column in ("period", "unit", "basis", "price_basis", "source", "note", "derivation"):
            frame[column] = frame[column].astype(object).where(frame[column].notna() & (frame[column] != ""), None)
        geometry = gpd.GeoSeries([None] * len(frame), crs="EPSG:4326")
        return cls(gpd.GeoDataFrame(frame, geometry=geometry))

    @staticmethod
    def _entity_names(entities: pd.DataFrame, features: Iterable[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
        parts = [entities.reindex(columns=["entity", "name_vi", "name_en"]).assign(collection=None)]
        for layer_id, frame in features:
            named = frame.reindex(columns=["id", "name_vi", "name_en"]).rename(columns={"id": "entity"})
            parts.append(named.assign(collection=layer_id))
        names = pd.concat(parts, ignore_index=True).drop_duplicates("entity").set_index("entity")
        names = names.astype(object).where(names.notna() & (names != ""), None)
        return names.rename(columns={"name_vi": "entity_name_vi", "name_en": "entity_name_en",
                                     "collection": "entity_collection"})

    # the same contract as a store layer ---------------------------------------------------
    def queryables(self) -> dict[str, str]:
        """Property name → JSON type for filters and sortby (records have no geometry)."""
        return dict(self._queryables)

    def schema(self) -> dict[str, str]:
        """Property name → JSON type of every property a record carries."""
        return {name: self._queryables.get(name, "string") for name in self.frame.columns
                if name != self.frame.geometry.name}

    def count(self) -> int:
        """How many records there are."""
        return len(self.frame)

    def extent(self) -> tuple[int | None, int | None]:
        """First and last year of the records."""
        years = self.frame["year"].dropna()
        return (int(years.min()), int(years.max())) if len(years) else (None, None)

    def series(self, entity: str) -> list[dict[str, Any]]:
        """Every record (stored and derived) of one entity, JSON-ready, prepared once at load."""
        return self._series.get(entity, [])

    def get(self, record_id: str) -> gpd.GeoDataFrame:
        """One record as a one-row frame; raises :class:`FeatureNotFound`."""
        position = self._positions.get(record_id)
        if position is None:
            raise FeatureNotFound(f"no record '{record_id}' in collection '{STATISTICS_ID}'")
        return self.frame.iloc[[position]].reset_index(drop=True)

    def query(self, query: FeatureQuery) -> FeaturePage:
        """Records matching ``query`` (datetime on ``year``, CQL2, sortby), paged."""
        if query.bbox is not None:
            raise InvalidFilter("bbox", ",".join(map(str, query.bbox)), "no bbox: statistics records have no geometry")
        mask = np.ones(len(self.frame), dtype=bool)
        if query.datetime is not None:
            mask &= year_mask(self.frame["year"], query.datetime)
        if query.filter is not None:
            if _has_spatial(query.filter):
                raise InvalidFilter("filter", "spatial predicate", "attribute predicates only: "
                                    "statistics records have no geometry")
            evaluator = FilterEvaluator(self.frame, tree=self._tree, queryables=self._queryables,
                                        metric=lambda geoms: geoms)
            mask &= evaluator.mask(query.filter)
        positions = self._sort(np.flatnonzero(mask), query)
        page = positions[query.offset : query.offset + query.limit]
        return FeaturePage(self.meta, self.frame.iloc[page].reset_index(drop=True), matched=len(positions),
                           offset=query.offset, limit=query.limit)

    def _sort(self, positions: np.ndarray, query: FeatureQuery) -> np.ndarray:
        return sort_positions(self.frame, positions, query.sortby, self._queryables,
                              collection="the statistics collection")
