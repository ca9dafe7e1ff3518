"""Lists and objects come back from PostGIS as they were stored: the keys of a nested object in their order.

``jsonb`` sorts an object's keys (shorter first); the declared list and object fields are therefore
``json`` columns, which keep their text. Over HTTP a feature is the same bytes as on the embedded
backend, a write that leaves such a field alone keeps its order, and migration 10 turns the ``jsonb``
columns of a database loaded before it into ``json`` ones that every read still serves.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import orjson
import psycopg
import pytest
from tests.live_server import running_app
from tests.pgcluster import Cluster
from tests.postgis.databases import data_with_odd_sites, new_database

from geo_industry.store.postgis import PostGISStore
from geo_industry.store.postgis.connections import Database
from geo_industry.store.postgis.loading import load_data
from geo_industry.store.postgis.schema import init_schema

INFO = {"zeta_long_name": 1, "b": {"long_key": [2, "đ"], "k": None}, "mid": "m"}
"""An object whose keys (and those of the objects inside it) are neither sorted nor shortest first."""
TAGS = ["y", "x"]
SITES = [
    {"type": "Feature", "id": "a", "properties": {"id": "a", "open": True, "info": INFO, "tags": TAGS, "n": 3,
                                                 "x": 1.5},
     "geometry": {"type": "Point", "coordinates": [104.0, 22.0]}},
    {"type": "Feature", "id": "b", "properties": {"id": "b", "open": None, "info": None, "tags": None, "n": None,
                                                 "x": None}, "geometry": None},
]


@pytest.fixture(scope="module")
def loaded(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``data/`` with the ``odd_sites`` layer of :data:`SITES`, and a database it is loaded into."""
    data = data_with_odd_sites(tmp_path_factory.mktemp("nested"), SITES)
    url = new_database(pg_cluster, "nested")
    with Database(url, pool_size=1) as database:
        load_data(database, data)
    return data, url


_STAMP = re.compile(rb',"timeStamp":"[^"]*"')
"""A page's time of answer, which differs between the two servers."""


def _bodies(url: str, paths: list[str]) -> list[bytes]:
    with httpx.Client(base_url=url, timeout=60) as http:
        out = []
        for path in paths:
            response = http.get(path)
            assert response.status_code == 200, (path, response.text)
            out.append(_STAMP.sub(b"", response.content.replace(url.encode(), b"BASE")))
        return out


PATHS = ["/collections/odd_sites/items/a?f=json", "/collections/odd_sites/items?f=json&limit=10",
         "/collections/odd_sites/items?f=json&properties=info,tags"]


def test_a_nested_object_is_served_with_the_embedded_backends_bytes(loaded: tuple[Path, str], tmp_path: Path) -> None:
    data, database_url = loaded
    rasters = {"GEO_INDUSTRY_RASTER_DIR": str(tmp_path / "rasters")}
    with running_app(data, rasters) as url:
        embedded = _bodies(url, PATHS)
    with running_app(data, {**rasters, "GEO_INDUSTRY_STORE_BACKEND": "postgis",
                            "GEO_INDUSTRY_DATABASE_URL": database_url}) as url:
        postgis = _bodies(url, PATHS)
    feature = orjson.loads(postgis[0])
    assert list(feature["properties"]["info"]) == list(INFO)  # not merely equal: in the order given
    assert orjson.dumps(feature["properties"]["tags"]) == orjson.dumps(TAGS)
    for path, mine, theirs in zip(PATHS, postgis, embedded, strict=True):
        assert mine == theirs, path


def test_a_write_that_leaves_a_nested_field_alone_keeps_its_order(loaded: tuple[Path, str]) -> None:
    with Database(loaded[1], pool_size=1) as database:
        store = PostGISStore(database)
        store.update_feature("odd_sites", "a", {"properties": {"n": 4}}, actor="test")
        patched = store.get("odd_sites", "a").iloc[0]
        store.update_feature("odd_sites", "a", {"properties": {"n": 3}}, actor="test")
    assert patched["n"] == 4
    assert orjson.dumps(patched["info"]) == orjson.dumps(INFO)
    assert orjson.dumps(patched["tags"]) == orjson.dumps(TAGS)


def test_migration_10_turns_jsonb_fields_into_json_that_reads_still_serve(pg_cluster: Cluster, tmp_path: Path) -> None:
    """A database whose list and object fields are ``jsonb`` (as loads before the migration made them)."""
    data = data_with_odd_sites(tmp_path, SITES)
    url = new_database(pg_cluster, "migrated")
    with Database(url, pool_size=1) as database:
        load_data(database, data)
    with psycopg.connect(url, autocommit=True) as conn:
        for column in ("info", "tags"):
            conn.execute(f"ALTER TABLE geo_industry.odd_sites ALTER COLUMN {column} TYPE jsonb USING {column}::jsonb")
        conn.execute("DELETE FROM geo_industry.schema_migrations WHERE version = 10")
        assert init_schema(conn) == [10]
        kinds = dict(conn.execute("SELECT column_name, data_type FROM information_schema.columns WHERE "
                                  "table_schema = 'geo_industry' AND table_name = 'odd_sites'").fetchall())
        assert init_schema(conn) == []
    assert (kinds["info"], kinds["tags"], kinds["properties"]) == ("json", "json", "jsonb")
    with Database(url, pool_size=1) as database:
        feature = PostGISStore(database).get("odd_sites", "a").iloc[0]
    assert feature["info"] == INFO and feature["tags"] == TAGS  # equal: the order jsonb sorted stays sorted
