"""Part 2, CRS by reference: crs, bbox-crs, Content-Crs, VN-2000 via the EPSG:6960 transformation."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer

from geo_industry.crs import CRS84_URI, SUPPORTED_CRS, transformer

EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"


def _first_point(client: TestClient, crs: str | None) -> tuple[dict, list[float]]:  # type: ignore[type-arg]
    params = {"limit": 1000, "filter": "S_INTERSECTS(geometry, BBOX(100, 10, 110, 30))"}
    if crs:
        params["crs"] = crs
    response = client.get("/collections/mines/items", params=params)
    assert response.status_code == 200
    feature = next(f for f in response.json()["features"] if f["geometry"])
    return response, feature["geometry"]["coordinates"]  # type: ignore[return-value]


@pytest.mark.parametrize("crs", [c.uri for c in SUPPORTED_CRS])
def test_content_crs_header_names_the_crs(client: TestClient, crs: str) -> None:
    response, _ = _first_point(client, crs)
    assert response.headers["content-crs"] == f"<{crs}>"


def test_default_is_crs84_lon_lat(client: TestClient) -> None:
    response, (lon, lat) = _first_point(client, None)
    assert response.headers["content-crs"] == f"<{CRS84_URI}>"
    assert 102 < lon < 106 and 20 < lat < 24


def test_epsg_4326_is_latitude_first(client: TestClient) -> None:
    _, (lon, lat) = _first_point(client, None)
    _, (first, second) = _first_point(client, EPSG.format(4326))
    assert (first, second) == pytest.approx((lat, lon))


@pytest.mark.parametrize("code", [3857, 3405, 9208])
def test_projected_crs_match_pyproj(client: TestClient, code: int) -> None:
    _, (lon, lat) = _first_point(client, None)
    _, (x, y) = _first_point(client, EPSG.format(code))
    expected = transformer("OGC:CRS84", f"EPSG:{code}").transform(lon, lat)
    assert (x, y) == pytest.approx(expected, abs=0.01)


def test_vn2000_uses_the_explicit_helmert_transformation(client: TestClient) -> None:
    _, (lon, lat) = _first_point(client, None)
    _, (x, y) = _first_point(client, EPSG.format(9208))
    helmert = Transformer.from_pipeline(transformer("OGC:CRS84", "EPSG:9208").definition)
    assert "VN-2000 to WGS 84 (2)" in transformer("OGC:CRS84", "EPSG:9208").description
    assert (x, y) == pytest.approx(helmert.transform(lon, lat), abs=0.01)


def test_single_feature_in_a_crs(client: TestClient) -> None:
    feature = next(f for f in client.get("/collections/mines/items", params={"limit": 1000}).json()["features"]
                   if f["geometry"])
    response = client.get(f"/collections/mines/items/{feature['id']}", params={"crs": EPSG.format(4326)})
    assert response.headers["content-crs"] == f"<{EPSG.format(4326)}>"
    assert response.json()["geometry"]["coordinates"] == pytest.approx(feature["geometry"]["coordinates"][::-1])


@pytest.mark.parametrize("code", [4326, 3405, 9208])
def test_bbox_crs_selects_the_same_features(client: TestClient, code: int) -> None:
    box = (103.9, 22.3, 104.2, 22.6)
    expected = client.get("/collections/mines/items", params={"bbox": ",".join(map(str, box)), "limit": 1000}).json()
    if code == 4326:
        converted = (box[1], box[0], box[3], box[2])
    else:
        converted = transformer("OGC:CRS84", f"EPSG:{code}").transform_bounds(*box)
    body = client.get("/collections/mines/items", params={
        "bbox": ",".join(f"{v:.6f}" for v in converted), "bbox-crs": EPSG.format(code), "limit": 1000}).json()
    assert {f["id"] for f in expected["features"]} <= {f["id"] for f in body["features"]}


def test_crs_as_curie_and_code(client: TestClient) -> None:
    for value in ("EPSG:9208", "[EPSG:9208]"):
        response = client.get("/collections/mines/items", params={"crs": value, "limit": 1})
        assert response.headers["content-crs"] == f"<{EPSG.format(9208)}>"


@pytest.mark.parametrize("parameter", ["crs", "bbox-crs", "filter-crs"])
def test_unsupported_crs_is_400(client: TestClient, parameter: str) -> None:
    params = {parameter: EPSG.format(2154), "bbox": "103.9,22.3,104.2,22.6"}
    response = client.get("/collections/mines/items", params=params)
    assert response.status_code == 400
    description = response.json()["description"]
    assert parameter in description and "2154" in description and CRS84_URI in description
