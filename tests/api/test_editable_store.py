"""The API over the editable (SQLite) backend: what it prepared once follows the store's writes."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from geo_industry.api import create_app
from geo_industry.api.state import state_of
from geo_industry.settings import Settings


def test_items_follow_a_write(settings: Settings, tmp_path: Path) -> None:
    editable = settings.model_copy(update={"store_backend": "sqlite", "store_path": tmp_path / "store.sqlite"})
    with TestClient(create_app(editable)) as client:
        store = state_of(client.app).opened()
        feature = client.get("/collections/mines/items", params={"limit": 1}).json()["features"][0]
        before = client.get(f"/collections/mines/items/{feature['id']}")
        store.update_feature("mines", feature["id"], {"properties": {"operator": "Renamed operator"}},
                             actor="test")
        after = client.get(f"/collections/mines/items/{feature['id']}")
        assert after.json()["properties"]["operator"] == "Renamed operator"
        assert after.headers["etag"] != before.headers["etag"]
        page = client.get("/collections/mines/items", params={"limit": 1}).json()
        assert page["features"][0]["properties"]["operator"] == "Renamed operator"
        assert client.get("/collections/mines/items", params={"operator": "Renamed operator"}).json()[
            "numberMatched"] == 1
