"""Vector tiles (OGC API - Tiles): tilesets, tileset metadata, TileJSON, MVT tiles decoded and checked.

Expected positions are computed here from the Web Mercator formulas, independently of the
server's morecantile/pyproj path; expected features come from bbox items queries.
"""

from __future__ import annotations

import math
from typing import Any

import mapbox_vector_tile
import morecantile
import orjson
import pytest
import shapely
from fastapi.testclient import TestClient

from geo_industry.api.tile_documents import TILESETS_VECTOR, TILING_SCHEME
from geo_industry.budget import deadline
from geo_industry.errors import BudgetExceeded
from geo_industry.store import EmbeddedStore
from geo_industry.vector_tiles import (
    BUFFER,
    EXTENT,
    LIMITED_HEADER,
    MVT,
    TILE_FEATURE_LIMIT,
    TILE_MATRIX_SETS,
    TileAddress,
    layer_tile,
    mvt_value,
    tile_properties,
)

WEB_MERCATOR = "WebMercatorQuad"


def _decode(body: bytes) -> dict[str, Any]:
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})  # type: ignore[no-any-return]


def _layer_of(store: EmbeddedStore, kinds: tuple[str, ...]) -> str:
    for meta in store.collections():
        frame = store.frame(meta.id)
        if frame.geometry.notna().any() and set(frame.geometry.dropna().geom_type) <= set(kinds):
            return meta.id
    pytest.skip(f"no layer of {kinds}")


def _located(store: EmbeddedStore, layer_id: str) -> Any:
    frame = store.frame(layer_id)
    return frame[frame.geometry.notna()].iloc[0]


def _mercator_pixel(lon: float, lat: float, zoom: int) -> tuple[int, int, float, float]:
    """Column, row and the position inside the tile (tile units, y down) of a point."""
    scale = 2**zoom
    x = (lon + 180) / 360 * scale
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * scale
    return int(x), int(y), (x - int(x)) * EXTENT, (y - int(y)) * EXTENT


def _tile_url(layer_id: str, zoom: int, row: int, col: int, tms: str = WEB_MERCATOR) -> str:
    return f"/collections/{layer_id}/tiles/{tms}/{zoom}/{row}/{col}"


def _tile_ids(client: TestClient, layer_id: str, zoom: int, row: int, col: int) -> set[str]:
    response = client.get(_tile_url(layer_id, zoom, row, col))
    assert response.status_code in (200, 204)
    if response.status_code == 204:
        return set()
    return {f["properties"]["id"] for f in _decode(response.content)[layer_id]["features"]}


def _items_ids(client: TestClient, layer_id: str, bbox: tuple[float, ...]) -> set[str]:
    body = client.get(f"/collections/{layer_id}/items", params={"bbox": ",".join(map(str, bbox)),
                                                                "limit": 10_000}).json()
    assert body["numberMatched"] == body["numberReturned"]
    return {f["id"] for f in body["features"]}


def test_collection_links_to_its_tilesets(client: TestClient, layer_ids: list[str]) -> None:
    for layer_id in layer_ids:
        links = client.get(f"/collections/{layer_id}").json()["links"]
        assert any(lk["rel"] == TILESETS_VECTOR and lk["href"].endswith(f"/collections/{layer_id}/tiles")
                   for lk in links)


def test_tilesets_list_has_every_tile_matrix_set(client: TestClient) -> None:
    body = client.get("/collections/mines/tiles").json()
    listed = [t["id"] for t in client.get("/tileMatrixSets").json()["tileMatrixSets"]]
    schemes = [next(lk["href"] for lk in t["links"] if lk["rel"] == TILING_SCHEME) for t in body["tilesets"]]
    assert [href.rsplit("/", 1)[-1] for href in schemes] == listed == list(TILE_MATRIX_SETS)
    for tileset in body["tilesets"]:
        assert tileset["dataType"] == "vector"
        rels = {lk["rel"]: lk for lk in tileset["links"]}
        assert rels["item"]["type"] == MVT and rels["item"]["templated"] is True


