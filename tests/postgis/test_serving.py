"""Serving the PostGIS backend for real: ``geo-industry serve`` over HTTP, several workers, a replica, an outage.

- Two workers: a write acknowledged through one worker is read through the other (each connection
  pinned to a known worker process), while a reader racing the writes never sees one undone.
- A streaming replica: the API reading from it shows a write made through the API (to the primary).
- The database lost mid-run: requests answer 503 with ``Retry-After`` (never a 500), and the same
  server answers 200 again once the database is back; after a restart no request gets a pooled
  connection the restart cut.

Waits are for observable state, bounded by hang guards (not timing targets); the measured delays
are printed (benchmarks live in bench/).
"""

from __future__ import annotations

import itertools
import re
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest
from tests.conftest import DATA_DIR, throwaway_cluster
from tests.editing.conftest import GATE_URL, MERGE_PATCH, bearer
from tests.pgcluster import Cluster
from tests.postgis.databases import database_tokens, loaded_database
from tests.postgis.servers import Pinned, Reply, on_cluster, pinned_to_distinct_workers, server_env, serving
from tests.waiting import wait_for

from geo_industry.api.errors import DATABASE_UNAVAILABLE

#: a hang guard for state to show, not a performance target
HANG_GUARD_S = 60.0
ITEMS = "/collections/mines/items"
ROUNDS = 8
NO_CACHE = {"Cache-Control": "no-cache"}  # past the response cache, to the database


def note_of(reply: Reply) -> str | None:
    assert reply.status == 200, (reply.status, reply.body[:300])
    return reply.json()["properties"].get("status_note")


def patch_note(pinned: Pinned, token: str, etag: str, note: str) -> str:
    """Set the gate's ``status_note`` through ``pinned``'s worker; the new ETag."""
    reply = pinned.request("PATCH", GATE_URL, body={"properties": {"status_note": note}},
                           headers={**MERGE_PATCH, **bearer(token), "If-Match": etag})
    assert reply.status == 204, (reply.status, reply.body[:300])
    return reply.headers["etag"]


# two workers ---------------------------------------------------------------------------------------------
def test_a_write_through_one_worker_is_read_through_the_other(pg_cluster: Cluster, tmp_path: Path) -> None:
    url = loaded_database(pg_cluster, DATA_DIR, "workers")
    token = database_tokens(url)["all"]
    with serving(server_env(url, tmp_path, editing="true"), tmp_path, workers=2) as server:
        writer, reader = pinned_to_distinct_workers(server, 2)
        racer = Pinned(server)
        racer.get("/health")
        etag = writer.get(GATE_URL).headers["etag"]
        note_of(reader.get(GATE_URL))  # the reader's worker has the gate cached at this revision
        seen_by_racer: list[int] = []
        stop = threading.Event()

        def race() -> None:  # reads as fast as it can while the writes land: never a round undone
            while not stop.is_set():
                note = note_of(racer.get(GATE_URL)) or ""
                seen_by_racer.append(int(note.split()[-1]) if note.startswith("round ") else 0)

        racing = threading.Thread(target=race)
        racing.start()
        delays = []
        try:
            for number in range(1, ROUNDS + 1):
                etag = patch_note(writer, token, etag, f"round {number}")
                acknowledged = time.monotonic()
                wait_for(lambda: note_of(reader.get(GATE_URL)), lambda note, n=number: note == f"round {n}")
                delays.append(time.monotonic() - acknowledged)
                assert note_of(writer.get(GATE_URL)) == f"round {number}"  # the writer's own worker too
        finally:
            stop.set()
            racing.join()
    assert seen_by_racer == sorted(seen_by_racer), "a read went back to an older write"
    print(f"write on one worker readable on the other after {statistics.median(delays) * 1000:.0f} ms median, "
          f"{max(delays) * 1000:.0f} ms at most ({ROUNDS} writes); the racing reader made {len(seen_by_racer)} reads")


