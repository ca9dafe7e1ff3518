"""Layer uploads: GeoPackage, zipped Shapefile, GeoJSON; reprojection; hostile archives; invalid geometry."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon, shape
from tests.editing.conftest import bearer, unique_id

from geo_industry.crs import transform_geometries
from geo_industry.maps.symbols import CONTEXT_COLOR

#: two sites inside Lào Cai (lon/lat) the uploads carry
SITES = [Point(103.9701, 22.4856), Point(104.0482, 22.3921)]
BOWTIE = Polygon([(104.1, 22.2), (104.2, 22.3), (104.2, 22.2), (104.1, 22.3), (104.1, 22.2)])


@pytest.fixture(scope="module")
def uploader(tokens):
    """Headers of a key with layers:write."""
    return bearer(tokens["layers:write"])


def _metadata(layer_id: str, **extra: Any) -> str:
    return json.dumps({"id": layer_id, "title": {"vi": "Điểm thử", "en": "Test sites"},
                       "description": {"vi": "Tải lên thử", "en": "Test upload"}, "licence": "CC-BY-4.0",
                       "attribution": "tests", **extra})


def _frame(geometries: list[Any], crs: str = "OGC:CRS84", prefix: str = "site") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [f"{prefix}-{i}" for i in range(len(geometries))],
                             "name": [f"Site {i}" for i in range(len(geometries))],
                             "capacity": [10.5 * (i + 1) for i in range(len(geometries))]},
                            geometry=geometries, crs=crs)


def _file(frame: gpd.GeoDataFrame, tmp_path: Path, suffix: str) -> bytes:
    path = tmp_path / f"upload{suffix}"
    frame.to_file(path, engine="pyogrio")
    return path.read_bytes()


def _shapefile_zip(frame: gpd.GeoDataFrame, tmp_path: Path, *, with_prj: bool = True, folder: str = "") -> bytes:
    frame.to_file(tmp_path / "sites.shp", engine="pyogrio")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in sorted(tmp_path.glob("sites.*")):
            if with_prj or part.suffix != ".prj":
                archive.write(part, folder + part.name)
    return buffer.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _upload(client, headers, content: bytes, metadata: str, **params: Any):
    return client.post("/collections", files={"file": ("layer.bin", content)}, data={"metadata": metadata},
                       params=params, headers=headers)


def _stored_points(client, layer_id: str) -> np.ndarray:
    features = client.get(f"/collections/{layer_id}/items", params={"limit": 100}).json()["features"]
    return np.array([shape(f["geometry"]).coords[0] for f in sorted(features, key=lambda f: f["id"])])


def test_geojson_upload(client, uploader, tmp_path):
    layer_id = unique_id("sites").replace("-", "_")
    response = _upload(client, uploader, _file(_frame(SITES, prefix=layer_id), tmp_path, ".geojson"),
                       _metadata(layer_id))
    assert response.status_code == 201, response.text
    assert response.headers["location"].endswith(f"/collections/{layer_id}")
    assert response.json()["sourceFormat"] == "GeoJSON"
    assert layer_id in {c["id"] for c in client.get("/collections").json()["collections"]}
    assert np.allclose(_stored_points(client, layer_id), [p.coords[0] for p in SITES], atol=1e-6)


def test_geopackage_in_vn2000_is_reprojected_to_crs84(client, uploader, tmp_path):
    layer_id = unique_id("vn2000").replace("-", "_")
    projected = transform_geometries(np.array(SITES, dtype=object), "OGC:CRS84", "EPSG:9208")
    assert shapely.get_coordinates(projected)[0, 0] > 100_000  # metres, not degrees
    response = _upload(client, uploader, _file(_frame(list(projected), "EPSG:9208", layer_id), tmp_path, ".gpkg"),
                       _metadata(layer_id))
    assert response.status_code == 201, response.text
    assert response.json()["sourceCrs"] == "EPSG:9208"
    assert np.allclose(_stored_points(client, layer_id), [p.coords[0] for p in SITES], atol=2e-6)


def test_zipped_shapefile_in_a_folder(client, uploader, tmp_path):
    layer_id = unique_id("shp").replace("-", "_")
    content = _shapefile_zip(_frame(SITES, prefix=layer_id), tmp_path,
                             folder="export/")
    response = _upload(client, uploader, content, _metadata(layer_id))
    assert response.status_code == 201, response.text
    assert response.json()["features"] == 2
    schema = client.get(f"/collections/{layer_id}/queryables").json()["properties"]
    assert schema["capacity"]["type"] == "number"


@pytest.mark.parametrize("name", ["../evil.shp", "/etc/evil.shp", "a/../../evil.shp", "..\\evil.shp", "C:/evil.shp"],
                         ids=["dotdot", "absolute", "nested-dotdot", "backslash", "drive"])
def test_zip_slip_archives_are_rejected(client, uploader, tmp_path, name):
    response = _upload(client, uploader, _zip({name: b"x", "ok.dbf": b"x"}), _metadata(unique_id("slip")))
    assert response.status_code == 422
    assert "unsafe path in the archive" in response.json()["description"]
    assert not (tmp_path.parent / "evil.shp").exists()


def test_an_archive_with_too_many_files_is_413(client, uploader):
    members = {f"part{i}.xml": b"<x/>" for i in range(21)}
    response = _upload(client, uploader, _zip(members), _metadata(unique_id("many")))
    assert response.status_code == 413
    assert "the number of files in the archive is 21, above the limit of 20" in response.json()["description"]


def test_an_archive_with_other_files_is_rejected(client, uploader):
    response = _upload(client, uploader, _zip({"sites.vrt": b"<OGRVRTDataSource/>"}), _metadata(unique_id("vrt")))
    assert response.status_code == 422
    assert "sites.vrt" in response.json()["description"]


def test_a_shapefile_without_prj_is_rejected(client, uploader, tmp_path):
    content = _shapefile_zip(_frame(SITES), tmp_path, with_prj=False)
    response = _upload(client, uploader, content, _metadata(unique_id("noprj")))
    assert response.status_code == 422
    assert "declares no CRS" in response.json()["description"]


def test_an_invalid_geometry_is_rejected_with_the_reason(client, uploader, tmp_path):
    layer_id = unique_id("bowtie").replace("-", "_")
    content = _file(_frame([BOWTIE], prefix=layer_id), tmp_path, ".geojson")
    response = _upload(client, uploader, content, _metadata(layer_id))
    assert response.status_code == 422
    assert "Self-intersection" in response.json()["description"]
    assert client.get(f"/collections/{layer_id}").status_code == 404


def test_an_invalid_geometry_is_repaired_only_when_asked(client, uploader, tmp_path):
    layer_id = unique_id("repaired").replace("-", "_")
    content = _file(_frame([BOWTIE], prefix=layer_id), tmp_path, ".geojson")
    response = _upload(client, uploader, content, _metadata(layer_id), repair="true")
    assert response.status_code == 201, response.text
    feature = client.get(f"/collections/{layer_id}/items").json()["features"][0]
    assert shape(feature["geometry"]).is_valid


@pytest.mark.parametrize(
    ("content", "metadata", "status", "message"),
    [(b"GIF89a", None, 422, "not a GeoPackage"),
     (b"SQLite format 3\x00" + b"\x00" * 200, None, 422, "not a GeoPackage"),
     (b'{"type": "FeatureCollection", "features": []}', json.dumps({"id": "x"}), 422, "licence"),
     (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "a"}, '
      b'"geometry": {"type": "Point", "coordinates": [104, 22.4]}}]}', None, 422, "no 'id' field"),
     (b"{}", "not json", 400, "not valid JSON")],
    ids=["unknown-format", "corrupt-geopackage", "metadata-incomplete", "no-ids", "metadata-not-json"],
)
def test_bad_uploads_are_refused_with_a_reason(client, uploader, content, metadata, status, message):
    response = _upload(client, uploader, content, metadata or _metadata(unique_id("bad").replace("-", "_")))
    assert response.status_code == status
    assert message in response.json()["description"]


@pytest.mark.parametrize("layer_id", ["border_gates", "statistics"])
def test_an_existing_or_reserved_collection_id_is_409(client, uploader, tmp_path, layer_id):
    response = _upload(client, uploader, _file(_frame(SITES, prefix=unique_id()), tmp_path, ".geojson"),
                       _metadata(layer_id))
    assert response.status_code == 409


def test_a_form_without_the_file_is_400(client, uploader):
    response = client.post("/collections", data={"metadata": _metadata("x")}, files={"other": ("a", b"a")},
                           headers=uploader)
    assert response.status_code == 400


def test_a_truncated_geopackage_is_refused_with_gdals_reason(client, uploader, tmp_path):
    content = _file(_frame(SITES), tmp_path, ".gpkg")[:5000]
    response = _upload(client, uploader, content, _metadata(unique_id("cut").replace("-", "_")))
    assert response.status_code == 422
    assert "malformed" in response.json()["description"]


def test_an_uploaded_layer_shows_on_the_served_overview(client, uploader, tmp_path):
    """The overview draws the catalog's layers, so an upload joins it: its name and a default symbol."""
    layer_id = unique_id("context").replace("-", "_")
    metadata = _metadata(layer_id, title={"vi": "Điểm bối cảnh", "en": "Uploaded context sites"})
    response = _upload(client, uploader, _file(_frame(SITES, prefix=layer_id), tmp_path, ".geojson"), metadata)
    assert response.status_code == 201, response.text
    page = client.get("/maps/overview", params={"lang": "en"})
    assert page.status_code == 200
    assert "Uploaded context sites" in page.text  # its name in the layer control
    assert f'window.giLayers["{layer_id}"]' in page.text  # drawn as a layer of its own
    assert page.text.count(CONTEXT_COLOR) >= len(SITES)  # each site with the default point symbol
