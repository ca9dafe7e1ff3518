"""The API over every backend: the same answers, paging links and 4xx for the same requests."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest

from geo_industry.models import SeekKey
from geo_industry.query import seek_token


def _token(payload: bytes) -> str:
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


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
    ("/collections/mines/items?after=%25%25not-base64", 400, "after"),
    ("/collections/mines/items?after=" + "A" * 5000, 400, "after"),
    ("/collections/mines/items?sortby=name_en&after=" + seek_token(SeekKey(1, "a")), 400, "after"),
    *[("/collections/mines/items?after=" + _token(payload), 400, "after") for payload in (
        b"not json", b"[1]", b"[1, 2]", b'[true, "a"]', b'[-1, "a"]', b'[1.5, "a"]', b'["1", "a"]',
        b'[9223372036854775808, "a"]', b'[{"position": 1}, "a"]', b'[1, "a\\u0000b"]', b'[1, "\\ud800"]',
        b"[1, \"x'); DROP TABLE mines; --\", 3]", b"1 OR 1=1", b"[" * 400)],
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


def _walk(client, url: str) -> tuple[list[str], list[str]]:
    """The ids of every page reached by following ``next`` links from ``url``, and the links followed."""
    ids, followed = [], []
    while url:
        body = client.get(url).json()
        assert body["numberReturned"] == len(body["features"])
        ids.extend(feature["id"] for feature in body["features"])
        following = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = "{0.path}?{0.query}".format(urlsplit(following[0])) if following else ""
        followed += [url] if url else []
    return ids, followed


SEEK_SELECTIONS = [
    "/collections/hydropower_plants/items?limit=7",
    "/collections/hydropower_plants/items?limit=5&filter=installed_mw%20%3E%2010",
    "/collections/hydropower_plants/items?limit=4&bbox=103.5,21.8,104.6,22.9",
    "/collections/mines/items?limit=3&datetime=2000-01-01/..&properties=name_en",
]


@pytest.mark.parametrize("url", SEEK_SELECTIONS)
def test_next_links_in_default_order_seek_and_visit_every_feature_once_in_offset_order(client, url):
    ids, followed = _walk(client, url)
    limit = int(parse_qs(urlsplit(url).query)["limit"][0])
    by_offset: list[str] = []
    for offset in range(0, len(ids) + limit, limit):
        by_offset += [f["id"] for f in client.get(f"{url}&offset={offset}").json()["features"]]
    assert ids == by_offset and len(ids) == len(set(ids)) and followed
    assert all("after=" in link and "offset=" in link for link in followed)
    last = client.get(followed[-1]).json()
    assert last["numberMatched"] == len(ids)  # the whole selection's count, not the rest after the key
    assert [link["rel"] for link in last["links"] if link["rel"] in ("next", "prev")] == ["prev"]


def test_a_key_past_the_end_gives_an_empty_last_page(client, backend):
    url = f"/collections/mines/items?after={seek_token(SeekKey(2**62, 'zzz'))}"
    body = client.get(url).json()
    assert body["features"] == [] and body["numberMatched"] == backend.count("mines")
    assert not [link for link in body["links"] if link["rel"] == "next"]
    sql_text = seek_token(SeekKey(0, "x'); DROP TABLE mines; --"))
    hostile = client.get("/collections/mines/items", params={"limit": 2, "after": sql_text})
    assert hostile.status_code == 200 and hostile.json()["numberMatched"] == backend.count("mines")


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


SKIPPED_PAGES = [
    {},
    {"crs": "http://www.opengis.net/def/crs/EPSG/0/3405", "properties": "name_en,status"},
    {"bbox": "103.5,22.0,104.5,23.0", "sortby": "-name_en", "offset": "2"},
    {"filter": "status IS NOT NULL", "properties": "id"},
]


@pytest.mark.parametrize("params", SKIPPED_PAGES, ids=["all", "crs-properties", "bbox-sortby", "filter-id"])
def test_a_page_without_geometries_is_the_page_with_them_less_its_geometries(client, params):
    """``skipGeometry=true`` (a database reads no geometry then): the same features, properties and counts,
    every geometry ``null``; a download likewise."""
    query = {"limit": "7", **params}
    full = client.get("/collections/mines/items", params=query)
    skipped = client.get("/collections/mines/items", params={**query, "skipGeometry": "true"})
    assert full.status_code == skipped.status_code == 200, skipped.text[:300]
    assert skipped.headers["Content-Crs"] == full.headers["Content-Crs"]
    expected, body = full.json(), skipped.json()
    assert any(feature["geometry"] is not None for feature in expected["features"])
    for page in (expected, body):
        del page["links"], page["timeStamp"]
    assert body == {**expected, "features": [{**f, "geometry": None} for f in expected["features"]]}
    download = {key: value for key, value in params.items() if key not in ("offset", "sortby")}
    whole = client.get("/collections/mines/download", params={**download, "f": "geojson"})
    bare = client.get("/collections/mines/download", params={**download, "f": "geojson", "skipGeometry": "true"})
    assert whole.status_code == bare.status_code == 200, bare.text[:300]
    assert [f["properties"] for f in bare.json()["features"]] == [f["properties"] for f in whole.json()["features"]]
    assert all(feature["geometry"] is None for feature in bare.json()["features"])
