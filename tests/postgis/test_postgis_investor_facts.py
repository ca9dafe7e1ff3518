"""Investor facts on the PostGIS backend come from the database: ``db load`` stores them, the store reads them
(once per revision), an edit of them in SQL bumps the revision, and a PostGIS-backed app's fact sheet shows it.

The embedded backend keeps reading ``investor_facts.csv`` (tests/maps, tests/core).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import psycopg
import pytest
from tests.conftest import DATA_DIR
from tests.live_server import running_app
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database, opened
from tests.waiting import wait_for

from geo_industry.investor_facts import load_investor_facts
from geo_industry.maps.data import investor_facts_of
from geo_industry.store import EmbeddedStore, InvestorFactSource
from geo_industry.store.postgis import PostGISStore

ZONE = "tang-loong-iz"
#: a hang guard for the app hearing of the revision an edit bumped (the design says within one second)
VISIBLE_GUARD_S = 30
FRESH = {"Cache-Control": "no-cache"}
EDIT_SOURCE = "https://example.org/investor-facts-edit-test"


@pytest.fixture(scope="module")
def url(pg_cluster: Cluster) -> str:
    return loaded_database(pg_cluster, DATA_DIR, "facts")


@pytest.fixture(scope="module")
def store(url: str) -> Iterator[PostGISStore]:
    with opened(url, PostGISStore) as store:
        yield store


def _set_occupancy(url: str, value: str, as_of: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("UPDATE geo_industry.investor_facts SET value_vi = %s, value_en = %s, as_of = %s, source_url = %s "
                     "WHERE entity = %s AND field = 'occupancy_rate'", (value, value, as_of, EDIT_SOURCE, ZONE))


def test_the_store_serves_the_loaded_facts_and_the_embedded_backend_the_file(store):
    from_file = tuple(load_investor_facts(DATA_DIR / "investor_facts.csv"))
    assert isinstance(store, InvestorFactSource) and store.investor_facts() == from_file
    assert investor_facts_of(store, None) == from_file
    embedded = EmbeddedStore.from_directory(DATA_DIR)
    assert not isinstance(embedded, InvestorFactSource)
    assert investor_facts_of(embedded, DATA_DIR / "investor_facts.csv") == from_file


def test_an_edit_in_sql_bumps_the_revision_and_a_snapshot_keeps_the_facts_it_was_taken_with(store, url):
    before = store.revision()
    with store.snapshot() as view:
        kept = view.investor_facts()
        _set_occupancy(url, "77%", "2026-10")
        assert store.revision() == before + 1  # the trigger bumped it in the editing transaction
        assert view.investor_facts() == kept
    occupancy = {f.field: f for f in store.investor_facts() if f.entity == ZONE}["occupancy_rate"]
    assert (occupancy.value_en, occupancy.as_of, occupancy.source_url) == ("77%", "2026-10", EDIT_SOURCE)


def test_a_fact_changed_in_the_database_shows_on_the_fact_sheet_of_a_postgis_backed_app(url, tmp_path):
    env = {"GEO_INDUSTRY_STORE_BACKEND": "postgis", "GEO_INDUSTRY_DATABASE_URL": url,
           "GEO_INDUSTRY_RASTER_DIR": str(tmp_path / "rasters"), "GEO_INDUSTRY_STORE_PATH": str(tmp_path / "keys")}
    _set_occupancy(url, "85%", "2026-05")
    with running_app(DATA_DIR, env) as app, httpx.Client(base_url=app, timeout=120, headers=FRESH) as http:
        sheet = http.get(f"/maps/zones/{ZONE}", params={"lang": "en"})
        assert sheet.status_code == 200 and "85% (2026-05)" in sheet.text
        _set_occupancy(url, "61% <script>alert(1)</script>", "2026-11")
        sheet = wait_for(lambda: http.get(f"/maps/zones/{ZONE}", params={"lang": "en"}),
                         lambda page: "2026-11" in page.text, guard_s=VISIBLE_GUARD_S)
        assert sheet.status_code == 200 and "85% (2026-05)" not in sheet.text
        assert "61% &lt;script&gt;alert(1)&lt;/script&gt;" in sheet.text and "<script>alert(1)" not in sheet.text
        assert EDIT_SOURCE in sheet.text
