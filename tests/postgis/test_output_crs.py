"""The output CRS and ``properties=`` on the PostGIS backend are applied in the database and answer what
the embedded backend answers.

Every supported CRS on every layer (points, polygons, lines, features without geometry): the same
features, properties, links, ``numberMatched`` and ``Content-Crs``, and coordinates equal to the last
decimal the response keeps (the database's PROJ and pyproj's may differ in the last bit of a double,
which can move a rounding by one unit). The database's statement log shows ``ST_Transform`` to the
CRS's SRID and only the selected property columns; a database without the SRID in ``spatial_ref_sys``
falls back to transforming in the service, with the same answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import psycopg
import pytest
from fastapi.testclient import TestClient
from tests.conftest import DATA_DIR
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database, opened

from geo_industry.api import create_app
from geo_industry.catalog import LAYER_IDS, REFERENCE_LAYER_IDS
from geo_industry.crs import CRS84, SUPPORTED_CRS, resolve_crs
from geo_industry.geojson import DEGREE_DECIMALS, METRE_DECIMALS, feature_bytes, record_bytes
from geo_industry.models import FeatureQuery
from geo_industry.settings import Settings
from geo_industry.store import EmbeddedStore
from geo_industry.store.postgis import Database, PostGISReader

LAYERS = [*LAYER_IDS, *REFERENCE_LAYER_IDS]
POLYGONS = "zone_outlines"
#: single features: polygons, multi-lines, points and a feature without a geometry
FEATURES = [("zone_outlines", 3), ("boundaries", 2), ("transport_lines", 2), ("mines", 2),
            ("mines", "yb-mong-son-1-marble")]


def _app(store: Any, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    settings = Settings(data_dir=DATA_DIR, raster_dir=tmp_path_factory.mktemp("rasters"),
                        _env_file=None)  # type: ignore[call-arg]
    return TestClient(create_app(settings, store=store))


@pytest.fixture(scope="module")
def database_url(pg_cluster: Cluster) -> str:
    return loaded_database(pg_cluster, DATA_DIR, "output_crs")


@pytest.fixture(scope="module")
def reader(database_url: str) -> Iterator[PostGISReader]:
    with opened(database_url, PostGISReader) as store:
        yield store


def _analysed(client: TestClient) -> TestClient:
    """``client`` once its raster service's start-up build is done: the zones' analysis properties (their
    slope, kept in the database on PostGIS) are then final on both backends."""
    assert client.get("/analysis/zones").status_code == 200
    return client


@pytest.fixture(scope="module")
def postgis(reader: PostGISReader, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with _app(reader, tmp_path_factory) as client:
        yield _analysed(client)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with _app(EmbeddedStore.from_directory(DATA_DIR), tmp_path_factory) as client:
        yield _analysed(client)


def _coordinates(geometry: dict[str, Any] | None) -> tuple[str, np.ndarray]:
    """The geometry's type and nesting (as text) and its coordinates as one array."""
    if geometry is None:
        return "null", np.empty(0)
    flat: list[float] = []

    def shape(value: Any) -> str:
        if isinstance(value, list) and value and not isinstance(value[0], list):  # a position
            flat.extend(float("nan") if number is None else number for number in value)
            return str(len(value))
        return "[" + ",".join(shape(item) for item in value) + "]"

    return geometry["type"] + shape(geometry["coordinates"]), np.array(flat, dtype=float)


def assert_same_features(mine: dict[str, Any], theirs: dict[str, Any], decimals: int) -> int:
    """Assert two GeoJSON documents are equal but for coordinates within one unit of the last kept decimal;
    returns how many coordinates are not bit-identical."""
    mine_features = mine.pop("features", [mine])
    their_features = theirs.pop("features", [theirs])
    mine.pop("timeStamp", None), theirs.pop("timeStamp", None)
    if "geometry" in mine:  # a single feature: its members but the geometry
        mine_features, their_features = [dict(mine)], [dict(theirs)]
        mine.pop("geometry"), theirs.pop("geometry")
    assert mine == theirs
    assert [f["id"] for f in mine_features] == [f["id"] for f in their_features]
    differing = 0
    for a, b in zip(mine_features, their_features, strict=True):
        assert a["properties"] == b["properties"], a["id"]
        (shape_a, xy_a), (shape_b, xy_b) = _coordinates(a["geometry"]), _coordinates(b["geometry"])
        assert shape_a == shape_b, a["id"]
        assert np.all(np.abs(xy_a - xy_b) <= 1.01 * 10.0 ** -decimals), a["id"]
        differing += int(np.count_nonzero(xy_a != xy_b))
    return differing


def _decimals(crs_code: str) -> int:
    return DEGREE_DECIMALS if crs_code in ("OGC:CRS84", "EPSG:4326", "EPSG:4756") else METRE_DECIMALS


