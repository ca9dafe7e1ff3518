"""Serving the PostGIS backend for real: ``geo-industry serve`` over HTTP.

- The database lost mid-run: requests answer 503 with ``Retry-After`` (never a 500), and the same
  server answers 200 again once the database is back.

Waits are for observable state, bounded by hang guards (not timing targets); the measured delays
are printed (benchmarks live in bench/).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import DATA_DIR
from tests.pgcluster import Cluster, binaries_present
from tests.postgis.databases import loaded_database
from tests.postgis.servers import server_env, serving

from geo_industry.api.errors import DATABASE_UNAVAILABLE

#: a hang guard for state to show, not a performance target
HANG_GUARD_S = 60.0
ITEMS = "/collections/mines/items"
NO_CACHE = {"Cache-Control": "no-cache"}  # past the response cache, to the database


def wait_for(ask: Callable[[], Any], done: Callable[[Any], bool], *, guard_s: float = HANG_GUARD_S) -> Any:
    """Ask until the answer is ``done``; the last answer (fails past the hang guard)."""
    deadline = time.monotonic() + guard_s
    while True:
        answer = ask()
        if done(answer):
            return answer
        assert time.monotonic() < deadline, f"still not there after {guard_s} s: {answer!r}"
        time.sleep(0.02)  # a poll interval between requests, not a wait for state


# the database lost mid-run ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def outage_cluster() -> Iterator[Cluster]:
    """A cluster of its own: stopping it cuts no other test's connections."""
    if not binaries_present():
        pytest.skip("PostgreSQL 15 with PostGIS is not installed (make test installs postgresql-15-postgis-3)")
    cluster = Cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def test_a_lost_database_is_503_and_the_pool_recovers(outage_cluster: Cluster, tmp_path: Path) -> None:
    url = loaded_database(outage_cluster, DATA_DIR, "outage")
    offsets = itertools.count()
    with serving(server_env(url, tmp_path, request_budget_s="3"), tmp_path) as server, \
            httpx.Client(base_url=server.url, timeout=60) as http:
        def items() -> httpx.Response:
            return http.get(ITEMS, params={"limit": 1, "offset": next(offsets) % 5}, headers=NO_CACHE)

        assert items().status_code == 200
        statuses: list[int] = []
        stop = threading.Event()

        def hammer() -> None:  # a client that keeps asking through the outage
            with httpx.Client(base_url=server.url, timeout=60) as own:
                while not stop.is_set():
                    statuses.append(own.get(ITEMS, params={"limit": 2}, headers=NO_CACHE).status_code)

        hammering = threading.Thread(target=hammer)
        hammering.start()
        try:
            outage_cluster.pause()
            down = wait_for(items, lambda response: response.status_code == 503)
            assert down.headers["retry-after"].isdigit()
            assert down.json() == {"code": "ServiceUnavailable", "description": DATABASE_UNAVAILABLE}
            outage_cluster.resume()
            wait_for(items, lambda response: response.status_code == 200)
            assert [items().status_code for _ in range(10)] == [200] * 10
        finally:
            stop.set()
            hammering.join()
            if not (outage_cluster.data / "postmaster.pid").exists():
                outage_cluster.resume()
    assert set(statuses) <= {200, 503}, statuses
    assert 503 in statuses and statuses[-1] == 200
    print(f"through the outage the hammering client got {statuses.count(200)} x 200 and {statuses.count(503)} x 503")

