"""The statistics page's choropleth: admin units matched to the configured boundary layer."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import pytest

from geo_industry.maps.base import PageContext
from geo_industry.maps.choropleth import (
    ADMIN_BOUNDARY_KEYS,
    CLASS_COLORS,
    NO_DATA_COLOR,
    choropleth_options,
    classes_for,
    default_option,
    match_boundary,
)
from geo_industry.maps.data import read_reference
from geo_industry.maps.pages import render

from .conftest import MERGED_BOUNDARY, VN_ADMIN1


@pytest.fixture(scope="module")
def provinces() -> gpd.GeoDataFrame:
    """geoBoundaries ADM1 of Vietnam before the 2025 mergers (read in place)."""
    return gpd.read_file(VN_ADMIN1)


@pytest.fixture(scope="module")
def admin_map_data(map_data, provinces):
    """The real data with the pre-2025 provinces as the configured boundary layer."""
    boundary = read_reference(VN_ADMIN1, key="layer.boundary", kind="boundary", attribution="geoBoundaries")
    return dataclasses.replace(map_data, reference=(boundary,))


def test_pre_2025_provinces_match_by_shape_iso(provinces):
    match = match_boundary(provinces)
    assert match is not None and match.property == "shapeISO" and match.vintage == "pre-2025-07-01"
    assert match.features == {"VN-02": "admin:10:pre-2025-07-01", "VN-06": "admin:15:pre-2025-07-01"}


def test_names_match_when_codes_are_absent(provinces):
    match = match_boundary(provinces.drop(columns="shapeISO"))
    assert match is not None and match.property == "shapeName"
    assert set(match.features.values()) == {"admin:10:pre-2025-07-01", "admin:15:pre-2025-07-01"}


def test_the_merged_province_is_its_own_vintage():
    match = match_boundary(gpd.read_file(MERGED_BOUNDARY))
    assert match is not None and match.vintage == "2025-07-01"
    assert list(match.features.values()) == ["admin:15:2025-07-01"]


def test_every_mapping_row_names_an_admin_entity(store):
    entities = set(store.statistics["entity"])
    assert {f"admin:{code}:{vintage}" for code, vintage in ADMIN_BOUNDARY_KEYS} <= entities


def test_options_never_mix_price_bases_or_periods(store, provinces):
    options = choropleth_options(store.statistics, match_boundary(provinces))
    stats = store.statistics
    for option in options:
        for key, value in option.values.items():
            entity = {"VN-02": "admin:10:pre-2025-07-01", "VN-06": "admin:15:pre-2025-07-01"}[key]
            rows = stats[(stats["indicator"] == option.indicator) & (stats["entity"] == entity)
                         & (stats["year"] == option.year) & (stats["value"] == value)]
            assert set(rows["price_basis"].fillna("unknown")) == {option.price_basis}
            assert set(rows["basis"]) == {"actual"} and set(rows["period"]) == {"FY"}
    keys = [o.key for o in options]
    assert len(keys) == len(set(keys))
    assert "industrial_production_value|2013|constant_2010" in keys  # former Lào Cai, 9,876 bn VND
    chosen = default_option(options)
    assert chosen is not None and chosen.indicator == "industrial_production_value"


def test_classes_split_the_range():
    assert classes_for([]) == []
    one = classes_for([5.0])
    assert len(one) == 1 and one[0].low == one[0].high == 5.0
    five = classes_for([0.0, 1.0, 2.0, 3.0, 4.0, 10.0])
    assert [c.color for c in five] == list(CLASS_COLORS)
    assert five[0].low == 0.0 and five[-1].high == 10.0 and five[1].low == five[0].high == 2.0


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_statistics_page_draws_the_choropleth(admin_map_data, lang):
    ctx = PageContext(lang=lang)
    html = render("statistics", admin_map_data, ctx)
    assert "window.giChoropleth" in html
    assert '"VN-02"' in html and '"VN-06"' in html and '"VN-01"' not in html  # only matched provinces
    assert ctx.t("stats.price_basis", basis=ctx.t("price_basis.constant_2010")) in html
    assert ctx.t("indicator.industrial_production_value") in html
    assert NO_DATA_COLOR in html


def test_statistics_page_with_the_merged_boundary_or_none(map_data):
    html = render("statistics", map_data, PageContext(lang="en"))  # merged boundary: the 2025-07-01 unit
    assert "window.giChoropleth" in html
    html = render("statistics", dataclasses.replace(map_data, reference=()), PageContext(lang="en"))
    assert "No administrative boundary layer configured" in html and "window.giChoropleth" not in html
