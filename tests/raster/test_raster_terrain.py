"""Terrain: DEM loading on a metric grid, slope against known planes, hillshade, errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Geod
from raster_constants import DEM_TIF, FANSIPAN, RIVERS
from rasterio.io import MemoryFile
from shapely.geometry import box

from geo_industry.raster import (
    MissingCRSError,
    NoCoverageError,
    NotARasterError,
    hillshade,
    load_dem,
    slope_degrees,
)
from geo_industry.raster.grid import ground_pixel_size

GEOD = Geod(ellps="WGS84")


def _write(memfile: MemoryFile, z: np.ndarray, *, crs: str | None, transform: Affine) -> None:
    with memfile.open(driver="GTiff", width=z.shape[1], height=z.shape[0], count=1,
                      dtype="float32", crs=crs, transform=transform, nodata=-9999) as dst:
        dst.write(z.astype("float32"), 1)


def _interior(a: np.ndarray, margin: int = 10) -> np.ndarray:
    return a[margin:-margin, margin:-margin]


@pytest.mark.parametrize(("angle", "azimuth", "res"), [(10.0, 30.0, 30.0), (35.0, 200.0, 30.0),
                                                         (5.0, 90.0, 100.0)])
def test_slope_of_metric_plane(angle: float, azimuth: float, res: float) -> None:
    """A plane in VN-2000 / TM-3 metres keeps its angle through load_dem and slope."""
    n = 120
    x0, y0 = 420_000.0, 2_470_000.0
    transform = Affine(res, 0, x0, 0, -res, y0)
    cols, rows = np.meshgrid(np.arange(n) + 0.5, np.arange(n) + 0.5)
    east, north = cols * res, -rows * res
    az = math.radians(azimuth)
    z = 500 + math.tan(math.radians(angle)) * (east * math.sin(az) + north * math.cos(az))
    with MemoryFile() as memfile:
        _write(memfile, z, crs="EPSG:9208", transform=transform)
        aoi = box(x0 + 20 * res, y0 - 100 * res, x0 + 100 * res, y0 - 20 * res)
        dem = load_dem(memfile.name, area_of_interest=aoi, aoi_crs="EPSG:9208")
    slope = slope_degrees(dem.elevation, pixel_size=dem.grid)
    assert dem.grid.resolution == pytest.approx((res, res), rel=1e-3)
    assert np.nanmax(np.abs(_interior(slope) - angle)) < 0.1


def test_slope_of_plane_given_in_degrees_near_22n() -> None:
    """A north-rising 12° plane on a lon/lat grid near 22°N: slope uses ground metres."""
    angle, n, step = 12.0, 160, 0.0005
    lat_top, lon0 = 22.1, 103.9
    lats = lat_top - (np.arange(n) + 0.5) * step
    _, _, northing = GEOD.inv(np.full(n, lon0), np.full(n, lats[-1]), np.full(n, lon0), lats)
    z = np.repeat((100 + math.tan(math.radians(angle)) * northing)[:, None], n, axis=1)
    transform = Affine(step, 0, lon0, 0, -step, lat_top)
    with MemoryFile() as memfile:
        _write(memfile, z, crs="EPSG:4326", transform=transform)
        aoi = box(lon0 + 0.01, lat_top - 0.07, lon0 + 0.07, lat_top - 0.01)
        dem = load_dem(memfile.name, area_of_interest=aoi)
    slope = slope_degrees(dem.elevation, pixel_size=dem.grid)
    assert np.nanmax(np.abs(_interior(slope, 3) - angle)) < 0.1
    naive = slope_degrees(z, pixel_size=(step, step))  # degrees as if metres: nonsense
    assert np.nanmin(naive) > 80


def test_ground_pixel_size_of_one_arc_second() -> None:
    """A 1″ (≈30 m) DEM near 22°N has a ≈28.7 m × 30.7 m ground pixel."""
    sec = 1 / 3600
    dx, dy = ground_pixel_size(crs="EPSG:4326", transform=Affine(sec, 0, 103, 0, -sec, 23),
                               lon=104.0, lat=22.0)
    assert dx == pytest.approx(28.69, abs=0.05)
    assert dy == pytest.approx(30.72, abs=0.05)


def test_flat_hillshade_is_lit_at_the_sun_altitude() -> None:
    """Flat ground under a 45° sun gives sin(45°) of full light."""
    shade = hillshade(np.zeros((5, 5), "float32"), pixel_size=(30.0, 30.0))
    assert int(shade[2, 2]) == round(1 + 254 * math.sin(math.radians(45)))


def test_fixture_dem_loads_onto_tm3(province: object) -> None:
    """The 0.02° fixture becomes a ≈2.14 km TM-3 grid covering the merged province."""
    dem = load_dem(DEM_TIF, area_of_interest=province)
    assert dem.grid.crs.to_epsg() == 9208
    assert dem.grid.resolution[0] == pytest.approx(2138, abs=5)
    assert dem.coverage == pytest.approx(1.0)
    assert 2000 < np.nanmax(dem.elevation) <= 2569
    slope = slope_degrees(dem.elevation, pixel_size=dem.grid)
    assert 0 <= np.nanmin(slope) and np.nanmax(slope) < 30


def test_not_a_raster(tmp_path: Path, province: object) -> None:
    """Text and vector files are refused with NotARasterError."""
    text = tmp_path / "dem.tif"
    text.write_text("not a raster", encoding="utf-8")
    for path in (text, RIVERS, tmp_path / "missing.tif"):
        with pytest.raises(NotARasterError, match="not a readable raster"):
            load_dem(path, area_of_interest=province)


def test_dem_without_crs(tmp_path: Path, province: object) -> None:
    """A GeoTIFF without CRS raises MissingCRSError."""
    path = tmp_path / "nocrs.tif"
    with rasterio.open(DEM_TIF) as src:
        data, transform = src.read(1), src.transform
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0],
                       count=1, dtype=data.dtype, transform=transform) as dst:
        dst.write(data, 1)
    with pytest.raises(MissingCRSError, match="no CRS"):
        load_dem(path, area_of_interest=province)


def test_dem_that_misses_the_province(province: object) -> None:
    """A DEM elsewhere (or too small) raises NoCoverageError naming the coverage."""
    z = np.zeros((50, 50), "float32")
    with MemoryFile() as memfile:
        _write(memfile, z, crs="EPSG:4326", transform=Affine(0.01, 0, 104.0, 0, -0.01, 22.5))
        with pytest.raises(NoCoverageError, match="covers .*% of the area"):
            load_dem(memfile.name, area_of_interest=province)


def test_fixture_dem_point_is_fansipan() -> None:
    """Sanity of the fixture itself: the highest pixel is Fansipan (SOURCES.md)."""
    with rasterio.open(DEM_TIF) as src:
        value = next(src.sample([FANSIPAN]))[0]
    assert value == 2569
