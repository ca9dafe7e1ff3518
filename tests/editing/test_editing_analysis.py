"""The zones' analysis properties follow an edit: with a DEM the slope and the rankings' score come back
for the new revision without any raster, analysis or single-zone request (the raster service updates in
the background).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.conftest import DEM_TIF
from tests.editing.conftest import MERGE_PATCH, bearer, create_tokens, etag_of
from tests.waiting import wait_for

from geo_industry.api.state import state_of

ZONE = "tang-loong-iz"
ZONE_URL = f"/collections/industrial_zones/items/{ZONE}"
FOLLOW_TIMEOUT_S = 300.0
"""Hang guard for the background raster update on a loaded machine (the test waits for the slope, not a time)."""


def _ranked_score(client: TestClient) -> float | None:
    ranking = client.get("/analysis/rankings", params={"profile": "balanced"}).json()["features"]
    return next(f["properties"]["score"] for f in ranking if f["id"] == ZONE)


def _listed(client: TestClient) -> dict:
    """The zone's properties as the items list serves them (a single item's ``analysis`` member would
    update the raster service itself)."""
    features = client.get("/collections/industrial_zones/items", params={"limit": 1000}).json()["features"]
    return next(f["properties"] for f in features if f["id"] == ZONE)


def test_slope_and_score_follow_an_edit(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = make_client(dem_path=DEM_TIF, raster_dir=tmp_path / "rasters")
    tokens = create_tokens(state_of(client.app).settings.store_path)
    score = _ranked_score(client)  # waits for the start-up build
    assert _listed(client)["suitability_score"] == pytest.approx(score, abs=0.051)

    response = client.patch(ZONE_URL, content=b'{"properties": {"name_en": "Tang Loong IZ (edited)"}}',
                            headers={**MERGE_PATCH, **bearer(tokens["features:write"]),
                                     "If-Match": etag_of(client, ZONE_URL)})
    assert response.status_code == 204, response.text
    props = wait_for(lambda: _listed(client), lambda listed: listed["mean_slope_deg"] is not None,
                     guard_s=FOLLOW_TIMEOUT_S, interval_s=0.1)  # the zone's slope comes back after the edit
    assert props["name_en"] == "Tang Loong IZ (edited)"
    assert props["suitability_score"] == pytest.approx(_ranked_score(client), abs=0.051)
