"""The conformance declaration lists exactly what is implemented, each class with its tests."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from geo_industry.api.models import ConfClasses
from geo_industry.cql import CQL2_CONFORMANCE

FEATURES = "http://www.opengis.net/spec/ogcapi-features-{part}/1.0/conf/{name}"
CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/{name}"
TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{name}"

#: every declared class → the test module(s) that exercise it
TESTED_BY = {
    FEATURES.format(part=1, name="core"): ("test_landing", "test_collections", "test_items", "test_errors"),
    FEATURES.format(part=1, name="geojson"): ("test_items",),
    FEATURES.format(part=1, name="html"): ("test_html",),
    FEATURES.format(part=1, name="oas30"): ("test_openapi", "test_schemathesis"),
    FEATURES.format(part=2, name="crs"): ("test_crs_by_reference",),
    FEATURES.format(part=3, name="filter"): ("test_filter",),
    FEATURES.format(part=3, name="features-filter"): ("test_filter",),
    FEATURES.format(part=3, name="queryables"): ("test_collections",),
    FEATURES.format(part=3, name="queryables-query-parameters"): ("test_filter", "test_statistics_records"),
    CQL2.format(name="cql2-text"): ("test_filter",),
    CQL2.format(name="cql2-json"): ("test_filter",),
    CQL2.format(name="basic-cql2"): ("test_filter",),
    CQL2.format(name="advanced-comparison-operators"): ("test_filter",),
    CQL2.format(name="case-insensitive-comparison"): ("test_filter",),
    CQL2.format(name="accent-insensitive-comparison"): ("test_filter",),
    CQL2.format(name="basic-spatial-functions"): ("test_filter",),
    CQL2.format(name="basic-spatial-functions-plus"): ("test_filter",),
    CQL2.format(name="spatial-functions"): ("test_filter",),
    CQL2.format(name="property-property"): ("test_filter",),
    CQL2.format(name="arithmetic"): ("test_filter",),
    **{TILES.format(name=name): ("test_tiles",)
       for name in ("core", "tileset", "tilesets-list", "geodata-tilesets", "mvt")},
}


def test_declaration_is_exactly_the_tested_classes(client: TestClient) -> None:
    declared = ConfClasses.model_validate(client.get("/conformance").json()).conformsTo
    assert len(declared) == len(set(declared))
    assert set(declared) == set(TESTED_BY)


def test_every_class_names_existing_test_modules() -> None:
    here = Path(__file__).parent
    for uri, modules in TESTED_BY.items():
        for module in modules:
            assert (here / f"{module}.py").exists(), (uri, module)


def test_cql2_classes_come_from_the_evaluator(client: TestClient) -> None:
    declared = client.get("/conformance").json()["conformsTo"]
    assert [uri for uri in declared if "/cql2/" in uri] == list(CQL2_CONFORMANCE)


def test_no_draft_classes_declared(client: TestClient) -> None:
    declared = client.get("/conformance").json()["conformsTo"]
    assert not [uri for uri in declared if "ogcapi-features-6" in uri or "ogcapi-features-8" in uri]


def test_conformance_html(client: TestClient) -> None:
    response = client.get("/conformance", params={"f": "html"})
    assert response.status_code == 200
    assert FEATURES.format(part=1, name="core") in response.text
