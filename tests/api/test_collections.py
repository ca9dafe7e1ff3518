"""Collections, collection metadata (extent, CRS list, storage CRS) and queryables."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import shape

from geo_industry.api.models import Collection, Collections, FeatureSchema, Queryables
from geo_industry.crs import CRS84_URI
from geo_industry.records import STATISTICS_ID
from geo_industry.store import EmbeddedStore

URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")
REQUIRED_CRS = {
    CRS84_URI,
    "http://www.opengis.net/def/crs/EPSG/0/4326",
    "http://www.opengis.net/def/crs/EPSG/0/3857",
    "http://www.opengis.net/def/crs/EPSG/0/4756",
    "http://www.opengis.net/def/crs/EPSG/0/3405",
    "http://www.opengis.net/def/crs/EPSG/0/9208",
}


def test_collections_list_every_layer_and_statistics(client: TestClient, layer_ids: list[str]) -> None:
    body = Collections.model_validate(client.get("/collections").json())
    assert [c.id for c in body.collections] == [*layer_ids, STATISTICS_ID]
    assert all(URL_SAFE.fullmatch(c.id) for c in body.collections)


def test_collection_metadata(client: TestClient, store: EmbeddedStore, layer_ids: list[str]) -> None:
    for layer_id in layer_ids:
        collection = Collection.model_validate(client.get(f"/collections/{layer_id}").json())
        assert collection.itemType == "feature"
        assert collection.storageCrs == CRS84_URI
        assert REQUIRED_CRS <= set(collection.crs or [])
        bbox, years = store.extent(layer_id)
        if bbox is not None:
            assert collection.extent and collection.extent.spatial
            assert collection.extent.spatial.bbox[0] == pytest.approx(list(bbox))
        if years[0] is not None:
            assert collection.extent and collection.extent.temporal
            assert collection.extent.temporal.interval[0][0] == f"{years[0]}-01-01T00:00:00Z"
        rels = {link.rel for link in collection.links}
        assert {"self", "items", "http://www.opengis.net/def/rel/ogc/1.0/queryables", "enclosure"} <= rels


def test_collection_titles_follow_language(client: TestClient, store: EmbeddedStore, layer_ids: list[str]) -> None:
    meta = store.collection(layer_ids[0])
    assert client.get(f"/collections/{meta.id}", params={"lang": "en"}).json()["title"] == meta.title.en
    assert client.get(f"/collections/{meta.id}", params={"lang": "vi"}).json()["title"] == meta.title.vi
    response = client.get(f"/collections/{meta.id}", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert response.json()["title"] == meta.title.en
    assert response.headers["content-language"] == "en"


def test_queryables_json_schema(client: TestClient, store: EmbeddedStore, layer_ids: list[str]) -> None:
    for layer_id in layer_ids:
        response = client.get(f"/collections/{layer_id}/queryables")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/schema+json"
        schema = Queryables.model_validate(response.json())
        assert set(schema.properties) == set(store.queryables(layer_id))
        assert schema.properties["geometry"]["format"].startswith("geometry-")
        assert response.json()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_queryables_include_latest_statistics(client: TestClient, store: EmbeddedStore) -> None:
    latest = [name for name in store.queryables("mines") if name.startswith("latest_")]
    assert latest, "the mines layer joins latest statistics"
    properties = client.get("/collections/mines/queryables").json()["properties"]
    assert properties[latest[0]]["description"].startswith("latest full-year actual")


def test_statistics_collection_is_records(client: TestClient) -> None:
    collection = Collection.model_validate(client.get(f"/collections/{STATISTICS_ID}").json())
    assert collection.itemType == "record"
    assert collection.extent and collection.extent.temporal


def test_unknown_collection_is_404(client: TestClient) -> None:
    response = client.get("/collections/no_such_layer")
    assert response.status_code == 404
    assert response.json()["code"] == "NotFound"
    assert "no_such_layer" in response.json()["description"]


def test_feature_schema_types_every_property(client: TestClient, store: EmbeddedStore, layer_ids: list[str]) -> None:
    for layer_id in layer_ids:
        links = client.get(f"/collections/{layer_id}").json()["links"]
        described = [link for link in links if link["rel"] == "describedBy"]
        assert described and described[0]["type"] == "application/schema+json"
        response = client.get(described[0]["href"])
        assert response.headers["content-type"] == "application/schema+json"
        properties = FeatureSchema.model_validate(response.json()).properties["properties"]["properties"]
        for name, kind in store.queryables(layer_id).items():
            if kind != "geometry" and name != "id":
                assert properties[name]["type"] == kind, (layer_id, name)
        assert "id" not in properties  # the feature's own `id` member; GDAL would add the field twice
        feature = client.get(f"/collections/{layer_id}/items", params={"limit": 1}).json()["features"][0]
        assert set(feature["properties"]) - {"id"} <= set(properties)


def test_statistics_schema(client: TestClient) -> None:
    properties = client.get("/collections/statistics/schema").json()["properties"]["properties"]["properties"]
    assert properties["value"]["type"] == "number" and properties["year"]["type"] == "integer"


def test_no_collection_mixes_geometry_types(client: TestClient, store: EmbeddedStore, layer_ids: list[str]) -> None:
    """Each collection declares one geometry type (queryables) and serves only that type."""
    for layer_id in layer_ids:
        declared = store.collection(layer_id).geometry_type
        assert declared.removeprefix("Multi") in ("Point", "Polygon", "LineString"), (layer_id, declared)
        queryables = client.get(f"/collections/{layer_id}/queryables").json()["properties"]
        assert queryables["geometry"]["format"] == f"geometry-{declared.lower()}", layer_id
        items = client.get(f"/collections/{layer_id}/items", params={"limit": 10000}).json()["features"]
        assert {f["geometry"]["type"] for f in items if f["geometry"]} == {declared}, layer_id


def test_zone_outlines_name_their_site(client: TestClient, store: EmbeddedStore) -> None:
    """Every surveyed outline names a zone or cluster that points back to it and lies inside it."""
    outlines = client.get("/collections/zone_outlines/items", params={"limit": 10000}).json()["features"]
    assert outlines
    for outline in outlines:
        props = outline["properties"]
        site = client.get(f"/collections/{props['site_layer']}/items/{props['site_id']}").json()
        assert site["properties"]["outline_id"] == outline["id"]
        assert site["geometry"]["type"] == "Point" and props["geometry_quality"] == "surveyed"
        assert shape(outline["geometry"]).contains(shape(site["geometry"]))
        assert props["sources"] and props["source_crs"]
