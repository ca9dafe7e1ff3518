"""What the app prepares from the store once: the encoder's fragment cache, the statistics records.

Prepared at start-up and prepared again when the store's data version changes (an editable
backend bumps its revision on every committed write; the embedded files never change).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from geo_industry.geojson import FeatureEncoder
from geo_industry.records import StatisticsRecords


def data_version(store: Any) -> object:
    """The store's revision when the backend has one (editable stores), else a constant."""
    revision = getattr(store, "revision", None)
    return revision() if callable(revision) else 0


def prepare(state: Any) -> None:
    """Build the encoder, the records and the time stamp from ``state.store`` (an app's state)."""
    store = state.store
    state.data_version = data_version(store)
    state.encoder = FeatureEncoder()
    state.records = StatisticsRecords.from_tables(
        store.statistics, store.derived_statistics, entities=store.entities,
        features=[(meta.id, store.frame(meta.id)) for meta in store.collections()],
    )
    state.loaded_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def refresh(state: Any) -> None:
    """Prepare again if the store's data changed since the last preparation."""
    if data_version(state.store) != state.data_version:
        prepare(state)
