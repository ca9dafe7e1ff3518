"""Parsing of bbox, datetime, sortby, properties and limits."""

from __future__ import annotations

from datetime import date

import pytest

from geo_industry.crs import resolve_crs
from geo_industry.errors import InvalidBBox, InvalidDatetime, InvalidLimit, InvalidProperty, InvalidSortBy
from geo_industry.models import DateInterval, SortKey
from geo_industry.query import check_limit, parse_bbox, parse_datetime, parse_properties, parse_sortby

QUERYABLES = {"name_en": "string", "capacity_value": "number", "geometry": "geometry"}


def test_bbox_four_and_six_numbers():
    assert parse_bbox("103.9,22.3,104.2,22.6") == (103.9, 22.3, 104.2, 22.6)
    assert parse_bbox("103.9,22.3,0,104.2,22.6,100") == (103.9, 22.3, 104.2, 22.6)


def test_bbox_in_epsg_4326_is_latitude_first():
    assert parse_bbox("22.3,103.9,22.6,104.2", bbox_crs=resolve_crs("EPSG:4326")) == (103.9, 22.3, 104.2, 22.6)


def test_bbox_in_tm3_is_reprojected_to_crs84():
    west, south, east, north = parse_bbox("410000,2480000,430000,2500000", bbox_crs=resolve_crs("EPSG:9208"))
    assert 103.8 < west < 103.95 < east < 104.1
    assert 22.3 < south < 22.45 < north < 22.65


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1,2,3", "4 or 6"), ("a,b,c,d", "4 or 6"), ("0,10,1,5", "below"), ("0,0,200,1", "longitudes"),
     ("nan,0,1,1", "finite"), ("104.2,22.3,103.9,22.6", "antimeridian")],
)
def test_bad_bbox_names_parameter_value_and_expectation(value, expected):
    with pytest.raises(InvalidBBox) as info:
        parse_bbox(value)
    assert "bbox" in str(info.value) and value in str(info.value) and expected in str(info.value)


@pytest.mark.parametrize(
    ("value", "interval"),
    [
        ("2015-01-01", DateInterval(date(2015, 1, 1), date(2015, 1, 1))),
        ("2015-01-01T00:00:00Z/..", DateInterval(date(2015, 1, 1), None)),
        ("../2020-12-31", DateInterval(None, date(2020, 12, 31))),
        ("2010-01-01/2020-12-31", DateInterval(date(2010, 1, 1), date(2020, 12, 31))),
    ],
)
def test_datetime_instants_and_intervals(value, interval):
    assert parse_datetime(value) == interval


@pytest.mark.parametrize("value", ["yesterday", "2020-13-01", "../..", "2021-01-01/2020-01-01"])
def test_bad_datetime(value):
    with pytest.raises(InvalidDatetime, match="datetime"):
        parse_datetime(value)


def test_sortby_keys_and_directions():
    assert parse_sortby("-capacity_value,+name_en", QUERYABLES) == (
        SortKey("capacity_value", False), SortKey("name_en", True))


@pytest.mark.parametrize("value", ["nope", "geometry", "name_en,,"])
def test_bad_sortby(value):
    with pytest.raises(InvalidSortBy, match="sortby"):
        parse_sortby(value, QUERYABLES)


def test_properties_must_exist():
    assert parse_properties("name_en, capacity_value", set(QUERYABLES)) == ("name_en", "capacity_value")
    with pytest.raises(InvalidProperty, match="nope"):
        parse_properties("name_en,nope", set(QUERYABLES))


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (10_001, 0), (10, -1)])
def test_limits(limit, offset):
    with pytest.raises(InvalidLimit):
        check_limit(limit, offset, max_limit=10_000)
