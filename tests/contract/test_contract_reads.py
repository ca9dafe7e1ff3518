"""Reads of the store contract, on every backend: metadata, pages, paging, filters, sorting, CRS."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
import shapely
from tests.conftest import DATA_DIR

from geo_industry.catalog import LAYER_IDS, REFERENCE_LAYER_IDS
from geo_industry.cql import parse_filter, to_storage_crs
from geo_industry.errors import CollectionNotFound, FeatureNotFound, InvalidFilter, InvalidSortBy
from geo_industry.models import DateInterval, FeatureQuery, SortKey
from geo_industry.statistics import read_statistics
from geo_industry.store import BulkReader, FeatureReader, FeatureStore


def test_backend_satisfies_the_protocols(backend):
    assert isinstance(backend, FeatureStore)
    assert isinstance(backend, FeatureReader) and isinstance(backend, BulkReader)
    assert isinstance(backend.snapshot(), FeatureStore)


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
        datetime=DateInterval(start=None, end=datetime.date(2010, 12, 31)), limit=1000))
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


def test_unknown_collection_is_the_same_error_for_every_read(backend):
    for read in (backend.queryables, backend.schema, backend.extent, backend.count):
        with pytest.raises(CollectionNotFound):
            read("nope")
    with pytest.raises(CollectionNotFound):
        backend.query("nope", FeatureQuery())
    with pytest.raises(CollectionNotFound):
        backend.get("nope", "sin-quyen-copper-mine")


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_a_page_holds_its_own_rows_only(backend, layer_id):
    total = backend.count(layer_id)
    page = backend.query(layer_id, FeatureQuery(limit=3, offset=1))
    assert page.matched == total == len(backend.frame(layer_id))
    assert page.number_returned == len(page.features) == min(3, max(total - 1, 0))
    assert list(page.features.index) == list(range(page.number_returned))  # no label points into the layer
    assert list(page.features["id"]) == list(backend.frame(layer_id)["id"].iloc[1:4])


def test_a_page_past_the_end_is_empty_and_still_counts(backend):
    total = backend.count("mines")
    page = backend.query("mines", FeatureQuery(limit=10, offset=total + 5))
    assert page.matched == total and page.number_returned == 0


def test_one_feature_is_a_one_row_frame_without_a_position_label(backend):
    row = backend.get("mines", "sin-quyen-copper-mine")
    assert len(row) == 1 and list(row.index) == [0]


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_schema_and_queryables_come_from_the_catalog_and_cover_the_page(backend, layer_id):
    schema, queryables = backend.schema(layer_id), backend.queryables(layer_id)
    meta = backend.collection(layer_id)
    assert {spec.name for spec in meta.fields} <= set(schema)
    assert set(queryables) - {"geometry"} <= set(schema) and queryables["geometry"] == "geometry"
    page = backend.query(layer_id, FeatureQuery(limit=5))
    assert set(page.features.columns) - {page.features.geometry.name} <= set(schema)


def test_sort_descending_and_ascending_are_mirror_images_with_ties_kept_stable(backend):
    key = "capacity_value"
    down = backend.query("hydropower_plants", FeatureQuery(sortby=(SortKey(key, False),), limit=1000)).features
    up = backend.query("hydropower_plants", FeatureQuery(sortby=(SortKey(key, True),), limit=1000)).features
    values = [v for v in up[key] if pd.notna(v)]
    assert values == sorted(values)
    assert [v for v in down[key] if pd.notna(v)] == sorted(values, reverse=True)


def test_cql2_filters_combine_attributes_and_space(backend):
    expression = parse_filter("status = 'operating' AND S_INTERSECTS(geometry, BBOX(103.5, 21.5, 104.5, 22.9))")
    page = backend.query("hydropower_plants", FeatureQuery(filter=expression, limit=1000))
    assert page.matched == page.number_returned > 0
    assert set(page.features["status"]) == {"operating"}
    box = shapely.box(103.5, 21.5, 104.5, 22.9)
    assert all(g is not None and g.intersects(box) for g in page.features.geometry)


def test_geometries_are_in_storage_crs_and_filters_in_another_crs_are_converted(backend):
    mine = backend.get("mines", "sin-quyen-copper-mine").geometry.iloc[0]
    assert 102 < mine.x < 106 and 20 < mine.y < 23.5  # lon/lat, CRS84 axis order
    # a box in EPSG:4326 (lat first) around the mine, converted to storage CRS like the API does
    text = f"S_INTERSECTS(geometry, BBOX({mine.y - 0.01}, {mine.x - 0.01}, {mine.y + 0.01}, {mine.x + 0.01}))"
    expression = to_storage_crs(parse_filter(text), "EPSG:4326")
    page = backend.query("mines", FeatureQuery(filter=expression, limit=100))
    assert "sin-quyen-copper-mine" in set(page.features["id"])


def test_bulk_reads_agree_with_the_pages(backend):
    for meta in backend.collections():
        frame = backend.frame(meta.id)
        assert len(frame) == backend.count(meta.id)
    assert {"indicator", "entity", "year", "value"} <= set(backend.statistics.columns)
    assert len(backend.series("sin-quyen-copper-mine"))
    assert backend.quarantined == ()


def test_revision_is_an_integer_and_the_snapshot_is_pinned_to_it(backend):
    view = backend.snapshot()
    assert isinstance(backend.revision(), int) and view.revision() == backend.revision()



@pytest.mark.parametrize("layer", ["hydropower_plants", "zone_outlines", "rivers", "industrial_zones"])
def test_frame_batches_are_the_frame_in_order_and_geometry_types_its_types(backend, layer):
    whole = backend.frame(layer)
    batches = list(backend.frame_batches(layer, size=16))
    assert [len(b) for b in batches[:-1]] == [16] * (len(batches) - 1) and 0 < len(batches[-1]) <= 16
    assert all(list(b.columns) == list(whole.columns) for b in batches)
    pd.testing.assert_frame_equal(pd.concat(batches, ignore_index=True), whole.reset_index(drop=True))
    present = whole.geometry[whole.geometry.notna()]
    assert backend.geometry_types(layer) == frozenset(present.geom_type)
    with pytest.raises(CollectionNotFound):
        backend.frame_batches("nope")
