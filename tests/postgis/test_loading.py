"""``geo-industry db load`` and ``db export``: the repository's ``data/`` goes in and comes back out unchanged:
layer files, catalogs and CSVs byte for byte (nested objects' keys in the files' order too).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from tests.conftest import DATA_DIR
from tests.pgcluster import Cluster
from tests.postgis.databases import data_with_odd_sites, new_database
from typer.testing import CliRunner

from geo_industry.cli import app
from geo_industry.errors import DataError
from geo_industry.store.postgis import PostGISReader
from geo_industry.store.postgis.connections import Database
from geo_industry.store.postgis.loading import load_data
from geo_industry.store.sqlite import SQLiteStore


@pytest.fixture(scope="module")
def loaded_url(pg_cluster: Cluster) -> Iterator[str]:
    """A database loaded with ``data/`` by the command line, as an operator would."""
    url = new_database(pg_cluster, "load")
    runner = CliRunner()
    result = runner.invoke(app, ["db", "load", "--data", str(DATA_DIR)], env={"GEO_INDUSTRY_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "loaded" in result.output and "statistics rows" in result.output
    yield url


def _layer_files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in [*folder.glob("geo/*.geojson"), *folder.glob("reference/*.geojson")])


def test_export_reproduces_the_committed_layers_catalogs_and_tables(loaded_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["db", "export", "-o", str(tmp_path)],
                                env={"GEO_INDUSTRY_DATABASE_URL": loaded_url})
    assert result.exit_code == 0, result.output
    assert _layer_files(tmp_path) == _layer_files(DATA_DIR)
    for relative in _layer_files(DATA_DIR):
        assert (tmp_path / relative).read_bytes() == (DATA_DIR / relative).read_bytes(), relative
    for name in ("geo/catalog.json", "reference/catalog.json", "statistics.csv", "entities.csv",
                 "investor_facts.csv"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (DATA_DIR / name).read_text(encoding="utf-8"), name


def test_derived_columns_are_materialised_and_listed(loaded_url: str) -> None:
    with psycopg.connect(loaded_url) as conn:
        listed = dict(conn.execute("SELECT name, json_type FROM geo_industry.derived_columns "
                                   "WHERE layer_id = 'industrial_zones'").fetchall())
        scores = conn.execute("SELECT count(suitability_score) FROM geo_industry.industrial_zones").fetchone()
        revision = conn.execute("SELECT value FROM geo_industry.revision").fetchone()
    assert listed["suitability_score"] == "number" and listed["placeholder_inputs"] == "string"
    assert any(name.startswith("latest_") for name in listed)
    assert scores is not None and scores[0] > 0
    assert revision is not None and revision[0] >= 1


def test_a_second_load_replaces_the_first(loaded_url: str) -> None:
    with Database(loaded_url) as database:
        report = load_data(database, DATA_DIR)
        with database.connection() as conn:
            count = conn.execute("SELECT count(*) FROM geo_industry.mines").fetchone()
    assert count is not None and count[0] == report.features["mines"]


def test_statistics_of_an_unknown_entity_are_refused_naming_the_row(pg_cluster: Cluster, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Database(new_database(pg_cluster, "bad")) as database:
        for folder in ("geo", "reference"):
            (data / folder).mkdir(parents=True)
            for path in (DATA_DIR / folder).iterdir():
                (data / folder / path.name).write_bytes(path.read_bytes())
        text = (DATA_DIR / "statistics.csv").read_text(encoding="utf-8")
        (data / "statistics.csv").write_text(text.replace("admin:10:pre-2025-07-01", "nowhere", 1), encoding="utf-8")
        with pytest.raises(DataError, match=r"row 2: entity 'nowhere' is unknown"):
            load_data(database, data)
        with database.connection() as conn:
            rows = conn.execute("SELECT count(*) FROM geo_industry.statistics").fetchone()
    assert rows == (0,)  # the statistics transaction never ran


ODD_SITES = [
    {"type": "Feature", "id": "a", "properties": {"id": "a", "open": True, "info": {"k": 1, "a": [1, 2]},
                                                 "tags": ["x", "y"], "n": 3, "x": 1.5},
     "geometry": {"type": "Point", "coordinates": [104.0, 22.0]}},
    {"type": "Feature", "id": "b", "properties": {"id": "b", "open": None, "info": None, "tags": None, "n": None,
                                                 "x": None}, "geometry": None},
    {"type": "Feature", "id": "c", "properties": {"id": "c", "open": False, "info": {}, "tags": [], "n": 0, "x": 0},
     "geometry": {"type": "Point", "coordinates": [104.5, 22.5]}},
]


def test_every_field_type_reads_back_as_the_sqlite_backend_types_it(pg_cluster: Cluster, tmp_path: Path) -> None:
    data = data_with_odd_sites(tmp_path, ODD_SITES)
    reader = PostGISReader(Database(new_database(pg_cluster, "types"), pool_size=1))
    try:
        load_data(reader.database, data)
        sqlite = SQLiteStore.open(tmp_path / "store.sqlite", seed_dir=data)
        mine, theirs = reader.frame("odd_sites"), sqlite.frame("odd_sites")
        assert list(mine.columns) == list(theirs.columns)
        for column in theirs.columns.drop("geometry"):
            assert str(mine[column].dtype) == str(theirs[column].dtype), column
            assert (mine[column].astype(object).where(mine[column].notna(), None).tolist()
                    == theirs[column].astype(object).where(theirs[column].notna(), None).tolist()), column
        assert reader.schema("odd_sites") == sqlite.schema("odd_sites")
    finally:
        reader.close()


def test_a_property_no_field_declares_is_refused_naming_the_feature(pg_cluster: Cluster, tmp_path: Path) -> None:
    sites = [dict(ODD_SITES[0], properties={**ODD_SITES[0]["properties"], "colour": "red"})]
    data = data_with_odd_sites(tmp_path, sites)
    with Database(new_database(pg_cluster, "undeclared"), pool_size=1) as database:
        with pytest.raises(DataError, match="feature a: colour: not a field of layer odd_sites"):
            load_data(database, data)


def test_a_load_is_not_bound_by_the_request_budget(pg_cluster: Cluster) -> None:
    """A bulk load outlasts a request's statement timeout; the pooled connection keeps its timeout after it."""
    url = new_database(pg_cluster, "budget")
    with Database(url, pool_size=1, statement_timeout_s=0.05) as database:
        database.write_pool.wait(timeout=60)  # the pool's own wait is the (tiny) budget: let it fill first
        report = load_data(database, DATA_DIR)
        assert sum(report.features.values()) > 0
        with database.connection() as conn:
            assert conn.execute("SHOW statement_timeout").fetchone() == ("50ms",)
            with pytest.raises(psycopg.errors.QueryCanceled):
                conn.execute("SELECT pg_sleep(1)")
            conn.rollback()
    with Database(url, pool_size=1) as database:
        assert PostGISReader(database).count("industrial_zones") > 0
