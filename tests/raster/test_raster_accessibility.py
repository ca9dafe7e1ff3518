"""Distance rasters against pyproj geodesic distances; null and empty targets."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, box

from geo_industry.raster import EmptyTargetsError, MissingCRSError, distance_raster, metric_grid

GEOD = Geod(ellps="WGS84")
AREA = box(103.8, 22.0, 104.5, 22.7)
"""About 72 km × 78 km around Lào Cai city."""


@pytest.fixture(scope="module")
def grid():  # type: ignore[no-untyped-def]
    """A 250 m VN-2000 / TM-3 grid over AREA."""
    return metric_grid(area_of_interest=AREA, resolution_m=250)


def _pixel_lonlat(grid, rows: np.ndarray, cols: np.ndarray):  # type: ignore[no-untyped-def]
    xs = grid.transform.c + (cols + 0.5) * grid.transform.a
    ys = grid.transform.f + (rows + 0.5) * grid.transform.e
    return Transformer.from_crs(grid.crs.to_wkt(), "EPSG:4326", always_xy=True).transform(xs, ys)


def test_point_distances_match_geodesic(grid, gates: gpd.GeoDataFrame) -> None:  # type: ignore[no-untyped-def]
    """Every sampled pixel ≥ 2 km away agrees with the geodesic distance within 1 %."""
    raster = distance_raster(gates, grid=grid, name="border_gate")
    rng = np.random.default_rng(7)
    rows = rng.integers(0, grid.height, 400)
    cols = rng.integers(0, grid.width, 400)
    lons, lats = _pixel_lonlat(grid, rows, cols)
    geodesic = np.full(rows.size, np.inf)
    for point in gates.geometry.dropna():
        _, _, d = GEOD.inv(lons, lats, np.full(rows.size, point.x), np.full(rows.size, point.y))
        geodesic = np.minimum(geodesic, d / 1000)
    far = geodesic >= 2
    assert far.sum() > 300
    relative = np.abs(raster.distance_km[rows, cols][far] - geodesic[far]) / geodesic[far]
    assert relative.max() < 0.01
    assert raster.feature_count == 2 and raster.skipped_count == 1


def test_line_distance_matches_geodesic(grid) -> None:  # type: ignore[no-untyped-def]
    """Distance to a north-south line equals the geodesic distance along the parallel."""
    line = gpd.GeoDataFrame(geometry=[LineString([(104.0, 21.9), (104.0, 22.8)])], crs=4326)
    raster = distance_raster(line, grid=grid, name="railway")
    rows = np.array([grid.height // 2] * 3)
    cols = np.array([grid.width - 3, grid.width - 40, 5])
    lons, lats = _pixel_lonlat(grid, rows, cols)
    for k in range(3):
        _, _, d = GEOD.inv(lons[k], lats[k], 104.0, lats[k])
        assert raster.distance_km[rows[k], cols[k]] == pytest.approx(d / 1000, rel=0.01)


def test_feature_outside_the_grid_still_counts(grid) -> None:  # type: ignore[no-untyped-def]
    """A target 10 km east of the grid is the nearest for the eastern pixels."""
    outside = gpd.GeoDataFrame(geometry=[Point(104.6, 22.35)], crs=4326)
    raster = distance_raster(outside, grid=grid, search_margin_km=25)
    lon, lat = _pixel_lonlat(grid, np.array([grid.height // 2]), np.array([grid.width - 1]))
    _, _, d = GEOD.inv(lon[0], lat[0], 104.6, 22.35)
    assert raster.distance_km[grid.height // 2, -1] == pytest.approx(d / 1000, rel=0.01)


@pytest.mark.parametrize("geometries", [[], [None, None]])
def test_no_usable_target_raises(grid, geometries: list) -> None:  # type: ignore[no-untyped-def]
    """An empty target set (or only null geometries) raises EmptyTargetsError."""
    empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries(geometries, dtype="geometry"), crs=4326)
    with pytest.raises(EmptyTargetsError, match="no target feature"):
        distance_raster(empty, grid=grid, name="expressway")


def test_target_beyond_the_search_margin_raises(grid) -> None:  # type: ignore[no-untyped-def]
    """A target 200 km away with a 25 km margin counts as no target."""
    far = gpd.GeoDataFrame(geometry=[Point(106.5, 21.0)], crs=4326)
    with pytest.raises(EmptyTargetsError, match="within 25"):
        distance_raster(far, grid=grid, search_margin_km=25)


def test_targets_without_crs_raise(grid) -> None:  # type: ignore[no-untyped-def]
    """A GeoDataFrame without CRS is refused rather than guessed."""
    with pytest.raises(MissingCRSError):
        distance_raster(gpd.GeoDataFrame(geometry=[Point(104, 22.3)]), grid=grid)
