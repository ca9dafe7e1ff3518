"""Downloads of a filtered selection in every format, read back with pyogrio in the requested CRS."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
import numpy as np
import pyogrio
import pytest
from fastapi.testclient import TestClient
from pyproj import CRS
from tests.conftest import DATA_DIR
from tests.live_server import running_app

from geo_industry.crs import transformer
from geo_industry.store import EmbeddedStore

SUFFIX = {"geojson": ".geojson", "csv": ".csv", "gpkg": ".gpkg", "fgb": ".fgb", "kml": ".kml", "shp": ".zip"}


def _download(client: TestClient, tmp_path: Path, fmt: str, **params: str) -> tuple[Path, dict[str, str]]:
    response = client.get("/collections/mines/download", params={"f": fmt, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == f'attachment; filename="mines{SUFFIX[fmt]}"'
    path = tmp_path / f"mines{SUFFIX[fmt]}"
    path.write_bytes(response.content)
    if fmt == "shp":
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            archive.extractall(tmp_path / "shp")
        path = next((tmp_path / "shp").glob("*.shp"))
    return path, dict(response.headers)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "fgb", "csv", "kml", "shp"])
def test_every_format_reads_back_with_all_selected_features(client: TestClient, store: EmbeddedStore,
                                                            tmp_path: Path, fmt: str) -> None:
    path, _ = _download(client, tmp_path, fmt, status="operating")
    frame = pyogrio.read_dataframe(path)
    expected = store.frame("mines")
    expected = expected[expected["status"] == "operating"]
    if fmt in ("kml", "shp"):
        assert len(frame) == expected.geometry.notna().sum() or len(frame) == len(expected)
    else:
        assert sorted(frame["id"]) == sorted(expected["id"])


@pytest.mark.parametrize(("fmt", "code"), [("gpkg", 9208), ("fgb", 3405), ("shp", 9208), ("geojson", 3857)])
def test_download_in_requested_crs(client: TestClient, store: EmbeddedStore, tmp_path: Path, fmt: str,
                                   code: int) -> None:
    path, headers = _download(client, tmp_path, fmt, crs=f"EPSG:{code}")
    assert headers["content-crs"] == f"<http://www.opengis.net/def/crs/EPSG/0/{code}>"
    info = pyogrio.read_info(path)
    assert CRS.from_user_input(info["crs"]).to_epsg() == code
    frame = pyogrio.read_dataframe(path)
    source = store.frame("mines").dropna(subset=["geometry"]).iloc[0]
    written = frame[frame["id"] == source["id"]].geometry.iloc[0]
    x, y = transformer("OGC:CRS84", f"EPSG:{code}").transform(source.geometry.x, source.geometry.y)
    assert (written.x, written.y) == pytest.approx((x, y), abs=0.01)


def test_csv_geometry_as_wkt(client: TestClient, tmp_path: Path) -> None:
    response = client.get("/collections/mines/download", params={"f": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert b"POINT" in response.content


def test_download_uses_the_items_filters(client: TestClient, tmp_path: Path) -> None:
    params = {"filter": "capacity_value > 100000", "bbox": "103,21,106,23"}
    items = client.get("/collections/mines/items", params={**params, "limit": 10_000}).json()
    path, _ = _download(client, tmp_path, "geojson", **params)
    assert sorted(pyogrio.read_dataframe(path)["id"]) == sorted(f["id"] for f in items["features"])


def test_skip_geometry_download(client: TestClient, tmp_path: Path) -> None:
    path, _ = _download(client, tmp_path, "csv", skipGeometry="true")
    frame = pyogrio.read_dataframe(path)
    assert "geometry" not in frame.columns or np.all(frame.geometry.isna())


def test_unsupported_download_format_is_406(client: TestClient) -> None:
    response = client.get("/collections/mines/download", params={"f": "dxf"})
    assert response.status_code == 406
    assert "dxf" in response.json()["description"] and "gpkg" in response.json()["description"]


def test_kml_outside_wgs84_is_400(client: TestClient) -> None:
    response = client.get("/collections/mines/download", params={"f": "kml", "crs": "EPSG:9208"})
    assert response.status_code == 400
    assert "crs" in response.json()["description"]


def test_a_selection_past_the_download_limit_is_413_naming_the_limit_and_the_ways_around(tmp_path: Path) -> None:
    """Over HTTP with GEO_INDUSTRY_MAX_DOWNLOAD_FEATURES=20: 108 hydropower plants are refused whole, never cut;
    a bbox selecting at most 20 of them, and a layer of 11 border gates, download."""
    with running_app(DATA_DIR, {"GEO_INDUSTRY_MAX_DOWNLOAD_FEATURES": "20"}) as url, \
            httpx.Client(base_url=url, timeout=120) as http:
        refused = http.get("/collections/hydropower_plants/download", params={"f": "gpkg"})
        assert refused.status_code == 413
        body = refused.json()
        assert body["code"] == "LimitExceeded"
        for text in ("108 features", "20 features per download", "GEO_INDUSTRY_MAX_DOWNLOAD_FEATURES",
                     "/collections/hydropower_plants/items", "/collections/hydropower_plants/tiles",
                     "geo-industry export hydropower_plants"):
            assert text in body["description"]
        bbox = "104.0,22.2,104.4,22.6"
        matched = http.get("/collections/hydropower_plants/items", params={"bbox": bbox, "limit": 1}).json()
        assert 0 < matched["numberMatched"] <= 20
        narrowed = http.get("/collections/hydropower_plants/download", params={"f": "gpkg", "bbox": bbox})
        assert narrowed.status_code == 200, narrowed.text
        (tmp_path / "plants.gpkg").write_bytes(narrowed.content)
        assert pyogrio.read_info(tmp_path / "plants.gpkg")["features"] == matched["numberMatched"]
        assert http.get("/collections/border_gates/download", params={"f": "geojson"}).status_code == 200
