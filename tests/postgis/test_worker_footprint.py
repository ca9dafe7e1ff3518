"""What a PostGIS worker loads: only what serving it needs, read from the worker's own memory map.

A worker serving pages, features, tiles and health over PostGIS never reads or writes a vector
file, so GDAL's vector library (pyogrio's, ~30 MB of every worker's resident memory) must not be
loaded until an export or an upload asks for it. Nor does it write raster products (the start-up
build runs in an interpreter of its own) or render a map, so rasterio and SciPy (~35 MB) are loaded
by the first raster request and Folium by the first map page, and those still answer (nor Jinja2
before an HTML page, nor the Python MVT encoder, PostGIS encoding its tiles itself). Checked on a
real ``geo-industry serve`` after it answered each kind of read, from ``/proc/<pid>/maps`` (the
shared libraries the process mapped), and for the pure-Python map libraries in an app run in a
subprocess that reports its ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
from tests.conftest import DATA_DIR
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database
from tests.postgis.servers import server_env, serving

READS = ("/", "/collections", "/collections/mines/items?limit=10", "/collections/mines/items?bbox=103,21,105,23",
         "/collections/mines/tiles/WebMercatorQuad/8/111/201", "/health",
         "/rasters", "/analysis/rankings", "/collections/industrial_zones/items?limit=5")
"""Reads a features client makes; ``/rasters`` and the rankings wait for the start-up raster build."""
NOT_LOADED = ("pyogrio", "rasterio", "scipy")
"""Packages whose shared libraries a PostGIS worker serving reads never maps."""
RASTER_TILE = "/rasters/suitability/tiles/8/201/111.png"
"""A suitability tile over the province: the first request that reads a raster."""
NOT_IMPORTED = ("folium", "branca", "rasterio", "scipy", "rio_tiler", "rio_cogeo", "matplotlib", "jinja2",
                "mapbox_vector_tile")
"""Modules an app serving JSON features over PostGIS does not import; a map page needs the first two."""

_APP_MODULES = """
import json, sys
from fastapi.testclient import TestClient
from geo_industry.api import create_app
from geo_industry.settings import Settings

def loaded():
    return sorted(m for m in json.loads(sys.argv[1]) if m in sys.modules)

with TestClient(create_app(Settings(_env_file=None)), base_url="http://127.0.0.1") as client:
    reads = [client.get(path).status_code for path in ("/collections/mines/items?limit=10", "/rasters")]
    before = loaded()
    page = client.get("/maps/")
print(json.dumps({"reads": reads, "before": before, "page": page.status_code, "after": loaded()}))
"""


def mapped_packages(pid: int) -> set[str]:
    """The site-packages distributions whose files ``pid`` has mapped (shared libraries, mostly)."""
    found = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        path = line.split(maxsplit=5)[-1]
        if "site-packages/" in path:
            found.add(path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".libs"))
    return found


def test_a_postgis_worker_serving_reads_loads_no_vector_file_or_raster_library(pg_cluster: Cluster,
                                                                                tmp_path: Path) -> None:
    url = loaded_database(pg_cluster, DATA_DIR, "footprint")
    with serving(server_env(url, tmp_path), tmp_path, workers=1) as server:
        for path in READS:
            response = httpx.get(server.url + path, headers={"Cache-Control": "no-cache"}, timeout=120)
            assert response.status_code == 200, (path, response.text[:300])
        mapped = mapped_packages(server.process.pid)  # one worker: uvicorn serves from the command's process
        tile = httpx.get(server.url + RASTER_TILE, timeout=60)
        after_tile = mapped_packages(server.process.pid)
    assert "geopandas" in mapped or "shapely" in mapped  # the map is read (and holds what serving uses)
    assert mapped.isdisjoint(NOT_LOADED), sorted(mapped & set(NOT_LOADED))
    assert (tmp_path / "rasters" / "suitability.tif").is_file()  # built, by the interpreter started for it
    assert tile.status_code == 200 and tile.headers["content-type"] == "image/png", tile.text[:300]
    assert "rasterio" in after_tile  # loaded by the request that read a raster


def test_a_postgis_app_imports_the_map_libraries_for_its_first_map_page(pg_cluster: Cluster, tmp_path: Path) -> None:
    url = loaded_database(pg_cluster, DATA_DIR, "footprint_maps")
    env = server_env(url, tmp_path)
    run = subprocess.run([sys.executable, "-c", _APP_MODULES, json.dumps(NOT_IMPORTED)], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["reads"] == [200, 200]
    assert report["before"] == [], report["before"]
    assert report["page"] == 200
    assert {"folium", "branca"} <= set(report["after"]), report["after"]
