"""Where an estimated site can be: the geodesic disc of its radius, clipped to the province."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, box
from tests.conftest import DATA_DIR

from geo_industry.uncertainty import clip_outline, uncertainty_area, uncertainty_disc

GEOD = Geod(ellps="WGS84")
COC_MY = Point(103.8197, 22.6206)
"""Cốc Mỳ – Trịnh Tường industrial zone, placed ±10 km from a textual location on the border."""


def _merged_province():
    frame = gpd.read_file(DATA_DIR / "reference" / "boundaries.geojson")
    return clip_outline(frame[frame["status"] == "current"].geometry)


def test_disc_vertices_lie_at_the_radius_on_the_ellipsoid():
    disc = uncertainty_disc(COC_MY, 10)
    lons, lats = shapely.get_coordinates(disc.exterior).T
    _, _, metres = GEOD.inv([COC_MY.x] * len(lons), [COC_MY.y] * len(lats), lons, lats)
    assert max(abs(m - 10_000) for m in metres) < 1.0


def test_ring_of_a_border_site_stays_in_the_province():
    province = _merged_province()
    area = uncertainty_area(COC_MY, 10, province)
    assert province.buffer(1e-9).contains(area)
    disc = uncertainty_disc(COC_MY, 10)
    share = gpd.GeoSeries([area, disc], crs=4326).to_crs(9208).area
    assert 0.3 < share[0] / share[1] < 0.7  # about 46 % of the ±10 km disc lies in China


def test_without_a_clip_or_outside_it_the_whole_disc_is_kept():
    disc = uncertainty_disc(COC_MY, 2)
    assert uncertainty_area(COC_MY, 2, None).equals(disc)
    assert uncertainty_area(COC_MY, 2, box(0, 0, 1, 1)).equals(disc)  # no overlap: still drawn


@pytest.mark.parametrize("radius", [0, -1, float("nan"), float("inf")])
def test_radius_must_be_a_positive_number(radius):
    with pytest.raises(ValueError, match="radius_km"):
        uncertainty_disc(COC_MY, radius)
