"""The embedded backend: the GeoJSON files of ``data/geo`` (and ``data/reference``) loaded once through pyogrio.

The files are read and typed here; serving them is the in-memory engine's work
(:class:`~geo_industry.store.memory.MemoryStore`). The files never change while the app
runs, so the revision stays 0 and the store is its own snapshot.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from geo_industry import statistics as stats_mod
from geo_industry.catalog import layer_file, load_data_catalog
from geo_industry.errors import DataError
from geo_industry.models import LayerMeta
from geo_industry.settings import Settings
from geo_industry.store.memory import MemoryStore, typed_frame
from geo_industry.vector_io import read_vector


def _read_layer(path: Path, meta: LayerMeta) -> gpd.GeoDataFrame:
    try:
        frame = read_vector(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise DataError(f"{path}: cannot read layer {meta.id} ({exc})") from None
    return typed_frame(frame, meta, source=str(path))


class EmbeddedStore(MemoryStore):
    """The :class:`~geo_industry.store.base.FeatureStore` over the files in ``data/`` (read-only)."""

    @classmethod
    def from_directory(cls, data_dir: Path) -> EmbeddedStore:
        """Load ``data_dir/geo/catalog.json`` (and ``reference/``), every layer file and the statistics."""
        settings = Settings(data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]
        return cls.from_settings(settings)

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbeddedStore:
        """Load the data named by ``settings``; raises :class:`DataError` on any inconsistency."""
        catalog = load_data_catalog(settings.data_dir)
        frames = {meta.id: _read_layer(layer_file(settings.data_dir, meta), meta) for meta in catalog}
        statistics = stats_mod.read_statistics(settings.statistics_path)
        entities = stats_mod.read_entities(settings.entities_path)
        feature_ids = set().union(*(set(f["id"]) for f in frames.values())) if frames else set()
        stats_mod.check_entities(statistics, feature_ids | set(entities["entity"]),
                                 source=str(settings.statistics_path))
        return cls(catalog, frames, statistics, entities)
