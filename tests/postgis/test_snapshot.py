"""A PostGIS snapshot is a pinned view: one read-only transaction on one pooled connection, released on exit,
ended by the database when nobody releases it.

The contract suite shows a snapshot keeps its revision while a write lands; here the database shows the
rest: the statistics tables and counts are those of the snapshot's revision, the connection goes back to the
pool as it was handed out (a one-connection pool then takes a write), a snapshot left alone is ended by the
database past its idle bound (its backend, and the xmin it held, are gone), and a released view refuses reads.
"""

from __future__ import annotations

import copy
import gc
from collections.abc import Iterator
from typing import Any

import orjson
import pandas as pd
import psycopg
import pytest
from tests.conftest import DATA_DIR
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database
from tests.waiting import wait_for

from geo_industry.cql import parse_filter
from geo_industry.models import FeatureQuery
from geo_industry.store import pinned
from geo_industry.store.postgis import Database, PostGISReader, PostGISStore
from geo_industry.store.postgis.reader import PostGISSnapshot
from geo_industry.store.postgis.snapshot import SnapshotEnded, SnapshotReleased

#: a hang guard for the database ending an idle snapshot (it does so 0.2 s after the snapshot's last read)
IDLE_GUARD_S = 30


@pytest.fixture(scope="module")
def url(pg_cluster: Cluster) -> str:
    return loaded_database(pg_cluster, DATA_DIR, "snapshot")


@pytest.fixture
def store(url: str) -> Iterator[PostGISStore]:
    """A store with ONE pooled connection: a snapshot that kept it would leave nothing for a write."""
    opened = PostGISStore(Database(url, pool_size=1, snapshot_idle_s=0.2))
    try:
        yield opened
    finally:
        opened.close()


def _gate(feature_id: str, at: tuple[float, float] = (103.96, 22.51)) -> dict[str, Any]:
    feature = copy.deepcopy(orjson.loads((DATA_DIR / "geo" / "border_gates.geojson").read_bytes())["features"][0])
    feature["id"] = feature["properties"]["id"] = feature_id
    feature["geometry"] = {"type": "Point", "coordinates": list(at)}
    return feature


