"""The zone analysis as queryable properties, read by GIS clients over HTTP from the live server.

``ogrinfo`` (GDAL OAPIF, what QGIS uses) must type the ``dist_*`` fields as reals, and the CQL2
filter of the issue (``dist_border_gate_km < 20 AND suitability_score > 50``) must select the
zones the store's own columns say.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import TYPE_CHECKING

import pytest

from geo_industry.raster.properties import ANALYSIS_FIELDS, ZONE_LAYERS
from geo_industry.store import EmbeddedStore

if TYPE_CHECKING:  # fixtures' types, defined in this folder's conftest.py
    from conftest import ApiReader

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
