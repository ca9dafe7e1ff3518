"""Every validation error kind, each from a small broken file; the shipped data passes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.conftest import DATA_DIR

from geo_industry.catalog import load_catalog
from geo_industry.validate import validate_data_dir, validate_layer, validate_statistics
from geo_industry.vector_io import read_vector

GOOD_POINT = {"type": "Point", "coordinates": [104.14431, 22.29499]}


def _mines_meta():
    return load_catalog(DATA_DIR / "geo" / "catalog.json").get("mines")


def _feature(feature_id: str = "m1", geometry: dict | None = None, **props: object) -> dict:
    mine = json.loads((DATA_DIR / "geo" / "mines.geojson").read_text(encoding="utf-8"))["features"][0]
    properties = {**mine["properties"], "id": feature_id, **props}
    return {"type": "Feature", "id": feature_id, "properties": properties,
            "geometry": GOOD_POINT if geometry is None else geometry}


def _write(tmp_path: Path, features: list[dict], name: str = "mines.geojson", **extra: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}), encoding="utf-8")
    return path


def _messages(problems) -> list[str]:
    return [str(p) for p in problems if p.severity == "error"]


def test_the_shipped_data_has_no_errors():
    assert _messages(validate_data_dir(DATA_DIR)) == []


def test_a_good_small_file_passes(tmp_path):
    assert _messages(validate_layer(_write(tmp_path, [_feature()]), _mines_meta())) == []


@pytest.mark.parametrize(
    ("features", "field", "fragment"),
    [
        ([_feature(geometry={"type": "Point", "coordinates": [22.29, 104.14]})], "geometry", "outside Lào Cai"),
        ([_feature(geometry={"type": "Polygon", "coordinates": [[[104.1, 22.2], [104.2, 22.3], [104.2, 22.2],
                                                                  [104.1, 22.3], [104.1, 22.2]]]})],
         "geometry", "invalid geometry: Self-intersection"),
        ([_feature(geometry={"type": "LineString", "coordinates": [[104.1, 22.2], [104.2, 22.3]]})],
         "geometry", "LineString where the layer holds"),
        ([_feature(geometry={"type": "Point", "coordinates": [104.123456789, 22.2]})], "geometry", "decimals"),
        ([_feature(), _feature()], "id", "used by 2 features"),
        ([_feature("mỏ-1")], "id", "ascii"),
        ([_feature(status="booming")], "status", "not one of"),
        ([_feature(capacity_value="lots")], "capacity_value", "expected number"),
        ([_feature(name_vi=None)], "name_vi", "required value is empty"),
    ],
    ids=["swapped-lat-lon", "self-intersection", "geometry-type", "decimals", "duplicate-id", "non-ascii-id",
         "enumeration", "type", "required"],
)
def test_each_layer_error_names_file_feature_and_field(tmp_path, features, field, fragment):
    path = _write(tmp_path, features)
    messages = _messages(validate_layer(path, _mines_meta()))
    assert any(f"field {field}:" in m and fragment in m and str(path) in m for m in messages), messages


def test_unreadable_file(tmp_path):
    path = tmp_path / "mines.geojson"
    path.write_text("{not json", encoding="utf-8")
    assert "cannot read" in _messages(validate_layer(path, _mines_meta()))[0]


def test_wrong_crs(tmp_path):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3405"}}
    path = _write(tmp_path, [_feature(geometry={"type": "Point", "coordinates": [515000, 2465000]})], crs=crs)
    messages = _messages(validate_layer(path, _mines_meta()))
    assert any("field crs:" in m and "WGS 84" in m for m in messages)


STAT_HEADER = "indicator,entity,year,period,value,unit,basis,price_basis,source,note,variant\n"


@pytest.mark.parametrize(
    ("rows", "field", "fragment"),
    [
        ("x,atlantis,2020,FY,1,t,actual,n/a,https://s,,0\n", "entity", "unknown entity"),
        ("x,m1,twenty,FY,1,t,actual,n/a,https://s,,0\n", "year", "not an integer"),
        ("x,m1,,FY,1,t,actual,n/a,https://s,,0\n", "year", "needs a year"),
        ("x,m1,,Jan-May,1,t,actual,n/a,https://s,,0\n", "year", "needs a year"),
        ("x,m1,twenty,not stated (pandemic),1,t,actual,n/a,https://s,,0\n", "year", "not an integer"),
        ("x,m1,2020,FY,lots,t,actual,n/a,https://s,,0\n", "value", "not a number"),
        ("x,m1,2020,FY,1,t,guess,n/a,https://s,,0\n", "basis", "not one of"),
        ("x,m1,2020,FY,1,t,actual,constant_1890,https://s,,0\n", "price_basis", "not one of"),
        ("x,m1,2020,FY,1,bn_vnd,actual,n/a,https://s,,0\n", "price_basis", "needs a price basis"),
        ("x,m1,2020,FY,1,t,actual,constant_2010,https://s,,0\n", "price_basis", "cannot have price basis"),
        ("x,m1,2020,FY,1,t,actual,n/a,https://s,,0\nx,m1,2020,FY,2,t,actual,n/a,https://s,,0\n",
         "indicator,entity,year,period,basis,variant", "duplicate key"),
    ],
    ids=["unknown-entity", "year", "empty-year-full-year", "empty-year-months", "bad-year-free-period",
         "value", "basis", "price-basis-enum", "money-without-basis",
         "quantity-with-basis", "duplicate"],
)
def test_each_statistics_error(tmp_path, rows, field, fragment):
    path = tmp_path / "statistics.csv"
    path.write_text(STAT_HEADER + rows, encoding="utf-8")
    messages = _messages(validate_statistics(path, {"m1"}))
    assert any(f"field {field}:" in m and fragment in m for m in messages), messages


def test_a_broken_catalog(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / "geo" / "catalog.json").write_text('{"layers": [{"id": "mines"}]}', encoding="utf-8")
    messages = _messages(validate_data_dir(data))
    assert len(messages) == 1 and "layer mines" in messages[0]


def test_an_id_in_two_layers(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    mines = json.loads((data / "geo" / "mines.geojson").read_text(encoding="utf-8"))
    gates = json.loads((data / "geo" / "border_gates.geojson").read_text(encoding="utf-8"))
    gates["features"][0]["properties"]["id"] = mines["features"][0]["properties"]["id"]
    (data / "geo" / "border_gates.geojson").write_text(json.dumps(gates), encoding="utf-8")
    assert any("also used in layer mines" in m for m in _messages(validate_data_dir(data)))


def test_province_codes_of_the_current_vintage_are_checked_against_vietnam_provinces(tmp_path):
    path = _write(tmp_path, [_feature(province_code="10", admin_vintage="2025-07-01")])
    messages = _messages(validate_layer(path, _mines_meta()))
    assert any("field province_code:" in m and "does not exist in the 2025-07-01 code list" in m for m in messages)


def test_the_merged_province_entity_names_lao_cai(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    entities = (data / "entities.csv").read_text(encoding="utf-8").replace("Tỉnh Lào Cai (mới)", "Tỉnh Yên Bái (mới)")
    (data / "entities.csv").write_text(entities, encoding="utf-8")
    assert any("does not name province 15 (Lào Cai)" in m for m in _messages(validate_data_dir(data)))


def test_every_layer_holds_one_geometry_type():
    """The shipped data: each layer's features have the catalog's one geometry type (nulls aside)."""
    catalog = load_catalog(DATA_DIR / "geo" / "catalog.json")
    for meta in catalog:
        frame = read_vector(DATA_DIR / "geo" / f"{meta.id}.geojson")
        present = set(frame.geometry.dropna().geom_type)
        assert present == {meta.geometry_type}, (meta.id, present)


def test_a_row_whose_source_gives_no_year_is_valid_with_its_period_in_words(tmp_path):
    path = tmp_path / "statistics.csv"
    path.write_text(STAT_HEADER + "x,m1,,not stated (text refers to the pandemic),1,t,actual,n/a,https://s,,0\n",
                    encoding="utf-8")
    assert _messages(validate_statistics(path, {"m1"})) == []


@pytest.mark.parametrize(("variant", "said"), [("2147483648", "is not between"),
                                               ("99999999999999999999999", "is not between"),
                                               ("abc", "is not an integer"), ("1.5", "is not an integer")])
def test_a_statistics_variant_out_of_range_or_not_an_integer_is_named_not_read_as_zero(tmp_path, variant, said):
    path = tmp_path / "statistics.csv"
    path.write_text(STAT_HEADER + f"x,m1,2021,full year,1,t,actual,n/a,https://s,,{variant}\n", encoding="utf-8")
    problems = validate_statistics(path, {"m1"})
    assert [(p.field, said in p.message) for p in problems] == [("variant", True)], problems
    assert "row 2" in problems[0].feature


def test_a_statistics_variant_within_range_or_empty_is_valid(tmp_path):
    path = tmp_path / "statistics.csv"
    path.write_text(STAT_HEADER + "x,m1,2021,full year,1,t,actual,n/a,https://s,,-3\n"
                    "x,m1,2022,full year,1,t,actual,n/a,https://s,,\n", encoding="utf-8")
    assert _messages(validate_statistics(path, {"m1"})) == []
