"""The one rule deciding which layers a whole-layer consumer reads (geo_industry.raster.whole_layers)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from tests.conftest import DATA_DIR

from geo_industry.raster.whole_layers import analysed_frames, drawn_from_tiles, is_large, needs_whole_frame
from geo_industry.store import EmbeddedStore

ANALYSED = {"industrial_zones", "industrial_clusters", "zone_outlines", "mines", "processing_plants",
            "hydropower_plants", "border_gates", "transport", "transport_lines"}
"""The shipped layers the analysis measures: zones, outlines, targets of a criterion, the value chain."""


class RecordingStore(EmbeddedStore):
    """The real embedded store, noting every layer read whole."""

    frames_read: list[str]

    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        self.frames_read.append(layer_id)
        return super().frame(layer_id)


@pytest.fixture(scope="module")
def store() -> RecordingStore:
    opened = RecordingStore.from_directory(DATA_DIR)
    opened.frames_read = []
    return opened


def test_the_analysis_reads_its_layers_only(store: RecordingStore) -> None:
    metas = store.collections()
    assert {m.id for m in metas if needs_whole_frame(m, purpose="analysis")} == ANALYSED
    store.frames_read.clear()
    frames = analysed_frames(store, metas)
    assert set(frames) == set(store.frames_read) == ANALYSED


def test_an_upload_counts_for_the_analysis_by_its_kind(store: RecordingStore) -> None:
    mines = store.collection("mines")
    assert needs_whole_frame(mines.model_copy(update={"id": "mines_2026", "kind": "mines"}), purpose="analysis")
    assert not needs_whole_frame(mines.model_copy(update={"id": "parcels", "kind": "parcels"}), purpose="analysis")


def test_the_maps_read_a_layer_under_the_threshold_and_every_reference_layer(store: RecordingStore) -> None:
    mines, places = store.collection("mines"), store.collection("places")
    assert is_large(5_000, 5_000) and not is_large(4_999, 5_000)
    assert needs_whole_frame(mines, purpose="maps", features=10**6, threshold=None)  # static build
    assert not needs_whole_frame(mines, purpose="maps", features=10**6, threshold=5_000)
    assert needs_whole_frame(places, purpose="maps", features=10**6, threshold=5_000)
    tiled = [m.id for m in drawn_from_tiles(store, store.collections(), threshold=35)]
    assert {"mines", "hydropower_plants"} <= set(tiled)
    assert all(store.count(i) >= 35 and store.collection(i).group != "reference" for i in tiled)
    assert drawn_from_tiles(store, store.collections(), threshold=None) == []
