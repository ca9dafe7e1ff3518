"""The API over every backend: the same answers, paging links and 4xx for the same requests."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

BAD_REQUESTS = [
    ("/collections/nope", 404, "nope"),
    ("/collections/mines/items/nope", 404, "nope"),
    ("/collections/mines/items?limit=0", 400, "limit"),
    ("/collections/mines/items?offset=-1", 400, "offset"),
    ("/collections/mines/items?bbox=1,2,3", 400, "bbox"),
    ("/collections/mines/items?bbox=104,23,103,22", 400, "bbox"),
    ("/collections/mines/items?filter=nope%20%3D%201", 400, "nope"),
    ("/collections/mines/items?filter=status%20%3D", 400, "filter"),
    ("/collections/mines/items?sortby=nope", 400, "sortby"),
    ("/collections/mines/items?datetime=2020-13-01", 400, "datetime"),
    ("/collections/mines/items?crs=EPSG:9999", 400, "crs"),
    ("/collections/mines/items?properties=nope", 400, "properties"),
    ("/collections/mines/items?colour=red", 400, "colour"),
    ("/collections/mines/items?capacity_value=abc", 400, "capacity_value"),
    ("/collections/mines/items?status=booming", 400, "status"),
]


@pytest.mark.parametrize(("path", "status", "named"), BAD_REQUESTS, ids=[p for p, _, _ in BAD_REQUESTS])
def test_bad_input_answers_the_same_4xx_naming_the_parameter(client, path, status, named):
    response = client.get(path)
    assert response.status_code == status, response.text
    assert named in response.json()["description"]


def test_next_links_walk_every_feature_once(client, backend):
    ids, url, pages = [], "/collections/hydropower_plants/items?limit=20&sortby=-capacity_value", 0
    while url:
        body = client.get(url).json()
        assert body["numberMatched"] == backend.count("hydropower_plants")
        assert body["numberReturned"] == len(body["features"]) <= 20
        ids.extend(feature["id"] for feature in body["features"])
        following = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = "{0.path}?{0.query}".format(urlsplit(following[0])) if following else ""
        pages += 1
    assert len(ids) == len(set(ids)) == backend.count("hydropower_plants") and pages > 1


def test_a_filtered_sorted_page_in_another_crs_with_selected_properties(client):
    response = client.get("/collections/hydropower_plants/items", params={
        "filter": "installed_mw > 30", "sortby": "-installed_mw", "properties": "installed_mw,name_en",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/4326", "limit": 5})
    body = response.json()
    assert response.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    values = [f["properties"]["installed_mw"] for f in body["features"]]
    assert values == sorted(values, reverse=True) and min(values) > 30
    assert all(set(f["properties"]) <= {"id", "installed_mw", "name_en"} for f in body["features"])
    lat, lon = body["features"][0]["geometry"]["coordinates"][:2]
    assert 20 < lat < 23.5 and 102 < lon < 106  # EPSG:4326 is latitude first


def test_a_feature_carries_the_store_etag_when_the_backend_takes_writes(client, backend):
    response = client.get("/collections/mines/items/sin-quyen-copper-mine")
    assert response.status_code == 200
    stored = backend.feature_etag("mines", "sin-quyen-copper-mine")
    # read-only backends: the response cache's tag of the bytes; editable ones: the tag If-Match compares with
    assert response.headers["ETag"] == stored if stored is not None else response.headers["ETag"].startswith('"')


def test_health_and_collection_counts_come_from_the_store(client, backend):
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert health["features"] == sum(backend.count(meta.id) for meta in backend.collections())


def test_a_download_holds_every_feature_the_filters_select(client, backend):
    # the layer's count and the rows are read from one pinned view of the store (no feature cut off the end)
    whole = client.get("/collections/mines/download", params={"f": "geojson"})
    assert whole.status_code == 200, whole.text[:300]
    assert len(whole.json()["features"]) == backend.count("mines")
    boxed = client.get("/collections/mines/download", params={"f": "geojson", "bbox": "103.5,22.0,104.5,23.0"})
    assert boxed.status_code == 200, boxed.text[:300]
    assert boxed.json()["features"] and {f["properties"]["id"] for f in boxed.json()["features"]} == {
        f["id"] for f in client.get("/collections/mines/items",
                                    params={"bbox": "103.5,22.0,104.5,23.0", "limit": 1000}).json()["features"]}


def test_a_zone_fact_sheet_is_served_from_the_store(client):
    response = client.get("/maps/zones/tang-loong-iz", params={"lang": "en"})
    assert response.status_code == 200, response.text[:300]
    assert "Tang Loong" in response.text
