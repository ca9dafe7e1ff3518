"""Store backends behind one contract (:class:`FeatureStore`)."""

from geo_industry.store.base import FeatureStore
from geo_industry.store.embedded import EmbeddedStore
from geo_industry.store.registry import open_store

__all__ = ["EmbeddedStore", "FeatureStore", "open_store"]
