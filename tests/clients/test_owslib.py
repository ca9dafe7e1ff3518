"""OWSLib's OGC API - Features client (``owslib.ogcapi.features.Features``) against the live server.

OWSLib is what Python users and QGIS plugins reach for; these tests use it as they would, with
nothing configured, and compare its answers with the core store over the same data. Expected
filter results are computed independently with pandas/shapely on the store's frames.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import orjson
import pytest
import shapely
from owslib.ogcapi.features import Features

from geo_industry.models import FeatureQuery
from geo_industry.store import EmbeddedStore

#: Lào Cai city and the Sin Quyền - Bát Xát mining area (lon/lat, CRS84).
LAO_CAI_CITY_BBOX = (103.80, 22.30, 104.20, 22.70)
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_9208 = "http://www.opengis.net/def/crs/EPSG/0/9208"
CONF_CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
CONF_GEOJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
CONF_CRS = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
CONF_FILTER = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter"
CONF_FEATURES_FILTER = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter"


@pytest.fixture(scope="module")
def features(base_url: str) -> Features:
    """An OWSLib client on the landing page, as a user would create it."""
    return Features(base_url)


def _ids(collection: dict[str, Any]) -> set[str]:
    return {str(feature["id"]) for feature in collection["features"]}


# --- landing, conformance, OpenAPI -------------------------------------------------------------


def test_landing_page_links(features: Features) -> None:
    rels = {link["rel"] for link in features.links}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= rels


def test_conformance_declares_core_geojson_crs_filter(features: Features) -> None:
    conforms_to = set(features.conformance()["conformsTo"])
    assert {CONF_CORE, CONF_GEOJSON, CONF_CRS, CONF_FILTER, CONF_FEATURES_FILTER} <= conforms_to


def test_api_document_found_from_service_desc(features: Features) -> None:
    """OWSLib finds the OpenAPI JSON by the ``service-desc`` link's exact media type."""
    document = features.api()
    assert document["openapi"].startswith("3.0")
    assert "/collections/{collectionId}/items" in document["paths"]


# --- collections --------------------------------------------------------------------------------


def test_feature_collections_are_the_layers(features: Features, layer_ids: list[str]) -> None:
    assert set(features.feature_collections()) == set(layer_ids)
    listed = {c["id"] for c in features.collections()["collections"]}
    assert set(layer_ids) <= listed


def test_collection_metadata(features: Features, store: EmbeddedStore) -> None:
    collection = features.collection("mines")
    assert collection["id"] == "mines"
    bbox = collection["extent"]["spatial"]["bbox"][0]
    expected, _ = store.extent("mines")
    assert bbox == pytest.approx(expected, abs=1e-6)
    assert {CRS84, EPSG_9208} <= set(collection["crs"])
    assert collection["storageCrs"] == CRS84


# --- items ----------------------------------------------------------------------------------------


def test_items_with_limit(features: Features, store: EmbeddedStore) -> None:
    page = features.collection_items("hydropower_plants", limit=5)
    assert page["type"] == "FeatureCollection"
    assert page["numberReturned"] == len(page["features"]) == 5
    assert page["numberMatched"] == len(store.frame("hydropower_plants"))
    assert any(link["rel"] == "next" for link in page["links"])


def test_items_paged_with_offset_cover_the_layer(features: Features, store: EmbeddedStore) -> None:
    seen: list[str] = []
    offset = 0
    while True:
        page = features.collection_items("hydropower_plants", limit=25, offset=offset)
        seen.extend(str(f["id"]) for f in page["features"])
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        offset += 25
    assert len(seen) == len(set(seen))
    assert set(seen) == set(store.frame("hydropower_plants")["id"])


@pytest.mark.parametrize("layer", ["mines", "industrial_zones"])
def test_items_bbox(features: Features, store: EmbeddedStore, layer: str) -> None:
    page = features.collection_items(layer, bbox=list(LAO_CAI_CITY_BBOX), limit=1000)
    frame = store.frame(layer)
    present = frame[~frame.geometry.isna()]
    expected = set(present[present.geometry.intersects(shapely.box(*LAO_CAI_CITY_BBOX))]["id"])
    assert expected
    assert _ids(page) == expected
    assert page["numberMatched"] == len(expected)


def _capacity_over_30(frame: gpd.GeoDataFrame) -> set[str]:
    return set(frame[frame["installed_mw"] > 30]["id"])


def _operating_iron(frame: gpd.GeoDataFrame) -> set[str]:
    return set(frame[(frame["status"] == "operating") & (frame["commodity"] == "iron_ore")]["id"])


def _copper_or_graphite(frame: gpd.GeoDataFrame) -> set[str]:
    return set(frame[frame["commodity"].isin(["copper_ore", "graphite"])]["id"])


