"""Paths and places shared by the raster tests (a uniquely named module, importable from tests).

The shared fixtures are read in place, never copied: see ../shared/fixtures/SOURCES.md.
"""

from __future__ import annotations

from pathlib import Path

FIXTURES_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"
DEM_TIF = FIXTURES_DIR / "laocai_dem.tif"
"""SRTM30_PLUS, EPSG:4326, 0.02°, int16; Fansipan pixel 2569 m."""
MERGED_BOUNDARY = FIXTURES_DIR / "laocai_2025_merged.geojson"
PRE2025_BOUNDARY = FIXTURES_DIR / "laocai_admin1.geojson"
RIVERS = FIXTURES_DIR / "laocai_rivers.geojson"
PLACES = FIXTURES_DIR / "laocai_places.geojson"
FANSIPAN = (103.775, 22.303)
LAO_CAI_CITY = (103.970, 22.485)
