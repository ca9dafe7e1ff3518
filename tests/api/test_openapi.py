"""The committed OpenAPI contract (api/openapi.json) matches the app; it is OpenAPI 3.0."""

from __future__ import annotations

from pathlib import Path

import orjson
from fastapi.testclient import TestClient

from geo_industry.api import create_app
from geo_industry.settings import Settings

COMMITTED = Path(__file__).resolve().parents[2] / "api" / "openapi.json"

OPERATION_IDS = {
    ("/", "get"): "getLandingPage",
    ("/api", "get"): "getAPIDefinition",
    ("/conformance", "get"): "getConformanceDeclaration",
    ("/collections", "get"): "getCollections",
    ("/collections/{collectionId}", "get"): "describeCollection",
    ("/collections/{collectionId}/queryables", "get"): "getQueryables",
    ("/collections/{collectionId}/schema", "get"): "getCollectionSchema",
    ("/collections/statistics/schema", "get"): "getStatisticsSchema",
    ("/collections/statistics/download", "get"): "downloadStatistics",
    ("/collections/{collectionId}/items", "get"): "getFeatures",
    ("/collections/{collectionId}/items/{featureId}", "get"): "getFeature",
    ("/collections/{collectionId}/download", "get"): "downloadFeatures",
    ("/collections/{collectionId}/tiles", "get"): "getCollectionVectorTilesets",
    ("/collections/{collectionId}/tiles/{tileMatrixSetId}", "get"): "getCollectionVectorTileSet",
    ("/collections/{collectionId}/tiles/{tileMatrixSetId}/tilejson.json", "get"): "getTileJSON",
    ("/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", "get"):
        "getCollectionVectorTile",
    ("/collections/statistics", "get"): "describeStatisticsCollection",
    ("/collections/statistics/queryables", "get"): "getStatisticsQueryables",
    ("/collections/statistics/items", "get"): "getStatisticsRecords",
    ("/collections/statistics/items/{recordId}", "get"): "getStatisticsRecord",
    ("/health", "get"): "getHealth",
    ("/rasters", "get"): "getRasters",
    ("/rasters/{product}", "get"): "getRaster",
    ("/rasters/{product}/legend", "get"): "getRasterLegend",
    ("/rasters/{product}/tiles/{z}/{x}/{y}.png", "get"): "getRasterTileXYZ",
    ("/rasters/{product}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", "get"): "getRasterTile",
    ("/rasters/{product}/point", "get"): "getRasterPoint",
    ("/rasters/{product}/zonal", "get"): "getRasterZonalStatistics",
    ("/rasters/{product}/zonal", "post"): "postRasterZonalStatistics",
    ("/tileMatrixSets", "get"): "getTileMatrixSets",
    ("/tileMatrixSets/{tileMatrixSetId}", "get"): "getTileMatrixSet",
    ("/analysis/zones", "get"): "getZoneAnalysis",
    ("/analysis/profiles", "get"): "getInvestorProfiles",
    ("/analysis/rankings", "get"): "getZoneRankings",
    ("/analysis/value-chain", "get"): "getValueChain",
}


def _document() -> dict:  # type: ignore[type-arg]
    return create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]


def test_committed_openapi_has_not_drifted() -> None:
    committed = orjson.loads(COMMITTED.read_bytes())
    assert committed == orjson.loads(orjson.dumps(_document())), (
        "api/openapi.json is stale: regenerate it with `geo-industry openapi` (or `make openapi`)"
    )


def test_openapi_is_version_30_without_31_constructs() -> None:
    text = orjson.dumps(_document()).decode()
    assert _document()["openapi"] == "3.0.3"
    assert '"type":"null"' not in text and '"const"' not in text


def test_operation_ids_are_stable() -> None:
    paths = _document()["paths"]
    found = {(path, method): op["operationId"] for path, item in paths.items() for method, op in item.items()
             if not path.startswith("/maps")}
    assert found == OPERATION_IDS


def test_maps_pages_are_included() -> None:
    assert any(path.startswith("/maps/") for path in _document()["paths"])


def test_limit_published_with_default_and_maximum() -> None:
    operation = _document()["paths"]["/collections/{collectionId}/items"]["get"]
    limit = next(p for p in operation["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 10_000
    assert limit["schema"]["default"] == 10
    assert limit["schema"]["minimum"] == 1


def test_errors_documented_as_ogc_exceptions_not_422() -> None:
    for item in _document()["paths"].values():
        for operation in item.values():
            assert "422" not in operation["responses"]
            schema = operation["responses"]["400"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/OGCException"}


def test_served_definition_equals_generated(client: TestClient) -> None:
    assert client.get("/api").json() == orjson.loads(orjson.dumps(client.app.openapi()))  # type: ignore[attr-defined]
