"""The store contract: what every backend (embedded files, PostGIS later) provides."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import geopandas as gpd
import pandas as pd

from geo_industry.models import FeaturePage, FeatureQuery, LayerMeta


@runtime_checkable
class FeatureStore(Protocol):
    """Read access to the layers and their output statistics.

    Every backend implements these methods with the same meaning, so callers (API, maps,
    rasters, CLI) never ask which backend they have. Geometries come back in storage CRS
    (OGC:CRS84); reprojection for output happens in :mod:`geo_industry.geojson` and
    :mod:`geo_industry.export`.
    """

    def collections(self) -> list[LayerMeta]:
        """Every layer's metadata, in catalog order."""
        ...

    def collection(self, layer_id: str) -> LayerMeta:
        """One layer's metadata; raises ``CollectionNotFound``."""
        ...

    def queryables(self, layer_id: str) -> dict[str, str]:
        """Property name → JSON type for every property a filter or sortby may use."""
        ...

    def extent(self, layer_id: str) -> tuple[tuple[float, float, float, float] | None, tuple[int | None, int | None]]:
        """Spatial bbox (CRS84) of the layer's geometries and its temporal extent (years)."""
        ...

    def query(self, layer_id: str, query: FeatureQuery) -> FeaturePage:
        """Features matching ``query`` with ``number_matched`` counted before paging."""
        ...

    def get(self, layer_id: str, feature_id: str) -> gpd.GeoDataFrame:
        """A one-row frame for ``feature_id``; raises ``FeatureNotFound``."""
        ...

    def revision(self) -> int:
        """A counter that grows with every committed write (constant for read-only backends)."""
        ...

    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        """The whole layer joined with its latest actual statistics (read-only)."""
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

    def series(self, entity: str) -> pd.DataFrame:
        """Stored and derived statistics of one entity (feature id or entity id)."""
        ...
