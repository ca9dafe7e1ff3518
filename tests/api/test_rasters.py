"""Raster routes through the real app: listing, tiles, legend, point and zonal queries.

``dem_client`` has the shared 2 km DEM configured; ``client`` has none (terrain absent, the rest works).
Expected numbers come from independent computations (pyproj, shapely, numpy), not from the core.
"""

from __future__ import annotations

import struct

import morecantile
import numpy as np
import pytest
import rasterio
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer

from geo_industry.api.models import OGCException
from geo_industry.api.raster_documents import RasterList, RasterMeta, ZonalResult
from geo_industry.api.rasters_state import ready_service
from geo_industry.api.state import state_of
from geo_industry.raster.products import Legend

LAO_CAI_CITY = (103.970, 22.485)
TERRAIN = ("terrain", "slope", "hillshade")


def _png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", body[16:24])


def _tile(lon: float, lat: float, zoom: int, tms: str = "WebMercatorQuad") -> morecantile.Tile:
    return morecantile.tms.get(tms).tile(lon, lat, zoom)


def test_listing_has_metadata_and_links(dem_client: TestClient) -> None:
    body = dem_client.get("/rasters").json()
    listing = RasterList.model_validate(body)
    ids = [r.id for r in listing.rasters]
    assert {*TERRAIN, "suitability", "distance_border_gate"} <= set(ids)
    assert listing.terrain == {"available": True, "note": None}
    slope = next(r for r in listing.rasters if r.id == "slope")
    assert slope.crs == "EPSG:9208" and slope.units == "deg" and slope.resolution_m > 1000
    west, south, east, north = slope.bounds_lonlat
    assert west < LAO_CAI_CITY[0] < east and south < LAO_CAI_CITY[1] < north
    assert {link.rel for link in slope.links} >= {"self", "item", "describedby"}


def test_without_dem_terrain_is_absent_and_the_rest_works(client: TestClient) -> None:
    body = client.get("/rasters").json()
    ids = {r["id"] for r in body["rasters"]}
    assert not ids & set(TERRAIN) and "suitability" in ids
    assert body["terrain"]["available"] is False
    response = client.get("/rasters/slope")
    assert response.status_code == 404
    assert "GEO_INDUSTRY_DEM_PATH" in OGCException.model_validate(response.json()).description
    assert client.get("/rasters/slope/tiles/8/202/112.png").status_code == 404
    tile = _tile(*LAO_CAI_CITY, 9)
    assert client.get(f"/rasters/suitability/tiles/{tile.z}/{tile.x}/{tile.y}.png").status_code == 200


@pytest.mark.parametrize("product", ["slope", "hillshade", "suitability", "distance_border_gate"])
def test_xyz_and_tile_matrix_set_tiles_are_the_same_png(dem_client: TestClient, product: str) -> None:
    tile = _tile(*LAO_CAI_CITY, 10)
    xyz = dem_client.get(f"/rasters/{product}/tiles/{tile.z}/{tile.x}/{tile.y}.png")
    ogc = dem_client.get(f"/rasters/{product}/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}")
    assert xyz.status_code == ogc.status_code == 200
    assert xyz.headers["content-type"] == "image/png"
    assert _png_size(xyz.content) == (256, 256)
    assert xyz.content == ogc.content


def test_tile_in_another_tile_matrix_set(dem_client: TestClient) -> None:
    tile = _tile(*LAO_CAI_CITY, 7, "WorldCRS84Quad")
    response = dem_client.get(f"/rasters/slope/tiles/WorldCRS84Quad/{tile.z}/{tile.y}/{tile.x}")
    assert response.status_code == 200 and _png_size(response.content) == (256, 256)


@pytest.mark.parametrize("path", [
    "/rasters/slope/tiles/10/0/0.png",
    "/rasters/slope/tiles/WebMercatorQuad/10/0/0",
    "/rasters/slope/tiles/NoSuchMatrixSet/10/0/0",
    "/rasters/no_such_product",
    "/rasters/no_such_product/tiles/10/0/0.png",
])
def test_not_found_is_an_ogc_exception(dem_client: TestClient, path: str) -> None:
    response = dem_client.get(path)
    assert response.status_code == 404
    assert OGCException.model_validate(response.json()).code == "NotFound"


def test_legend_json_and_svg(dem_client: TestClient) -> None:
    legend = Legend.model_validate(dem_client.get("/rasters/slope/legend").json())
    assert legend.units == "deg" and legend.stops[0].value == 0 and legend.stops[-1].value == 45
    svg = dem_client.get("/rasters/slope/legend", params={"f": "svg"})
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text


def test_metadata_of_one_raster(dem_client: TestClient) -> None:
    meta = RasterMeta.model_validate(dem_client.get("/rasters/terrain").json())
    assert meta.value_min is not None and meta.value_max is not None and meta.value_max > 2500  # Fansipan


