"""Fixtures of the map tests: the real embedded data, plus one tiny synthetic frame.

The maps are tested on the project's own data (``data/``, read through the ``store`` fixture
of ``tests/conftest.py``) with the shared reference layers (``../shared/fixtures``, read in
place). Where a behaviour needs a case the real data lacks, a fixture builds a tiny frame
whose names say it is synthetic (``Test line A``) and whose docstring says why; no real
place is given invented facts or coordinates.

The browser tests (``test_browser*.py``) share what is here: Debian's Chromium under Playwright
(``browser``), a page opened with its errors and requests recorded (:class:`Visit`), static pages
served from a folder on 127.0.0.1 (:func:`serve_folder`, :func:`static_folder`), the real app
under uvicorn (``app_url``) and screenshots kept for the README (:func:`keep_screenshot`).
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString
from tests import live_server
from tests.conftest import DATA_DIR, DEM_TIF, FIXTURES_DIR, MERGED_BOUNDARY, RIVERS

from geo_industry.maps.assets import scripts_dir, vendor_dir
from geo_industry.maps.base import PageContext
from geo_industry.maps.data import MapData, map_data_from_store
from geo_industry.store import EmbeddedStore

__all__ = ["ARGS", "CHROMIUM", "DEM_TIF", "FIXTURES_DIR", "MERGED_BOUNDARY", "RIVERS", "VN_ADMIN1", "Visit",
           "keep_screenshot", "located", "serve_folder", "static_folder", "unlocated"]

VN_ADMIN1 = FIXTURES_DIR / "vn_admin1.geojson"
"""geoBoundaries ADM1 polygons of the pre-2025 provinces (former Lào Cai VN-02, former Yên Bái VN-06)."""

# Real features each test leans on (ids from data/geo/*.geojson).
SURVEYED_ZONE = "tang-loong-iz"
"""An industrial zone with a surveyed outline (not approximate)."""
APPROX_ZONE = "dong-pho-moi-iz"
"""An industrial zone at an estimated point (±3 km, declared 100 ha, no outline)."""
SMELTER = "tang-loong-copper-smelter"
"""A processing plant with statistics (copper cathode 2011: actual and target)."""
COPPER_MINE = "sin-quyen-copper-mine"
REMOTE = ("industrial_zones", "industrial_clusters", "mines", "processing_plants", "hydropower_plants")
"""Layers with at least ``REMOTE_MIN_FEATURES`` located sites: served pages fetch them by URL."""
EMBEDDED = ("border_gates", "transport")
"""The smaller layers, embedded even in served pages."""


def located(frame: gpd.GeoDataFrame) -> int:
    """Features of ``frame`` with a geometry."""
    return int(frame.geometry.notna().sum())


def unlocated(frame: gpd.GeoDataFrame) -> int:
    """Features of ``frame`` without a geometry (the research gives no coordinate)."""
    return int(frame.geometry.isna().sum())


def real_map_data(store: EmbeddedStore) -> MapData:
    """The embedded layers and statistics with the merged-province boundary and the rivers."""
    return map_data_from_store(store, boundary_path=MERGED_BOUNDARY, rivers_path=RIVERS,
                               investor_facts_path=DATA_DIR / "investor_facts.csv")


@pytest.fixture(scope="session")
def map_data(store: EmbeddedStore) -> MapData:
    """The real data as the maps see it, with the shared boundary and rivers."""
    return real_map_data(store)


@pytest.fixture(scope="session")
def line_map_data(map_data: MapData) -> MapData:
    """The real data with a synthetic transport layer of two lines.

    The real transport lines (railways, expressway) have no geometry in the research, so
    nothing in the real data exercises how lines are drawn. ``Test line A`` and ``Test line B``
    are obviously synthetic: made-up ids and names, straight segments inside the province.
    """
    common = {"kind": "transport", "status": "unknown", "sources": []}
    frame = gpd.GeoDataFrame(
        [
            {**common, "id": "test-line-a", "name_vi": "Tuyến thử A", "name_en": "Test line A",
             "transport_type": "railway", "geometry_quality": "digitised", "coord_precision": "source-derived",
             "geometry": LineString([(104.0, 22.4), (104.2, 22.2)])},
            {**common, "id": "test-line-b", "name_vi": "Tuyến thử B", "name_en": "Test line B",
             "transport_type": "expressway", "geometry_quality": "approximate", "coord_precision": "estimated-3km",
             "geometry": LineString([(104.1, 22.4), (104.3, 22.2)])},
        ],
        geometry="geometry",
        crs="EPSG:4326",
    )
    return dataclasses.replace(map_data, layers={**map_data.layers, "transport": frame})


@pytest.fixture(params=["vi", "en"])
def ctx(request: pytest.FixtureRequest) -> PageContext:
    """A server-mode page context in each data language, offline basemap."""
    return PageContext(lang=request.param)


# --- browser tests --------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
"""Chromium's switches: headless, and nothing that reaches the network on its own."""


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Visit:
    """A page opened in a fresh context, with its console messages and requests recorded.

    ``timeout_ms`` bounds the load (Playwright's default, 30 s, unless given: a page the app
    renders on a busy machine may need more).
    """

    def __init__(self, browser: object, url: str, *, timeout_ms: float | None = None) -> None:
        self.context = browser.new_context(viewport={"width": 1200, "height": 800})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        started = time.perf_counter()
        self.page.goto(url, wait_until="load", **({} if timeout_ms is None else {"timeout": timeout_ms}))
        self.load_seconds = time.perf_counter() - started

    def next_frame(self) -> None:
        """Return once the browser has rendered one more frame."""
        self.page.evaluate("() => new Promise(done => requestAnimationFrame(() => done()))")

    def close(self) -> None:
        self.context.close()


def static_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A new folder holding the vendored scripts and the pages' own scripts, as the static build writes them."""
    root = tmp_path_factory.mktemp(name)
    shutil.copytree(vendor_dir(), root / "vendor")
    shutil.copytree(scripts_dir(), root / "scripts")
    return root


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve_folder(root: Path) -> Iterator[str]:
    """``root`` served by ``http.server`` on a free 127.0.0.1 port; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def keep_screenshot(shot: Path, name: str) -> None:
    """Check a screenshot has content; copy it as ``name`` into ``GEO_INDUSTRY_SCREENSHOT_DIR`` when set
    (``docs/img`` refreshes the README's)."""
    assert shot.stat().st_size > 10_000
    keep = os.environ.get("GEO_INDUSTRY_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(keep) / name)


@contextmanager
def running_app(settings: dict[str, str] | None = None) -> Iterator[str]:
    """The real app on the embedded data under uvicorn (:func:`tests.live_server.running_app`)."""
    with live_server.running_app(DATA_DIR, settings) as url:
        yield url


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """The real app on the embedded data under uvicorn on a free 127.0.0.1 port."""
    with running_app() as url:
        yield url
