"""HTTP behaviour: strong ETags and 304, Cache-Control, gzip, CORS, Vary."""

from __future__ import annotations

import gzip

import pytest
from fastapi.testclient import TestClient

ORIGIN = "https://planner.example.vn"
PATHS = ["/", "/collections", "/collections/mines", "/collections/mines/items?limit=50",
         "/collections/mines/queryables", "/collections/statistics/items", "/conformance"]
#: items pages carry the response time (timeStamp): their tag is weak, the bytes differ by the stamp
STAMPED = {"/collections/mines/items?limit=50", "/collections/statistics/items"}


@pytest.mark.parametrize("path", PATHS)
def test_etag_and_304(client: TestClient, path: str) -> None:
    first = client.get(path)
    etag = first.headers["etag"]
    assert etag.startswith('W/"' if path in STAMPED else '"')
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_etag_differs_per_representation(client: TestClient) -> None:
    json_etag = client.get("/collections/mines").headers["etag"]
    html_etag = client.get("/collections/mines", params={"f": "html"}).headers["etag"]
    english = client.get("/collections/mines", params={"lang": "en"}).headers["etag"]
    assert len({json_etag, html_etag, english}) == 3


def test_if_none_match_list_and_star(client: TestClient) -> None:
    etag = client.get("/collections").headers["etag"]
    assert client.get("/collections", headers={"If-None-Match": f'"x", {etag}'}).status_code == 304
    assert client.get("/collections", headers={"If-None-Match": "*"}).status_code == 304


def test_cache_control_on_data(client: TestClient) -> None:
    assert client.get("/collections/mines/items").headers["cache-control"].startswith("public, max-age=")


def test_vary_names_negotiated_headers(client: TestClient) -> None:
    vary = {v.strip().lower() for v in client.get("/collections").headers["vary"].split(",")}
    assert {"accept", "accept-language", "accept-encoding"} <= vary


def test_gzip(client: TestClient) -> None:
    response = client.get("/collections/mines/items", params={"limit": 100},
                          headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["type"] == "FeatureCollection"  # httpx decodes
    plain = client.get("/collections/mines/items", params={"limit": 100}, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["etag"] != response.headers["etag"]


def test_gzip_body_is_deterministic(client: TestClient) -> None:
    url = "/collections/mines/items?limit=100"
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as first:
        raw = b"".join(first.iter_raw())
    assert gzip.decompress(raw).startswith(b'{"type":"FeatureCollection"')
    etag = client.get(url, headers={"Accept-Encoding": "gzip"}).headers["etag"]
    assert client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag}).status_code == 304


def test_cors_allowed_origin(client: TestClient) -> None:
    response = client.get("/collections", headers={"Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "ETag" in response.headers["access-control-expose-headers"]


def test_cors_preflight(client: TestClient) -> None:
    response = client.options("/collections/mines/items", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "GET" in response.headers["access-control-allow-methods"]


def test_cors_other_origin_not_allowed(client: TestClient) -> None:
    response = client.get("/collections", headers={"Origin": "https://elsewhere.example.com"})
    assert "access-control-allow-origin" not in response.headers


def test_static_assets_are_ours(client: TestClient) -> None:
    for path in ("/static/api/style.css", "/static/api/items.js", "/static/api/table.js",
                 "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css"):
        assert client.get(path).status_code == 200, path


def test_head_has_the_get_headers_without_body(client: TestClient) -> None:
    get = client.get("/collections/mines/items", params={"limit": 3})
    head = client.head("/collections/mines/items", params={"limit": 3})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == get.headers["content-length"]
    assert client.head("/collections/nowhere").status_code == 404
