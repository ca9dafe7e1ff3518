"""The revision listener against a real cluster, driven by plain SQL: ``UPDATE`` + ``pg_notify`` as a write does.

A database of its own holds the schema (``init_schema``) and nothing else: these tests need no loaded data.
Waits are for the listener's observable state, bounded by a hang guard (not a timing target).
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from tests.pgcluster import Cluster
from tests.postgis.databases import new_database

from geo_industry.store.postgis.notify import APPLICATION_NAME, RevisionListener, RevisionUnknown, notify_statement
from geo_industry.store.postgis.schema import REVISION_CHANNEL, SCHEMA, init_schema

#: a hang guard for the background thread, not a performance target
HANG_GUARD_S = 30.0


def on_cluster(url: str, cluster: Cluster) -> str:
    """The URL of the same database on another cluster (a replica)."""
    return cluster.url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def revision_db(pg_cluster: Cluster) -> str:
    """A database with the store's schema and no data (revision 0); its URL."""
    url = new_database(pg_cluster, "notify")
    with psycopg.connect(url) as conn:
        init_schema(conn)
    return url


@pytest.fixture
def listener(revision_db: str) -> Iterator[RevisionListener]:
    """A started listener on the primary, connected."""
    started = RevisionListener(revision_db).start()
    assert started.wait_for(lambda value: value is not None, HANG_GUARD_S), "the listener never connected"
    yield started
    started.stop()


def commit_write(url: str, *, notify: bool = True) -> int:
    """What a write does to the revision: bump it and notify, in one transaction; the new value."""
    with psycopg.connect(url) as conn:
        row = conn.execute(f"UPDATE {SCHEMA}.revision SET value = value + 1 RETURNING value").fetchone()
        assert row is not None
        if notify:
            conn.execute(notify_statement(row[0]))
    return int(row[0])


def listening_pids(url: str) -> set[int]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = %s",
                            (APPLICATION_NAME, url.rsplit("/", 1)[1])).fetchall()
    return {row[0] for row in rows}


def test_a_committed_write_reaches_the_listener(listener: RevisionListener, revision_db: str) -> None:
    before = listener.revision()
    value = commit_write(revision_db)
    assert before is not None and value == before + 1
    assert listener.wait_for(lambda seen: seen == value, HANG_GUARD_S)


def test_a_stream_of_writes_ends_at_the_last_one(listener: RevisionListener, revision_db: str) -> None:
    values = [commit_write(revision_db) for _ in range(20)]
    assert listener.wait_for(lambda seen: seen == values[-1], HANG_GUARD_S)


def test_a_write_without_notification_is_found_by_the_poll(listener: RevisionListener, revision_db: str) -> None:
    value = commit_write(revision_db, notify=False)
    assert listener.wait_for(lambda seen: seen == value, HANG_GUARD_S)


def test_a_hostile_payload_changes_nothing(listener: RevisionListener, revision_db: str) -> None:
    current = listener.revision()
    with psycopg.connect(revision_db, autocommit=True) as conn:
        for payload in ("999999", "-1", "x'; DROP TABLE geo_industry.revision; --", ""):
            conn.execute("SELECT pg_notify(%s, %s)", (REVISION_CHANNEL, payload))
    value = commit_write(revision_db)  # the revision comes from the row, whatever the payloads said
    assert current is not None and value == current + 1
    assert listener.wait_for(lambda seen: seen == value, HANG_GUARD_S)


def test_the_listener_reconnects_after_its_connection_is_cut(listener: RevisionListener, revision_db: str) -> None:
    old = listening_pids(revision_db)
    assert len(old) == 1
    with psycopg.connect(revision_db, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (next(iter(old)),))
    value = commit_write(revision_db)
    assert listener.wait_for(lambda seen: seen == value, HANG_GUARD_S)
    assert listening_pids(revision_db).isdisjoint(old)


def test_no_connection_no_revision() -> None:
    cluster_free = "postgresql://nobody@127.0.0.1:1/none"  # port 1: refused at once
    lonely = RevisionListener(cluster_free).start()
    try:
        assert lonely.revision() is None
        with pytest.raises(RevisionUnknown):  # at once: the response cache asks on the event loop
            lonely.current()
        assert "nobody" not in repr(lonely)
    finally:
        lonely.stop()


def test_with_a_replica_the_revision_is_one_the_replica_shows(pg_cluster: Cluster, revision_db: str) -> None:
    replica = pg_cluster.start_replica()
    replica_url = on_cluster(revision_db, replica)
    follower = RevisionListener(revision_db, replica_url).start()
    try:
        assert follower.wait_for(lambda value: value is not None, HANG_GUARD_S)
        for _ in range(5):
            value = commit_write(revision_db)
            assert follower.wait_for(lambda seen, value=value: seen == value, HANG_GUARD_S)
            with psycopg.connect(replica_url, autocommit=True) as conn:
                row = conn.execute(f"SELECT value FROM {SCHEMA}.revision").fetchone()
            assert row is not None and row[0] >= value  # the replica had replayed it when the listener said so
    finally:
        follower.stop()
        replica.stop()
        pg_cluster.replicas.remove(replica)
