"""Reads read their writes over a lagging replica: a real streaming replica with its replay paused.

Two workers read from the replica. With the replica's replay paused (it receives the WAL but shows
no later commit), a write made through one worker is read back at once through the same worker,
and through the other worker once its listener heard of it (the replica alone would never show it);
each worker's ``/health`` counts the reads it sent to the primary meanwhile. Once the replay
resumes and the replica shows the write, reads go back to the replica: the counts stop growing.
The wait for a lagging replica is the server's setting (``GEO_INDUSTRY_DATABASE_REPLICA_WAIT_MS``), as
each worker's ``/health`` reports it; out of its range the setting is refused.

Waits are for observable state, bounded by hang guards (not timing targets); the measured delays
are printed (benchmarks live in bench/).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pydantic import ValidationError
from tests.conftest import DATA_DIR
from tests.editing.conftest import GATE, GATE_URL
from tests.pgcluster import Cluster
from tests.postgis.databases import database_tokens, loaded_database
from tests.postgis.servers import Pinned, on_cluster, pinned_to_distinct_workers, server_env, serving
from tests.postgis.test_serving import note_of, patch_note
from tests.waiting import wait_for

from geo_industry.settings import Settings

NO_CACHE = {"Cache-Control": "no-cache"}  # past the response cache, to the database
WRITTEN = "written while the replica lags"
WAIT_MS = 120  # not the default (50): the setting is what each worker reports


@pytest.fixture
def replica(pg_cluster: Cluster) -> Iterator[Cluster]:
    """A streaming replica of the session cluster (replay resumed and the replica stopped afterwards)."""
    started = pg_cluster.start_replica()
    try:
        yield started
    finally:
        started.resume_replay()
        started.stop()
        pg_cluster.replicas.remove(started)


def replica_health(pinned: Pinned) -> dict[str, Any]:
    """The ``replica`` part of ``/health`` as the worker behind ``pinned`` answers it."""
    reply = pinned.get("/health", **NO_CACHE)
    assert reply.status == 200, (reply.status, reply.body[:300])
    routes: dict[str, Any] = reply.json()["replica"]
    return routes


def note_on(url: str) -> str | None:
    """The gate's ``status_note`` as the database at ``url`` shows it, read directly."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT properties->>'status_note' FROM geo_industry.border_gates WHERE id = %s",
                           (GATE,)).fetchone()
    assert row is not None
    return row[0]


def test_a_write_is_read_back_while_the_replica_lags(pg_cluster: Cluster, replica: Cluster, tmp_path: Path) -> None:
    url = loaded_database(pg_cluster, DATA_DIR, "lagging")
    read_url = on_cluster(url, replica)
    token = database_tokens(url)["all"]
    env = server_env(url, tmp_path, read_url=read_url, editing="true", database_replica_wait_ms=str(WAIT_MS))
    with serving(env, tmp_path, workers=2) as server:
        writer, other = pinned_to_distinct_workers(server, 2)
        etag = writer.get(GATE_URL, **NO_CACHE).headers["etag"]
        note_of(other.get(GATE_URL, **NO_CACHE))
        before = {name: replica_health(pinned) for name, pinned in (("writer", writer), ("other", other))}
        assert all(routes["replayedRevision"] == routes["revision"] for routes in before.values()), before
        assert [routes["waitMs"] for routes in before.values()] == [WAIT_MS, WAIT_MS], before

        replica.pause_replay()
        patch_note(writer, token, etag, WRITTEN)
        assert note_of(writer.get(GATE_URL, **NO_CACHE)) == WRITTEN  # at once
        acknowledged = time.monotonic()
        wait_for(lambda: note_of(other.get(GATE_URL, **NO_CACHE)), lambda note: note == WRITTEN)
        delay = time.monotonic() - acknowledged
        assert note_on(read_url) != WRITTEN  # the replica alone still shows the old one
        lagging = {name: replica_health(pinned) for name, pinned in (("writer", writer), ("other", other))}
        for name, routes in lagging.items():
            assert routes["replayedRevision"] < routes["revision"], (name, routes)
            assert routes["readsFromPrimary"] > before[name]["readsFromPrimary"], (name, routes)

        replica.resume_replay()
        wait_for(lambda: note_on(read_url), lambda note: note == WRITTEN)
        for pinned in (writer, other):
            wait_for(lambda pinned=pinned: replica_health(pinned),
                     lambda routes: routes["replayedRevision"] == routes["revision"])
        caught_up = {name: replica_health(pinned) for name, pinned in (("writer", writer), ("other", other))}
        for _ in range(5):
            for pinned in (writer, other):
                assert note_of(pinned.get(GATE_URL, **NO_CACHE)) == WRITTEN
        after = {name: replica_health(pinned) for name, pinned in (("writer", writer), ("other", other))}
        assert after == caught_up, (caught_up, after)  # back on the replica: no read went to the primary
    print(f"with the replay paused, the other worker read the write {delay * 1000:.0f} ms after it was "
          f"acknowledged; reads sent to the primary meanwhile: "
          + ", ".join(f"{name} {routes['readsFromPrimary']}" for name, routes in lagging.items()))


@pytest.mark.parametrize("wait_ms", ["-1", "5001", "soon"])
def test_a_replica_wait_out_of_range_is_refused(wait_ms: str) -> None:
    with pytest.raises(ValidationError, match="database_replica_wait_ms"):
        Settings(_env_file=None, database_replica_wait_ms=wait_ms)  # type: ignore[call-arg]