def test_tileset_metadata_limits_hold_a_feature(client: TestClient, store: EmbeddedStore) -> None:
    layer_id = _layer_of(store, ("Point",))
    point = _located(store, layer_id).geometry
    body = client.get(f"/collections/{layer_id}/tiles/{WEB_MERCATOR}").json()
    assert body["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    assert body["layers"][0] == {**body["layers"][0], "id": layer_id, "geometryDimension": 0}
    item = next(lk for lk in body["links"] if lk["rel"] == "item")
    assert item["href"].endswith(f"/collections/{layer_id}/tiles/{WEB_MERCATOR}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}")
    limits = {entry["tileMatrix"]: entry for entry in body["tileMatrixSetLimits"]}
    col, row, _, _ = _mercator_pixel(point.x, point.y, 12)
    assert limits["12"]["minTileCol"] <= col <= limits["12"]["maxTileCol"]
    assert limits["12"]["minTileRow"] <= row <= limits["12"]["maxTileRow"]


def test_tileset_metadata_names_the_tile_properties_and_the_feature_limit(client: TestClient,
                                                                          store: EmbeddedStore) -> None:
    layer = client.get(f"/collections/mines/tiles/{WEB_MERCATOR}").json()["layers"][0]
    assert layer["featureLimit"] == TILE_FEATURE_LIMIT and LIMITED_HEADER in layer["description"]
    schema = layer["propertiesSchema"]["properties"]
    fields = client.get(f"/collections/mines/tiles/{WEB_MERCATOR}/tilejson.json").json()["vector_layers"][0]["fields"]
    assert schema.keys() == fields.keys()
    assert schema["id"] == {"type": "string"} and schema["sources"] == {"type": "string"}  # a list, as JSON text
    assert schema["start_year"] == {"type": "integer"}
    assert {name for name in schema if name.startswith("latest_")} == {
        name for name in store.frame("mines").columns if name.startswith("latest_")}


def test_a_tile_holds_at_most_the_limit_and_says_it_was_cut(client: TestClient, store: EmbeddedStore) -> None:
    everything = TileAddress(WEB_MERCATOR, 0, 0, 0)
    located = int(store.frame("mines").geometry.notna().sum())
    whole = layer_tile(store, "mines", everything)
    assert not whole.limited and len(_decode(whole.body)["mines"]["features"]) == located
    cut = layer_tile(store, "mines", everything, limit=located - 1)
    assert cut.limited and len(_decode(cut.body)["mines"]["features"]) == located - 1
    response = client.get(_tile_url("mines", 0, 0, 0))
    assert response.status_code == 200 and LIMITED_HEADER not in response.headers


def test_tilejson(client: TestClient) -> None:
    response = client.get(f"/collections/mines/tiles/{WEB_MERCATOR}/tilejson.json")
    body = response.json()
    assert response.headers["content-type"].startswith("application/vnd.mapbox.tile+json")
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"][0].endswith(f"/collections/mines/tiles/{WEB_MERCATOR}/{{z}}/{{y}}/{{x}}")
    fields = body["vector_layers"][0]["fields"]
    assert fields["id"] == "String" and fields["sources"] == "String" and fields["start_year"] == "Number"
    assert client.get("/collections/mines/tiles/WorldCRS84Quad/tilejson.json").status_code == 404


def test_point_lands_in_its_pixel_at_z12(client: TestClient, store: EmbeddedStore) -> None:
    layer_id = _layer_of(store, ("Point",))
    row = _located(store, layer_id)
    col, tile_row, x, y = _mercator_pixel(row.geometry.x, row.geometry.y, 12)
    response = client.get(_tile_url(layer_id, 12, tile_row, col))
    assert response.status_code == 200 and response.headers["content-type"] == MVT
    features = _decode(response.content)[layer_id]["features"]
    found = next(f for f in features if f["properties"]["id"] == row["id"])
    got_x, got_y = found["geometry"]["coordinates"]
    assert abs(got_x - x) <= 1 and abs(got_y - y) <= 1


def test_properties_keep_their_types(client: TestClient, store: EmbeddedStore) -> None:
    layer_id = _layer_of(store, ("Point",))
    row = _located(store, layer_id)
    col, tile_row, _, _ = _mercator_pixel(row.geometry.x, row.geometry.y, 12)
    features = _decode(client.get(_tile_url(layer_id, 12, tile_row, col)).content)[layer_id]["features"]
    properties = next(f for f in features if f["properties"]["id"] == row["id"])["properties"]
    feature = client.get(f"/collections/{layer_id}/items/{row['id']}").json()["properties"]
    for name, value in feature.items():
        if value is None or name not in properties:
            assert value is None or isinstance(value, dict), name  # only missing values are left out
            continue
        if isinstance(value, list):
            assert orjson.loads(properties[name]) == value, name
        elif isinstance(value, float):
            assert properties[name] == pytest.approx(value), name
        else:
            assert properties[name] == value, name


def test_tiles_carry_the_id_declared_fields_and_joined_statistics(client: TestClient, store: EmbeddedStore) -> None:
    meta = store.collection("mines")
    carried = {"id", *(spec.name for spec in meta.fields)}
    joined = [name for name in store.frame("mines").columns if name.startswith("latest_")]
    assert joined, "mines have statistics joined to them"
    row = store.frame("mines").dropna(subset=[joined[0]]).iloc[0]
    col, tile_row, _, _ = _mercator_pixel(row.geometry.x, row.geometry.y, 12)
    features = _decode(client.get(_tile_url("mines", 12, tile_row, col)).content)["mines"]["features"]
    properties = next(f for f in features if f["properties"]["id"] == row["id"])["properties"]
    assert set(properties) <= carried | set(joined)
    assert properties[joined[0]] == pytest.approx(row[joined[0]])


def test_tile_properties_leave_undeclared_stored_properties_out(store: EmbeddedStore) -> None:
    meta = store.collection("mines")
    declared = [spec.name for spec in meta.fields if spec.name != "id"]
    columns = ["id", "note_from_upload", *reversed(declared), "latest_ree_reserve_ore", "geometry"]
    assert tile_properties(meta, columns) == [*declared, "latest_ree_reserve_ore"]


@pytest.mark.parametrize("zoom", [6, 9, 12])
def test_tile_features_match_bbox_items(client: TestClient, store: EmbeddedStore, layer_ids: list[str],
                                        zoom: int) -> None:
    tms = morecantile.tms.get(WEB_MERCATOR)
    for layer_id in layer_ids:
        frame = store.frame(layer_id)
        located = frame[frame.geometry.notna()]
        if located.empty:
            continue
        centre = located.geometry.iloc[0].representative_point()
        tile = tms.tile(centre.x, centre.y, zoom)
        inner = tuple(tms.bounds(tile))
        grow = BUFFER / EXTENT
        outer = (inner[0] - (inner[2] - inner[0]) * grow, inner[1] - (inner[3] - inner[1]) * grow,
                 inner[2] + (inner[2] - inner[0]) * grow, inner[3] + (inner[3] - inner[1]) * grow)
        ids = _tile_ids(client, layer_id, zoom, tile.y, tile.x)
        assert _items_ids(client, layer_id, inner) <= ids <= _items_ids(client, layer_id, outer), layer_id


def test_lines_and_polygons_are_clipped_to_the_buffer(client: TestClient, store: EmbeddedStore) -> None:
    for kinds in (("LineString", "MultiLineString"), ("Polygon", "MultiPolygon")):
        layer_id = _layer_of(store, kinds)
        centre = _located(store, layer_id).geometry.representative_point()
        col, row, _, _ = _mercator_pixel(centre.x, centre.y, 14)
        features = _decode(client.get(_tile_url(layer_id, 14, row, col)).content)[layer_id]["features"]
        assert features
        for feature in features:
            minx, miny, maxx, maxy = shapely.geometry.shape(feature["geometry"]).bounds
            assert -BUFFER - 1 <= minx and maxx <= EXTENT + BUFFER + 1, layer_id
            assert -BUFFER - 1 <= miny and maxy <= EXTENT + BUFFER + 1, layer_id


def test_simplification_drops_vertices_at_low_zoom(client: TestClient, store: EmbeddedStore) -> None:
    layer_id = _layer_of(store, ("LineString", "MultiLineString"))
    tms = morecantile.tms.get(WEB_MERCATOR)
    frame = store.frame(layer_id)
    located = frame[frame.geometry.notna()]
    geometry = located.geometry.iloc[int(shapely.get_num_coordinates(located.geometry.values).argmax())]
    centre = geometry.representative_point()

    def vertices(zoom: int) -> int:
        tile = tms.tile(centre.x, centre.y, zoom)
        features = _decode(client.get(_tile_url(layer_id, zoom, tile.y, tile.x)).content)[layer_id]["features"]
        return sum(shapely.get_num_coordinates(shapely.geometry.shape(f["geometry"])) for f in features)

    assert vertices(5) < shapely.get_num_coordinates(located.geometry.values).sum()


def test_other_tile_matrix_sets(client: TestClient, store: EmbeddedStore) -> None:
    layer_id = _layer_of(store, ("Point",))
    row = _located(store, layer_id)
    for tms_id in ("WorldCRS84Quad", "WGS1984Quad", "WorldMercatorWGS84Quad"):
        tms = morecantile.tms.get(tms_id)
        tile = tms.tile(row.geometry.x, row.geometry.y, 10)
        response = client.get(_tile_url(layer_id, 10, tile.y, tile.x, tms_id))
        assert response.status_code == 200, tms_id
        assert row["id"] in {f["properties"]["id"] for f in _decode(response.content)[layer_id]["features"]}


def test_etag_304_and_cache_control(client: TestClient, store: EmbeddedStore) -> None:
    layer_id = _layer_of(store, ("Point",))
    row = _located(store, layer_id)
    col, tile_row, _, _ = _mercator_pixel(row.geometry.x, row.geometry.y, 12)
    first = client.get(_tile_url(layer_id, 12, tile_row, col))
    assert first.headers["etag"].startswith('"') and "max-age" in first.headers["cache-control"]
    again = client.get(_tile_url(layer_id, 12, tile_row, col), headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_empty_tile_is_204(client: TestClient) -> None:
    response = client.get(_tile_url("mines", 3, 0, 0))  # the Arctic Ocean side of the world
    assert response.status_code == 204 and response.content == b""


@pytest.mark.parametrize(("path", "status", "names"), [
    ("/collections/nowhere/tiles", 404, "nowhere"),
    ("/collections/nowhere/tiles/WebMercatorQuad/1/0/0", 404, "nowhere"),
    ("/collections/mines/tiles/NoSuchSet", 404, "NoSuchSet"),
    ("/collections/mines/tiles/NoSuchSet/1/0/0", 404, "NoSuchSet"),
    ("/collections/mines/tiles/WebMercatorQuad/25/0/0", 400, "tileMatrix"),
    ("/collections/mines/tiles/WebMercatorQuad/-1/0/0", 400, "tileMatrix"),
    ("/collections/mines/tiles/WebMercatorQuad/2/4/0", 400, "tileRow"),
    ("/collections/mines/tiles/WebMercatorQuad/2/0/4", 400, "tileCol"),
    ("/collections/mines/tiles/WebMercatorQuad/2/-1/0", 400, "tileRow"),
    ("/collections/mines/tiles/WebMercatorQuad/x/0/0", 400, "tileMatrix"),
    ("/collections/mines/tiles/WebMercatorQuad/2/0/0?foo=1", 400, "foo"),
])
def test_errors_name_what_is_wrong(client: TestClient, path: str, status: int, names: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert names in response.json()["description"]


@pytest.mark.parametrize(("value", "expected"), [
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # bytes in a protobuf string, kept as sent
    (3, 3), (2.5, 2.5), (True, True), (None, None), (float("nan"), None),
    (["a", "b"], '["a","b"]'), ({"k": 1}, '{"k":1}'),
])
def test_mvt_values(value: object, expected: object) -> None:
    assert mvt_value(value) == expected


def test_tile_work_stops_once_the_budget_is_spent(store: EmbeddedStore) -> None:
    with deadline(-1.0), pytest.raises(BudgetExceeded):  # a budget already spent: the worker stops at its check
        layer_tile(store, "mines", TileAddress(WEB_MERCATOR, 0, 0, 0))
