"""The editable store: writes, preconditions, audit, statistics, layers and export back to files."""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tests.conftest import DATA_DIR

from geo_industry.catalog import layer_file
from geo_industry.errors import Conflict, FeatureNotFound, InvalidFeature, LimitExceeded, PreconditionFailed
from geo_industry.models import FeatureQuery
from geo_industry.store.sqlite import SQLiteStore, WriteLimits
from geo_industry.validate import validate_data_dir

GATE = "lao-cai-intl-road-gate"


@pytest.fixture
def editable(tmp_path) -> SQLiteStore:
    """A fresh editable store seeded from the embedded data."""
    return SQLiteStore.open(tmp_path / "store.sqlite", seed_dir=DATA_DIR, limits=WriteLimits(max_vertices=50))


def _new_gate(editable: SQLiteStore, feature_id: str = "test-gate", **geometry: Any) -> dict[str, Any]:
    text = (DATA_DIR / "geo" / "border_gates.geojson").read_text(encoding="utf-8").splitlines()[1].rstrip(",")
    feature = json.loads(text)
    feature["id"] = feature_id
    feature["properties"]["id"] = feature_id
    feature["geometry"] = geometry or {"type": "Point", "coordinates": [103.96, 22.51]}
    return feature


def test_export_of_an_unchanged_store_equals_the_committed_files(editable, tmp_path):
    editable.export_data(tmp_path / "out")
    layer_files = [str(layer_file(Path(), m)) for m in editable.collections()]
    for name in ["statistics.csv", "entities.csv", "geo/catalog.json", "reference/catalog.json", *layer_files]:
        assert filecmp.cmp(DATA_DIR / name, tmp_path / "out" / name, shallow=False), name


def test_create_read_update_delete_with_audit(editable):
    editable.create_feature("border_gates", _new_gate(editable), actor="alice")
    assert editable.get("border_gates", "test-gate").iloc[0]["id"] == "test-gate"
    tag = editable.feature_etag("border_gates", "test-gate")
    editable.update_feature("border_gates", "test-gate", {"properties": {"status_note": "verified"}},
                            actor="bob", if_match=tag)
    assert editable.get("border_gates", "test-gate").iloc[0]["status_note"] == "verified"
    editable.delete_feature("border_gates", "test-gate", actor="carol")
    with pytest.raises(FeatureNotFound):
        editable.get("border_gates", "test-gate")
    history = editable.history(feature_id="test-gate")
    assert [(h.action, h.actor) for h in history] == [("delete", "carol"), ("update", "bob"), ("create", "alice")]
    assert history[1].before["properties"]["status_note"] != "verified"
    assert history[1].after["properties"]["status_note"] == "verified"


def test_stale_if_match_is_refused_and_changes_nothing(editable):
    stale = editable.feature_etag("border_gates", GATE)
    editable.update_feature("border_gates", GATE, {"properties": {"status_note": "first"}}, actor="a", if_match=stale)
    with pytest.raises(PreconditionFailed, match="changed it since you read it"):
        editable.update_feature("border_gates", GATE, {"properties": {"status_note": "second"}}, actor="b",
                                if_match=stale)
    assert editable.get("border_gates", GATE).iloc[0]["status_note"] == "first"


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"properties": {"status": "booming"}}, InvalidFeature, "status"),
        ({"properties": {"colour": "red"}}, InvalidFeature, "unknown properties"),
        ({"geometry": {"type": "Point", "coordinates": [22.5, 103.9]}}, InvalidFeature, "outside Lào Cai"),
        ({"geometry": {"type": "Polygon", "coordinates": [[[104.1, 22.2], [104.2, 22.3], [104.2, 22.2],
                                                            [104.1, 22.3], [104.1, 22.2]]]}},
         InvalidFeature, "Self-intersection"),
        ({"geometry": {"type": "LineString", "coordinates": [[104 + i / 1000, 22.3] for i in range(60)]}},
         LimitExceeded, "vertices"),
        ({"geometry": {"type": "Point"}}, InvalidFeature, "not valid GeoJSON"),
    ],
    ids=["enumeration", "unknown-field", "outside", "invalid-geometry", "too-many-vertices", "malformed"],
)
def test_bad_writes_are_rejected_with_the_reason(editable, change, error, message):
    before = editable.feature_etag("border_gates", GATE)
    with pytest.raises(error, match=message):
        editable.update_feature("border_gates", GATE, change, actor="a")
    assert editable.feature_etag("border_gates", GATE) == before


def test_invalid_geometry_is_repaired_only_when_asked(editable):
    bowtie = {"type": "Polygon", "coordinates": [[[104.1, 22.2], [104.2, 22.3], [104.2, 22.2], [104.1, 22.3],
                                                  [104.1, 22.2]]]}
    zone = editable.frame("zone_outlines")["id"][0]
    editable.update_feature("zone_outlines", zone, {"geometry": bowtie}, actor="a", repair=True)
    assert editable.get("zone_outlines", zone).iloc[0].geometry.is_valid


def test_create_with_a_taken_or_unsafe_id(editable):
    with pytest.raises(Conflict, match="already taken"):
        editable.create_feature("border_gates", _new_gate(editable, GATE), actor="a")
    with pytest.raises(InvalidFeature, match="ascii"):
        editable.create_feature("border_gates", _new_gate(editable, "../etc/passwd"), actor="a")


def test_a_feature_with_statistics_cannot_be_deleted(editable):
    with pytest.raises(Conflict, match="statistics rows"):
        editable.delete_feature("mines", "sin-quyen-copper-mine", actor="a")


