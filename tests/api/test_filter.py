"""Part 3 filtering: filter, filter-lang, filter-crs, queryables as parameters, the CQL2 classes declared."""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient

from geo_industry.crs import transformer
from geo_industry.store import EmbeddedStore

AREA = (103.9, 22.3, 104.2, 22.6)
AREA_WKT = "POLYGON((103.9 22.3, 104.2 22.3, 104.2 22.6, 103.9 22.6, 103.9 22.3))"


def _ids(client: TestClient, layer_id: str, **params: Any) -> set[str]:
    response = client.get(f"/collections/{layer_id}/items", params={"limit": 10_000, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["numberMatched"] == body["numberReturned"]
    return {f["id"] for f in body["features"]}


def _where(store: EmbeddedStore, layer_id: str, mask: Any) -> set[str]:
    frame = store.frame(layer_id)
    values = mask(frame)
    if isinstance(values, pd.Series):
        values = values.fillna(False).to_numpy(dtype=bool)
    return set(frame["id"][np.asarray(values, dtype=bool)])


def _geoms(store: EmbeddedStore, layer_id: str) -> np.ndarray:
    return np.asarray(store.frame(layer_id).geometry.array)


# basic-cql2, cql2-text, cql2-json --------------------------------------------------------------
BASIC = [
    ("capacity_value > 100000", lambda f: f["capacity_value"] > 100000),
    ("capacity_value <= 100000", lambda f: f["capacity_value"] <= 100000),
    ("status = 'operating'", lambda f: f["status"] == "operating"),
    ("status <> 'operating'", lambda f: f["status"].notna() & (f["status"] != "operating")),
    ("status = 'operating' AND start_year >= 2000", lambda f: (f["status"] == "operating") & (f["start_year"] >= 2000)),
    ("status = 'planned' OR status = 'licensed'", lambda f: f["status"].isin(["planned", "licensed"])),
    ("NOT (status = 'operating')", lambda f: ~(f["status"] == "operating")),
    ("capacity_value IS NULL", lambda f: f["capacity_value"].isna()),
    ("capacity_value IS NOT NULL", lambda f: f["capacity_value"].notna()),
]


@pytest.mark.parametrize(("text", "mask"), BASIC, ids=[t for t, _ in BASIC])
def test_basic_cql2_text(client: TestClient, store: EmbeddedStore, text: str, mask: Any) -> None:
    assert _ids(client, "mines", filter=text) == _where(store, "mines", mask)


def test_cql2_json_equals_text(client: TestClient) -> None:
    document = {"op": "and", "args": [{"op": "=", "args": [{"property": "status"}, "operating"]},
                                      {"op": ">", "args": [{"property": "capacity_value"}, 100000]}]}
    as_json = _ids(client, "mines", filter=orjson.dumps(document).decode(), **{"filter-lang": "cql2-json"})
    as_text = _ids(client, "mines", filter="status = 'operating' AND capacity_value > 100000")
    assert as_json == as_text


def test_filter_on_latest_statistics(client: TestClient, store: EmbeddedStore) -> None:
    frame = store.frame("mines")
    column = next(c for c in frame.columns if c.startswith("latest_") and frame[c].dtype.kind == "f")
    text = f"capacity_value > 0 AND {column} > 0"
    expected = _where(store, "mines", lambda f: (f["capacity_value"] > 0) & (f[column] > 0))
    assert _ids(client, "mines", filter=text) == expected
    assert expected, "the test data joins a latest value to a mine with a capacity"


# advanced comparison, case- and accent-insensitive --------------------------------------------
def test_like(client: TestClient, store: EmbeddedStore) -> None:
    assert _ids(client, "mines", filter="name_en LIKE '%copper%'") == _where(
        store, "mines", lambda f: f["name_en"].str.contains("copper", regex=False))


def test_between(client: TestClient, store: EmbeddedStore) -> None:
    assert _ids(client, "mines", filter="start_year BETWEEN 1990 AND 2010") == _where(
        store, "mines", lambda f: (f["start_year"] >= 1990) & (f["start_year"] <= 2010))


def test_in(client: TestClient, store: EmbeddedStore) -> None:
    assert _ids(client, "mines", filter="status IN ('planned', 'licensed')") == _where(
        store, "mines", lambda f: f["status"].isin(["planned", "licensed"]))


def test_casei(client: TestClient, store: EmbeddedStore) -> None:
    assert _ids(client, "mines", filter="CASEI(status) = casei('OPERATING')") == _where(
        store, "mines", lambda f: f["status"] == "operating")


def _fold(text: object) -> str:
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def test_accenti(client: TestClient, store: EmbeddedStore) -> None:
    frame = store.frame("mines")
    name = next(n for n in frame["name_vi"].dropna() if _fold(n) != n.lower())
    word = _fold(name).split()[-1]
    expected = _where(store, "mines",
                      lambda f: f["name_vi"].map(lambda v: isinstance(v, str) and word in _fold(v)))
    got = _ids(client, "mines", filter=f"CASEI(ACCENTI(name_vi)) LIKE '%{word}%'")
    assert got == expected and expected


# spatial ------------------------------------------------------------------------------------
def test_s_intersects_point_box_polygon(client: TestClient, store: EmbeddedStore) -> None:
    area = shapely.box(*AREA)
    expected = _where(store, "mines", lambda f: shapely.intersects(_geoms(store, "mines"), area))
    assert _ids(client, "mines", filter=f"S_INTERSECTS(geometry, {AREA_WKT})") == expected
    assert _ids(client, "mines", filter=f"S_INTERSECTS(geometry, BBOX({', '.join(map(str, AREA))}))") == expected
    zones = store.frame("industrial_zones")
    inside = shapely.point_on_surface(zones.geometry.dropna().iloc[0])
    hit = _ids(client, "industrial_zones", filter=f"S_INTERSECTS(geometry, POINT({inside.x} {inside.y}))")
    assert zones["id"][zones.geometry.dropna().index[0]] in hit


def test_s_within_s_contains_s_disjoint(client: TestClient, store: EmbeddedStore) -> None:
    area = shapely.box(*AREA)
    geoms = _geoms(store, "industrial_zones")
    assert _ids(client, "industrial_zones", filter=f"S_WITHIN(geometry, {AREA_WKT})") == _where(
        store, "industrial_zones", lambda f: shapely.within(geoms, area))
    zones = store.frame("industrial_zones")
    inside = shapely.point_on_surface(zones.geometry.dropna().iloc[0])
    assert _ids(client, "industrial_zones", filter=f"S_CONTAINS(geometry, POINT({inside.x} {inside.y}))") == _where(
        store, "industrial_zones", lambda f: shapely.contains(geoms, inside))
    points = _geoms(store, "mines")
    assert _ids(client, "mines", filter=f"S_DISJOINT(geometry, {AREA_WKT})") == _where(
        store, "mines", lambda f: shapely.disjoint(points, area) & ~shapely.is_missing(points))


def test_s_touches_crosses_overlaps_equals_are_answered(client: TestClient, store: EmbeddedStore) -> None:
    zones = store.frame("industrial_zones").dropna(subset=["geometry"])
    first = zones.geometry.iloc[0]
    assert zones["id"].iloc[0] in _ids(client, "industrial_zones", filter=f"S_EQUALS(geometry, {first.wkt})")
    for function in ("S_TOUCHES", "S_CROSSES", "S_OVERLAPS"):
        response = client.get("/collections/industrial_zones/items",
                              params={"filter": f"{function}(geometry, {AREA_WKT})"})
        assert response.status_code == 200, function


def test_s_dwithin_metres(client: TestClient, store: EmbeddedStore) -> None:
    centre = shapely.Point(103.97, 22.48)
    metric = transformer("OGC:CRS84", "EPSG:9208")
    frame = store.frame("mines")
    x, y = metric.transform(centre.x, centre.y)
    expected = set()
    for feature_id, geom in zip(frame["id"], frame.geometry, strict=True):
        if geom is not None:
            gx, gy = metric.transform(geom.x, geom.y)
            if np.hypot(gx - x, gy - y) <= 25_000:
                expected.add(feature_id)
    got = _ids(client, "mines", filter=f"S_DWITHIN(geometry, POINT({centre.x} {centre.y}), 25000, meters)")
    assert got == expected


def test_filter_crs(client: TestClient) -> None:
    to_utm = transformer("OGC:CRS84", "EPSG:3405")
    xs, ys = to_utm.transform([AREA[0], AREA[2]], [AREA[1], AREA[3]])
    wkt = f"POLYGON(({xs[0]} {ys[0]}, {xs[1]} {ys[0]}, {xs[1]} {ys[1]}, {xs[0]} {ys[1]}, {xs[0]} {ys[0]}))"
    in_utm = _ids(client, "mines", filter=f"S_INTERSECTS(geometry, {wkt})",
                  **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/3405"})
    in_crs84 = _ids(client, "mines", filter=f"S_INTERSECTS(geometry, {AREA_WKT})")
    assert in_crs84 <= in_utm


# property-property, arithmetic -----------------------------------------------------------------
def test_property_property(client: TestClient, store: EmbeddedStore) -> None:
    assert _ids(client, "mines", filter="name_en = name_en") == _where(store, "mines", lambda f: f["name_en"].notna())
    assert _ids(client, "mines", filter="start_year < capacity_value") == _where(
        store, "mines", lambda f: f["start_year"] < f["capacity_value"])


def test_arithmetic(client: TestClient, store: EmbeddedStore) -> None:
    assert _ids(client, "mines", filter="capacity_value * 2 > 200000") == _where(
        store, "mines", lambda f: f["capacity_value"] * 2 > 200000)
    assert _ids(client, "mines", filter="start_year + 10 >= 2020") == _where(
        store, "mines", lambda f: f["start_year"] + 10 >= 2020)


# queryables as query parameters ------------------------------------------------------------------
def test_queryable_as_parameter(client: TestClient, store: EmbeddedStore) -> None:
    assert _ids(client, "mines", status="operating") == _where(store, "mines", lambda f: f["status"] == "operating")


def test_repeated_queryable_parameter_means_in(client: TestClient, store: EmbeddedStore) -> None:
    response = client.get("/collections/mines/items", params=[("status", "planned"), ("status", "licensed"),
                                                              ("limit", "1000")])
    assert {f["id"] for f in response.json()["features"]} == _where(
        store, "mines", lambda f: f["status"].isin(["planned", "licensed"]))


def test_queryable_parameter_combines_with_filter(client: TestClient, store: EmbeddedStore) -> None:
    assert _ids(client, "mines", status="operating", filter="start_year >= 2000") == _where(
        store, "mines", lambda f: (f["status"] == "operating") & (f["start_year"] >= 2000))


def test_typed_queryable_parameter(client: TestClient, store: EmbeddedStore) -> None:
    year = int(store.frame("mines")["start_year"].dropna().iloc[0])
    assert _ids(client, "mines", start_year=str(year)) == _where(store, "mines", lambda f: f["start_year"] == year)
    response = client.get("/collections/mines/items", params={"start_year": "soon"})
    assert response.status_code == 400
    assert "start_year" in response.json()["description"] and "integer" in response.json()["description"]


# refusals ---------------------------------------------------------------------------------------------
REFUSED = [
    ("no_such_property = 1", "no_such_property"),
    ("status = ", "cql2-text"),
    ("S_INTERSECTS(name_en, POINT(1 2))", "geometry"),
    ("T_AFTER(start_year, TIMESTAMP('2020-01-01T00:00:00Z'))", "operator"),
    ("A_CONTAINS(sources, ('x'))", "operator"),
]


@pytest.mark.parametrize(("text", "fragment"), REFUSED, ids=[t for t, _ in REFUSED])
def test_unsupported_or_invalid_filter_is_400(client: TestClient, text: str, fragment: str) -> None:
    response = client.get("/collections/mines/items", params={"filter": text})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "InvalidParameterValue"
    assert fragment in body["description"]


def test_unknown_filter_lang_is_400(client: TestClient) -> None:
    response = client.get("/collections/mines/items", params={"filter": "status = 'x'", "filter-lang": "ecql"})
    assert response.status_code == 400
    assert "filter-lang" in response.json()["description"]