@pytest.mark.parametrize("crs", SUPPORTED_CRS, ids=[c.code for c in SUPPORTED_CRS])
@pytest.mark.parametrize("layer_id", LAYERS)
def test_every_layer_in_every_crs_is_what_the_embedded_backend_answers(postgis, embedded, layer_id, crs):
    params = {"crs": crs.uri, "limit": "1000"}
    mine, theirs = (client.get(f"/collections/{layer_id}/items", params=params) for client in (postgis, embedded))
    assert mine.status_code == theirs.status_code == 200, mine.text[:300]
    assert mine.headers["Content-Crs"] == theirs.headers["Content-Crs"] == f"<{crs.uri}>"
    body = mine.json()
    assert body["numberMatched"] == body["numberReturned"] == len(body["features"]) > 0
    assert_same_features(body, theirs.json(), _decimals(crs.code))


@pytest.mark.parametrize("crs", SUPPORTED_CRS, ids=[c.code for c in SUPPORTED_CRS])
@pytest.mark.parametrize(("layer_id", "which"), FEATURES)
def test_single_features_in_every_crs_are_what_the_embedded_backend_answers(postgis, embedded, reader, layer_id,
                                                                           which, crs):
    feature_ids = ([which] if isinstance(which, str)
                   else reader.query(layer_id, FeatureQuery(limit=which)).features["id"].tolist())
    for feature_id in feature_ids:
        path = f"/collections/{layer_id}/items/{feature_id}"
        mine, theirs = (client.get(path, params={"crs": crs.uri}) for client in (postgis, embedded))
        assert mine.status_code == theirs.status_code == 200, mine.text[:300]
        assert mine.headers["Content-Crs"] == theirs.headers["Content-Crs"] == f"<{crs.uri}>"
        assert_same_features(mine.json(), theirs.json(), _decimals(crs.code))


def test_a_filtered_bbox_page_with_selected_properties_in_vn2000_is_the_embedded_one(postgis, embedded):
    params = {"crs": "EPSG:3405", "bbox": "103.5,22.0,104.5,22.8", "properties": "name_en,commodity,start_year",
              "sortby": "-start_year", "limit": "5", "offset": "2"}
    mine, theirs = (client.get("/collections/mines/items", params=params) for client in (postgis, embedded))
    assert mine.status_code == theirs.status_code == 200, mine.text[:300]
    body = mine.json()
    assert body["numberMatched"] > body["numberReturned"] == 5
    assert all(set(f["properties"]) == {"name_en", "commodity", "start_year"} for f in body["features"])
    assert_same_features(body, theirs.json(), METRE_DECIMALS)


def test_selected_properties_answer_as_on_the_embedded_backend_in_every_crs(postgis, embedded):
    for crs in SUPPORTED_CRS:
        for properties in ("name_en", "id,computed_area_ha,name_vi,sources", "start_year"):
            params = {"crs": crs.uri, "properties": properties, "limit": "100"}
            mine, theirs = (client.get(f"/collections/{POLYGONS}/items", params=params)
                            for client in (postgis, embedded))
            assert mine.status_code == theirs.status_code == 200, (properties, mine.text[:300])
            assert_same_features(mine.json(), theirs.json(), _decimals(crs.code))


@pytest.mark.parametrize("code", ["EPSG:3405", "EPSG:9208", "EPSG:3857", "EPSG:4756"])
def test_single_features_come_from_the_database_in_the_crs(reader, code):
    crs = resolve_crs(code)
    for layer_id, feature_id in [(POLYGONS, reader.query(POLYGONS, FeatureQuery(limit=1)).features["id"][0]),
                                 ("mines", "yb-mong-son-1-marble")]:
        record = reader.feature_record(layer_id, feature_id, crs)
        assert record.crs == crs
        row = reader.get(layer_id, feature_id, crs)
        assert row.crs.to_epsg() == int(code.removeprefix("EPSG:"))
        assert (record_bytes(record.id, record.geometry, record.properties, crs=crs, source=record.crs)
                == feature_bytes(row, crs=crs, source=crs)[0]
                == feature_bytes(reader.get(layer_id, feature_id), crs=crs)[0])


@pytest.mark.parametrize("code", ["EPSG:3405", "EPSG:9208", "EPSG:3857", "EPSG:4756"])
def test_the_page_comes_from_the_database_in_the_crs_with_only_the_selected_columns(reader, database_url, code):
    crs = resolve_crs(code)
    page = reader.query(POLYGONS, FeatureQuery(limit=3, crs=crs, properties=("name_en",)))
    assert page.crs == crs
    assert list(page.features.columns) == ["id", "name_en", "geometry"]
    assert page.features.crs.to_epsg() == int(code.removeprefix("EPSG:"))
    statement, params = reader.page_statement(POLYGONS, FeatureQuery(limit=3, crs=crs, properties=("name_en",)))
    with psycopg.connect(database_url) as conn:
        plan = "\n".join(row[0] for row in conn.execute(b"EXPLAIN (VERBOSE) " + statement.as_bytes(conn), params))
    output = next(line for line in plan.splitlines() if "Output:" in line)
    assert re.search(rf"st_transform\((\w+\.)?geom, {code.removeprefix('EPSG:')}\)", output.lower()), output
    selected = {name.strip().rsplit(".", 1)[-1] for name in output.split("Output:")[1].split(",")}
    assert "name_en" in selected and "name_vi" not in selected and "computed_area_ha" not in selected


