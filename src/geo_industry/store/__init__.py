"""Store backends behind one contract (:mod:`geo_industry.store.base`), opened by :func:`open_store`."""

from geo_industry.store.base import (
    BulkReader,
    FeatureReader,
    FeatureStore,
    HeldView,
    InvestorFactSource,
    SlopeKeeper,
    WritableStore,
    ZoneAssessable,
    pinned,
)
from geo_industry.store.embedded import EmbeddedStore
from geo_industry.store.registry import open_store

__all__ = ["BulkReader", "EmbeddedStore", "FeatureReader", "FeatureStore", "HeldView", "InvestorFactSource",
           "SlopeKeeper", "WritableStore", "ZoneAssessable", "open_store", "pinned"]
