"""What the app prepares from the store once: the encoder's fragment cache, the statistics records.

Prepared at start-up and prepared again when the store's data version changes (an editable
backend bumps its revision on every committed write; the embedded files never change).

Everything prepared for one data version travels together in one :class:`Prepared` object,
swapped in whole: a request resolves it once (``deps.get_prepared``) and reads the store view,
the encoder and the records of the same revision, so it never mixes two versions of the data
while writes land.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from geo_industry.geojson import FeatureEncoder
from geo_industry.records import StatisticsRecords
from geo_industry.store import FeatureStore


@dataclass(frozen=True)
class Prepared:
    """One data version: an immutable read view of the store and what was built from it."""

    data_version: object
    store: FeatureStore
    encoder: FeatureEncoder
    records: StatisticsRecords
    loaded_at: str


def data_version(store: FeatureStore) -> object:
    """The store's revision (constant for read-only backends)."""
    return store.revision()


def read_view(store: FeatureStore) -> tuple[object, FeatureStore]:
    """The store's current read view and its version (an editable store pins one snapshot)."""
    view = store.snapshot()
    return view.revision(), view


def prepare(state: Any) -> Prepared:
    """Build the view, the encoder, the records and the time stamp from ``state.store`` (an app's state)."""
    version, view = read_view(state.store)
    prepared = Prepared(
        data_version=version,
        store=view,
        encoder=FeatureEncoder(),
        records=StatisticsRecords.from_tables(
            view.statistics, view.derived_statistics, entities=view.entities,
            features=[(meta.id, view.frame(meta.id)) for meta in view.collections()],
        ),
        loaded_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    state.prepared = prepared
    state.data_version, state.encoder, state.records = version, prepared.encoder, prepared.records
    state.loaded_at = prepared.loaded_at
    return prepared


def refresh(state: Any) -> Prepared:
    """What is prepared for the store's current data, preparing it again if the data changed."""
    prepared: Prepared | None = getattr(state, "prepared", None)
    if prepared is None or data_version(state.store) != prepared.data_version:
        return prepare(state)
    return prepared
