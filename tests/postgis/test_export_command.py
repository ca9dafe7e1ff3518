"""``geo-industry export`` on PostGIS streams a layer: 50,000 generated points are written without one
whole-layer read, and the data/ layers give the same files as on the embedded backend; ``layers`` and
``validate`` read no layer whole either, and the API's download of the big layer is bounded (413).

The command runs in-process (typer's runner) over the real store of a real database, through a
subclass that refuses :meth:`frame` (a whole-layer read): the export can only have read batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pyogrio
import pytest
from geopandas.testing import assert_geodataframe_equal
from tests.conftest import DATA_DIR
from tests.live_server import running_app
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database, with_synthetic_layers
from typer.testing import CliRunner

import geo_industry.cli as cli
from geo_industry.catalog import LAYER_IDS
from geo_industry.settings import Settings
from geo_industry.store import EmbeddedStore
from geo_industry.store.postgis import PostGISStore
from geo_industry.vector_io import read_vector

POINTS = 50_000
BIG = "synthetic_points"


class WholeLayerRead(AssertionError):
    """A layer was read whole."""


class BatchesOnlyStore(PostGISStore):
    """The real PostGIS store, refusing to read a layer whole; it counts the batches it hands out."""

    batches = 0

    def frame(self, layer_id: str):  # type: ignore[no-untyped-def]
        raise WholeLayerRead(f"frame({layer_id!r}) read the layer whole")

    def frame_batches(self, layer_id: str, *, size: int = 10_000):  # type: ignore[no-untyped-def]
        for batch in super().frame_batches(layer_id, size=size):
            type(self).batches += 1
            yield batch


@pytest.fixture(scope="module")
def big_database(pg_cluster: Cluster) -> str:
    """``data/`` plus :data:`POINTS` synthetic points in the catalog."""
    url = with_synthetic_layers(loaded_database(pg_cluster, DATA_DIR, "export"), points=POINTS)
    return url


@pytest.fixture
def batches_only(big_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[BatchesOnlyStore]]:
    """The CLI configured for the database, its store a :class:`BatchesOnlyStore`; the stores it opened."""
    monkeypatch.setenv("GEO_INDUSTRY_STORE_BACKEND", "postgis")
    monkeypatch.setenv("GEO_INDUSTRY_DATABASE_URL", big_database)
    monkeypatch.setenv("GEO_INDUSTRY_DATA_DIR", str(DATA_DIR))
    opened: list[BatchesOnlyStore] = []

    def open_store(settings: Settings) -> BatchesOnlyStore:
        store = BatchesOnlyStore.from_settings(settings)
        assert isinstance(store, BatchesOnlyStore)
        opened.append(store)
        return store

    monkeypatch.setattr(cli, "open_store", open_store)
    BatchesOnlyStore.batches = 0
    yield opened
    for store in opened:
        store.close()


def _export(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli.app, ["export", *args])


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "shp"])
def test_a_big_layer_is_exported_in_batches_never_whole(batches_only: list[BatchesOnlyStore], tmp_path: Path,
                                                        fmt: str) -> None:
    output = tmp_path / f"points.{'zip' if fmt == 'shp' else fmt}"
    result = _export(BIG, "-o", str(output), "-f", fmt)
    assert result.exit_code == 0, result.output
    assert f"wrote {POINTS} features of {BIG}" in result.stdout
    assert BatchesOnlyStore.batches == POINTS // 10_000
    readable = f"/vsizip/{output}/{BIG}.shp" if fmt == "shp" else output
    assert pyogrio.read_info(readable)["features"] == POINTS
    back = read_vector(readable)
    assert sorted(back["id"]) == sorted(f"p{i}" for i in range(POINTS))
    store = batches_only[0]
    stored = store.get(BIG, "p12345").iloc[0]
    row = back[back["id"] == "p12345"].iloc[0]
    capacity = "capacity_v" if fmt == "shp" else "capacity_value"  # dBASE's 10 characters
    assert (row["name"], row["status"], row[capacity]) == (stored["name"], stored["status"], stored["capacity_value"])
    assert row.geometry.equals_exact(stored.geometry, 1e-9)


def test_the_data_layers_export_the_same_features_as_on_the_embedded_backend(
        batches_only: list[BatchesOnlyStore], tmp_path: Path) -> None:
    embedded = EmbeddedStore.from_settings(Settings(_env_file=None, data_dir=DATA_DIR))  # type: ignore[call-arg]
    for layer in LAYER_IDS:
        on_postgis, on_files = tmp_path / f"{layer}.gpkg", tmp_path / f"{layer}-files.gpkg"
        result = _export(layer, "-o", str(on_postgis), "--crs", "EPSG:9208")
        assert result.exit_code == 0, result.output
        cli.write_layer_batches(embedded.frame_batches(layer), on_files, fmt=cli.EXPORT_FORMATS["gpkg"],
                                crs=cli.resolve_crs("EPSG:9208"), geometry_types=embedded.geometry_types(layer),
                                layer_name=layer)
        assert pyogrio.read_info(on_postgis)["geometry_type"] == pyogrio.read_info(on_files)["geometry_type"]
        assert_geodataframe_equal(read_vector(on_postgis), read_vector(on_files), check_less_precise=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [(["nope", "-o", "{tmp}/x.gpkg"], "no collection 'nope'"),
     ([BIG, "--crs", "EPSG:2154", "-o", "{tmp}/x.gpkg"], "--crs"),
     ([BIG, "--format", "xlsx", "-o", "{tmp}/x.xlsx"], "--format"),
     ([BIG, "-o", "{tmp}/no-such-folder/x.gpkg"], "no-such-folder/x.gpkg: could not write gpkg")],
)
def test_bad_input_exits_two_naming_what_is_wrong(batches_only: list[BatchesOnlyStore], tmp_path: Path,
                                                 args: list[str], message: str) -> None:
    result = _export(*(arg.replace("{tmp}", str(tmp_path)) for arg in args))
    assert result.exit_code == 2
    assert message in result.stderr.replace("\n", "")  # rich wraps long lines
    assert not (tmp_path / "x.gpkg").exists()


def test_layers_counts_in_the_database(batches_only: list[BatchesOnlyStore]) -> None:
    result = CliRunner().invoke(cli.app, ["layers"], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if f" {BIG} " in line)
    assert [cell.strip() for cell in row.split("│")][4:6] == [str(POINTS), str(POINTS)]  # features, located
    assert BatchesOnlyStore.batches == 0


def test_validate_a_statistics_csv_asks_the_database_for_its_entities(batches_only: list[BatchesOnlyStore],
                                                                       tmp_path: Path) -> None:
    lines = (DATA_DIR / "statistics.csv").read_text(encoding="utf-8").splitlines()
    header, row = lines[0], lines[1]
    entity = row.split(",")[1]
    csv = tmp_path / "statistics.csv"
    csv.write_text("\n".join([header, row.replace(entity, "p42", 1), row.replace(entity, "nope-x", 1)]) + "\n",
                   encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["validate", str(csv)], env={"COLUMNS": "240"})
    assert result.exit_code == 1
    assert "unknown entity 'nope-x'" in result.stderr
    assert "'p42'" not in result.output  # a feature of the 50,000-point layer, found by its id
    assert BatchesOnlyStore.batches == 0


def test_a_download_of_the_big_layer_past_the_limit_is_413_and_a_narrowed_one_is_served(
        big_database: str, tmp_path: Path) -> None:
    """Over HTTP on PostGIS, GEO_INDUSTRY_MAX_DOWNLOAD_FEATURES=10000: the 50,000 points are refused (counted, not
    read), a bbox of fewer downloads whole."""
    env = {"GEO_INDUSTRY_STORE_BACKEND": "postgis", "GEO_INDUSTRY_DATABASE_URL": big_database,
           "GEO_INDUSTRY_MAX_DOWNLOAD_FEATURES": "10000", "GEO_INDUSTRY_RASTER_DIR": str(tmp_path / "rasters")}
    with running_app(DATA_DIR, env) as url, httpx.Client(base_url=url, timeout=120) as http:
        refused = http.get(f"/collections/{BIG}/download", params={"f": "gpkg"})
        assert refused.status_code == 413
        assert f"{POINTS} features" in refused.json()["description"]
        bbox = "104.0,22.0,104.2,22.2"
        matched = http.get(f"/collections/{BIG}/items", params={"bbox": bbox, "limit": 1}).json()["numberMatched"]
        assert 0 < matched <= 10_000
        served = http.get(f"/collections/{BIG}/download", params={"f": "gpkg", "bbox": bbox})
        assert served.status_code == 200, served.text
        (tmp_path / "points.gpkg").write_bytes(served.content)
        assert pyogrio.read_info(tmp_path / "points.gpkg")["features"] == matched
