"""Fixtures of the map tests: the real embedded data, plus one tiny synthetic frame.

The maps are tested on the project's own data (``data/``, read through the ``store`` fixture
of ``tests/conftest.py``) with the shared reference layers (``../shared/fixtures``, read in
place). Where a behaviour needs a case the real data lacks, a fixture builds a tiny frame
whose names say it is synthetic (``Test line A``) and whose docstring says why; no real
place is given invented facts or coordinates.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import pytest
from shapely.geometry import LineString
from tests.conftest import DATA_DIR, DEM_TIF, FIXTURES_DIR, MERGED_BOUNDARY, RIVERS

from geo_industry.maps.base import PageContext
from geo_industry.maps.data import MapData, map_data_from_store
from geo_industry.store import EmbeddedStore

__all__ = ["DEM_TIF", "FIXTURES_DIR", "MERGED_BOUNDARY", "RIVERS", "VN_ADMIN1", "located", "unlocated"]

VN_ADMIN1 = FIXTURES_DIR / "vn_admin1.geojson"
"""geoBoundaries ADM1 polygons of the pre-2025 provinces (former Lào Cai VN-02, former Yên Bái VN-06)."""

# Real features each test leans on (ids from data/geo/*.geojson).
SURVEYED_ZONE = "tang-loong-iz"
"""An industrial zone with a surveyed outline (not approximate)."""
APPROX_ZONE = "dong-pho-moi-iz"
"""An industrial zone at an estimated point (±3 km, declared 100 ha, no outline)."""
SMELTER = "tang-loong-copper-smelter"
"""A processing plant with statistics (copper cathode 2011: actual and target)."""
COPPER_MINE = "sin-quyen-copper-mine"
REMOTE = ("industrial_zones", "industrial_clusters", "mines", "processing_plants", "hydropower_plants")
"""Layers with at least ``REMOTE_MIN_FEATURES`` located sites: served pages fetch them by URL."""
EMBEDDED = ("border_gates", "transport")
"""The smaller layers, embedded even in served pages."""


def located(frame: gpd.GeoDataFrame) -> int:
    """Features of ``frame`` with a geometry."""
    return int(frame.geometry.notna().sum())


def unlocated(frame: gpd.GeoDataFrame) -> int:
    """Features of ``frame`` without a geometry (the research gives no coordinate)."""
    return int(frame.geometry.isna().sum())


def real_map_data(store: EmbeddedStore) -> MapData:
    """The embedded layers and statistics with the merged-province boundary and the rivers."""
    return map_data_from_store(store, boundary_path=MERGED_BOUNDARY, rivers_path=RIVERS,
                               investor_facts_path=DATA_DIR / "investor_facts.csv")


@pytest.fixture(scope="session")
def map_data(store: EmbeddedStore) -> MapData:
    """The real data as the maps see it, with the shared boundary and rivers."""
    return real_map_data(store)


@pytest.fixture(scope="session")
def line_map_data(map_data: MapData) -> MapData:
    """The real data with a synthetic transport layer of two lines.

    The real transport lines (railways, expressway) have no geometry in the research, so
    nothing in the real data exercises how lines are drawn. ``Test line A`` and ``Test line B``
    are obviously synthetic: made-up ids and names, straight segments inside the province.
    """
    common = {"kind": "transport", "status": "unknown", "sources": []}
    frame = gpd.GeoDataFrame(
        [
            {**common, "id": "test-line-a", "name_vi": "Tuyến thử A", "name_en": "Test line A",
             "transport_type": "railway", "geometry_quality": "digitised", "coord_precision": "source-derived",
             "geometry": LineString([(104.0, 22.4), (104.2, 22.2)])},
            {**common, "id": "test-line-b", "name_vi": "Tuyến thử B", "name_en": "Test line B",
             "transport_type": "expressway", "geometry_quality": "approximate", "coord_precision": "estimated-3km",
             "geometry": LineString([(104.1, 22.4), (104.3, 22.2)])},
        ],
        geometry="geometry",
        crs="EPSG:4326",
    )
    return dataclasses.replace(map_data, layers={**map_data.layers, "transport": frame})


@pytest.fixture(params=["vi", "en"])
def ctx(request: pytest.FixtureRequest) -> PageContext:
    """A server-mode page context in each data language, offline basemap."""
    return PageContext(lang=request.param)
