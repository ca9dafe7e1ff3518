"""The app's typed state: one ``AppState`` read through ``state_of``; readers follow the data revision."""

from __future__ import annotations

import ast
import ctypes
import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.conftest import DATA_DIR

from geo_industry.api import create_app
from geo_industry.api.caching import ConditionalGetMiddleware
from geo_industry.api.state import state_of
from geo_industry.models import FeatureQuery
from geo_industry.settings import Settings

SOURCE = Path(__file__).resolve().parents[2] / "src" / "geo_industry"
STATE_MODULE = SOURCE / "api" / "state.py"


def _state_reads(path: Path) -> list[int]:
    """Lines reading an attribute of Starlette's untyped ``app.state`` (``….state.name``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute) and node.value.attr == "state"
            and isinstance(node.value.value, ast.Attribute | ast.Name)
            and getattr(node.value.value, "attr", getattr(node.value.value, "id", None)) == "app"]


def test_only_the_state_module_reads_the_untyped_app_state() -> None:
    readers = {str(path.relative_to(SOURCE)): lines for path in sorted(SOURCE.rglob("*.py"))
               if path != STATE_MODULE and (lines := _state_reads(path))}
    assert readers == {"api/app.py": readers.get("api/app.py")}  # app.py stores the AppState once
    assert len(readers["api/app.py"]) == 1


@pytest.fixture(scope="module")
def failed_rasters_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The editable store with a raster folder that is a file: the raster build fails, the maps go on."""
    folder = tmp_path_factory.mktemp("failed-rasters")
    not_a_folder = folder / "rasters"
    not_a_folder.write_bytes(b"")
    settings = Settings(data_dir=DATA_DIR, store_backend="sqlite", store_path=folder / "store.sqlite",
                        raster_dir=not_a_folder, _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        yield client


def test_maps_follow_an_edit_when_the_raster_build_failed(failed_rasters_client: TestClient) -> None:
    client = failed_rasters_client
    state = state_of(client.app)
    zone = state.current().store.query("industrial_zones", FeatureQuery(limit=1)).features.iloc[0]
    before = client.get(f"/maps/zones/{zone['id']}", params={"lang": "en"})
    assert before.status_code == 200 and zone["name_en"] in before.text
    assert state.rasters is not None and state.rasters.error is not None  # the build failed
    store = state.writable_store()
    store.update_feature("industrial_zones", zone["id"], {"properties": {"name_en": "Renamed After The Build"}},
                         actor="test", if_match=store.feature_etag("industrial_zones", zone["id"]))
    after = client.get(f"/maps/zones/{zone['id']}", params={"lang": "en"})
    assert after.status_code == 200 and "Renamed After The Build" in after.text


def test_health_reports_the_load_time_of_the_request_snapshot(failed_rasters_client: TestClient) -> None:
    client = failed_rasters_client
    state = state_of(client.app)
    assert client.get("/health").json()["loadedAt"] == state.current().loaded_at
    revision = state.current().data_version
    store = state.writable_store()
    store.update_feature("border_gates", "lao-cai-intl-road-gate", {"properties": {"status_note": "seen"}},
                         actor="test", if_match=store.feature_etag("border_gates", "lao-cai-intl-road-gate"))
    health = client.get("/health").json()
    assert state.current().data_version == revision + 1 and health["loadedAt"] == state.current().loaded_at


def test_start_up_objects_are_kept_out_of_the_cycle_collector(tmp_path: Path) -> None:
    """What start-up built (the state, the prepared store, the raster service once built) is frozen
    (``gc.freeze``): a full collection under load no longer walks it (geo_industry.api.heap)."""
    gc.unfreeze()  # other tests' apps froze theirs
    settings = Settings(data_dir=DATA_DIR, raster_dir=tmp_path / "rasters", _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        state = state_of(client.app)
        assert gc.get_freeze_count() > 0
        assert not any(tracked is state for tracked in gc.get_objects())  # frozen: no generation holds it
        assert state.rasters is not None and state.rasters._thread is not None
        state.rasters._thread.join()
        assert state.rasters.error is None
        assert not any(tracked is state.rasters.service.result for tracked in gc.get_objects())


def test_the_caches_are_bounded_by_the_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=DATA_DIR, raster_dir=tmp_path / "rasters", feature_cache_size=3,
                        response_cache_mb=0.5, _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        assert client.get("/collections/mines/items", params={"limit": 10}).status_code == 200
        assert 0 < len(state_of(client.app).current().encoder) <= 3
        layer = client.app.middleware_stack
        while layer is not None and not isinstance(layer, ConditionalGetMiddleware):
            layer = getattr(layer, "app", None)
        assert layer is not None and layer.cache.max_bytes == 500_000


_ARENAS_AFTER = """
import ctypes, sys, threading
from fastapi.testclient import TestClient
from geo_industry.api import create_app
from geo_industry.settings import Settings

def threads_holding_memory(count):
    together = threading.Barrier(count)
    def hold():
        block = bytearray(1_000_000)  # malloc'd while every other thread is alive too
        together.wait()
    threads = [threading.Thread(target=hold) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

if sys.argv[1] == "app":
    settings = Settings(data_dir=sys.argv[2], raster_dir=sys.argv[3], malloc_arenas=int(sys.argv[4]),
                        _env_file=None)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        assert client.get("/collections/mines/items?limit=10").status_code == 200
        threads_holding_memory(6)
else:
    threads_holding_memory(6)
ctypes.CDLL(None).malloc_stats()  # one "Arena n:" block per arena, on stderr
"""


def _arenas(*args: str) -> int:
    """How many malloc arenas the script above ended with (``app``: after the app's start-up)."""
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    run = subprocess.run([sys.executable, "-c", _ARENAS_AFTER, *args], env=env, capture_output=True, text=True,
                         timeout=300, check=True)
    return sum(line.startswith("Arena ") for line in run.stderr.splitlines())


@pytest.mark.skipif(not hasattr(ctypes.CDLL(None), "malloc_stats"), reason="glibc's malloc only")
def test_a_started_app_keeps_its_threads_to_the_malloc_arenas_its_setting_allows(tmp_path: Path) -> None:
    """Threads alive at once get an arena each, but not in an app started with ``malloc_arenas`` (the default, 0,
    leaves the C library's own limit) (geo_industry.api.heap)."""
    assert _arenas("threads") > 2
    assert 0 < _arenas("app", str(DATA_DIR), str(tmp_path / "rasters"), "2") <= 2
    assert _arenas("app", str(DATA_DIR), str(tmp_path / "rasters-default"), "0") > 2
