"""Fixtures of the raster tests: the shared DEM, boundary and rivers, and one small build.

The shared fixtures are read in place (never copied): see ../shared/fixtures/SOURCES.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from raster_constants import DEM_TIF, MERGED_BOUNDARY, RIVERS
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from geo_industry.raster import BuildResult, build_rasters


def _boundary(path: Path) -> BaseGeometry:
    with open(path, encoding="utf-8") as handle:
        return shape(json.load(handle)["features"][0]["geometry"])


@pytest.fixture(scope="session")
def province() -> BaseGeometry:
    """The merged 2025 Lào Cai province (lon/lat)."""
    return _boundary(MERGED_BOUNDARY)


@pytest.fixture(scope="session")
def rivers() -> gpd.GeoDataFrame:
    """Red River and Black River centre lines (Natural Earth)."""
    return gpd.read_file(RIVERS)


@pytest.fixture(scope="session")
def gates() -> gpd.GeoDataFrame:
    """Two border-gate-like points, one row with a null geometry (to be skipped)."""
    return gpd.GeoDataFrame(
        {"id": ["lao-cai-gate", "muong-khuong-gate", "unknown-gate"]},
        geometry=[Point(103.960, 22.511), Point(104.103, 22.771), None], crs="EPSG:4326")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, province: BaseGeometry,
          gates: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame) -> BuildResult:
    """One build on the real DEM: gates and rivers (as a stand-in railway) as targets."""
    return build_rasters(
        out_dir=tmp_path_factory.mktemp("rasters"), area_of_interest=province,
        dem_path=DEM_TIF, targets={"border_gate": gates, "railway": rivers}, water=rivers)
