"""Every error maps to its status and an OGC exception naming parameter, value and expectation."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from geo_industry.api.models import OGCException

CASES = [
    # (url, status, code, fragments of the description)
    ("/collections/mines/items?bbox=1,2,3", 400, "InvalidParameterValue", ["bbox", "1,2,3", "4 or 6"]),
    ("/collections/mines/items?bbox=a,b,c,d", 400, "InvalidParameterValue", ["bbox", "numbers"]),
    ("/collections/mines/items?bbox=104,23,105,22", 400, "InvalidParameterValue", ["bbox", "lower corner"]),
    ("/collections/mines/items?bbox=104,22,200,23", 400, "InvalidParameterValue", ["bbox", "[-180, 180]"]),
    ("/collections/mines/items?limit=0", 400, "InvalidParameterValue", ["limit", "0", "1 to 10000"]),
    ("/collections/mines/items?limit=-5", 400, "InvalidParameterValue", ["limit", "-5"]),
    ("/collections/mines/items?limit=ten", 400, "InvalidParameterValue", ["limit", "ten", "integer"]),
    ("/collections/mines/items?offset=-1", 400, "InvalidParameterValue", ["offset", "-1"]),
    ("/collections/mines/items?datetime=yesterday", 400, "InvalidParameterValue",
     ["datetime", "yesterday", "RFC 3339"]),
    ("/collections/mines/items?datetime=../..", 400, "InvalidParameterValue", ["datetime", "closed end"]),
    ("/collections/mines/items?datetime=2020-01-01/2010-01-01", 400, "InvalidParameterValue", ["datetime", "start"]),
    ("/collections/mines/items?crs=EPSG:2154", 400, "InvalidParameterValue", ["crs", "EPSG:2154", "CRS84"]),
    ("/collections/mines/items?bbox-crs=urn:x&bbox=1,2,3,4", 400, "InvalidParameterValue", ["bbox-crs", "urn:x"]),
    ("/collections/mines/items?filter=status%3D", 400, "InvalidParameterValue", ["filter", "cql2-text"]),
    ("/collections/mines/items?sortby=nothing", 400, "InvalidParameterValue", ["sortby", "nothing", "queryable"]),
    ("/collections/mines/items?properties=colour", 400, "InvalidParameterValue", ["properties", "colour"]),
    ("/collections/mines/items?skipGeometry=perhaps", 400, "InvalidParameterValue", ["skipGeometry", "perhaps"]),
    ("/collections/mines/items?colour=red", 400, "InvalidParameterValue", ["colour", "red", "queryable"]),
    ("/collections?limit=5", 400, "InvalidParameterValue", ["limit", "accepts"]),
    ("/?foo=bar", 400, "InvalidParameterValue", ["foo", "bar"]),
    ("/conformance?lang=fr", 400, "InvalidParameterValue", ["lang", "fr", "vi or en"]),
    ("/collections/nowhere", 404, "NotFound", ["nowhere"]),
    ("/collections/nowhere/items", 404, "NotFound", ["nowhere"]),
    ("/collections/mines/items/none-such", 404, "NotFound", ["none-such", "mines"]),
    ("/collections/statistics/items/none-such", 404, "NotFound", ["none-such"]),
    ("/not/a/resource", 404, "NotFound", ["/not/a/resource"]),
    ("/collections/mines/items?f=xml", 406, "NotAcceptable", ["f", "xml", "json", "html"]),
    ("/collections?f=pdf", 406, "NotAcceptable", ["pdf"]),
    ("/collections/mines/download?f=dxf", 406, "NotAcceptable", ["dxf", "gpkg"]),
]


@pytest.mark.parametrize(("url", "status", "code", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_error_status_code_and_message(client: TestClient, url: str, status: int, code: str,
                                       fragments: list[str]) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = OGCException.model_validate(response.json())
    assert body.code == code
    for fragment in fragments:
        assert fragment in body.description, (fragment, body.description)


def test_unsupported_accept_is_406(client: TestClient) -> None:
    response = client.get("/collections", headers={"Accept": "application/xml"})
    assert response.status_code == 406
    assert "application/xml" in response.json()["description"]


def test_accept_with_wildcard_falls_back_to_json(client: TestClient) -> None:
    response = client.get("/collections", headers={"Accept": "application/xml, */*;q=0.1"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"


def test_method_not_allowed(client: TestClient) -> None:
    response = client.post("/collections")
    assert response.status_code == 405
    assert response.json()["code"] == "MethodNotAllowed"


def test_errors_are_not_cached(client: TestClient) -> None:
    response = client.get("/collections/nowhere")
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers


HOSTILE = [
    "filter=" + "(" * 200 + "status='x'" + ")" * 200,
    "filter=" + "a" * 30_000,
    "filter=S_INTERSECTS(geometry,POLYGON((0 0,1 1,1 0,0 1,0 0)))",
    "filter=S_DWITHIN(geometry,POINT(104 22),-5,meters)",
    "filter=capacity_value / 0 > 1",
    "filter=name_en > 5",
    "filter={\"op\":\"=\"}&filter-lang=cql2-json",
    "filter=[1,2]&filter-lang=cql2-json",
    "bbox=nan,nan,nan,nan",
    "bbox=1e400,0,1,1",
    "limit=99999999999999999999999",
    "offset=99999999999",
    "datetime=2020-13-45",
    "sortby=,,,",
    "properties=,",
    "crs=",
    "f=",
    "lang=",
    "start_year=1e5",
    "status=%00",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_no_input_makes_a_server_error(client: TestClient, query: str) -> None:
    response = client.get(f"/collections/mines/items?{query}")
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        OGCException.model_validate(response.json())
