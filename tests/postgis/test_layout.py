"""Layer rows sit on disk in spatial order: after ``db load``, after an upload, after ``db optimise``.

Spatial order is checked as what it buys: the rows of a small bbox share few heap pages (the
page is the first number of a row's ``ctid``); in file order each would sit on a page of its
own. File order (``position``) stays what paging and ``db export`` read.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import orjson
import psycopg
import pytest
from tests.conftest import DATA_DIR
from tests.pgcluster import Cluster
from tests.postgis.databases import GENERATOR_SQL, new_database, opened, with_synthetic_layers
from typer.testing import CliRunner

from geo_industry.cli import app
from geo_industry.models import Bilingual, FeatureQuery, LayerMeta
from geo_industry.store.postgis import PostGISStore
from geo_industry.store.postgis.layout import SPATIAL_ORDER

SITES = 6_000
"""Points of the scattered layer: enough for a small bbox to hold a few hundred of them."""
SMALL_BOX = (104.0, 22.0, 104.25, 22.25)
"""A bbox holding about 1/40 of the scattered points (they spread over 1.58° × 1.46°)."""


def _scattered_sites(count: int, seed: int) -> list[dict]:
    """``count`` points spread at random over the province, in file order unrelated to where they are."""
    rng = random.Random(seed)
    return [{"type": "Feature", "id": f"s{n}", "properties": {"id": f"s{n}", "name": f"Site {n}"},
             "geometry": {"type": "Point", "coordinates": [round(103.52 + rng.random() * 1.58, 6),
                                                           round(21.40 + rng.random() * 1.46, 6)]}}
            for n in range(count)]


def _sites_meta(layer_id: str) -> LayerMeta:
    return LayerMeta(id=layer_id, title=Bilingual(vi="Điểm", en="Sites"), description=Bilingual(vi="-", en="-"),
                     geometry_type="Point", licence="CC0-1.0", attribution="tests",
                     fields=[{"name": "id", "type": "string"}, {"name": "name", "type": "string"}])


def _data_with_sites(folder: Path) -> Path:
    """A copy of ``data/`` with one more layer, ``scattered_sites``, of :data:`SITES` points (and an empty
    and a missing geometry among them)."""
    data = folder / "data"
    shutil.copytree(DATA_DIR, data)
    catalog = orjson.loads((data / "geo" / "catalog.json").read_bytes())
    catalog["layers"].append(_sites_meta("scattered_sites").model_dump(mode="json", exclude_none=True))
    (data / "geo" / "catalog.json").write_bytes(orjson.dumps(catalog))
    features = _scattered_sites(SITES, seed=11)
    features[5]["geometry"] = None
    features[7]["geometry"] = {"type": "Point", "coordinates": []}
    (data / "geo" / "scattered_sites.geojson").write_bytes(orjson.dumps(
        {"type": "FeatureCollection", "name": "scattered_sites", "features": features}))
    return data


def _db(url: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["db", *args], env={"GEO_INDUSTRY_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return result.output


def _pages_and_rows(url: str, layer_id: str, box: tuple[float, float, float, float] = SMALL_BOX) -> tuple[int, int]:
    """Heap pages holding the rows of ``box`` in the layer's table, and those rows' count."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            f'SELECT count(DISTINCT (ctid::text::point)[0]), count(*) FROM geo_industry."{layer_id}" '
            "WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", box).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _physical_ids(url: str, layer_id: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute(f'SELECT id FROM geo_industry."{layer_id}" ORDER BY ctid')]


def _assert_spatially_ordered(url: str, layer_id: str) -> None:
    pages, rows = _pages_and_rows(url, layer_id)
    assert rows > 50, rows
    assert pages * 5 < rows, f"{rows} rows of a small bbox sit on {pages} heap pages"