def _intersects_city(frame: gpd.GeoDataFrame) -> set[str]:
    present = frame[~frame.geometry.isna()]
    return set(present[present.geometry.intersects(shapely.box(*LAO_CAI_CITY_BBOX))]["id"])


CQL2_TEXT_CASES: list[tuple[str, str, Callable[[gpd.GeoDataFrame], set[str]]]] = [
    ("hydropower_plants", "installed_mw > 30", _capacity_over_30),
    ("mines", "status = 'operating' AND commodity = 'iron_ore'", _operating_iron),
    ("mines", "commodity IN ('copper_ore', 'graphite')", _copper_or_graphite),
    ("mines", "S_INTERSECTS(geometry, BBOX(103.8, 22.3, 104.2, 22.7))", _intersects_city),
]


@pytest.mark.parametrize(("layer", "cql2", "expected"), CQL2_TEXT_CASES, ids=[c[1] for c in CQL2_TEXT_CASES])
def test_items_cql2_text_filter(features: Features, store: EmbeddedStore, layer: str, cql2: str,
                                expected: Callable[[gpd.GeoDataFrame], set[str]]) -> None:
    page = features.collection_items(layer, filter=cql2, limit=1000, **{"filter-lang": "cql2-text"})
    wanted = expected(store.frame(layer))
    assert wanted, "the test filter should select something"
    assert _ids(page) == wanted
    assert page["numberMatched"] == len(wanted)


def test_items_cql2_json_filter(features: Features, store: EmbeddedStore) -> None:
    cql2 = {"op": ">", "args": [{"property": "installed_mw"}, 30]}
    page = features.collection_items("hydropower_plants", filter=orjson.dumps(cql2).decode(), limit=1000,
                                     **{"filter-lang": "cql2-json"})
    assert _ids(page) == _capacity_over_30(store.frame("hydropower_plants"))


def test_items_in_another_crs(features: Features, store: EmbeddedStore) -> None:
    page = features.collection_items("mines", crs=EPSG_9208, limit=1000)
    assert features.response_headers["Content-Crs"] == f"<{EPSG_9208}>"
    x, y = next(f["geometry"]["coordinates"] for f in page["features"] if f["geometry"] is not None)
    assert 300_000 < x < 700_000 and 2_300_000 < y < 2_600_000  # easting, northing in Lào Cai


def test_items_sorted_by_owslib_sortby(features: Features, store: EmbeddedStore) -> None:
    """OWSLib turns ``sortby=(name, "desc")`` into ``sortby=-name``."""
    page = features.collection_items("hydropower_plants", sortby=("installed_mw", "desc"), limit=5)
    capacities = [f["properties"]["installed_mw"] for f in page["features"]]
    expected = store.frame("hydropower_plants")["installed_mw"].dropna().sort_values(ascending=False)
    assert capacities == expected.head(5).tolist()


def test_statistics_records_by_datetime(features: Features, store: EmbeddedStore) -> None:
    """The non-spatial ``statistics`` collection filtered by years through OWSLib's ``datetime_``."""
    page = features.collection_items("statistics", datetime_="2020-01-01/2021-12-31", limit=1000)
    years = {f["properties"]["year"] for f in page["features"]}
    assert years and years <= {2020, 2021}
    assert all(f["geometry"] is None for f in page["features"])
    stored, derived = store.statistics, store.derived_statistics  # derived indicators are records too
    expected = stored["year"].between(2020, 2021).sum() + derived["year"].between(2020, 2021).sum()
    assert page["numberMatched"] == len(page["features"]) == expected


# --- queryables, single feature, errors ---------------------------------------------------------


def test_queryables(features: Features, store: EmbeddedStore) -> None:
    queryables = features.collection_queryables("hydropower_plants")
    assert queryables["type"] == "object"
    properties = queryables["properties"]
    assert properties["installed_mw"]["type"] == "number"
    assert properties["status"]["type"] == "string"
    assert set(store.queryables("hydropower_plants")) - {"geometry"} <= set(properties)


def test_single_feature(features: Features, store: EmbeddedStore) -> None:
    expected = store.query("mines", FeatureQuery(limit=1)).features.iloc[0]
    feature = features.collection_item("mines", expected["id"])
    assert feature["type"] == "Feature"
    assert feature["id"] == expected["id"]
    assert feature["properties"]["name_vi"] == expected["name_vi"]


def test_unknown_collection_is_an_error(features: Features) -> None:
    with pytest.raises(RuntimeError) as error:
        features.collection("no_such_layer")
    body = orjson.loads(str(error.value))
    assert {"code", "description"} <= set(body)
