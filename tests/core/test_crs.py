"""CRS resolution and the VN-2000 transformations."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo_industry.crs import CRS84, SUPPORTED_CRS, resolve_crs, transform_geometries, transformer
from geo_industry.errors import InvalidCRS

# Lào Cai railway station (research reference point, WGS 84)
STATION = (103.97833, 22.49250)


@pytest.mark.parametrize("crs", SUPPORTED_CRS, ids=lambda c: c.code)
def test_every_supported_crs_resolves_from_uri_and_code(crs):
    assert resolve_crs(crs.uri) is crs
    assert resolve_crs(crs.code) is crs
    assert resolve_crs(f"[{crs.code}]") is crs


@pytest.mark.parametrize("value", ["EPSG:2154", "foo", "http://www.opengis.net/def/crs/EPSG/0/32648"])
def test_unsupported_crs_is_refused_with_the_list(value):
    with pytest.raises(InvalidCRS, match="expected one of"):
        resolve_crs(value)


def test_axis_order_of_geographic_crs():
    assert resolve_crs("EPSG:4326").lat_first
    assert resolve_crs("EPSG:4756").lat_first
    assert not CRS84.lat_first
    assert not resolve_crs("EPSG:9208").lat_first


@pytest.mark.parametrize("code", ["EPSG:4756", "EPSG:9208", "EPSG:3405"])
def test_vn2000_uses_the_explicit_epsg_6960_helmert(code):
    assert "VN-2000 to WGS 84 (2)" in transformer(CRS84.code, code).description


def test_station_round_trips_through_tm3_within_a_centimetre():
    point = np.array([shapely.Point(*STATION)])
    there = transform_geometries(point, CRS84.code, "EPSG:9208")
    back = transform_geometries(there, "EPSG:9208", CRS84.code)[0]
    _, _, metres = Geod(ellps="WGS84").inv(STATION[0], STATION[1], back.x, back.y)
    assert metres < 0.01


def test_tm3_coordinates_are_plausible_for_the_provincial_zone():
    easting, northing = transformer(CRS84.code, "EPSG:9208").transform(*STATION)
    # central meridian 104°45' with false easting 500 km: the station lies ~79 km west of it
    assert 415_000 < easting < 425_000
    assert 2_485_000 < northing < 2_495_000


def test_vn2000_geographic_differs_from_wgs84_by_the_datum_shift():
    lon, lat = transformer(CRS84.code, "EPSG:4756").transform(*STATION)
    _, _, metres = Geod(ellps="WGS84").inv(STATION[0], STATION[1], lon, lat)
    assert 100 < metres < 400  # the ~200 m "VN-2000 nội bộ" offset the research warns about
