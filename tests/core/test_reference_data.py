"""The reference layers of the basemap: generated from their sources, served as the reference group."""

from __future__ import annotations

import subprocess
import sys

import pytest
from tests.conftest import FIXTURES_DIR, REPO_ROOT

from geo_industry.catalog import LAYER_IDS, REFERENCE_LAYER_IDS

GEOMETRY_TYPES = {"boundaries": {"Polygon"}, "countries": {"Polygon"}, "places": {"Point"},
                  "rivers": {"MultiLineString"}, "transport_lines": {"MultiLineString"}}


@pytest.mark.skipif(not FIXTURES_DIR.exists(), reason="the shared folder is not beside the repo")
def test_reference_script_reproduces_the_committed_data():
    result = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "curate_reference.py"),
                             "--shared", str(FIXTURES_DIR.parent), "--out", str(REPO_ROOT), "--check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_reference_layers_follow_the_industrial_ones_as_their_own_group(store):
    ids = [meta.id for meta in store.collections()]
    assert ids == [*LAYER_IDS, *REFERENCE_LAYER_IDS]
    assert {meta.id for meta in store.collections() if meta.group == "reference"} == set(REFERENCE_LAYER_IDS)


@pytest.mark.parametrize("layer_id", REFERENCE_LAYER_IDS)
def test_every_reference_feature_carries_its_licence_attribution_and_source(store, layer_id):
    meta, frame = store.collection(layer_id), store.frame(layer_id)
    assert meta.licence and meta.attribution and meta.sources
    assert set(frame.geom_type) == GEOMETRY_TYPES[layer_id] == {meta.geometry_type}
    assert frame["licence"].notna().all() and frame["attribution"].notna().all()
    assert all(frame["sources"].map(len) > 0)


def test_boundaries_are_geoboundaries_with_the_requested_attribution(store):
    frame = store.frame("boundaries").set_index("id")
    assert set(frame.index) == {"lao-cai-2025", "lao-cai-pre-2025", "yen-bai-pre-2025"}
    assert (frame["attribution"] == "Administrative boundaries courtesy of geoBoundaries (https://www.geoboundaries.org)").all()
    assert frame.loc["lao-cai-pre-2025", "shapeISO"] == "VN-02" and frame.loc["yen-bai-pre-2025", "shapeISO"] == "VN-06"
    merged = frame.loc["lao-cai-2025", "geometry"]
    assert merged.buffer(1e-6).contains(frame.loc["lao-cai-pre-2025", "geometry"])


def test_transport_lines_are_a_separately_licensed_layer(store):
    meta, frame = store.collection("transport_lines"), store.frame("transport_lines")
    assert "CC BY-SA 4.0" in meta.licence and "CC BY-SA 4.0" in meta.attribution
    assert frame["licence_note"].str.startswith("CONFLICT").all()
    assert set(frame["kind"]) == {"railway", "national_road", "provincial_road"}
    assert "expressway" in meta.description.en and "unknown" in meta.description.en
    assert not frame["name_en"].str.contains("xpressway").any()


def test_place_names_are_corrected_only_where_a_source_gives_the_right_one(store):
    places = store.frame("places").set_index("id")
    lao_cai = places.loc["place-lao-cai"]
    assert (lao_cai["name_vi"], lao_cai["name_zh"]) == ("Lào Cai", "老街")
    assert "Lao Chi" in lao_cai["name_note"]
    assert places.loc["place-yen-bai", "name_vi"] == "Yên Bái"
    assert places.loc["place-luan-chau", "name_vi"] == "Luan Chau"  # no source gives its diacritics
    assert "admin1_as_published" not in places.columns
    assert {"Lào Cai", "Yên Bái", "Hà Giang"} <= set(places["name_vi"])
