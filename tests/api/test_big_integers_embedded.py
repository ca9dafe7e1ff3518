"""Integers past 64 bits in the embedded backend's files: ``validate`` names file, feature and field; the app
still starts and serves the layer (such an integer field empty, with a logged warning), never a 500."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tests.live_server import clean_env, running_app
from tests.postgis.databases import data_with_odd_sites

BIG = 123456789012345678901234567890
SITES = [
    {"type": "Feature", "id": "a", "properties": {"id": "a", "info": {"big": BIG}, "tags": [1, BIG], "n": BIG},
     "geometry": {"type": "Point", "coordinates": [104.0, 22.0]}},
    {"type": "Feature", "id": "b", "properties": {"id": "b", "info": {"k": 1}, "tags": ["x"], "n": 4},
     "geometry": {"type": "Point", "coordinates": [104.1, 22.1]}},
]
ITEMS = "/collections/odd_sites/items"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``data/`` with an ``odd_sites`` layer whose file holds integers past 64 bits (written as JSON text)."""
    data = data_with_odd_sites(tmp_path_factory.mktemp("bigint-embedded"), [])
    (data / "geo" / "odd_sites.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": SITES}))
    return data


def test_validate_names_file_feature_and_field_of_each_integer_past_64_bits(data: Path):
    result = subprocess.run([sys.executable, "-m", "geo_industry", "validate", str(data)], capture_output=True,
                            text=True, timeout=300, env={**clean_env(), "COLUMNS": "300"})
    assert result.returncode == 1
    out = " ".join((result.stdout + result.stderr).split())
    path = data / "geo" / "odd_sites.geojson"
    for field in ("n", "info.big", "tags[1]"):
        assert f"{path}: feature a: field {field}: error: integer out of the 64-bit range" in out, out[-2000:]
    assert "feature b:" not in out


def test_the_app_serves_the_layer_with_such_an_integer_field_empty(data: Path, tmp_path: Path):
    log = tmp_path / "server.log"
    with running_app(data, {"GEO_INDUSTRY_RASTER_DIR": str(tmp_path / "rasters")}, log=log) as url:
        with httpx.Client(base_url=url, timeout=60) as http:
            page = http.get(ITEMS, params={"f": "json"})
            assert page.status_code == 200, page.text[:300]
            by_id = {feature["id"]: feature["properties"] for feature in page.json()["features"]}
            assert by_id["a"]["n"] is None and by_id["b"]["n"] == 4  # never a rounded number
            for path in (f"{ITEMS}/a?f=json", f"{ITEMS}/a?f=html", f"{ITEMS}?f=html",
                         "/collections/odd_sites/download?f=csv"):
                assert http.get(path).status_code == 200, path
    assert "field n holds 1 integer out of the 64-bit range" in log.read_text(errors="replace")
