"""CQL2 parsing and vectorised evaluation on a small, known frame."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo_industry.cql import FilterEvaluator, match_enumerations, parse_filter, to_storage_crs
from geo_industry.crs import transform_geometries
from geo_industry.errors import InvalidFilter


@pytest.fixture
def plants() -> gpd.GeoDataFrame:
    """Four points along the Red River valley with names (some accented) and capacities."""
    return gpd.GeoDataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "name_vi": ["Thủy điện Bắc Hà", "Nhà máy Tằng Loỏng", "Mỏ Sin Quyền", None],
            "capacity_value": [90.0, 10.0, np.nan, 42.0],
            "start_year": [2012, 2011, 2006, None],
        },
        geometry=[shapely.Point(104.25, 22.5), shapely.Point(104.144, 22.295), shapely.Point(103.805, 22.612), None],
        crs="EPSG:4326",
    )


def _evaluate(frame: gpd.GeoDataFrame, text: str, lang: str = "cql2-text") -> list[str]:
    queryables = {"id": "string", "name_vi": "string", "capacity_value": "number", "start_year": "integer",
                  "geometry": "geometry"}
    evaluator = FilterEvaluator(
        frame, tree=shapely.STRtree(np.asarray(frame.geometry.array)), queryables=queryables,
        metric=lambda g: transform_geometries(g, "OGC:CRS84", "EPSG:9208"))
    return list(frame["id"][evaluator.mask(parse_filter(text, lang))])


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("capacity_value > 30", ["a", "d"]),
        ("capacity_value >= 10 AND start_year < 2012", ["b"]),
        ("NOT (capacity_value > 30) OR id = 'c'", ["b", "c"]),
        ("capacity_value BETWEEN 20 AND 50", ["d"]),
        ("id IN ('a', 'c')", ["a", "c"]),
        ("id NOT IN ('a', 'c')", ["b", "d"]),
        ("name_vi LIKE 'Mỏ%'", ["c"]),
        ("name_vi IS NULL", ["d"]),
        ("capacity_value IS NOT NULL", ["a", "b", "d"]),
        ("CASEI(name_vi) = casei('THỦY ĐIỆN BẮC HÀ')", ["a"]),
        ("ACCENTI(CASEI(name_vi)) LIKE '%tang loong%'", ["b"]),
        ("capacity_value * 2 > start_year / 30", ["a"]),
        ("((capacity_value > 30)) AND (id = 'a' OR (id = 'd' AND capacity_value < 50))", ["a", "d"]),
        ("S_INTERSECTS(geometry, POINT(104.25 22.5))", ["a"]),
        ("S_INTERSECTS(geometry, BBOX(104.0, 22.2, 104.3, 22.6))", ["a", "b"]),
        ("S_WITHIN(geometry, POLYGON((103.7 22.5, 103.9 22.5, 103.9 22.7, 103.7 22.7, 103.7 22.5)))", ["c"]),
        ("S_DISJOINT(geometry, POINT(104.25 22.5))", ["b", "c"]),
        ("S_DWITHIN(geometry, POINT(104.14 22.30), 1, kilometers)", ["b"]),
        ("S_DWITHIN(geometry, POINT(104.14 22.30), 100, meters)", []),
    ],
)
def test_cql2_text(plants, text, ids):
    assert _evaluate(plants, text) == ids


def test_cql2_json(plants):
    text = '{"op": "and", "args": [{"op": ">", "args": [{"property": "capacity_value"}, 30]}, ' \
           '{"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [104, 22, 105, 23]}]}]}'
    assert _evaluate(plants, text, "cql2-json") == ["a"]


def test_s_contains_with_a_polygon_row():
    zone = gpd.GeoDataFrame({"id": ["z"]}, geometry=[shapely.box(104.1, 22.25, 104.2, 22.35)], crs="EPSG:4326")
    frame = zone.assign(name_vi=None, capacity_value=np.nan, start_year=None)
    assert _evaluate(frame, "S_CONTAINS(geometry, POINT(104.144 22.295))") == ["z"]


def test_filter_crs_reprojects_literals(plants):
    node = parse_filter("S_INTERSECTS(geometry, BBOX(415000, 2460000, 440000, 2475000))")
    assert node["args"][1] == {"bbox": [415000.0, 2460000.0, 440000.0, 2475000.0]}
    node = to_storage_crs(node, "EPSG:9208")
    evaluator = FilterEvaluator(plants, tree=shapely.STRtree(np.asarray(plants.geometry.array)),
                                queryables={"geometry": "geometry"}, metric=lambda g: g)
    assert list(plants["id"][evaluator.mask(node)]) == ["b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("unknown_prop = 1", "queryable"),
        ("capacity_value >", "valid cql2-text"),
        ("T_AFTER(start_year, TIMESTAMP('2012-01-01T00:00:00Z'))", "operator this server implements"),
        ("A_CONTAINS(id, ('a'))", "operator this server implements"),
        ("FOO(name_vi) = 'x'", "CASEI"),
        ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 0 1, 1 0, 0 0)))", "valid geometry"),
    ],
)
def test_unsupported_or_bad_filters_are_refused(plants, text, message):
    with pytest.raises(InvalidFilter, match=message):
        _evaluate(plants, text)


def test_filter_language_and_size_limits():
    with pytest.raises(InvalidFilter, match="filter-lang"):
        parse_filter("x = 1", "ecql")
    with pytest.raises(InvalidFilter, match="characters"):
        parse_filter("x = 1 AND " * 5000 + "x = 1")
    with pytest.raises(InvalidFilter, match="nested at most 10 deep"):
        parse_filter("NOT (" * 45 + "x = 1" + ")" * 45)
    with pytest.raises(InvalidFilter, match="depth"):  # a left-leaning sum parses 50 deep
        parse_filter(" + ".join(["x"] * 50) + " = 1")


def test_geometry_literals_in_epsg_4326_are_read_lat_lon():
    lat_lon = to_storage_crs(parse_filter("S_INTERSECTS(geometry, POINT(22.48 103.95))"), "EPSG:4326")
    assert lat_lon["args"][1]["coordinates"] == pytest.approx((103.95, 22.48))


@pytest.mark.parametrize(("text", "value"), [("Yên Bái", "yen_bai"), ("YEN-BAI", "yen_bai"), ("lao_cai", "lao_cai")])
def test_enumerated_text_matches_its_allowed_value(text, value):
    enums = {"former_province": ["lao_cai", "yen_bai"]}
    node = parse_filter(f"former_province = '{text}' AND former_province IN ('{text}')")
    resolved = match_enumerations(node, enums, "filter")
    assert resolved["args"][0]["args"][1] == value and resolved["args"][1]["args"][1] == [value]


def test_enumerated_text_without_a_match_lists_the_allowed_values():
    with pytest.raises(InvalidFilter, match="filter.*lao_cai, yen_bai"):
        match_enumerations(parse_filter("'Hà Nội' = former_province"), {"former_province": ["lao_cai", "yen_bai"]},
                           "filter")
