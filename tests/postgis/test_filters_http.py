"""Filters through the real app on the PostGIS backend (uvicorn on a loopback port, ``db load``-ed data).

Every hostile filter and parameter of ``tests/security/test_hostile_filters.py`` gets the status
and message it gets on the embedded backend, the tables are intact afterwards, and ordinary
filters (with ``filter-crs``, enumerated values, queryable parameters) match the features the
embedded backend matches.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from tests.conftest import DATA_DIR
from tests.live_server import running_app
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database
from tests.security.test_hostile_filters import ANSWER_BOUND_S, BUDGET_S, CASES, EPSG4326, Case

from geo_industry.api import create_app
from geo_industry.settings import Settings
from geo_industry.store import EmbeddedStore
from geo_industry.store.postgis.schema import layer_table


@pytest.fixture(scope="module")
def database_url(pg_cluster: Cluster) -> str:
    return loaded_database(pg_cluster, DATA_DIR, "filters_http")


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over the PostGIS backend with a 5 s request budget, as the embedded hostile tests run it."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    settings = {"GEO_INDUSTRY_REQUEST_BUDGET_S": str(BUDGET_S), "GEO_INDUSTRY_STORE_BACKEND": "postgis",
                "GEO_INDUSTRY_DATABASE_URL": database_url}
    with running_app(DATA_DIR, settings, log=log) as url:
        yield url
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")[-3000:]


@pytest.fixture(scope="module")
def embedded(store: EmbeddedStore) -> Iterator[TestClient]:
    """The same app in process over the embedded store: what the PostGIS backend must answer."""
    with TestClient(create_app(Settings(data_dir=DATA_DIR, _env_file=None), store=store)) as client:  # type: ignore[call-arg]
        yield client


def _row_counts(database_url: str) -> tuple[int, ...]:
    layers = ("mines", "industrial_zones")
    counts = [sql.SQL("(SELECT count(*) FROM {})").format(layer_table(layer)) for layer in layers]
    with psycopg.connect(database_url) as conn:
        row = conn.execute(sql.SQL("SELECT ") + sql.SQL(", ").join(counts)).fetchone()
    assert row is not None
    return tuple(row)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_answers_as_on_the_embedded_backend(server: str, database_url: str, case: Case) -> None:
    before = _row_counts(database_url)
    response = httpx.get(server + case.path, params=case.params, timeout=ANSWER_BOUND_S * 2)
    assert response.status_code == case.status, response.text[:300]
    if case.status >= 400:
        assert case.message in response.json()["description"]
    assert _row_counts(database_url) == before


FILTERS = [
    ("mines", {"filter": "commodity = 'iron_ore' AND start_year >= 2010"}),
    ("mines", {"filter": "ACCENTI(CASEI(name_vi)) LIKE '%mo sat%'"}),
    ("mines", {"filter": "name_vi = 'x''; DROP TABLE mines; --'"}),
    ("mines", {"commodity": "iron_ore"}),
    ("industrial_zones", {"filter": "former_province = 'Yên Bái'"}),
    ("industrial_zones", {"filter": "S_DWITHIN(geometry, POINT(103.95 22.4833), 20, kilometers)"}),
    ("industrial_zones", {"filter": "S_DWITHIN(geometry, POINT(22.4833 103.95), 20, kilometers)",
                          "filter-crs": EPSG4326}),
    ("industrial_zones", {"filter": "suitability_score > 0.5 OR area_ha > 100", "sortby": "-area_ha"}),
    ("industrial_zones", {"filter": '{"op": "<", "args": [{"property": "dist_border_gate_km"}, 40]}',
                          "filter-lang": "cql2-json"}),
    ("hydropower_plants", {"filter": "installed_mw * 2 > 100 AND NOT (river IS NULL)", "limit": "5", "offset": "2"}),
    # what the overview's search box asks for a tiled layer's sites (static/maps/tiled-layers.js nameFilter)
    ("mines", {"filter": "(ACCENTI(CASEI(name_search)) LIKE '%quy xa%') AND (ACCENTI(CASEI(name_search)) LIKE '%mo%')",
               "filter-lang": "cql2-text", "limit": "10"}),
    ("mines", {"filter": "(ACCENTI(CASEI(name_search)) LIKE '%o''\\_x\\%\\\\%')", "filter-lang": "cql2-text",
               "limit": "10"}),
]


@pytest.mark.parametrize(("layer_id", "params"), FILTERS)
def test_filters_match_what_the_embedded_backend_matches(server: str, embedded: TestClient, layer_id: str,
                                                         params: dict[str, str]) -> None:
    path = f"/collections/{layer_id}/items"
    query = {"limit": "1000", "f": "json", **params}
    ours = httpx.get(server + path, params=query, timeout=ANSWER_BOUND_S * 2)
    theirs = embedded.get(path, params=query)
    assert ours.status_code == theirs.status_code == 200, ours.text[:300]
    assert ours.json()["numberMatched"] == theirs.json()["numberMatched"]
    ids = [feature["id"] for feature in ours.json()["features"]]
    expected = [feature["id"] for feature in theirs.json()["features"]]
    assert (ids if "sortby" in params else sorted(ids)) == (expected if "sortby" in params else sorted(expected))