@pytest.fixture(scope="module")
def loaded(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A database loaded by ``db load`` with ``data/`` and the scattered sites; the folder loaded."""
    data = _data_with_sites(tmp_path_factory.mktemp("layout"))
    url = new_database(pg_cluster, "layout")
    _db(url, "load", "--data", str(data))
    return url, data


def test_a_load_writes_rows_in_spatial_order_and_keeps_file_positions(loaded: tuple[str, Path]) -> None:
    url, data = loaded
    _assert_spatially_ordered(url, "scattered_sites")
    file_ids = [f["id"] for f in orjson.loads((data / "geo" / "scattered_sites.geojson").read_bytes())["features"]]
    with psycopg.connect(url) as conn:
        by_position = [r[0] for r in conn.execute("SELECT id FROM geo_industry.scattered_sites ORDER BY position")]
        positions = conn.execute("SELECT min(position), max(position), count(DISTINCT position) "
                                 "FROM geo_industry.scattered_sites").fetchone()
    assert by_position == file_ids and positions == (0, SITES - 1, SITES)
    assert _physical_ids(url, "scattered_sites")[-2:] == ["s7", "s5"]  # the empty geometry, then the missing one


def test_optimise_changes_neither_export_nor_paging_and_is_idempotent(loaded: tuple[str, Path], tmp_path: Path,
                                                                      ) -> None:
    url, data = loaded
    _db(url, "export", "-o", str(tmp_path / "before"))
    loaded_order = _physical_ids(url, "scattered_sites")
    output = _db(url, "optimise")
    assert "scattered_sites: 6000 rows in spatial order" in output
    assert _physical_ids(url, "scattered_sites") == loaded_order  # a load already wrote that order
    _db(url, "optimise", "scattered_sites", "mines")
    assert _physical_ids(url, "scattered_sites") == loaded_order
    _db(url, "export", "-o", str(tmp_path / "after"))
    before = sorted(p.relative_to(tmp_path / "before") for p in (tmp_path / "before").rglob("*") if p.is_file())
    after = sorted(p.relative_to(tmp_path / "after") for p in (tmp_path / "after").rglob("*") if p.is_file())
    assert before == after and len(before) > 5
    for relative in before:
        assert (tmp_path / "after" / relative).read_bytes() == (tmp_path / "before" / relative).read_bytes(), relative
    with psycopg.connect(url) as conn:
        indexes = [r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'geo_industry' "
                                              "AND tablename = 'scattered_sites'")]
    assert not [name for name in indexes if "spatial_order" in name], indexes  # the sort's index is gone


def test_optimise_puts_appended_rows_back_in_spatial_order(pg_cluster: Cluster) -> None:
    url = new_database(pg_cluster, "appended")
    _db(url, "init")
    with opened(url, PostGISStore) as store:
        store.add_layer(_sites_meta("appended_sites"), [], actor="tests")
        sites = _scattered_sites(3_000, seed=12)
        for start in range(0, len(sites), 1_000):  # single-feature writes append in file order
            store.create_features("appended_sites", sites[start:start + 1_000], actor="tests")
    pages, rows = _pages_and_rows(url, "appended_sites")
    assert pages * 2 > rows  # appended: scattered over the table
    _db(url, "optimise", "appended_sites")
    _assert_spatially_ordered(url, "appended_sites")
    with psycopg.connect(url) as conn:
        by_position = [r[0] for r in conn.execute("SELECT id FROM geo_industry.appended_sites ORDER BY position")]
    assert by_position == [f["id"] for f in sites]


def test_an_upload_writes_rows_in_spatial_order(pg_cluster: Cluster) -> None:
    url = new_database(pg_cluster, "uploaded")
    _db(url, "init")
    sites = _scattered_sites(4_000, seed=13)
    with opened(url, PostGISStore) as store:
        store.add_layer(_sites_meta("uploaded_sites"), sites, actor="tests")
        page = store.query("uploaded_sites", FeatureQuery(limit=5, offset=10))
        in_box = store.query("uploaded_sites", FeatureQuery(bbox=SMALL_BOX, limit=1_000))
    assert page.features["id"].tolist() == [f"s{n}" for n in range(10, 15)]  # pages stay in upload order
    assert in_box.features["id"].tolist() == sorted(in_box.features["id"], key=lambda i: int(i[1:]))
    _assert_spatially_ordered(url, "uploaded_sites")


@pytest.mark.parametrize("name", ["no_such_layer", "x'; DROP TABLE catalog; --", "[red]markup[/red]"])
def test_optimise_names_a_layer_the_database_lacks(loaded: tuple[str, Path], name: str) -> None:
    url, _ = loaded
    before = _physical_ids(url, "mines")
    result = CliRunner().invoke(app, ["db", "optimise", "mines", name], env={"GEO_INDUSTRY_DATABASE_URL": url})
    assert result.exit_code == 3, result.output
    assert f"layer '{name}' is not in the database" in result.output
    assert _physical_ids(url, "mines") == before


def test_the_benchmark_generator_writes_the_store_spatial_order(pg_cluster: Cluster) -> None:
    assert GENERATOR_SQL.read_text(encoding="utf-8").count(f"ORDER BY {SPATIAL_ORDER};") == 2
    url = with_synthetic_layers(new_database(pg_cluster, "bench_layout"), points=SITES, parcels=2_000)
    _assert_spatially_ordered(url, "synthetic_points")
    pages, rows = _pages_and_rows(url, "synthetic_parcels", (103.6, 21.5, 104.4, 22.2))
    assert pages * 5 < rows, f"{rows} parcels of a bbox sit on {pages} heap pages"
