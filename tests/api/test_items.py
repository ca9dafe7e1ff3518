"""Items: GeoJSON pages, paging to the last page, limit, bbox, datetime, properties, sortby, one feature."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient

from geo_industry.api.models import Feature, FeatureCollection
from geo_industry.store import EmbeddedStore


def _walk(client: TestClient, url: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Follow `next` links from the first page; return every feature and every page."""
    pages: list[dict[str, Any]] = []
    response = client.get(url, params=params)
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        FeatureCollection.model_validate(page)
        pages.append(page)
        following = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not following:
            break
        response = client.get(following[0])
    return [f for p in pages for f in p["features"]], pages


@pytest.mark.parametrize("limit", [1, 7, 100])
def test_paging_walks_to_the_last_page(client: TestClient, store: EmbeddedStore, layer_ids: list[str],
                                       limit: int) -> None:
    for layer_id in layer_ids:
        features, pages = _walk(client, f"/collections/{layer_id}/items", {"limit": limit})
        expected = len(store.frame(layer_id))
        assert all(p["numberMatched"] == expected for p in pages)
        assert [f["id"] for f in features] == list(store.frame(layer_id)["id"])
        assert sum(p["numberReturned"] for p in pages) == expected
        assert len(pages) == max(1, -(-expected // limit))
        assert not any(link["rel"] == "prev" for link in pages[0]["links"])
        if len(pages) > 1:
            assert any(link["rel"] == "prev" for link in pages[-1]["links"])


def test_prev_link_goes_back(client: TestClient) -> None:
    page = client.get("/collections/mines/items", params={"limit": 2, "offset": 2}).json()
    prev = next(link["href"] for link in page["links"] if link["rel"] == "prev")
    assert "offset=0" in prev
    back = client.get(prev).json()
    first = client.get("/collections/mines/items", params={"limit": 2}).json()
    assert [f["id"] for f in back["features"]] == [f["id"] for f in first["features"]]


def test_default_limit_is_ten(client: TestClient, store: EmbeddedStore) -> None:
    body = client.get("/collections/mines/items").json()
    assert body["numberReturned"] == min(10, len(store.frame("mines")))


def test_maximum_limit_accepted_and_exceeded(client: TestClient) -> None:
    assert client.get("/collections/mines/items", params={"limit": 10_000}).status_code == 200
    response = client.get("/collections/mines/items", params={"limit": 10_001})
    assert response.status_code == 400
    assert "limit" in response.json()["description"] and "10000" in response.json()["description"]


def test_page_members(client: TestClient) -> None:
    response = client.get("/collections/mines/items", params={"limit": 3})
    assert response.headers["content-type"] == "application/geo+json"
    body = FeatureCollection.model_validate(response.json())
    assert body.numberReturned == len(body.features) == 3
    assert body.timeStamp.endswith("Z")
    assert {"self", "alternate", "next", "collection"} <= {link.rel for link in body.links}


def test_timestamp_is_stable_for_identical_requests(client: TestClient) -> None:
    first = client.get("/collections/mines/items", params={"limit": 3})
    second = client.get("/collections/mines/items", params={"limit": 3})
    assert first.content == second.content


def _bbox_ids(store: EmbeddedStore, layer_id: str, bbox: tuple[float, float, float, float]) -> list[str]:
    frame = store.frame(layer_id)
    hits = shapely.intersects(np.asarray(frame.geometry.array), shapely.box(*bbox))
    return list(frame["id"][hits])


@pytest.mark.parametrize("bbox", ["103.9,22.3,104.2,22.6", "103.9,22.3,0,104.2,22.6,100", "100,10,110,30"])
def test_bbox(client: TestClient, store: EmbeddedStore, bbox: str) -> None:
    numbers = [float(v) for v in bbox.split(",")]
    box = tuple(numbers) if len(numbers) == 4 else (numbers[0], numbers[1], numbers[3], numbers[4])
    body = client.get("/collections/mines/items", params={"bbox": bbox, "limit": 1000}).json()
    assert sorted(f["id"] for f in body["features"]) == sorted(_bbox_ids(store, "mines", box))  # type: ignore[arg-type]
    assert body["numberMatched"] == len(body["features"])


def test_datetime_on_the_temporal_field(client: TestClient, store: EmbeddedStore) -> None:
    frame = store.frame("mines")
    years = frame["start_year"]
    expected = set(frame["id"][(years >= 2000).fillna(False).to_numpy(dtype=bool)])
    body = client.get("/collections/mines/items", params={"datetime": "2000-01-01/..", "limit": 1000}).json()
    assert {f["id"] for f in body["features"]} == expected
    instant = int(years.dropna().iloc[0])
    body = client.get("/collections/mines/items", params={"datetime": f"{instant}-06-01T00:00:00Z",
                                                          "limit": 1000}).json()
    assert {f["properties"]["start_year"] for f in body["features"]} == {instant}


def test_properties_selection(client: TestClient) -> None:
    body = client.get("/collections/mines/items", params={"properties": "name_en,status", "limit": 5}).json()
    assert all(set(f["properties"]) == {"name_en", "status"} for f in body["features"])
    assert all(f["id"] for f in body["features"])


def test_skip_geometry(client: TestClient) -> None:
    body = client.get("/collections/mines/items", params={"skipGeometry": "true", "limit": 5}).json()
    assert all(f["geometry"] is None for f in body["features"])
    assert all(f["properties"] for f in body["features"])


def test_sortby_several_keys(client: TestClient, store: EmbeddedStore) -> None:
    body = client.get("/collections/mines/items",
                      params={"sortby": "status,-capacity_value", "limit": 1000}).json()
    frame = store.frame("mines").sort_values(["status", "capacity_value"], ascending=[True, False],
                                             na_position="last", kind="stable")
    assert [f["id"] for f in body["features"]] == list(frame["id"])


def test_sortby_descending_name(client: TestClient) -> None:
    body = client.get("/collections/mines/items", params={"sortby": "-name_en", "limit": 1000}).json()
    names = [f["properties"]["name_en"] for f in body["features"] if f["properties"]["name_en"]]
    assert names == sorted(names, reverse=True)


def test_feature_ids_are_url_safe_and_resolve(client: TestClient, store: EmbeddedStore, layer_ids: list[str]) -> None:
    for layer_id in layer_ids:
        for feature_id in store.frame(layer_id)["id"][:5]:
            response = client.get(f"/collections/{layer_id}/items/{feature_id}")
            assert response.status_code == 200
            feature = Feature.model_validate(response.json())
            assert feature.id == feature_id


def _entity_with_statistics(store: EmbeddedStore) -> tuple[str, str]:
    for meta in store.collections():
        ids = set(store.frame(meta.id)["id"])
        entities = [e for e in store.statistics["entity"].unique() if e in ids]
        if entities:
            return meta.id, entities[0]
    raise AssertionError("no feature has statistics")


def test_single_feature_embeds_full_statistics_series(client: TestClient, store: EmbeddedStore) -> None:
    layer_id, feature_id = _entity_with_statistics(store)
    response = client.get(f"/collections/{layer_id}/items/{feature_id}")
    feature = Feature.model_validate(response.json())
    assert feature.statistics is not None
    assert len(feature.statistics) == len(store.series(feature_id))
    assert {row["entity"] for row in feature.statistics} == {feature_id}
    assert {"indicator", "year", "value", "unit", "basis", "source"} <= set(feature.statistics[0])
    assert {"self", "alternate", "collection"} <= {link.rel for link in feature.links or []}


def test_feature_carries_latest_values_as_properties(client: TestClient, store: EmbeddedStore) -> None:
    frame = store.frame("mines")
    column = next(c for c in frame.columns if c.startswith("latest_") and frame[c].dtype.kind == "f")
    row = frame[frame[column].notna()].iloc[0]
    feature = client.get(f"/collections/mines/items/{row['id']}").json()
    assert feature["properties"][column] == pytest.approx(row[column])


def test_unknown_feature_is_404(client: TestClient) -> None:
    response = client.get("/collections/mines/items/no-such-feature")
    assert response.status_code == 404
    assert "no-such-feature" in response.json()["description"]


def test_datetime_on_a_collection_without_time_is_400(client: TestClient, store: EmbeddedStore,
                                                      layer_ids: list[str]) -> None:
    for layer_id in layer_ids:
        response = client.get(f"/collections/{layer_id}/items", params={"datetime": "2020-01-01/.."})
        if store.collection(layer_id).temporal_field:
            assert response.status_code == 200
        else:
            assert response.status_code == 400
            assert "temporal" in response.json()["description"]


TONNE_FACTORS = {"t": 1, "kt": 1_000, "Mt": 1_000_000}


def test_capacities_sort_as_one_quantity_across_t_kt_and_mt(client: TestClient, store: EmbeddedStore) -> None:
    if "capacity_t_per_year" not in store.queryables("mines"):
        pytest.skip("the data under test has no normalised capacities")
    body = client.get("/collections/mines/items", params={"sortby": "-capacity_t_per_year", "limit": 1000}).json()
    props = [f["properties"] for f in body["features"]]
    tonnes = [p["capacity_t_per_year"] for p in props if p["capacity_t_per_year"] is not None]
    assert tonnes == sorted(tonnes, reverse=True)
    assert [p["capacity_t_per_year"] for p in props[: len(tonnes)]] == tonnes  # unknown capacities last
    prefixes = set()
    for p in props:
        unit = p["capacity_unit"] or ""
        prefix = re.match(r"(Mt|kt|t)\b", unit)
        if p["capacity_t_per_year"] is None:
            assert prefix is None or "/yr" not in unit, p["id"]  # only units of another kind stay null
            continue
        prefixes.add(prefix.group(1))
        assert p["capacity_t_per_year"] == pytest.approx(p["capacity_value"] * TONNE_FACTORS[prefix.group(1)])
    assert prefixes == {"t", "kt", "Mt"}  # the one ordering mixes all three units
    cubic = [p for p in props if p["capacity_m3_per_year"] is not None]
    assert all(p["capacity_unit"] in ("m3/yr", "m³/yr") and p["capacity_t_per_year"] is None for p in cubic)
    schema = client.get("/collections/mines/queryables").json()["properties"]
    assert schema["capacity_t_per_year"]["type"] == schema["capacity_m3_per_year"]["type"] == "number"
