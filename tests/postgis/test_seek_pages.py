"""Paging a large PostGIS layer by following ``next`` links: each page seeks after the last one (``after``) by
the ``position`` index, never skipping ``OFFSET`` rows, and the pages are those offset paging gives.

The real app runs under uvicorn on a database holding ``data/`` and synthetic points and parcels
(``bench/synthetic_layers.sql``); the statements are ``EXPLAIN``-ed on the same database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import orjson
import psycopg
import pytest
from tests.conftest import DATA_DIR
from tests.live_server import running_app
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database, opened, with_synthetic_layers

from geo_industry.models import FeatureQuery, SeekKey
from geo_industry.store.postgis import PostGISReader

POINTS = 12_000
PARCELS = 3_000


@pytest.fixture(scope="module")
def database_url(pg_cluster: Cluster) -> str:
    return with_synthetic_layers(loaded_database(pg_cluster, DATA_DIR, "seek"), points=POINTS, parcels=PARCELS)


@pytest.fixture(scope="module")
def base_url(database_url: str) -> Iterator[str]:
    with running_app(DATA_DIR, {"GEO_INDUSTRY_STORE_BACKEND": "postgis",
                                "GEO_INDUSTRY_DATABASE_URL": database_url}) as url:
        yield url


def _follow(client: httpx.Client, url: str) -> tuple[list[str], int, list[str]]:
    """Every feature id reached by following ``next`` links from ``url``, ``numberMatched`` (the same on every
    page) and the ``next`` links followed."""
    ids: list[str] = []
    followed: list[str] = []
    matched: set[int] = set()
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text[:300]
        body = response.json()
        ids += [feature["id"] for feature in body["features"]]
        matched.add(body["numberMatched"])
        following = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = following[0] if following else ""
        followed += following
    assert len(matched) == 1, matched
    return ids, matched.pop(), followed


def _by_offset(client: httpx.Client, url: str, limit: int, total: int) -> list[str]:
    ids: list[str] = []
    for offset in range(0, total, limit):
        ids += [f["id"] for f in client.get(f"{url}&offset={offset}").json()["features"]]
    return ids


SELECTIONS = [
    ("synthetic_points", {"limit": 1000}),
    ("synthetic_points", {"limit": 700, "filter": "status = 'operating' AND capacity_value > 20"}),
    ("synthetic_points", {"limit": 300, "bbox": "103.9,21.9,104.6,22.5"}),
    ("synthetic_parcels", {"limit": 250, "bbox": "103.6,21.5,104.9,22.7", "properties": "area_ha"}),
    ("mines", {"limit": 9}),
    ("hydropower_plants", {"limit": 6, "filter": "installed_mw > 5"}),
]


@pytest.mark.parametrize(("layer_id", "params"), SELECTIONS, ids=[f"{lid}-{'-'.join(p)}" for lid, p in SELECTIONS])
def test_following_next_links_visits_every_feature_once_in_offset_order(base_url, layer_id, params):
    url = f"{base_url}/collections/{layer_id}/items?{urlencode(params)}"
    with httpx.Client(timeout=60) as client:
        ids, matched, followed = _follow(client, url)
        assert len(ids) == len(set(ids)) == matched > params["limit"]
        assert ids == _by_offset(client, url, params["limit"], matched)
    assert followed and all("after=" in link and "offset=" in link for link in followed)


def test_a_sorted_selection_keeps_offset_paging(base_url):
    with httpx.Client(timeout=60) as client:
        ids, matched, followed = _follow(client, f"{base_url}/collections/mines/items?limit=10&sortby=-name_en")
    assert len(ids) == len(set(ids)) == matched and followed
    assert not [link for link in followed if "after=" in link]


def test_a_seek_page_reads_the_position_index_without_offset(database_url):
    with opened(database_url, PostGISReader) as reader:
        deep = SeekKey(POINTS - 2_000, "")
        for query in (FeatureQuery(limit=1000, after=deep),
                      FeatureQuery(limit=1000, after=deep, filter={"op": "=", "args": [{"property": "status"},
                                                                                        "operating"]})):
            statement, params = reader.page_statement("synthetic_points", query)
            with psycopg.connect(database_url) as conn:
                text = statement.as_string(conn)
                plan = "\n".join(r[0] for r in conn.execute(psycopg.sql.SQL("EXPLAIN ") + statement, params))
            assert "OFFSET" not in text.upper() and "Offset" not in plan
            assert "Index Cond" in plan and '"position" >=' in plan, plan
            assert "Seq Scan on synthetic_points" not in plan, plan


def test_a_seek_page_counts_the_whole_selection(database_url):
    with opened(database_url, PostGISReader) as reader:
        whole = reader.query("synthetic_points", FeatureQuery(limit=1, bbox=(103.9, 21.9, 104.6, 22.5)))
        assert whole.last_key is not None
        seek = reader.record_page("synthetic_points", FeatureQuery(limit=5, bbox=(103.9, 21.9, 104.6, 22.5),
                                                                   after=whole.last_key, offset=1))
        assert seek.matched == whole.matched and len(seek.ids) == 5 and whole.features["id"][0] not in seek.ids
        past = reader.query("synthetic_points", FeatureQuery(limit=5, after=SeekKey(2**63 - 1, "")))
        assert past.number_returned == 0 and past.matched == POINTS and past.last_key is None


def _gdal(*args: str) -> str:
    env = {**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1", "GDAL_HTTP_TIMEOUT": "120",
           "CPL_VSIL_CURL_USE_HEAD": "NO"}
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.gdal
@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="GDAL command-line tools not installed (gdal-bin)")
def test_gdal_pages_the_synthetic_points_to_the_end(base_url, database_url, tmp_path: Path):
    """``ogr2ogr`` and ``ogrinfo`` (OAPIF driver) follow the seeking ``next`` links through every point."""
    with opened(database_url, PostGISReader) as reader:
        in_order = list(reader.frame("synthetic_points")["id"])
    out = tmp_path / "points.geojson"
    _gdal("ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{base_url}", "synthetic_points", "-oo", "PAGE_SIZE=1000")
    ids = [str(feature["properties"]["id"]) for feature in orjson.loads(out.read_bytes())["features"]]
    assert ids == in_order and len(ids) == POINTS
    listed = _gdal("ogrinfo", "-ro", "-al", "-q", "-geom=NO", "-oo", "PAGE_SIZE=1000", f"OAPIF:{base_url}",
                   "synthetic_points")
    assert listed.count("OGRFeature(synthetic_points)") == POINTS
