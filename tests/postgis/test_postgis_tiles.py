"""Vector tiles built by PostGIS (``ST_AsMVT``, :mod:`geo_industry.store.postgis.tiles`) against the
embedded encoder's tiles of the same layer and tile.

The repository's ``data/`` is loaded into a fresh database of the throwaway cluster as
``geo-industry db load`` loads it. For points, lines and polygons, in Web Mercator and in other
tile matrix sets, both tiles are decoded: the same features with the same properties (lists and
objects compared as the JSON they carry), points at the same tile coordinates, lines and
polygons covering the same tile area within the simplification's few units. The tile route of
the real app on the PostGIS backend (uvicorn on loopback) serves the database's tiles with ETags.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import httpx
import mapbox_vector_tile
import morecantile
import orjson
import psycopg
import pytest
import shapely
from shapely.geometry import shape
from tests.conftest import DATA_DIR
from tests.live_server import running_app
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database, with_synthetic_layers

from geo_industry.models import VectorTile
from geo_industry.store import EmbeddedStore
from geo_industry.store.base import TileSource
from geo_industry.store.postgis.connections import Database
from geo_industry.store.postgis.frames import StoredLayer, read_layers
from geo_industry.store.postgis.reader import PostGISReader
from geo_industry.store.postgis.tiles import postgis_tile, tile_statement
from geo_industry.vector_tiles import LIMITED_HEADER, MVT, TILE_FEATURE_LIMIT, TileAddress, layer_tile, tile_matrix_set

CASES = [
    ("mines", "WebMercatorQuad", 8), ("mines", "WebMercatorQuad", 12), ("industrial_zones", "WebMercatorQuad", 10),
    ("hydropower_plants", "WorldCRS84Quad", 7), ("mines", "WGS1984Quad", 9), ("mines", "UTM31WGS84Quad", 3),
    ("zone_outlines", "WebMercatorQuad", 13), ("zone_outlines", "UTM31WGS84Quad", 5),
    ("boundaries", "WebMercatorQuad", 8), ("transport_lines", "WebMercatorQuad", 9),
    ("transport_lines", "WorldMercatorWGS84Quad", 11),
]
"""(layer, tile matrix set, tile matrix): the tile holding the layer's first located feature is compared."""


@pytest.fixture(scope="module")
def url(pg_cluster: Cluster) -> str:
    """A database of its own holding ``data/`` as ``geo-industry db load`` loads it."""
    return loaded_database(pg_cluster, DATA_DIR, "tiles")


