"""PostGIS feature positions are never given twice: a seek key (``after``) of a deleted feature hides no later one.

A new feature takes its layer's ``catalog.next_position``, which only grows (migration 11 starts it after the
rows a database holds). Over HTTP: the feature a ``next`` link seeks after and the one after it are deleted, a
feature whose id sorts before it is added, and the link still reaches it. Two connections taking positions at
once queue on the catalog row and get distinct, increasing ones.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from tests.conftest import DATA_DIR
from tests.editing.conftest import bearer, new_gate, running_server
from tests.pgcluster import Cluster
from tests.postgis.databases import database_tokens, loaded_database, new_database, opened
from tests.waiting import wait_for

from geo_industry.models import LayerMeta
from geo_industry.store.postgis import Database, PostGISStore, schema
from geo_industry.store.postgis.schema import create_layer_table, take_positions

GATES = "/collections/border_gates/items"
FRESH = {"Cache-Control": "no-cache"}
#: a hang guard for a connection to queue on a lock another holds, not a performance target
LOCK_GUARD_S = 30


@pytest.fixture(scope="module")
def database_url(pg_cluster: Cluster) -> str:
    return loaded_database(pg_cluster, DATA_DIR, "positions")


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """One worker over the database; yields its URL and a token that may write features."""
    keys_path = tmp_path_factory.mktemp("pg-positions") / "keys.sqlite"
    token = database_tokens(database_url)["features:write"]
    env = {"GEO_INDUSTRY_STORE_BACKEND": "postgis", "GEO_INDUSTRY_DATABASE_URL": database_url}
    with running_server(keys_path, workers=1, startup_timeout=300, env=env) as (url, _):
        yield url, token


def _ids(http: httpx.Client, url: str) -> tuple[list[str], str | None]:
    response = http.get(url, headers=FRESH)
    assert response.status_code == 200, response.text[:300]
    body = response.json()
    following = [link["href"] for link in body["links"] if link["rel"] == "next"]
    return [feature["id"] for feature in body["features"]], following[0] if following else None


def test_a_next_link_after_deleted_last_features_reaches_a_new_one_whose_id_sorts_before(server):
    url, token = server
    with httpx.Client(base_url=url, timeout=120, headers=bearer(token)) as http:
        for feature_id in ("pgpos-y", "pgpos-z"):
            assert http.post(GATES, json=new_gate(feature_id)).status_code == 201
        count = http.get(GATES, params={"limit": 1}, headers=FRESH).json()["numberMatched"]
        read, following = _ids(http, f"{GATES}?limit={count - 1}")
        assert read[-1] == "pgpos-y" and following is not None and "after=" in following
        for feature_id in ("pgpos-y", "pgpos-z"):  # the page's last feature and every one after it
            tag = http.get(f"{GATES}/{feature_id}", headers=FRESH).headers["ETag"]
            assert http.delete(f"{GATES}/{feature_id}", headers={"If-Match": tag}).status_code == 204
        assert http.post(GATES, json=new_gate("pgpos-a")).status_code == 201  # "pgpos-a" < "pgpos-y"
        rest, _ = _ids(http, following)
    assert rest == ["pgpos-a"]


def _position(url: str, feature_id: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT position FROM geo_industry.border_gates WHERE id = %s", (feature_id,)).fetchone()
    assert row is not None
    return int(row[0])


def test_two_connections_taking_positions_at_once_get_distinct_increasing_ones(database_url):
    taken: dict[str, int] = {}
    with psycopg.connect(database_url) as first, psycopg.connect(database_url) as second:
        waiting_pid = second.info.backend_pid

        def take_second() -> None:
            with second.transaction():
                taken["second"] = take_positions(second, "border_gates", 2)

        with first.transaction():
            taken["first"] = take_positions(first, "border_gates", 3)
            other = threading.Thread(target=take_second)
            other.start()
            wait_for(lambda: first.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                                           (waiting_pid,)).fetchone(),
                     lambda row: row is not None and row[0] == "Lock", guard_s=LOCK_GUARD_S)
            assert "second" not in taken  # it queues on the catalog row the first transaction holds
        other.join(LOCK_GUARD_S)
        assert not other.is_alive()
    assert taken["second"] == taken["first"] + 3
    assert taken["first"] > _position(database_url, "lao-cai-intl-road-gate")


def test_a_store_write_takes_a_position_after_every_one_given(database_url):
    with opened(database_url, PostGISStore) as store:
        with psycopg.connect(database_url) as conn:
            mark = conn.execute("SELECT next_position FROM geo_industry.catalog "
                                "WHERE layer_id = 'border_gates'").fetchone()[0]
        store.create_features("border_gates", [new_gate("pgpos-b"), new_gate("pgpos-c")], actor="a")
    assert [_position(database_url, i) for i in ("pgpos-b", "pgpos-c")] == [mark, mark + 1]


def test_migration_11_starts_each_layers_mark_after_its_rows(pg_cluster: Cluster,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    url = new_database(pg_cluster, "positions_migration")
    meta = LayerMeta.model_validate({
        "id": "mines", "title": {"vi": "Mỏ", "en": "Mines"}, "description": {"vi": "-", "en": "-"},
        "geometry_type": "Point", "licence": "CC-BY-4.0", "attribution": "test",
        "fields": [{"name": "id", "type": "string"}],
    })
    with Database(url) as database, database.connection() as conn:
        monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:10])  # a database made before version 11
        schema.init_schema(conn)
        monkeypatch.undo()
        with conn.transaction():
            create_layer_table(conn, meta)
            create_layer_table(conn, meta.model_copy(update={"id": "empty"}))
            conn.execute("INSERT INTO geo_industry.catalog (layer_id, position, meta) VALUES "
                         "('mines', 0, '{}'), ('empty', 1, '{}')")
            conn.execute("INSERT INTO geo_industry.mines (id, properties, position) VALUES "
                         "('a', '{}', 0), ('b', '{}', 1), ('c', '{}', 7)")
        assert schema.init_schema(conn) == [11]
        marks = dict(conn.execute("SELECT layer_id, next_position FROM geo_industry.catalog").fetchall())
        assert marks == {"mines": 8, "empty": 0}
        with conn.transaction():
            conn.execute("DELETE FROM geo_industry.mines WHERE id = 'c'")
            assert take_positions(conn, "mines", 1) == 8  # not 2: the deleted feature's position is not given again
        assert schema.init_schema(conn) == []
