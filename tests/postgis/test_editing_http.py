"""The editing API over the PostGIS backend, end to end: a real uvicorn server, real HTTP, API keys.

Two worker processes serve one PostGIS database. A stale ``If-Match`` is answered 412 and
changes nothing; clients racing to edit the same feature (each re-reading and retrying on 412,
as a careful client does) lose no update: every edit is in the final feature and in its history.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import httpx
import pytest
from tests.conftest import DATA_DIR
from tests.editing.conftest import MERGE_PATCH, bearer, new_gate, running_server
from tests.pgcluster import Cluster
from tests.postgis.databases import database_tokens, loaded_database
from tests.waiting import wait_for

from geo_industry.store.postgis import Database, PostGISStore

GATES = "/collections/border_gates/items"
RACERS = 4
EDITS_EACH = 5
#: a hang guard for one client's retries, not a performance target
MAX_ATTEMPTS = 200
#: a hang guard for the other worker to hear of a write (the design says within one second)
VISIBLE_GUARD_S = 30

visible = partial(wait_for, guard_s=VISIBLE_GUARD_S, interval_s=0.05)
"""Ask until what it returns holds: a write is visible to both workers once they hear of it."""
FRESH = {"Cache-Control": "no-cache"}


@pytest.fixture(scope="module")
def server(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory):
    """A two-worker server over a freshly loaded database; yields its URL, the database URL, two tokens.

    The tokens: one with features:write only, one with every write scope.
    """
    folder = tmp_path_factory.mktemp("pg-editing")
    keys_path = folder / "keys.sqlite"  # the server's store path (the API keys are in the database)
    database_url = loaded_database(pg_cluster, DATA_DIR, "editing")
    tokens = database_tokens(database_url)
    env = {"GEO_INDUSTRY_STORE_BACKEND": "postgis", "GEO_INDUSTRY_DATABASE_URL": database_url}
    with running_server(keys_path, workers=2, startup_timeout=300, env=env) as (url, _):
        yield url, database_url, tokens["features:write"], tokens["all"]


def _etag(http: httpx.Client, url: str) -> str:
    response = visible(lambda: http.get(url, headers=FRESH), lambda r: r.status_code != 404)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def test_create_then_a_stale_if_match_is_412_and_changes_nothing(server):
    url, _, token, _ = server
    with httpx.Client(base_url=url, timeout=120, headers=bearer(token)) as http:
        created = http.post(GATES, json=new_gate("pg-http-gate"))
        assert created.status_code == 201, created.text
        item = f"{GATES}/pg-http-gate"
        first = _etag(http, item)
        patched = http.patch(item, content=b'{"properties": {"status_note": "first"}}',
                             headers={**MERGE_PATCH, "If-Match": first})
        assert patched.status_code == 204, patched.text
        assert patched.headers["ETag"] != first
        stale = http.patch(item, content=b'{"properties": {"status_note": "second"}}',
                           headers={**MERGE_PATCH, "If-Match": first})
        assert stale.status_code == 412, stale.text
        assert "If-Match" in stale.json()["description"]
        visible(lambda: http.get(item, headers=FRESH).json()["properties"].get("status_note"),
                    lambda note: note == "first")
        unauthorised = http.patch(item, content=b'{"properties": {"status_note": "x"}}',
                                  headers={**MERGE_PATCH, "Authorization": "Bearer nope"})
        assert unauthorised.status_code == 401


def _append_edits(url: str, token: str, item: str, racer: int) -> int:
    """Append ``EDITS_EACH`` marks to the feature's note, each by read, If-Match write, retry on 412."""
    conflicts = 0
    with httpx.Client(base_url=url, timeout=120, headers=bearer(token)) as http:
        for edit in range(EDITS_EACH):
            for _ in range(MAX_ATTEMPTS):
                current = http.get(item, headers=FRESH)
                assert current.status_code == 200, current.text
                note = current.json()["properties"].get("status_note") or ""
                mark = f"r{racer}e{edit}"
                body = httpx.Request("PATCH", "/", json={"properties": {"status_note": f"{note} {mark}".strip()}})
                response = http.patch(item, content=body.content,
                                      headers={**MERGE_PATCH, "If-Match": current.headers["ETag"]})
                if response.status_code == 204:
                    break
                assert response.status_code == 412, response.text
                conflicts += 1
            else:
                raise AssertionError(f"racer {racer} gave up after {MAX_ATTEMPTS} conflicts")
    return conflicts


def test_racing_editors_lose_no_update(server):
    url, database_url, token, _ = server
    with httpx.Client(base_url=url, timeout=120, headers=bearer(token)) as http:
        assert http.post(GATES, json=new_gate("pg-race-gate")).status_code == 201
    item = f"{GATES}/pg-race-gate"
    with ThreadPoolExecutor(RACERS) as pool:
        conflicts = sum(pool.map(lambda racer: _append_edits(url, token, item, racer), range(RACERS)))
    expected = {f"r{racer}e{edit}" for racer in range(RACERS) for edit in range(EDITS_EACH)}
    store = PostGISStore(Database(database_url, pool_size=1))
    try:
        note = store.get("border_gates", "pg-race-gate").iloc[0]["status_note"]
        history = store.history(feature_id="pg-race-gate", limit=1000)
    finally:
        store.close()
    assert sorted(note.split()) == sorted(expected)  # every edit kept, none twice
    assert [entry.action for entry in history].count("update") == RACERS * EDITS_EACH
    print(f"race: {RACERS} editors x {EDITS_EACH} edits, {conflicts} answered 412 and retried")


def test_an_uploaded_layer_and_a_statistics_row_are_served(server):
    url, _, features_only, every_scope = server
    layer = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": f"pg-upload-{i}", "name": f"Site {i}"},
         "geometry": {"type": "Point", "coordinates": [104.0 + i / 100, 22.4]}} for i in range(3)]}
    metadata = json.dumps({"id": "pg_uploaded", "title": {"vi": "Điểm thử", "en": "Test sites"},
                           "description": {"vi": "Tải lên thử", "en": "Test upload"}, "licence": "CC-BY-4.0",
                           "attribution": "tests"})
    with httpx.Client(base_url=url, timeout=120) as http:
        upload = {"files": {"file": ("layer.geojson", json.dumps(layer).encode())}, "data": {"metadata": metadata}}
        assert http.post("/collections", headers=bearer(features_only), **upload).status_code == 403
        created = http.post("/collections", headers=bearer(every_scope), **upload)
        assert created.status_code == 201, created.text
        page = visible(lambda: http.get("/collections/pg_uploaded/items", params={"limit": 2, "offset": 2},
                                            headers=FRESH), lambda r: r.status_code == 200).json()
        assert page["numberMatched"] == 3 and [f["id"] for f in page["features"]] == ["pg-upload-2"]
        item = "/collections/processing_plants/items/tang-loong-copper-smelter"
        tag = _etag(http, item)
        row = {"indicator": "copper_cathode_output", "entity": "tang-loong-copper-smelter", "year": "2025",
               "period": "FY", "value": "9100", "unit": "t", "basis": "actual", "price_basis": "n/a",
               "source": "https://example.org/fy-2025", "note": ""}
        written = http.post("/collections/statistics/items", json=[row], headers=bearer(every_scope))
        assert written.status_code == 200, written.text
        visible(lambda: http.get(item, headers=FRESH), lambda r: r.headers.get("ETag") not in (None, tag))
        visible(lambda: http.get(item, headers=FRESH).json()["properties"].get("latest_copper_cathode_output"),
                    lambda value: value == 9100)