def test_point_in_crs84_and_vn2000_agree(dem_client: TestClient) -> None:
    lon, lat = LAO_CAI_CITY
    x, y = Transformer.from_crs("OGC:CRS84", "EPSG:9208", always_xy=True).transform(lon, lat)
    in_crs84 = dem_client.get("/rasters/slope/point", params={"x": lon, "y": lat}).json()
    in_vn2000 = dem_client.get("/rasters/slope/point", params={
        "x": x, "y": y, "crs": "http://www.opengis.net/def/crs/EPSG/0/9208"}).json()
    assert in_crs84["value"] is not None
    assert (in_crs84["row"], in_crs84["col"]) == (in_vn2000["row"], in_vn2000["col"])
    assert in_crs84["value"] == pytest.approx(in_vn2000["value"])
    assert in_vn2000["crs"].endswith("/9208")


@pytest.mark.parametrize("params", [
    {"x": 0, "y": 0},
    {"x": 104, "y": 22.4, "crs": "EPSG:999999"},
    {"x": "east", "y": 22.4},
])
def test_bad_point_is_400(dem_client: TestClient, params: dict[str, object]) -> None:
    assert dem_client.get("/rasters/slope/point", params=params).status_code == 400


def _masked_mean(path: object, polygon: shapely.Geometry) -> float:
    """Mean of the pixels whose centre lies in ``polygon`` (lon/lat), computed with numpy and shapely."""
    with rasterio.open(path) as dataset:
        data = dataset.read(1).astype("float64")
        to_raster = Transformer.from_crs("OGC:CRS84", dataset.crs.to_wkt(), always_xy=True)
        projected = shapely.transform(polygon, lambda xy: np.column_stack(to_raster.transform(xy[:, 0], xy[:, 1])))
        rows, cols = np.mgrid[0:dataset.height, 0:dataset.width]
        xs, ys = rasterio.transform.xy(dataset.transform, rows.ravel(), cols.ravel())
    inside = shapely.contains_xy(projected, np.asarray(xs), np.asarray(ys)).reshape(data.shape)
    values = data[inside & np.isfinite(data)]
    return float(values.mean())


def test_zonal_means_agree_with_numpy(dem_client: TestClient) -> None:
    service = ready_service(state_of(dem_client.app))
    store = state_of(dem_client.app).opened()
    body = ZonalResult.model_validate(dem_client.get("/rasters/slope/zonal", params={"zones": "zone_outlines"})
                                      .json())
    zones = store.frame("zone_outlines").set_index("id")
    checked = 0
    for stats in body.statistics:
        geometry = zones.geometry.get(stats["zone_id"])
        polygon = geometry is not None and geometry.geom_type in ("Polygon", "MultiPolygon")
        if stats["count"] < 1 or stats["note"] or not polygon:
            continue
        assert stats["mean"] == pytest.approx(_masked_mean(service.result.path("slope"), geometry), rel=1e-6)
        assert stats["min"] <= stats["percentiles"]["p50"] <= stats["max"]
        checked += 1
    assert checked >= 1


def test_posted_polygon_zonal_mean_agrees_with_numpy(dem_client: TestClient) -> None:
    service = ready_service(state_of(dem_client.app))
    polygon = shapely.box(103.9, 22.3, 104.1, 22.5)
    body = dem_client.post("/rasters/slope/zonal", json={"type": "Feature", "id": "mine", "properties": {},
                                                         "geometry": shapely.geometry.mapping(polygon)})
    assert body.status_code == 200
    stats = body.json()["statistics"][0]
    assert stats["zone_id"] == "mine" and stats["count"] > 10
    assert stats["mean"] == pytest.approx(_masked_mean(service.result.path("slope"), polygon), rel=1e-6)


@pytest.mark.parametrize("body", [
    b"not json",
    b'{"type": "Point", "coordinates": [104, 22]}',
    b'{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}',  # outside the raster
])
def test_bad_polygon_is_400(dem_client: TestClient, body: bytes) -> None:
    response = dem_client.post("/rasters/slope/zonal", content=body,
                               headers={"content-type": "application/geo+json"})
    assert response.status_code == 400


def test_oversized_body_is_refused(dem_client: TestClient) -> None:
    limit = state_of(dem_client.app).settings.max_body_bytes
    response = dem_client.post("/rasters/slope/zonal", content=b" " * (limit + 1))
    assert response.status_code == 400 and "at most" in response.json()["description"]


def test_zonal_of_unknown_collection_is_400(dem_client: TestClient) -> None:
    assert dem_client.get("/rasters/slope/zonal", params={"zones": "nope"}).status_code == 400


def test_tile_matrix_sets(dem_client: TestClient) -> None:
    listing = dem_client.get("/tileMatrixSets").json()["tileMatrixSets"]
    assert "WebMercatorQuad" in {t["id"] for t in listing}
    definition = dem_client.get("/tileMatrixSets/WebMercatorQuad").json()
    assert definition["id"] == "WebMercatorQuad" and definition["tileMatrices"]


def test_tiles_conformance_is_earned_by_the_collections_vector_tiles(dem_client: TestClient) -> None:
    """Raster tiles are not attached to collections; the OGC API - Tiles classes are those of the vector tiles."""
    claimed = [c for c in dem_client.get("/conformance").json()["conformsTo"] if "ogcapi-tiles" in c]
    assert claimed and any(c.endswith("/conf/mvt") for c in claimed)
    assert dem_client.get("/collections/mines/tiles").status_code == 200
