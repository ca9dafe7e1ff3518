"""The layers hold every site of the research, under its id, as the research gives it."""

from __future__ import annotations

import csv
import json
import shutil
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


def test_a_curation_run_records_what_it_changed_in_the_changelog(tmp_path):
    out = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "data", out / "data")
    mines = out / "data" / "geo" / "mines.geojson"
    layer = json.loads(mines.read_text(encoding="utf-8"))
    feature_id = layer["features"][0]["id"]
    layer["features"][0]["properties"]["name_vi"] = "stale name"  # as if the research had renamed it since
    mines.write_text(json.dumps(layer, ensure_ascii=False), encoding="utf-8")
    stats = out / "data" / "statistics.csv"
    lines = stats.read_text(encoding="utf-8").splitlines(keepends=True)
    stats.write_text("".join(lines[:-1]), encoding="utf-8")  # the last row "missing" before the run
    before = (out / "data" / "CHANGES.md").read_text(encoding="utf-8")
    result = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "curate.py"), "--research", str(RESEARCH_DIR),
                             "--out", str(out), "--date", "2099-01-01"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    changelog = (out / "data" / "CHANGES.md").read_text(encoding="utf-8")
    section = changelog.split("## 2099-01-01\n", 1)[1].split("\n## ", 1)[0]
    assert f"- `mines` `{feature_id}`: name_vi \"stale name\" → " in section
    last = next(csv.reader([lines[-1]]))
    assert f"- `statistics.csv`: added row {' / '.join([*last[:4], last[6], last[-1]])}" in section
    assert changelog.endswith(before.split("\n", 3)[3])  # earlier sections kept below the new one
    rerun = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "curate.py"), "--research", str(RESEARCH_DIR),
                            "--out", str(out), "--date", "2099-01-02"], capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0 and "2099-01-02" not in (out / "data" / "CHANGES.md").read_text(encoding="utf-8")