@pytest.fixture(scope="module")
def conn(url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE")
        yield connection


@pytest.fixture(scope="module")
def stored(conn: psycopg.Connection) -> dict[str, StoredLayer]:
    layers, quarantined = read_layers(conn)
    assert quarantined == []
    return {layer.meta.id: layer for layer in layers}


def _tile_of(store: EmbeddedStore, layer_id: str, tms_id: str, zoom: int) -> TileAddress:
    frame = store.frame(layer_id)
    geometry = frame.geometry.dropna().iloc[0]
    point = geometry if geometry.geom_type == "Point" else geometry.representative_point()
    found = tile_matrix_set(tms_id).tile(point.x, point.y, zoom)
    return TileAddress(tms_id, zoom, found.y, found.x)


def _plain(value: Any) -> Any:
    """A property value as compared: JSON text of a list or object parsed back."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        return orjson.loads(value)
    return value


def _features(body: bytes, layer_id: str) -> dict[str, tuple[dict[str, Any], Any]]:
    decoded = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True}) if body else {}
    features = decoded.get(layer_id, {}).get("features", [])
    return {f["properties"]["id"]: ({k: _plain(v) for k, v in f["properties"].items()}, shape(f["geometry"]))
            for f in features}


def _body(conn: psycopg.Connection, layer: StoredLayer, tile: TileAddress) -> bytes:
    built = postgis_tile(conn, layer, tile)
    assert built is not None
    return built.body


def _same_geometry(ours: Any, theirs: Any) -> bool:
    if ours.geom_type.endswith("Point"):
        return bool(shapely.hausdorff_distance(ours, theirs) <= 1.5)
    if ours.geom_type.endswith("Polygon"):
        return bool(ours.symmetric_difference(theirs).area <= 0.02 * ours.area + 64)
    return bool(shapely.hausdorff_distance(ours, theirs) <= 8)


@pytest.mark.parametrize(("layer_id", "tms_id", "zoom"), CASES)
def test_postgis_tile_has_the_embedded_tiles_features(conn, stored, store, layer_id, tms_id, zoom):
    tile = _tile_of(store, layer_id, tms_id, zoom)
    memory = _features(layer_tile(store, layer_id, tile).body, layer_id)
    built = postgis_tile(conn, stored[layer_id], tile)
    assert built is not None and not built.limited
    database = _features(built.body, layer_id)
    assert memory, "the tile holds the layer's first feature"
    assert sorted(database) == sorted(memory)
    for feature_id, (properties, geometry) in memory.items():
        assert database[feature_id][0] == properties, feature_id
        assert _same_geometry(geometry, database[feature_id][1]), feature_id


def test_tiles_read_the_typed_columns_not_the_stored_json(conn, stored, store):
    """An undeclared property stored with a feature (the ``properties`` JSON) stays out of the tile, as on
    the embedded store; the declared fields come from their typed columns."""
    layer, tile = stored["mines"], _tile_of(store, "mines", "WebMercatorQuad", 12)
    statement, _ = tile_statement(layer, tile) or ((), [])
    assert "properties" not in statement.as_string(conn)
    first = next(iter(_features(_body(conn, layer, tile), "mines")))
    try:
        with conn.transaction():
            conn.execute('UPDATE geo_industry."mines" SET properties = properties || %s WHERE id = %s',
                         ('{"note_from_upload": "not declared"}', first))
            properties = _features(_body(conn, layer, tile), "mines")[first][0]
            raise psycopg.Rollback
    finally:
        assert "note_from_upload" not in conn.execute('SELECT properties FROM geo_industry."mines" WHERE id = %s',
                                                      (first,)).fetchone()[0]
    assert "note_from_upload" not in properties and properties["id"] == first
    assert properties.keys() == _features(layer_tile(store, "mines", tile).body, "mines")[first][0].keys()


def test_a_tile_no_feature_reaches_is_empty(conn, stored):
    far = morecantile.tms.get("WebMercatorQuad").tile(-70.0, -40.0, 9)  # Patagonia
    assert postgis_tile(conn, stored["mines"], TileAddress("WebMercatorQuad", 9, far.y, far.x)) == VectorTile(b"")


def test_tile_query_selects_through_the_gist_index(conn, stored):
    conn.execute("SET enable_seqscan = off")  # the tables are small: make the planner show it can use the index
    try:
        statement, params = tile_statement(stored["mines"], TileAddress("WebMercatorQuad", 8, 113, 202)) or ((), [])
        plan = "\n".join(row[0] for row in conn.execute(psycopg.sql.SQL("EXPLAIN ") + statement, params))
    finally:
        conn.execute("RESET enable_seqscan")
    assert "geom_idx" in plan or "Index Scan" in plan or "Bitmap Index Scan" in plan, plan


def test_the_reader_is_a_tile_source_and_layer_tile_asks_it(url, conn, stored, store):
    tile = _tile_of(store, "mines", "WebMercatorQuad", 9)
    reader = PostGISReader(Database(url, pool_size=1))
    try:
        assert isinstance(reader, TileSource)
        assert layer_tile(reader, "mines", tile) == postgis_tile(conn, stored["mines"], tile)
    finally:
        reader.close()


@pytest.fixture(scope="module")
def app_url(url: str) -> Iterator[str]:
    """The real app on the PostGIS backend under uvicorn on a free 127.0.0.1 port; the maps draw
    layers of 35 features or more (mines, hydropower plants) from vector tiles."""
    with running_app(DATA_DIR, {"GEO_INDUSTRY_STORE_BACKEND": "postgis", "GEO_INDUSTRY_DATABASE_URL": url,
                                "GEO_INDUSTRY_VECTOR_TILE_THRESHOLD": "35"}) as served:
        yield served


def test_tile_route_serves_the_database_tile_with_an_etag(app_url, conn, stored, store):
    tile = _tile_of(store, "hydropower_plants", "WebMercatorQuad", 10)
    path = f"/collections/hydropower_plants/tiles/WebMercatorQuad/{tile.matrix}/{tile.row}/{tile.col}"
    response = httpx.get(app_url + path, timeout=60)
    assert response.status_code == 200 and response.headers["content-type"] == MVT
    assert response.content == _body(conn, stored["hydropower_plants"], tile)
    assert "tile-feature-limit" not in response.headers
    assert _features(response.content, "hydropower_plants").keys() == _features(
        layer_tile(store, "hydropower_plants", tile).body, "hydropower_plants").keys()
    etag = response.headers["etag"]
    again = httpx.get(app_url + path, headers={"If-None-Match": etag}, timeout=60)
    assert again.status_code == 304 and again.headers["etag"] == etag
    far = morecantile.tms.get("WebMercatorQuad").tile(-70.0, -40.0, 9)
    empty = httpx.get(f"{app_url}/collections/hydropower_plants/tiles/WebMercatorQuad/9/{far.y}/{far.x}", timeout=60)
    assert empty.status_code == 204


def test_the_same_rows_give_the_same_bytes_in_any_order(conn, stored, store):
    """A tile's ETag is its bytes' hash: the order the rows are read in (table order, index order, a
    parallel scan's any order) must not change them. A copy of the layer stored in reverse order gives
    the same tile."""
    layer, tile = stored["hydropower_plants"], _tile_of(store, "hydropower_plants", "WebMercatorQuad", 8)
    conn.execute('CREATE TABLE geo_industry."hydropower_plants_reversed" AS '
                 'SELECT * FROM geo_industry."hydropower_plants" ORDER BY position DESC')
    try:
        reversed_layer = dataclasses.replace(layer, meta=layer.meta.model_copy(update={"id": "hydropower_plants"}))
        statement, params = tile_statement(reversed_layer, tile) or ((), [])
        reversed_text = statement.as_string(conn).replace('"hydropower_plants"', '"hydropower_plants_reversed"', 1)
        from_reversed = bytes(conn.execute(reversed_text, params).fetchone()[0])
    finally:
        conn.execute('DROP TABLE geo_industry."hydropower_plants_reversed"')
    assert len(_features(from_reversed, "hydropower_plants")) > 10
    assert from_reversed == _body(conn, layer, tile)


DENSE_POINTS = TILE_FEATURE_LIMIT + 2_000
PROVINCE_Z3 = TileAddress("WebMercatorQuad", 3, 3, 6)
"""The z3 tile holding all of Lào Cai province (lon 90–135°, lat 0–41°)."""


@pytest.fixture(scope="module")
def dense_url(pg_cluster: Cluster) -> str:
    """A database of ``data/`` and the benchmark's generated ``synthetic_points`` layer with more points
    than a tile may hold, all in the province (``bench/synthetic_layers.sql``)."""
    url = with_synthetic_layers(loaded_database(pg_cluster, DATA_DIR, "tiles_dense"), points=DENSE_POINTS, parcels=10)
    return url


def test_a_low_zoom_tile_of_a_dense_layer_is_bounded_and_says_so(dense_url):
    with psycopg.connect(dense_url, autocommit=True) as connection:
        layer = next(layer for layer in read_layers(connection)[0] if layer.meta.id == "synthetic_points")
        province = postgis_tile(connection, layer, PROVINCE_Z3)
        small = postgis_tile(connection, layer, PROVINCE_Z3, limit=100)
        z12 = postgis_tile(connection, layer, _z12_of_the_first_point(connection))
    assert province is not None and province.limited
    assert len(_features(province.body, "synthetic_points")) == TILE_FEATURE_LIMIT
    assert small is not None and small.limited and len(_features(small.body, "synthetic_points")) == 100
    assert z12 is not None and not z12.limited and z12.body
    with running_app(DATA_DIR, {"GEO_INDUSTRY_STORE_BACKEND": "postgis",
                                "GEO_INDUSTRY_DATABASE_URL": dense_url}) as served:
        response = httpx.get(f"{served}/collections/synthetic_points/tiles/WebMercatorQuad/3/3/6", timeout=120)
        tileset = httpx.get(f"{served}/collections/synthetic_points/tiles/WebMercatorQuad", timeout=60).json()
    assert response.status_code == 200 and response.headers[LIMITED_HEADER] == str(TILE_FEATURE_LIMIT)
    assert response.content == province.body
    assert tileset["layers"][0]["featureLimit"] == TILE_FEATURE_LIMIT
    assert set(tileset["layers"][0]["propertiesSchema"]["properties"]) == {"id", "name", "status", "capacity_value",
                                                                            "year"}


def _z12_of_the_first_point(conn: psycopg.Connection) -> TileAddress:
    lon, lat = conn.execute("SELECT ST_X(geom), ST_Y(geom) FROM geo_industry.synthetic_points "
                            "ORDER BY position LIMIT 1").fetchone()
    found = tile_matrix_set("WebMercatorQuad").tile(lon, lat, 12)
    return TileAddress("WebMercatorQuad", 12, found.y, found.x)


def test_overview_on_postgis_draws_the_large_layers_from_tiles(app_url):
    page = httpx.get(f"{app_url}/maps/overview?lang=en", timeout=300)
    assert page.status_code == 200
    for layer_id in ("mines", "hydropower_plants"):
        assert f'giTiledLayer("/collections/{layer_id}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"' in page.text
    assert '"/collections/processing_plants/items?limit=10000"' in page.text
