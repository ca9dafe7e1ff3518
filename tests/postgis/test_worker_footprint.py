"""What a PostGIS worker loads: only what serving it needs, read from the worker's own memory map.

A worker serving pages, features, tiles and health over PostGIS never reads or writes a vector
file, so GDAL's vector library (pyogrio's, ~30 MB of every worker's resident memory) must not be
loaded until an export or an upload asks for it. Checked on a real ``geo-industry serve`` after
it answered each kind of read, from ``/proc/<pid>/maps`` (the shared libraries the process mapped).
"""

from __future__ import annotations

from pathlib import Path

import httpx
from tests.conftest import DATA_DIR
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database
from tests.postgis.servers import server_env, serving

READS = ("/", "/collections", "/collections/mines/items?limit=10", "/collections/mines/items?bbox=103,21,105,23",
         "/collections/mines/tiles/WebMercatorQuad/8/111/201", "/health")
NOT_LOADED = ("pyogrio",)
"""Packages whose shared libraries a PostGIS worker serving reads never maps."""


def mapped_packages(pid: int) -> set[str]:
    """The site-packages distributions whose files ``pid`` has mapped (shared libraries, mostly)."""
    found = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        path = line.split(maxsplit=5)[-1]
        if "site-packages/" in path:
            found.add(path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".libs"))
    return found


def test_a_postgis_worker_serving_reads_loads_no_vector_file_library(pg_cluster: Cluster, tmp_path: Path) -> None:
    url = loaded_database(pg_cluster, DATA_DIR, "footprint")
    with serving(server_env(url, tmp_path), tmp_path, workers=1) as server:
        for path in READS:
            response = httpx.get(server.url + path, headers={"Cache-Control": "no-cache"}, timeout=60)
            assert response.status_code == 200, (path, response.text[:300])
        mapped = mapped_packages(server.process.pid)  # one worker: uvicorn serves from the command's process
    assert "geopandas" in mapped or "shapely" in mapped  # the map is read (and holds what serving uses)
    assert mapped.isdisjoint(NOT_LOADED), sorted(mapped & set(NOT_LOADED))
