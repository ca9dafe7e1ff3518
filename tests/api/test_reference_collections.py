"""The reference layers (boundaries, places, transport lines …) served as collections of their own group."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from geo_industry.catalog import REFERENCE_LAYER_IDS
from geo_industry.store import EmbeddedStore


@pytest.fixture(scope="module")
def reference_ids(layer_ids: list[str]) -> list[str]:
    ids = [layer_id for layer_id in layer_ids if layer_id in REFERENCE_LAYER_IDS]
    if not ids:
        pytest.skip("the data under test ships no reference layers")
    return ids


def test_collections_say_which_group_they_belong_to(client: TestClient, reference_ids: list[str]) -> None:
    groups = {c["id"]: c["group"] for c in client.get("/collections").json()["collections"] if "group" in c}
    assert {layer_id for layer_id, group in groups.items() if group == "reference"} == set(reference_ids)
    assert groups["industrial_zones"] == "industry"


@pytest.mark.parametrize("layer_id", REFERENCE_LAYER_IDS)
def test_reference_collection_states_licence_and_attribution(client: TestClient, reference_ids: list[str],
                                                             layer_id: str) -> None:
    body = client.get(f"/collections/{layer_id}", params={"lang": "en"}).json()
    assert body["license"] and body["attribution"] and body["group"] == "reference"
    html = client.get(f"/collections/{layer_id}", params={"f": "html", "lang": "en"}).text
    assert body["attribution"].split(" (")[0] in html


def test_boundaries_attribute_geoboundaries(client: TestClient, reference_ids: list[str]) -> None:
    body = client.get("/collections/boundaries").json()
    assert body["attribution"].startswith("Administrative boundaries courtesy of geoBoundaries")


def test_transport_lines_are_lines_with_kind_licence_and_source(client: TestClient, store: EmbeddedStore,
                                                                reference_ids: list[str]) -> None:
    collection = client.get("/collections/transport_lines", params={"lang": "en"}).json()
    assert "CC BY-SA 4.0" in collection["license"]
    assert "expressway" in collection["description"] and "unknown" in collection["description"]
    queryables = client.get("/collections/transport_lines/queryables").json()["properties"]
    assert queryables["geometry"]["format"] == "geometry-multilinestring"
    assert set(queryables["kind"]["enum"]) == {"railway", "national_road", "provincial_road"}
    items = client.get("/collections/transport_lines/items", params={"filter": "kind = 'railway'", "limit": 100})
    assert items.status_code == 200
    features = items.json()["features"]
    assert features and all(f["geometry"]["type"] == "MultiLineString" for f in features)
    assert all(f["properties"]["kind"] == "railway" and f["properties"]["source_url"] for f in features)
    assert all(f["properties"]["licence_note"].startswith("CONFLICT") for f in features)
    assert len(features) == int((store.frame("transport_lines")["kind"] == "railway").sum())


def test_places_have_names_in_three_languages_where_sourced(client: TestClient, reference_ids: list[str]) -> None:
    feature = client.get("/collections/places/items/place-lao-cai").json()
    assert feature["geometry"]["type"] == "Point"
    props = feature["properties"]
    assert (props["name_vi"], props["name_en"], props["name_zh"]) == ("Lào Cai", "Lao Cai", "老街")
