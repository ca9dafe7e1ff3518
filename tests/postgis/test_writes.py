"""What PostGIS writes do beyond the contract: derived columns, NOTIFY, rolled-back DDL, repairs, export.

The contract suite (tests/contract) proves the shared semantics; here the database itself is
inspected: the materialised ``latest_*`` columns follow a statistics write, a commit notifies
the revision channel in the same transaction, a refused upload leaves no table behind, the
database refuses properties no read could serve, and a row damaged by hand in SQL in a way it
accepts is served as stored and repaired by a write.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import psycopg
import pytest
from tests.conftest import DATA_DIR
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database, opened

from geo_industry.errors import InvalidFeature
from geo_industry.models import Bilingual, LayerMeta
from geo_industry.store.postgis import PostGISStore
from geo_industry.store.postgis.schema import REVISION_CHANNEL, init_schema

#: a hang guard for a notification that a committed write sends at once
NOTIFY_GUARD_S = 30


@pytest.fixture(scope="module")
def url(pg_cluster: Cluster) -> str:
    return loaded_database(pg_cluster, DATA_DIR, "writes")


@pytest.fixture(scope="module")
def store(url: str) -> Iterator[PostGISStore]:
    with opened(url, PostGISStore) as store:
        yield store


def _gate(feature_id: str) -> dict[str, Any]:
    feature = copy.deepcopy(orjson.loads((DATA_DIR / "geo" / "border_gates.geojson").read_bytes())["features"][0])
    feature["id"] = feature["properties"]["id"] = feature_id
    feature["geometry"] = {"type": "Point", "coordinates": [103.96, 22.51]}
    return feature


def test_a_statistics_write_refreshes_the_materialised_latest_columns(store, url):
    row = {"indicator": "copper_cathode_output", "entity": "tang-loong-copper-smelter", "year": "2024",
           "period": "FY", "value": "12345", "unit": "t", "basis": "actual", "price_basis": "n/a",
           "source": "https://example.org/fy-report", "note": ""}
    store.write_statistics(pd.DataFrame([row]), actor="dept")
    with psycopg.connect(url) as conn:
        value, year = conn.execute('SELECT latest_copper_cathode_output, latest_copper_cathode_output_year '
                                   'FROM geo_industry.processing_plants WHERE id = %s',
                                   ("tang-loong-copper-smelter",)).fetchone()
    assert (value, year) == (12345.0, 2024)
    assert store.get("processing_plants", "tang-loong-copper-smelter").iloc[0]["latest_copper_cathode_output"] == 12345


def test_a_committed_write_notifies_the_new_revision(store, url):
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {REVISION_CHANNEL}")
        store.create_features("border_gates", [_gate("pg-notified")], actor="a")
        revision = store.revision()
        heard = next(listener.notifies(timeout=NOTIFY_GUARD_S), None)
    assert heard is not None and heard.channel == REVISION_CHANNEL
    assert int(heard.payload) == revision


def test_a_refused_upload_leaves_no_table_and_no_catalog_entry(store, url):
    meta = LayerMeta(id="pg_refused", title=Bilingual(vi="Lớp", en="Layer"), description=Bilingual(vi="L", en="L"),
                     geometry_type="Point", licence="CC-BY-4.0", attribution="tests",
                     fields=[{"name": "id", "type": "string"}, {"name": "size", "type": "integer"}])
    good = {"type": "Feature", "id": "pg-refused-1", "properties": {"id": "pg-refused-1", "size": 1},
            "geometry": {"type": "Point", "coordinates": [104.0, 22.4]}}
    bad = {**good, "id": "pg-refused-2", "properties": {"id": "pg-refused-2", "size": "big"}}
    revision = store.revision()
    with pytest.raises(InvalidFeature, match="feature #1"):
        store.add_layer(meta, [good, bad], actor="uploader")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('geo_industry.pg_refused')").fetchone() == (None,)
        listed = conn.execute("SELECT count(*) FROM geo_industry.catalog WHERE layer_id = 'pg_refused'").fetchone()
    assert listed == (0,)
    assert store.revision() == revision and "pg_refused" not in [m.id for m in store.collections()]


def test_an_uploaded_layer_gets_a_gist_index(store, url):
    meta = LayerMeta(id="pg_indexed", title=Bilingual(vi="Lớp", en="Layer"), description=Bilingual(vi="L", en="L"),
                     geometry_type="Point", licence="CC-BY-4.0", attribution="tests",
                     fields=[{"name": "id", "type": "string"}])
    store.add_layer(meta, [{"type": "Feature", "id": "pg-indexed-1", "properties": {"id": "pg-indexed-1"},
                            "geometry": {"type": "Point", "coordinates": [104.0, 22.4]}}], actor="uploader")
    with psycopg.connect(url) as conn:
        indexes = [r[0] for r in conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'geo_industry' "
                                              "AND tablename = 'pg_indexed'")]
    assert any("USING gist (geom)" in index for index in indexes), indexes
    assert store.history(layer_id="pg_indexed")[0].action == "layer.create"


def test_the_database_refuses_properties_that_are_not_an_object(store, url):
    store.create_features("border_gates", [_gate("pg-guarded")], actor="a")
    with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("UPDATE geo_industry.border_gates SET properties = '\"not an object\"'::jsonb "
                     "WHERE id = 'pg-guarded'")
    assert store.get("border_gates", "pg-guarded").iloc[0]["id"] == "pg-guarded"


def test_the_constraint_reaches_tables_made_before_it(store, url):
    with psycopg.connect(url) as conn:
        conn.execute("ALTER TABLE geo_industry.mines DROP CONSTRAINT properties_object")
        conn.execute("DELETE FROM geo_industry.schema_migrations WHERE version = 2")
        conn.commit()
        assert init_schema(conn) == [2]
        assert init_schema(conn) == []
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE geo_industry.mines SET properties = '[]'::jsonb")


def test_a_row_damaged_in_sql_is_served_and_repaired_by_a_write(store, url):
    store.create_features("border_gates", [_gate("pg-damaged")], actor="a")
    with psycopg.connect(url) as conn:
        conn.execute("UPDATE geo_industry.border_gates SET status = 'booming', "
                     "properties = jsonb_set(properties, '{status}', '\"booming\"') WHERE id = 'pg-damaged'")
    assert store.get("border_gates", "pg-damaged").iloc[0]["status"] == "booming"  # served as stored
    with pytest.raises(InvalidFeature, match="status"):  # an edit that keeps the fault is refused
        store.update_feature("border_gates", "pg-damaged", {"properties": {"status_note": "x"}}, actor="a")
    good = _gate("pg-damaged")["properties"]["status"]
    store.update_feature("border_gates", "pg-damaged", {"properties": {"status": good}}, actor="fixer")
    assert store.get("border_gates", "pg-damaged").iloc[0]["status"] == good
    before = store.history(feature_id="pg-damaged")[0].before
    assert before["properties"]["status"] == "booming"  # the audit keeps what was there


def test_export_after_writes_holds_them(store, tmp_path: Path):
    store.create_features("border_gates", [_gate("pg-exported")], actor="a")
    store.export_data(tmp_path)
    exported = orjson.loads((tmp_path / "geo" / "border_gates.geojson").read_bytes())
    assert "pg-exported" in [f["id"] for f in exported["features"]]
