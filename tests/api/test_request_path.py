"""The per-request path reads pages, counts and metadata from the store, never a whole layer.

Two checks: the route modules of items, collections, queryables and health (and what they call
to parse and encode) hold no ``.frame(`` call and no row-position arithmetic; and the real app,
serving a store that counts ``frame()`` calls, answers those routes without one.

And the reads that cost a scan of a layer on a database (its extent and its count, read once per
revision) are made in worker threads, never on the event loop (where a million rows held every
other request of the worker for a second): the same store records any made with a running loop.
"""

from __future__ import annotations

import ast
import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from tests.conftest import DATA_DIR

from geo_industry.api import create_app
from geo_industry.api.rasters_state import ready_service
from geo_industry.api.state import state_of
from geo_industry.settings import Settings
from geo_industry.store import EmbeddedStore
from geo_industry.store.base import Extent

API = Path(__file__).resolve().parents[2] / "src" / "geo_industry" / "api"
REQUEST_PATH = ["routes/items.py", "routes/collections.py", "routes/health.py", "params.py", "features.py",
                "documents.py", "models.py"]


def _calls(path: Path, name: str) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == name]


def _index_subscripts(path: Path) -> list[int]:
    """``x.index[...]``: a row's index label read as if it were its position."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute) and node.value.attr == "index"]


@pytest.mark.parametrize("module", REQUEST_PATH)
def test_request_path_modules_call_no_frame(module: str) -> None:
    assert _calls(API / module, "frame") == [], f"{module} reads a whole layer on the request path"


@pytest.mark.parametrize("module", ["features.py", "models.py"])
def test_encoding_does_not_take_index_labels_for_positions(module: str) -> None:
    assert _index_subscripts(API / module) == []


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class CountingStore(EmbeddedStore):
    """The embedded store, counting whole-layer reads made while ``counting`` is set, and recording
    extents and counts read on the event loop."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.__dict__.update(store.__dict__)
        self.counting = threading.Event()
        self.calls: list[str] = []
        self.on_loop: list[str] = []

    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        if self.counting.is_set():
            self.calls.append(layer_id)
        return super().frame(layer_id)

    def extent(self, layer_id: str) -> Extent:
        if _on_event_loop():
            self.on_loop.append(f"extent {layer_id}")
        return super().extent(layer_id)

    def count(self, layer_id: str) -> int:
        if _on_event_loop():
            self.on_loop.append(f"count {layer_id}")
        return super().count(layer_id)


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, CountingStore]]:
    store = CountingStore(EmbeddedStore.from_directory(DATA_DIR))
    settings = Settings(data_dir=DATA_DIR, raster_dir=tmp_path_factory.mktemp("rasters"),
                        _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings, store=store)) as client:
        ready_service(state_of(client.app))  # the start-up build reads whole layers; wait for it to finish
        yield client, store


@pytest.mark.parametrize("path", [
    "/collections", "/collections/mines", "/collections/mines?f=html", "/collections/mines/queryables",
    "/collections/mines/schema", "/collections/mines/items?limit=5", "/collections/mines/items?f=html",
    "/collections/mines/items?filter=status%20%3D%20%27operating%27&sortby=-capacity_value&properties=name_en",
    "/collections/mines/items/sin-quyen-copper-mine", "/collections/mines/items/sin-quyen-copper-mine?f=html",
    "/health",
])
def test_routes_answer_without_reading_a_whole_layer(counted: tuple[TestClient, CountingStore], path: str) -> None:
    client, store = counted
    store.calls.clear()
    store.counting.set()
    try:
        response = client.get(path, headers={"Cache-Control": "no-cache"})
    finally:
        store.counting.clear()
    assert response.status_code == 200, response.text
    assert store.calls == []


@pytest.mark.parametrize("path", [
    "/collections", "/collections/mines", "/collections/mines?f=html", "/collections/mines/items?limit=5",
    "/collections/mines/tiles/WebMercatorQuad", "/collections/mines/tiles/WebMercatorQuad/tilejson.json", "/health",
])
def test_routes_read_extents_and_counts_off_the_event_loop(counted: tuple[TestClient, CountingStore],
                                                           path: str) -> None:
    client, store = counted
    store.on_loop.clear()
    response = client.get(path, headers={"Cache-Control": "no-cache"})
    assert response.status_code == 200, response.text
    assert store.on_loop == []