def _backend(url: str, pid: int) -> tuple[str, Any] | None:
    """``(state, backend_xmin)`` of the server process ``pid``, or ``None`` once it is gone."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT state, backend_xmin FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    return None if row is None else (row[0], row[1])


def test_a_write_between_two_reads_of_a_snapshot_is_not_seen(url):
    # a second connection for the writes: this snapshot holds its own for the whole test
    store = PostGISStore(Database(url, pool_size=2))
    try:
        statistics_before = len(store.statistics)
        with store.snapshot() as view:
            revision, count = view.revision(), view.count("border_gates")
            store.create_features("border_gates", [_gate("snapshot-later")], actor="t")
            row = {"indicator": "industrial_production_value", "entity": "admin:10:pre-2025-07-01", "year": "2031",
                   "period": "FY", "value": "1", "unit": "bn_vnd", "basis": "actual", "price_basis": "current",
                   "source": "https://example.org/snapshot-test", "note": ""}
            store.write_statistics(pd.DataFrame([row]), actor="t")
            assert store.revision() == revision + 2 and store.count("border_gates") == count + 1
            assert view.revision() == revision and view.count("border_gates") == count
            page = view.query("border_gates", FeatureQuery(limit=1000))
            assert page.matched == count and "snapshot-later" not in set(page.features["id"])
            assert len(view.statistics) == statistics_before and len(store.statistics) == statistics_before + 1
            assert "snapshot-later" not in {f for _, frame in view.entity_features({"snapshot-later"})
                                            for f in frame["id"]}
        with store.snapshot() as later:
            assert later.revision() == revision + 2 and later.count("border_gates") == count + 1
    finally:
        store.close()


def test_the_connection_goes_back_to_the_pool_as_it_was_handed_out(store):
    with pinned(store) as view:
        assert isinstance(view, PostGISSnapshot) and view.count("mines") > 0
        assert store.database.read_pool.get_stats()["pool_available"] == 0  # the one connection is the view's
    assert view.released
    with pytest.raises(SnapshotReleased):
        view.count("mines")
    # the pool's one connection takes a write: neither read-only nor left in the snapshot's transaction
    store.create_features("border_gates", [_gate("after-a-snapshot")], actor="t")
    assert store.get("border_gates", "after-a-snapshot").iloc[0]["id"] == "after-a-snapshot"


def test_a_forgotten_snapshot_goes_back_to_the_pool_when_collected(store):
    store.snapshot().count("mines")  # never released by its caller
    gc.collect()
    assert store.database.read_pool.get_stats()["pool_available"] == 1
    assert store.count("mines") > 0


def test_the_database_ends_a_snapshot_left_idle_past_its_bound(store, url):
    view = store.snapshot()
    pid = view._lease.connection().info.backend_pid
    state = _backend(url, pid)
    assert state is not None and state[0] == "idle in transaction" and state[1] is not None  # it holds an xmin
    wait_for(lambda: _backend(url, pid), lambda backend: backend is None,  # ended 0.2 s after its last read
             guard_s=IDLE_GUARD_S)
    with pytest.raises(SnapshotEnded, match="sat idle longer than 0.2 s"):  # an OperationalError: a 503
        view.count("border_gates")
    view.release()
    assert store.count("border_gates") > 0  # the pool replaced the connection the database ended


def test_what_a_lagging_store_counts_is_kept_under_the_revision_the_count_saw(url):
    # a snapshot shares its store's caches, whose entries must hold the revision they are kept under: a store
    # whose listener has not yet heard of a write counts the newer rows, and keeps that count under the newer one
    writer = PostGISStore(Database(url, pool_size=3))
    try:
        heard = writer.revision()
        lagging = PostGISReader(writer.database, revision_source=lambda: heard)
        with lagging.snapshot() as view:
            with psycopg.connect(url) as conn:
                row = conn.execute("SELECT count(*) FROM geo_industry.border_gates").fetchone()
            assert row is not None and view.revision() == heard
            assert lagging.collection("border_gates")  # its catalog of `heard` is kept
            writer.create_features("border_gates", [_gate("counted-by-a-lagging-store", at=(104.3, 22.9))], actor="t")
            assert lagging.count("border_gates") == row[0] + 1  # it believes the revision is still `heard`
            assert view.count("border_gates") == row[0]
            assert lagging.extent("border_gates") != view.extent("border_gates")
    finally:
        writer.close()


def test_a_page_and_its_count_are_of_one_revision_while_the_listener_lags(url):
    # a page's rows and its numberMatched come from one transaction: a count kept for the revision the
    # listener knows is not paired with rows of a newer one
    writer = PostGISStore(Database(url, pool_size=2))
    try:
        heard = writer.revision()
        lagging = PostGISReader(writer.database, revision_source=lambda: heard)
        everything = FeatureQuery(limit=2)
        named = FeatureQuery(filter=parse_filter("name_en IS NOT NULL"), limit=2)
        before = lagging.query("border_gates", everything).matched, lagging.query("border_gates", named).matched
        writer.create_features("border_gates", [_gate("paged-by-a-lagging-store")], actor="t")
        after = lagging.query("border_gates", everything).matched, lagging.query("border_gates", named).matched
        assert after == (before[0] + 1, before[1] + 1)
        with lagging.snapshot() as view:
            assert view.query("border_gates", everything).matched == view.count("border_gates") == after[0]
    finally:
        writer.close()


class _WriteBeforeCounting(PostGISReader):
    """A reader that commits a new border gate between an unfiltered page and its first count."""

    def __init__(self, writer: PostGISStore) -> None:
        super().__init__(writer.database)
        self.writer, self.writes = writer, 0

    def _layer_count(self, conn, revision, layer):  # type: ignore[no-untyped-def]
        if not self.writes:
            self.writes += 1
            self.writer.create_features("border_gates", [_gate("written-between-page-and-count")], actor="t")
        return super()._layer_count(conn, revision, layer)


def test_an_unfiltered_page_is_read_again_in_one_snapshot_when_a_write_lands_before_its_count(url):
    # an unfiltered page is one autocommit statement; its count, when not kept yet, is another: a write
    # committed between the two must not pair the old page with the new count
    writer = PostGISStore(Database(url, pool_size=3))
    try:
        reader = _WriteBeforeCounting(writer)
        before = reader.count("border_gates")
        reader._counts.clear()  # the page must count
        page = reader.query("border_gates", FeatureQuery(limit=1, offset=before))  # past the end before the write
        assert reader.writes == 1
        # the page was read again with its count at the write's revision: it holds the new gate, counted
        assert list(page.features["id"]) == ["written-between-page-and-count"]
        assert page.matched == before + 1 == writer.count("border_gates")
    finally:
        writer.close()
