"""The served overview page stays within its size budget however large a tiled layer is.

The real app runs over HTTP on two PostGIS databases holding ``data/`` plus ``bench/synthetic_layers.sql``'s
synthetic points and parcels, ten times more rows in the second. Both layers pass the vector tile threshold,
so the page draws them from tiles: what it says of them (a tile URL, a symbol table, a legend section, the
count of sites) is bounded per layer, and the two pages differ only by a few digits (the counts, the zoom
the dense layer is drawn from). Measured on a million points and 100,000 parcels: 941,384 bytes (English),
4.4 kB more than the page without them.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from tests.conftest import DATA_DIR
from tests.live_server import running_app
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database, with_synthetic_layers

SMALL, LARGE = 2_000, 20_000
"""Rows of each synthetic layer (points and parcels) in the two databases."""
THRESHOLD = 1_500
"""The vector tile threshold: both synthetic layers are drawn from tiles at both sizes, the shipped ones
(all smaller) are embedded as on the default setting."""
SAME_WITHIN_BYTES = 2_000
"""How much the two pages may differ: digits of counts and zooms, never a list per row."""
PAGE_BUDGET_BYTES = 1_000_000
LANGUAGES = ("en", "vi")


def _overviews(pg_cluster: Cluster, work: Path, rows: int) -> dict[str, bytes]:
    """The served overview in each language over ``data/`` plus ``rows`` synthetic points and parcels."""
    url = with_synthetic_layers(loaded_database(pg_cluster, DATA_DIR, "overview"), points=rows, parcels=rows)
    env = {"GEO_INDUSTRY_STORE_BACKEND": "postgis", "GEO_INDUSTRY_DATABASE_URL": url,
           "GEO_INDUSTRY_VECTOR_TILE_THRESHOLD": str(THRESHOLD),
           "GEO_INDUSTRY_RASTER_DIR": str(work / f"rasters{rows}"),
           "GEO_INDUSTRY_STORE_PATH": str(work / f"keys{rows}")}
    pages = {}
    with running_app(DATA_DIR, env) as app, httpx.Client(base_url=app, timeout=300) as http:
        for lang in LANGUAGES:
            page = http.get("/maps/overview", params={"lang": lang})
            assert page.status_code == 200, page.text[:500]
            pages[lang] = page.content
    return pages


@pytest.fixture(scope="module")
def pages(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict[str, bytes]]:
    work = tmp_path_factory.mktemp("overview")
    return {rows: _overviews(pg_cluster, work, rows) for rows in (SMALL, LARGE)}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_overview_does_not_grow_with_a_tiled_layers_rows(pages: dict[int, dict[str, bytes]], lang: str) -> None:
    small, large = pages[SMALL][lang], pages[LARGE][lang]
    for page in (small, large):  # drawn from tiles at both sizes, so the sizes compare like with like
        assert b'giTiledLayer("/collections/synthetic_points/tiles/' in page
        assert b'giTiledLayer("/collections/synthetic_parcels/tiles/' in page
    assert abs(len(large) - len(small)) <= SAME_WITHIN_BYTES, \
        f"{SMALL:,} rows: {len(small):,} B; {LARGE:,} rows: {len(large):,} B"
    assert len(large) <= PAGE_BUDGET_BYTES