def test_the_served_requests_transform_in_the_database(pg_cluster, tmp_path_factory):
    """The statement log of a database of its own: the items and single-feature requests in EPSG:3405 ran
    ``ST_Transform(geom, 3405)``; a request in CRS84 reads the stored geometry."""
    url = loaded_database(pg_cluster, DATA_DIR, "crs_log")
    name = url.rsplit("/", 1)[1]
    pg_cluster.psql("postgres", f"ALTER DATABASE \"{name}\" SET log_statement = 'all'")
    log = pg_cluster.directory / "server.log"
    start = log.stat().st_size
    reader = PostGISReader(Database(url, pool_size=1))
    try:
        with _app(reader, tmp_path_factory) as client:
            assert client.get(f"/collections/{POLYGONS}/items", params={"crs": "EPSG:3405"}).status_code == 200
            feature_id = reader.query(POLYGONS, FeatureQuery(limit=1)).features["id"].iloc[0]
            one = client.get(f"/collections/{POLYGONS}/items/{feature_id}", params={"crs": "EPSG:9208"})
            assert one.status_code == 200
            assert client.get("/collections/mines/items", params={"properties": "name_en"}).status_code == 200
    finally:
        reader.close()
    with log.open("rb") as handle:
        handle.seek(start)
        statements = handle.read().decode(errors="replace")
    polygon_reads = [line for line in statements.splitlines() if f'"{POLYGONS}"' in line and "ST_AsBinary" in line]
    assert any("ST_AsBinary(ST_Transform(geom, 3405))" in line and "LIMIT" in line for line in polygon_reads)
    assert any("ST_AsBinary(ST_Transform(geom, 9208))" in line and "id = " in line for line in polygon_reads)
    mine_reads = [line for line in statements.splitlines() if '"mines"' in line and "ST_AsBinary" in line]
    assert any("ST_AsBinary(geom)" in line and '"name_en"' in line and '"name_vi"' not in line
               for line in mine_reads)


def test_a_database_without_the_srid_transforms_in_the_service_with_the_same_answer(
        pg_cluster, embedded, tmp_path_factory):
    url = loaded_database(pg_cluster, DATA_DIR, "crs_no_srid")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM spatial_ref_sys WHERE srid = 9208")
    reader = PostGISReader(Database(url, pool_size=1))
    crs = resolve_crs("EPSG:9208")
    try:
        page = reader.query(POLYGONS, FeatureQuery(limit=3, crs=crs))
        assert page.crs == CRS84 and page.features.crs.to_epsg() == 4326
        assert reader.feature_record(POLYGONS, page.features["id"][0], crs).crs == CRS84
        assert "ST_Transform" not in reader.page_statement(POLYGONS, FeatureQuery(crs=crs))[0].as_string(None)
        with _app(reader, tmp_path_factory) as client:
            for path in (f"/collections/{POLYGONS}/items", f"/collections/{POLYGONS}/items/{page.features['id'][0]}"):
                mine, theirs = (c.get(path, params={"crs": crs.uri}) for c in (client, embedded))
                assert mine.status_code == theirs.status_code == 200, mine.text[:300]
                assert_same_features(mine.json(), theirs.json(), METRE_DECIMALS)
    finally:
        reader.close()


@pytest.mark.parametrize("code", ["EPSG:3405", "EPSG:9208"])
def test_a_download_in_vn2000_with_selected_properties_is_the_embedded_one(postgis, embedded, code):
    params = {"f": "geojson", "crs": code, "properties": "name_en,start_year", "bbox": "103.5,21.5,105,22.9"}
    mine, theirs = (client.get(f"/collections/{POLYGONS}/download", params=params) for client in (postgis, embedded))
    assert mine.status_code == theirs.status_code == 200, mine.text[:300]
    assert mine.headers["Content-Crs"] == theirs.headers["Content-Crs"]
    body, expected = mine.json(), theirs.json()
    assert body["features"] and body.get("crs") == expected.get("crs")
    for a, b in zip(body["features"], expected["features"], strict=True):
        assert a["properties"] == b["properties"] and set(a["properties"]) == {"id", "name_en", "start_year"}
        (shape_a, xy_a), (shape_b, xy_b) = _coordinates(a["geometry"]), _coordinates(b["geometry"])
        assert shape_a == shape_b and np.allclose(xy_a, xy_b, rtol=0, atol=1e-6)
