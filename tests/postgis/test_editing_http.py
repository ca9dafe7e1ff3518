"""The editing API over the PostGIS backend, end to end: a real uvicorn server, real HTTP, API keys.

Two worker processes serve one PostGIS database. A stale ``If-Match`` is answered 412 and
changes nothing; clients racing to edit the same feature (each re-reading and retrying on 412,
as a careful client does) lose no update: every edit is in the final feature and in its history.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from tests.conftest import DATA_DIR
from tests.editing.conftest import MERGE_PATCH, bearer, create_tokens, new_gate, running_server
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database

from geo_industry.store.postgis import Database, PostGISStore

GATES = "/collections/border_gates/items"
RACERS = 4
EDITS_EACH = 5
#: a hang guard for one client's retries, not a performance target
MAX_ATTEMPTS = 200


@pytest.fixture(scope="module")
def server(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory):
    """A two-worker server over a freshly loaded database; yields (base URL, database URL, write token)."""
    folder = tmp_path_factory.mktemp("pg-editing")
    keys_path = folder / "keys.sqlite"  # API keys stay in their own file on every backend
    token = create_tokens(keys_path)["features:write"]
    database_url = loaded_database(pg_cluster, DATA_DIR, "editing")
    env = {"GEO_INDUSTRY_STORE_BACKEND": "postgis", "GEO_INDUSTRY_DATABASE_URL": database_url}
    with running_server(keys_path, workers=2, startup_timeout=300, env=env) as (url, _):
        yield url, database_url, token


def _etag(http: httpx.Client, url: str) -> str:
    response = http.get(url)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def test_create_then_a_stale_if_match_is_412_and_changes_nothing(server):
    url, _, token = server
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
        assert http.get(item).json()["properties"]["status_note"] == "first"
        unauthorised = http.patch(item, content=b'{"properties": {"status_note": "x"}}',
                                  headers={**MERGE_PATCH, "Authorization": "Bearer nope"})
        assert unauthorised.status_code == 401


def _append_edits(url: str, token: str, item: str, racer: int) -> int:
    """Append ``EDITS_EACH`` marks to the feature's note, each by read, If-Match write, retry on 412."""
    conflicts = 0
    with httpx.Client(base_url=url, timeout=120, headers=bearer(token)) as http:
        for edit in range(EDITS_EACH):
            for _ in range(MAX_ATTEMPTS):
                current = http.get(item)
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
    url, database_url, token = server
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