STAT_ROW = {"indicator": "copper_cathode_output", "entity": "tang-loong-copper-smelter", "year": "2026",
            "period": "Q1", "value": "4500", "unit": "t", "basis": "actual", "price_basis": "n/a",
            "source": "https://example.org/q1-report", "note": ""}


def test_statistics_add_then_replace(editable):
    editable.write_statistics(pd.DataFrame([STAT_ROW]), actor="dept")
    with pytest.raises(Conflict, match="mode=replace"):
        editable.write_statistics(pd.DataFrame([STAT_ROW]), actor="dept")
    editable.write_statistics(pd.DataFrame([{**STAT_ROW, "value": "4700"}]), actor="dept", mode="replace")
    series = editable.series("tang-loong-copper-smelter")
    assert list(series[(series["year"] == 2026) & (series["period"] == "Q1")]["value"]) == [4700.0]
    assert [h.action for h in editable.history(feature_id="tang-loong-copper-smelter")] == [
        "statistics.replace", "statistics.add"]


def test_bad_statistics_rows_reject_the_whole_batch(editable):
    count = len(editable.statistics)
    rows = pd.DataFrame([STAT_ROW, {**STAT_ROW, "period": "Q2", "entity": "atlantis"}])
    with pytest.raises(InvalidFeature, match="unknown entity 'atlantis'"):
        editable.write_statistics(rows, actor="dept")
    assert len(editable.statistics) == count


def test_exported_data_after_edits_validates_and_diffs_only_the_edit(editable, tmp_path):
    editable.update_feature("border_gates", GATE, {"properties": {"status_note": "edited"}}, actor="a")
    editable.write_statistics(pd.DataFrame([STAT_ROW]), actor="a")
    out = tmp_path / "out"
    editable.export_data(out)
    assert [p for p in validate_data_dir(out) if p.severity == "error"] == []
    committed, exported = DATA_DIR / "geo" / "border_gates.geojson", out / "geo" / "border_gates.geojson"
    diff = subprocess.run(["diff", str(committed), str(exported)], capture_output=True, text=True).stdout
    assert diff.count("\n<") == 1 and "edited" in diff
    exported = (out / "statistics.csv").read_text(encoding="utf-8")
    assert exported.endswith("https://example.org/q1-report,,,0\n")  # note, derivation, variant


def test_a_deleted_features_position_is_never_given_again_so_a_seek_after_it_misses_no_new_feature(editable):
    editable.create_feature("border_gates", _new_gate(editable, "test-gate-z"), actor="a")
    last = editable.query("border_gates", FeatureQuery(limit=10_000))
    assert last.last_key is not None and last.last_key.id == "test-gate-z"
    editable.delete_feature("border_gates", "test-gate-z", actor="a")
    editable.create_feature("border_gates", _new_gate(editable, "test-gate-a"), actor="a")  # an id sorting before
    after = editable.query("border_gates", FeatureQuery(limit=10, after=last.last_key))
    assert list(after.features["id"]) == ["test-gate-a"]
    assert after.last_key is not None and after.last_key.position > last.last_key.position
    reopened = SQLiteStore(editable.path)
    assert list(reopened.query("border_gates", FeatureQuery(limit=10, after=last.last_key)).features["id"]) == [
        "test-gate-a"]


def test_a_second_process_sees_a_committed_write(editable, tmp_path):
    editable.update_feature("border_gates", GATE, {"properties": {"status_note": "from here"}}, actor="a")
    code = ("from pathlib import Path; from geo_industry.store.sqlite import SQLiteStore; "
            f"s = SQLiteStore(Path({str(editable.path)!r})); "
            f"print(s.get('border_gates', {GATE!r}).iloc[0]['status_note'])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "from here", result.stderr


def test_reseeding_is_skipped_when_the_database_exists(editable):
    editable.update_feature("border_gates", GATE, {"properties": {"status_note": "kept"}}, actor="a")
    again = SQLiteStore.open(Path(editable.path), seed_dir=DATA_DIR)
    assert again.get("border_gates", GATE).iloc[0]["status_note"] == "kept"


def test_a_database_from_before_the_derivation_column_is_brought_up_to_date(editable, tmp_path):
    import sqlite3

    path = tmp_path / "store.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("ALTER TABLE statistics DROP COLUMN derivation")  # as made by an earlier version
    reopened = SQLiteStore.open(path, seed_dir=DATA_DIR)
    assert "derivation" in reopened.statistics.columns
    reopened.write_statistics(pd.DataFrame([{**STAT_ROW, "derivation": "4,500 / 0.25"}]), actor="dept")
    rows = reopened.statistics
    assert list(rows[rows["source"] == STAT_ROW["source"]]["derivation"]) == ["4,500 / 0.25"]


def test_the_shipped_data_seeds_a_store_with_nothing_quarantined(editable):
    view, _ = editable._load_snapshot()
    assert view.quarantined == ()  # e.g. capacity_t_per_year is a rate, not a year to range-check


@pytest.mark.parametrize("position", ["'not a number'", "0"])  # a text, a position another feature has
def test_a_damaged_stored_position_still_serves_every_feature_once_by_seeking_pages(editable, position):
    import sqlite3

    ids = list(editable.query("border_gates", FeatureQuery(limit=10_000)).features["id"])
    with sqlite3.connect(editable.path) as con:
        con.execute(f"UPDATE features SET position = {position} WHERE id = ?", (ids[-1],))
    reopened = SQLiteStore(editable.path)
    visited: list[str] = []
    query = FeatureQuery(limit=1)
    while (page := reopened.query("border_gates", query)).last_key is not None:
        visited += list(page.features["id"])
        query = FeatureQuery(limit=1, after=page.last_key)
    assert sorted(visited) == sorted(ids) and len(visited) == len(ids)
