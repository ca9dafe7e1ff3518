"""The store contract, run against every backend (only the embedded one exists today)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from tests.conftest import DATA_DIR

from geo_industry.catalog import LAYER_IDS, REFERENCE_LAYER_IDS
from geo_industry.cql import parse_filter
from geo_industry.errors import CollectionNotFound, FeatureNotFound, InvalidFilter, InvalidSortBy
from geo_industry.models import DateInterval, FeatureQuery, SortKey
from geo_industry.statistics import read_statistics
from geo_industry.store import EmbeddedStore, FeatureStore
from geo_industry.store.sqlite import SQLiteStore


@pytest.fixture(params=["embedded", "sqlite"], scope="module")
def backend(request, tmp_path_factory) -> FeatureStore:
    """Every backend that implements the contract: the files, and the editable SQLite store seeded from them."""
    if request.param == "embedded":
        return EmbeddedStore.from_directory(DATA_DIR)
    return SQLiteStore.open(tmp_path_factory.mktemp("sqlite") / "store.sqlite", seed_dir=DATA_DIR)


def test_backend_satisfies_the_protocol(backend):
    assert isinstance(backend, FeatureStore)


def test_collections_are_the_seven_layers_then_the_reference_layers_in_order(backend):
    assert [meta.id for meta in backend.collections()] == [*LAYER_IDS, *REFERENCE_LAYER_IDS]


def test_unknown_collection(backend):
    with pytest.raises(CollectionNotFound, match="no collection 'nope'"):
        backend.collection("nope")


def test_get_one_feature_and_unknown_feature(backend):
    feature = backend.get("mines", "sin-quyen-copper-mine")
    assert feature.iloc[0]["name_en"].startswith("Sin Quyen")
    with pytest.raises(FeatureNotFound, match="nope"):
        backend.get("mines", "nope")


def test_paging_counts(backend):
    total = len(backend.frame("hydropower_plants"))
    seen = []
    for offset in range(0, total, 25):
        page = backend.query("hydropower_plants", FeatureQuery(limit=25, offset=offset))
        assert page.number_matched == total
        seen.extend(page.features["id"])
    assert len(seen) == total == len(set(seen))


def test_bbox_uses_the_index_and_matches_a_brute_force_scan(backend):
    bbox = (103.9, 22.2, 104.3, 22.7)
    page = backend.query("mines", FeatureQuery(bbox=bbox, limit=1000))
    geoms = np.asarray(backend.frame("mines").geometry.array)
    expected = {fid for fid, g in zip(backend.frame("mines")["id"], geoms, strict=True)
                if g is not None and g.intersects(shapely.box(*bbox))}
    assert set(page.features["id"]) == expected
    assert expected


def test_null_geometries_are_counted_but_never_match_a_bbox(backend):
    frame = backend.frame("transport")
    assert frame.geometry.isna().any()
    page = backend.query("transport", FeatureQuery(bbox=(100, 10, 110, 25), limit=100))
    assert page.number_matched == int((~frame.geometry.isna()).sum())


def test_filter_and_sort(backend):
    query = FeatureQuery(filter=parse_filter("installed_mw > 30"), sortby=(SortKey("installed_mw", False),), limit=100)
    page = backend.query("hydropower_plants", query)
    values = list(page.features["installed_mw"])
    assert values == sorted(values, reverse=True)
    assert min(values) > 30


def test_sort_by_unknown_property(backend):
    with pytest.raises(InvalidSortBy):
        backend.query("mines", FeatureQuery(sortby=(SortKey("nope"),)))


def test_filter_on_unknown_property(backend):
    with pytest.raises(InvalidFilter, match="queryable"):
        backend.query("mines", FeatureQuery(filter=parse_filter("nope = 1")))


def test_datetime_selects_on_the_temporal_field(backend):
    meta = backend.collection("hydropower_plants")
    assert meta.temporal_field
    page = backend.query("hydropower_plants", FeatureQuery(
        datetime=DateInterval(start=None, end=__import__("datetime").date(2010, 12, 31)), limit=1000))
    years = page.features[meta.temporal_field]
    assert len(years) and (years <= 2010).all()


def test_features_carry_their_latest_actual_statistics(backend):
    stats = read_statistics(DATA_DIR / "statistics.csv")
    actual = stats[(stats["basis"] == "actual") & (stats["period"] == "FY") & (stats["variant"] == 0)
                   & stats["year"].notna() & ~stats["entity"].str.contains(":")]
    assert len(actual), "the data holds full-year actuals of some feature"
    for (entity, indicator), rows in actual.groupby(["entity", "indicator"]):
        layer = next(m.id for m in backend.collections() if entity in set(backend.frame(m.id)["id"]))
        feature = backend.get(layer, entity).iloc[0]
        latest = rows.sort_values("year").iloc[-1]
        assert feature[f"latest_{indicator}"] == latest["value"]
        assert feature[f"latest_{indicator}_year"] == latest["year"]


def test_a_figure_without_a_year_is_never_the_latest(backend):
    stats = read_statistics(DATA_DIR / "statistics.csv")
    undated = stats[stats["year"].isna() & (stats["entity"] == "sin-quyen-copper-mine")]
    assert set(undated["indicator"]) >= {"copper_ore_mined"}  # the research gives no year for it
    mine = backend.get("mines", "sin-quyen-copper-mine").iloc[0]
    assert pd.isna(mine.get("latest_copper_ore_mined"))


def test_extent_is_the_bbox_of_present_geometries(backend):
    bbox, _ = backend.extent("mines")
    assert bbox is not None
    west, south, east, north = bbox
    assert 103.5 < west < east < 105.2 and 21.3 < south < north < 22.9
