"""Hostile input: every limit answers a clear 4xx and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.editing.conftest import GATE_URL, MERGE_PATCH, bearer, create_tokens, etag_of, new_gate, unique_id

from geo_industry.cql import MAX_FILTER_DEPTH, MAX_FILTER_LENGTH


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Iterator:
    """An app with small limits (and its tokens): body 20 kB, upload 60 kB, 3 files, 2 features, 10 vertices."""
    from fastapi.testclient import TestClient
    from tests.conftest import DATA_DIR
    from tests.editing.conftest import editing_settings

    from geo_industry.api import create_app
    from geo_industry.store.sqlite import SQLiteStore

    path = tmp_path_factory.mktemp("small") / "store.sqlite"
    SQLiteStore.open(path, seed_dir=DATA_DIR)
    settings = editing_settings(path, max_body_bytes=20_000, max_upload_bytes=60_000, max_archive_files=3,
                                max_features_per_request=2, max_vertices=10)
    with TestClient(create_app(settings)) as client:
        client.headers.update(bearer(create_tokens(path)["all"]))
        yield client


def _line(n: int) -> dict:
    return {"type": "LineString", "coordinates": [[104 + i / 1000, 22.3] for i in range(n)]}


def test_a_declared_body_over_the_limit_is_413_before_reading(small):
    response = small.post("/collections/statistics/items", content=b"x" * 20_001,
                          headers={"Content-Type": "text/csv"})
    assert response.status_code == 413
    assert "the request body (bytes)" in response.json()["description"]


def test_a_streamed_body_over_the_limit_is_413(small):
    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        for _ in range(30):
            yield b"x" * 1_000

    response = small.post("/collections/statistics/items", content=chunks(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 413


def test_a_non_numeric_content_length_is_400(small):
    response = small.post("/collections/statistics/items", content=b"a,b\n",
                          headers={"Content-Type": "text/csv", "Content-Length": "lots"})
    assert response.status_code == 400


def test_an_upload_over_the_upload_limit_is_413(small):
    response = small.post("/collections", files={"file": ("big.geojson", b" " * 70_000)},
                          data={"metadata": "{}"})
    assert response.status_code == 413


def test_an_upload_may_be_larger_than_the_body_limit(small):
    response = small.post("/collections", files={"file": ("big.geojson", b"{" + b" " * 30_000)},
                          data={"metadata": "{}"})
    assert response.status_code == 422  # read (and refused for its content), not cut off at 20 kB


def test_too_many_features_in_one_request_is_413(small):
    collection = {"type": "FeatureCollection", "features": [new_gate(unique_id()) for _ in range(3)]}
    response = small.post("/collections/border_gates/items", json=collection)
    assert response.status_code == 413
    assert "the number of features is 3, above the limit of 2" in response.json()["description"]


def test_too_many_vertices_is_413(small):
    response = small.post("/collections/border_gates/items", json=new_gate(unique_id(), _line(11)))
    assert response.status_code == 413
    assert "vertices" in response.json()["description"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [({"filter": "name_en = '" + "x" * MAX_FILTER_LENGTH + "'"}, f"at most {MAX_FILTER_LENGTH} characters"),
     ({"filter": "NOT (" * MAX_FILTER_DEPTH + "kind = 'mine'" + ")" * MAX_FILTER_DEPTH}, "nested at most")],
    ids=["filter-length", "filter-depth"],
)
def test_cql2_filters_over_the_limits_are_400(small, params, expected):
    response = small.get("/collections/mines/items", params=params)
    assert response.status_code == 400
    assert expected in response.json()["description"]


@pytest.mark.parametrize(
    ("url", "content", "content_type"),
    [("/collections/border_gates/items", b'{"type": "Feature", ', "application/geo+json"),
     ("/collections/statistics/items", b"[{]", "application/json"),
     ("/collections/statistics/items", b"\xff\xfe\x00bad", "text/csv"),
     ("/collections/statistics/items", b"indicator,entity\na,b,c\n", "text/csv")],
    ids=["feature", "statistics-json", "statistics-not-utf8", "statistics-ragged-csv"],
)
def test_malformed_bodies_are_400(small, url, content, content_type):
    response = small.post(url, content=content, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidRequestBody"


def test_deeply_nested_json_is_400(small):
    response = small.post("/collections/border_gates/items", content=b"[" * 5_000 + b"]" * 5_000,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "url", "content_type"),
    [("POST", "/collections/border_gates/items", "text/plain"),
     ("POST", "/collections/border_gates/items", ""),
     ("PATCH", GATE_URL, "application/json"),
     ("POST", "/collections/statistics/items", "application/xml"),
     ("POST", "/collections", "application/json")],
    ids=["create-text", "create-none", "patch-not-merge-patch", "statistics-xml", "upload-not-multipart"],
)
def test_wrong_content_types_are_415(small, method, url, content_type):
    headers = {"Content-Type": content_type, "If-Match": etag_of(small)}
    response = small.request(method, url, content=b"{}", headers=headers)
    assert response.status_code == 415
    assert "Content-Type" in response.json()["description"]


def test_limits_leave_the_feature_unchanged(small):
    before = etag_of(small)
    patch = b'{"geometry": ' + str(_line(11)).replace("'", '"').encode() + b"}"
    response = small.patch(GATE_URL, content=patch, headers={**MERGE_PATCH, "If-Match": before})
    assert response.status_code == 413
    assert etag_of(small) == before