# a read replica ------------------------------------------------------------------------------------------
def test_the_replica_backed_api_shows_a_write_made_through_it(pg_cluster: Cluster, tmp_path: Path) -> None:
    url = loaded_database(pg_cluster, DATA_DIR, "replicated")
    replica = pg_cluster.start_replica()
    read_url = on_cluster(url, replica)
    token = database_tokens(url)["all"]
    try:
        env = server_env(url, tmp_path, read_url=read_url, editing="true")
        with serving(env, tmp_path) as server:
            pinned = Pinned(server)
            etag = pinned.get(GATE_URL).headers["etag"]
            patch_note(pinned, token, etag, "written to the primary")
            wait_for(lambda: note_of(pinned.get(GATE_URL)), lambda note: note == "written to the primary")
            with psycopg.connect(read_url, autocommit=True) as conn:
                in_recovery = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                readers = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND application_name LIKE 'geo-industry%%' AND pid <> pg_backend_pid()"
                                       ).fetchone()
            assert in_recovery == (True,)  # a standby: the write cannot have been made there
            assert readers is not None and readers[0] >= 1  # and the server reads from it
    finally:
        replica.stop()
        pg_cluster.replicas.remove(replica)


# the database lost mid-run ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def outage_cluster() -> Iterator[Cluster]:
    """A cluster of its own: stopping it cuts no other test's connections."""
    with throwaway_cluster() as cluster:
        yield cluster


def test_a_lost_database_is_503_and_the_pool_recovers(outage_cluster: Cluster, tmp_path: Path) -> None:
    url = loaded_database(outage_cluster, DATA_DIR, "outage")
    offsets = itertools.count()
    unavailable: list[str] = []  # the description of every 503 either client got

    def noted(response: httpx.Response) -> httpx.Response:
        if response.status_code == 503:
            unavailable.append(response.json()["description"])
        return response

    with serving(server_env(url, tmp_path, request_budget_s="3"), tmp_path) as server, \
            httpx.Client(base_url=server.url, timeout=60) as http:
        def items() -> httpx.Response:
            return noted(http.get(ITEMS, params={"limit": 1, "offset": next(offsets) % 5}, headers=NO_CACHE))

        assert items().status_code == 200
        statuses: list[int] = []
        stop = threading.Event()

        def hammer() -> None:  # a client that keeps asking through the outage
            with httpx.Client(base_url=server.url, timeout=60) as own:
                while not stop.is_set():
                    statuses.append(noted(own.get(ITEMS, params={"limit": 2}, headers=NO_CACHE)).status_code)

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
        failed = sum(1 for description in unavailable if description == DATABASE_UNAVAILABLE)
        # the outage's log: one line when it started, then one line per interval counting the rest
        starts, counted = wait_for(lambda: outage_lines(server.log()), lambda lines: 1 + sum(lines[1]) >= failed)
    assert set(statuses) <= {200, 503}, statuses
    assert 503 in statuses and statuses[-1] == 200
    assert len(starts) == 1 and 1 + sum(counted) == failed, (starts, counted, failed)
    assert len(counted) < failed - 1  # far fewer lines than failed requests
    print(f"through the outage the hammering client got {statuses.count(200)} x 200 and {statuses.count(503)} x 503; "
          f"{failed} requests answered 503 were logged in {len(starts) + len(counted)} lines")


def outage_lines(log: str) -> tuple[list[str], list[int]]:
    """The lines starting an outage in a server's log, and the counts of the lines that followed them."""
    starts = [line for line in log.splitlines() if ": database unavailable (" in line]
    counted = [int(found.group(1)) for found in re.finditer(r"database unavailable: (\d+) more requests", log)]
    return starts, counted


def test_after_a_restart_the_pool_hands_out_no_cut_connection(outage_cluster: Cluster, tmp_path: Path) -> None:
    url = loaded_database(outage_cluster, DATA_DIR, "restart")
    with serving(server_env(url, tmp_path), tmp_path) as server, \
            httpx.Client(base_url=server.url, timeout=60) as http, ThreadPoolExecutor(8) as clients:
        def items(offset: int) -> int:
            return http.get(ITEMS, params={"limit": 1, "offset": offset % 5}, headers=NO_CACHE).status_code

        assert set(clients.map(items, range(64))) == {200}  # several requests at once: several pooled connections
        outage_cluster.restart()  # cuts every one of them
        wait_for(lambda: http.get("/health", headers=NO_CACHE).status_code, lambda status: status == 200)
        assert list(clients.map(items, range(64))) == [200] * 64
