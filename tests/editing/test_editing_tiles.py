"""Vector tiles over the editable store: a write shows in the next tile, under a new ETag."""

from __future__ import annotations

import mapbox_vector_tile
import morecantile
from fastapi.testclient import TestClient
from tests.editing.conftest import new_gate, unique_id

from geo_industry.store.sqlite import SQLiteStore

#: Inside the province, away from the seeded gates' tiles at z15.
SPOT = (103.9012, 22.5534)


def _tile_url() -> str:
    tile = morecantile.tms.get("WebMercatorQuad").tile(*SPOT, 15)
    return f"/collections/border_gates/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}"


def _ids(body: bytes) -> set[str]:
    return {f["properties"]["id"] for f in mapbox_vector_tile.decode(body)["border_gates"]["features"]}


def test_a_created_feature_shows_in_its_tile(client: TestClient, store: SQLiteStore) -> None:
    before = client.get(_tile_url())
    feature_id = unique_id()
    store.create_feature("border_gates", new_gate(feature_id, {"type": "Point", "coordinates": list(SPOT)}),
                         actor="test")
    after = client.get(_tile_url())
    assert after.status_code == 200 and feature_id in _ids(after.content)
    if before.status_code == 200:
        assert feature_id not in _ids(before.content)
        assert after.headers["etag"] != before.headers["etag"]
    else:
        assert before.status_code == 204
