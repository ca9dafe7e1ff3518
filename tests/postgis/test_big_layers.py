"""A worker never reads a large layer whole: the real app over HTTP on PostGIS with 200,000 synthetic points.

The repository's ``data/`` is loaded, then ``bench/synthetic_layers.sql`` generates the points in the
database and registers them in the catalog. The app runs under uvicorn (in this process, on a loopback
port) over a recording subclass of the real store: the overview, the maps index, a fact sheet, the
rasters (zonal statistics over the big layer: a 400) and items are requested, and the synthetic
layer's ``frame()`` is never called (it is past the vector tile threshold and of no analysed kind); nor
by ``maps build`` (which leaves it out of the static pages) or ``analyse``.
The process's resident memory before and after is printed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import pytest
import uvicorn
from tests.conftest import DATA_DIR
from tests.live_server import free_port
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database, with_synthetic_layers
from tests.waiting import wait_for
from typer.testing import CliRunner

import geo_industry.cli as cli
from geo_industry.api.app import create_app
from geo_industry.i18n import translate
from geo_industry.raster.whole_layers import drawn_from_tiles, needs_whole_frame
from geo_industry.settings import Settings
from geo_industry.store.postgis import PostGISStore

POINTS = 200_000
BIG = "synthetic_points"
#: a hang guard for the server to start, not a performance target
STARTUP_GUARD_S = 120.0


class RecordingStore(PostGISStore):
    """The real PostGIS store, noting every layer read whole."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.frames_read: list[str] = []

    def frame(self, layer_id: str) -> gpd.GeoDataFrame:
        self.frames_read.append(layer_id)
        return super().frame(layer_id)


def rss_mib() -> float:
    """This process's resident memory (MiB)."""
    status = Path("/proc/self/status").read_text()
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kib / 1024


@pytest.fixture(scope="module")
def big_database(pg_cluster: Cluster) -> str:
    """``data/`` plus :data:`POINTS` synthetic points in the catalog."""
    url = with_synthetic_layers(loaded_database(pg_cluster, DATA_DIR, "big"), points=POINTS)
    return url


@pytest.fixture(scope="module")
def settings(big_database: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    work = tmp_path_factory.mktemp("big")
    return Settings(_env_file=None, store_backend="postgis", database_url=big_database, data_dir=DATA_DIR,
                    raster_dir=work / "rasters", store_path=work / "keys.sqlite")


@pytest.fixture(scope="module")
def served(settings: Settings) -> Iterator[tuple[str, RecordingStore]]:
    """The app over a :class:`RecordingStore` under uvicorn in a thread; its URL and the store."""
    store = RecordingStore.from_settings(settings)
    assert isinstance(store, RecordingStore)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, store=store), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    # observable state: uvicorn has bound the socket (or its thread ended)
    wait_for(lambda: server.started or not thread.is_alive(), bool, guard_s=STARTUP_GUARD_S)
    assert server.started, "the server stopped while starting"
    try:
        yield f"http://127.0.0.1:{port}", store
    finally:
        server.should_exit = True
        thread.join()
        store.close()


def test_the_rule_reads_the_big_layer_for_no_purpose(settings: Settings) -> None:
    store = PostGISStore.from_settings(settings)
    try:
        meta = store.collection(BIG)
        assert store.count(BIG) == POINTS
        assert not needs_whole_frame(meta, purpose="analysis")
        assert not needs_whole_frame(meta, purpose="maps", features=POINTS, threshold=settings.vector_tile_threshold)
        assert needs_whole_frame(store.collection("mines"), purpose="analysis")
        tiled = drawn_from_tiles(store, store.collections(), threshold=settings.vector_tile_threshold)
        assert [m.id for m in tiled] == [BIG]
    finally:
        store.close()


def test_pages_rasters_and_items_never_read_the_big_layer(served: tuple[str, RecordingStore]) -> None:
    url, store = served
    before = rss_mib()
    with httpx.Client(base_url=url, timeout=300.0) as client:
        zone = client.get("/collections/industrial_zones/items", params={"limit": 1}).json()["features"][0]["id"]
        paths = ["/maps/overview?lang=en", "/maps/", f"/maps/zones/{zone}?lang=en", "/rasters",
                 "/rasters/suitability/legend", "/rasters/suitability/zonal?zones=zone_outlines",
                 f"/collections/{BIG}/items?limit=100",
                 f"/collections/{BIG}/items?bbox=104.0,22.0,104.1,22.1&limit=10", "/collections/mines/items"]
        replies = {path: client.get(path) for path in paths}
        refused = client.get("/rasters/suitability/zonal", params={"zones": BIG})
    after = rss_mib()
    assert {p: r.status_code for p, r in replies.items()} == dict.fromkeys(paths, 200)
    assert refused.status_code == 400 and "zones" in refused.text and f"not {POINTS}" in refused.text
    overview = replies["/maps/overview?lang=en"].text
    assert f'"/collections/{BIG}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"' in overview
    assert BIG not in store.frames_read
    assert {"mines", "industrial_zones"} <= set(store.frames_read)
    frame_start = rss_mib()
    whole = store.frame(BIG)
    print(f"\nworker RSS: {before:.0f} MiB after start-up, {after:.0f} MiB after the requests "
          f"({after - before:+.0f} MiB); reading the {len(whole):,}-point layer whole would add "
          f"{rss_mib() - frame_start:+.0f} MiB")


@pytest.fixture
def cli_stores(big_database: str, settings: Settings,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[list[RecordingStore]]:
    """The command line configured for the big database, its store a :class:`RecordingStore`; those it opened."""
    for name, value in {"STORE_BACKEND": "postgis", "DATABASE_URL": big_database,
                        "DATA_DIR": str(DATA_DIR), "RASTER_DIR": str(settings.raster_dir)}.items():
        monkeypatch.setenv(f"GEO_INDUSTRY_{name}", value)
    opened: list[RecordingStore] = []

    def open_store(configured: Settings) -> RecordingStore:
        store = RecordingStore.from_settings(configured)
        assert isinstance(store, RecordingStore)
        opened.append(store)
        return store

    monkeypatch.setattr(cli, "open_store", open_store)
    yield opened
    for store in opened:
        store.close()


def test_the_static_build_leaves_the_big_layer_out_unread(cli_stores: list[RecordingStore], tmp_path: Path) -> None:
    """``maps build`` reads the layers as the served overview does: the big one is counted, not read, and its
    legend says that the pages leave it out (they have no API to draw its tiles from)."""
    result = CliRunner().invoke(cli.app, ["maps", "build", "-o", str(tmp_path)], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    assert f"left out: {BIG} ({POINTS} features" in result.stdout
    (store,) = cli_stores
    assert BIG not in store.frames_read
    assert {"mines", "industrial_zones"} <= set(store.frames_read)
    overview = (tmp_path / "overview.en.html").read_text(encoding="utf-8")
    assert translate("legend.left_out_static", "en", count=POINTS) in overview
    assert f"/collections/{BIG}/" not in overview
    assert "p199999" not in overview  # none of its sites embedded


def test_analyse_never_reads_the_big_layer(cli_stores: list[RecordingStore], tmp_path: Path) -> None:
    """The analysis reads the zones, their outlines and the layers its criteria measure to: not the big layer."""
    result = CliRunner().invoke(cli.app, ["analyse", "-o", str(tmp_path)], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    (store,) = cli_stores
    assert BIG not in store.frames_read
    assert {"mines", "industrial_zones"} <= set(store.frames_read)
    assert (tmp_path / "zones.csv").read_text(encoding="utf-8").count("\n") > 1
