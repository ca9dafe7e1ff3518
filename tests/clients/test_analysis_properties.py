"""The zone analysis as queryable properties, read by GIS clients over HTTP from the live server.

``ogrinfo`` (GDAL OAPIF, what QGIS uses) must type the ``dist_*`` fields as reals, and the CQL2
filter of the issue (``dist_border_gate_km < 20 AND suitability_score > 50``) must select the
zones the store's own columns say. With the fixture DEM configured, ``mean_slope_deg`` is read as
a real with values, and a filter on it selects what the rankings' analysis says.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from geo_industry.raster.properties import ANALYSIS_FIELDS, ZONE_LAYERS
from geo_industry.store import EmbeddedStore

if TYPE_CHECKING:  # fixtures' types, defined in this folder's conftest.py
    from conftest import ApiReader, LiveServer

FILTER = "dist_border_gate_km < 20 AND suitability_score > 50"


@pytest.mark.gdal
@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL command-line tools not installed (gdal-bin)")
@pytest.mark.parametrize("layer", ZONE_LAYERS)
def test_ogrinfo_reads_the_analysis_fields_typed(base_url: str, layer: str) -> None:
    env = {**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    out = subprocess.run(["ogrinfo", "-ro", "-so", f"OAPIF:{base_url}", layer], capture_output=True, text=True,
                         timeout=300, env=env, check=True).stdout
    fields = dict(re.findall(r"^(\w+): (\w+)", out, flags=re.MULTILINE))
    for spec in ANALYSIS_FIELDS:
        assert fields.get(spec.name) == ("Real" if spec.type == "number" else "String"), (spec.name, out[-3000:])


def test_cql2_filter_on_analysis_properties(api: ApiReader, store: EmbeddedStore) -> None:
    frame = store.frame("industrial_zones")
    expected = set(frame[(frame["dist_border_gate_km"] < 20) & (frame["suitability_score"] > 50)]["id"])
    assert expected, "the filter of the issue selects no zone in the data"
    body = api.json("/collections/industrial_zones/items", filter=FILTER, limit=1000)
    assert {f["id"] for f in body["features"]} == expected
    for feature in body["features"]:
        assert feature["properties"]["dist_border_gate_km"] < 20


@pytest.mark.parametrize("layer", ZONE_LAYERS)
def test_analysis_fields_are_declared_numbers(api: ApiReader, layer: str) -> None:
    response = api.client.get(f"/collections/{layer}/queryables", headers={"Accept": "application/schema+json"})
    response.raise_for_status()
    queryables = response.json()["properties"]
    for spec in ANALYSIS_FIELDS:
        assert queryables[spec.name]["type"] == spec.type


def _ogr_env() -> dict[str, str]:
    return {**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}


@pytest.fixture(scope="module")
def dem_api(dem_live_server: LiveServer) -> Iterator[httpx.Client]:
    """The DEM server over HTTP, once its raster service has assessed the zones (the rankings answer)."""
    with httpx.Client(base_url=dem_live_server.url, timeout=300.0) as client:
        client.get("/analysis/rankings").raise_for_status()  # waits for the terrain and the assessments
        yield client


@pytest.mark.gdal
@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL command-line tools not installed (gdal-bin)")
def test_ogrinfo_reads_the_mean_slope_as_a_real(dem_live_server: LiveServer, dem_api: httpx.Client) -> None:
    out = subprocess.run(["ogrinfo", "-ro", "-al", "-q", f"OAPIF:{dem_live_server.url}", "industrial_zones",
                          "-where", "mean_slope_deg IS NOT NULL"],
                         capture_output=True, text=True, timeout=300, env=_ogr_env(), check=True).stdout
    slopes = [float(v) for v in re.findall(r"^\s*mean_slope_deg \(Real\) = ([-\d.]+)$", out, flags=re.MULTILINE)]
    assert slopes and all(0 <= s < 90 for s in slopes), out[-3000:]


def test_filter_on_the_mean_slope_over_http(dem_api: httpx.Client) -> None:
    ranked = {f["properties"]["zone_id"]: f["properties"]["score"]
              for f in dem_api.get("/analysis/rankings").json()["features"]}
    slopes = {f["id"]: f["properties"]["mean_slope_deg"] for f in dem_api.get("/analysis/zones").json()["features"]}
    zones = _ids(dem_api, {})
    expected = {i for i in zones if slopes[i] is not None and slopes[i] < 15 and (ranked[i] or 0) > 50}
    assert expected, "the filter selects no zone in the data"
    params = {"filter": "mean_slope_deg < 15 AND suitability_score > 50"}
    assert _ids(dem_api, params) == expected


def _ids(client: httpx.Client, params: dict[str, str]) -> set[str]:
    response = client.get("/collections/industrial_zones/items", params={"limit": "1000", **params},
                          headers={"Accept": "application/geo+json"})
    response.raise_for_status()
    return {f["id"] for f in response.json()["features"]}
