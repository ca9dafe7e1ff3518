"""The layers hold every site of the research, under its id, as the research gives it."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
from tests.conftest import REPO_ROOT, RESEARCH_DIR

KIND_TO_LAYER = {
    "industrial_zone": "industrial_zones", "economic_zone": "industrial_zones",
    "industrial_cluster": "industrial_clusters", "mine": "mines", "processing_plant": "processing_plants",
    "hydropower": "hydropower_plants", "border_gate": "border_gates", "transport": "transport",
}

pytestmark = pytest.mark.skipif(not RESEARCH_DIR.exists(), reason="the shared research folder is not beside the repo")


def _research_rows() -> list[dict[str, str]]:
    with (RESEARCH_DIR / "lao-cai-sites.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_research_row_is_a_feature_of_its_layer(store):
    for row in _research_rows():
        feature = store.get(KIND_TO_LAYER[row["kind"]], row["id"]).iloc[0]
        assert feature["name_vi"] == row["name_vi"]
        assert feature["coord_precision"] == row["coord_precision"]
        assert feature["sources"], row["id"]


def test_layer_sizes_equal_the_research_counts(store):
    rows = _research_rows()
    for layer in set(KIND_TO_LAYER.values()):
        expected = sum(1 for row in rows if KIND_TO_LAYER[row["kind"]] == layer)
        assert len(store.frame(layer)) == expected, layer


def test_points_are_transcribed_exactly(store):
    for row in _research_rows():
        feature = store.get(KIND_TO_LAYER[row["kind"]], row["id"]).iloc[0]
        geometry = feature.geometry
        if not row["lat"]:
            assert geometry is None or feature["geometry_quality"] == "surveyed"
        elif geometry is not None and geometry.geom_type == "Point":
            assert (geometry.x, geometry.y) == (float(row["lon"]), float(row["lat"]))


def test_curation_script_reproduces_the_committed_data():
    result = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "curate.py"), "--research", str(RESEARCH_DIR),
                             "--out", str(REPO_ROOT), "--check"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
