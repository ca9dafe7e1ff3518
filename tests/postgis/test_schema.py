"""``geo-industry db init``: the schema, its migrations table and a layer table's indexes; idempotent."""

from __future__ import annotations

import psycopg
import pytest
from tests.pgcluster import Cluster
from tests.postgis.databases import new_database
from typer.testing import CliRunner

from geo_industry.cli import app
from geo_industry.errors import DataError
from geo_industry.models import LayerMeta
from geo_industry.store.postgis.connections import Database, redact
from geo_industry.store.postgis.schema import create_layer_table, latest_version, layer_table

SYSTEM_TABLES = {"schema_migrations", "catalog", "revision", "audit", "statistics", "entities", "investor_facts",
                 "derived_columns", "zone_slopes", "api_keys"}


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'geo_industry'").fetchall()
    return {row[0] for row in rows}


def test_db_init_twice_creates_the_schema_once(pg_cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    url = new_database(pg_cluster, "init")
    monkeypatch.setenv("GEO_INDUSTRY_DATABASE_URL", url)
    first = CliRunner().invoke(app, ["db", "init"])
    assert first.exit_code == 0, first.output
    assert "applied migrations 1" in first.output
    second = CliRunner().invoke(app, ["db", "init"])
    assert second.exit_code == 0, second.output
    assert "already up to date" in second.output
    assert _tables(url) == SYSTEM_TABLES
    with psycopg.connect(url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM geo_industry.schema_migrations").fetchall()]
        revision = conn.execute("SELECT value FROM geo_industry.revision").fetchall()
    assert versions == list(range(1, latest_version() + 1))
    assert revision == [(0,)]


def test_layer_table_has_typed_columns_a_gist_index_and_a_generated_etag(pg_cluster: Cluster) -> None:
    url = new_database(pg_cluster, "layer")
    meta = LayerMeta.model_validate({
        "id": "mines", "title": {"vi": "Mỏ", "en": "Mines"}, "description": {"vi": "-", "en": "-"},
        "geometry_type": "Point", "licence": "CC-BY-4.0", "attribution": "test", "temporal_field": "start_year",
        "fields": [{"name": "id", "type": "string"}, {"name": "start_year", "type": "integer"},
                   {"name": "area_ha", "type": "number"}, {"name": "sources", "type": "array"}],
    })
    with Database(url) as database, database.connection() as conn:
        from geo_industry.store.postgis.schema import init_schema

        init_schema(conn)
        with conn.transaction():
            create_layer_table(conn, meta)
            conn.execute(psycopg.sql.SQL(
                "INSERT INTO {} (id, geom, start_year, properties, position) "
                "VALUES ('a', ST_SetSRID(ST_MakePoint(104, 22.5), 4326), 2006, '{{\"id\": \"a\"}}', 0)"
            ).format(layer_table("mines")))
        columns = dict(conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'geo_industry' AND table_name = 'mines'").fetchall())
        indexes = [r[0] for r in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'geo_industry' AND tablename = 'mines'").fetchall()]
        etag = conn.execute("SELECT etag FROM geo_industry.mines").fetchone()
    assert columns["start_year"] == "bigint" and columns["area_ha"] == "double precision"
    assert columns["sources"] == "json" and columns["properties"] == "jsonb"  # json keeps nested key order
    assert any("USING gist (geom)" in index for index in indexes)
    assert any("(start_year)" in index for index in indexes)
    assert etag is not None and len(etag[0]) == 32


def test_layer_ids_that_cannot_name_a_table_are_refused() -> None:
    for bad in ("statistics", "catalog", 'x"; DROP TABLE catalog; --', "a" * 64, ""):
        with pytest.raises(DataError, match="cannot name a table"):
            layer_table(bad)


def test_passwords_never_show_in_the_database_repr() -> None:
    assert "s3cret" not in redact("postgresql://u:s3cret@127.0.0.1:1/db")
    assert "********" in redact("postgresql://u:s3cret@127.0.0.1:1/db")


def test_connections_carry_the_statement_timeout(pg_cluster: Cluster) -> None:
    with Database(pg_cluster.url, pool_size=1, statement_timeout_s=1.5) as database:
        with database.connection() as conn:
            row = conn.execute("SHOW statement_timeout").fetchone()
        with database.read_connection() as conn, pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(5)")
    assert row == ("1500ms",)


def test_db_commands_answer_an_unreachable_database_with_one_line_and_no_password() -> None:
    from tests.live_server import free_port

    url = f"postgresql://editor:s3cret@127.0.0.1:{free_port()}/geo_industry"  # nothing listens there
    result = CliRunner().invoke(app, ["db", "init"], env={"GEO_INDUSTRY_DATABASE_URL": url,
                                                          "GEO_INDUSTRY_DATABASE_STATEMENT_TIMEOUT_S": "1"})
    assert result.exit_code == 3, result.output
    assert "cannot use the database" in result.output and "s3cret" not in result.output
    assert "Traceback" not in result.output


def test_db_commands_without_a_url_say_what_to_set() -> None:
    result = CliRunner().invoke(app, ["db", "load"], env={"GEO_INDUSTRY_STORE_BACKEND": "postgis",
                                                          "GEO_INDUSTRY_DATABASE_URL": ""})
    assert result.exit_code == 2, result.output
    assert "GEO_INDUSTRY_DATABASE_URL" in result.output


def test_the_statistics_revision_migration_starts_it_at_the_revision(pg_cluster: Cluster,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from geo_industry.store.postgis import schema

    url = new_database(pg_cluster, "migrate")
    with Database(url) as database, database.connection() as conn:
        monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:2])  # a database made before version 3
        schema.init_schema(conn)
        conn.execute("UPDATE geo_industry.revision SET value = 7")
        monkeypatch.undo()
        assert schema.init_schema(conn) == list(range(3, schema.latest_version() + 1))
        assert conn.execute("SELECT value, statistics_revision FROM geo_industry.revision").fetchall() == [(7, 7)]
        with conn.transaction():
            assert schema.bump_revision(conn, statistics=False) == 8
        with conn.transaction():
            assert schema.bump_revision(conn) == 9
        assert conn.execute("SELECT value, statistics_revision FROM geo_industry.revision").fetchall() == [(9, 9)]
        with conn.transaction():
            schema.bump_revision(conn, statistics=False)
        assert conn.execute("SELECT value, statistics_revision FROM geo_industry.revision").fetchall() == [(10, 9)]


def test_migrating_indexes_the_names_of_layers_loaded_before(pg_cluster: Cluster,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A database whose layers were loaded before the trigram indexes existed gets them on ``db init``:
    the text name fields only (``name_vi`` here, not ``status``)."""
    url = new_database(pg_cluster, "names_migration")
    meta = LayerMeta.model_validate({
        "id": "mines", "title": {"vi": "Mỏ", "en": "Mines"}, "description": {"vi": "-", "en": "-"},
        "geometry_type": "Point", "licence": "CC-BY-4.0", "attribution": "test",
        "fields": [{"name": "id", "type": "string"}, {"name": "name_vi", "type": "string"},
                   {"name": "status", "type": "string"}],
    })
    with Database(url) as database, database.connection() as conn:
        from geo_industry.store.postgis import schema

        monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:7])  # the schema before the indexes
        schema.init_schema(conn)
        monkeypatch.undo()
        with conn.transaction():
            create_layer_table(conn, meta, indexes=False)
            conn.execute("INSERT INTO geo_industry.catalog (layer_id, position, meta) VALUES ('mines', 0, '{}')")
        assert schema.init_schema(conn) == list(range(8, schema.latest_version() + 1))
        indexes = [r[0] for r in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'geo_industry' AND tablename = 'mines' "
            "AND indexdef LIKE '%gin_trgm_ops%'").fetchall()]
    assert len(indexes) == 1 and "accent_fold(lower(name_vi))" in indexes[0], indexes
