"""Landing page and API definition (Part 1 core, oas30)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from geo_industry.api.models import LandingPage

REQUIRED_RELS = {"self", "service-desc", "service-doc", "conformance", "data"}


@pytest.mark.parametrize("path", ["", "/", "/?f=json"])
def test_landing_page_links(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    page = LandingPage.model_validate(response.json())
    assert REQUIRED_RELS <= {link.rel for link in page.links}


def test_landing_links_resolve(client: TestClient) -> None:
    links = client.get("/").json()["links"]
    for link in links:
        if link.get("templated"):
            continue
        response = client.get(link["href"])
        assert response.status_code == 200, link
        assert response.headers["content-type"].split(";")[0] == link["type"].split(";")[0], link


def test_trailing_slash_on_collections_redirects(client: TestClient) -> None:
    response = client.get("/collections/")
    assert response.status_code == 200
    assert response.url.path == "/collections"


def test_service_desc_is_openapi_30(client: TestClient) -> None:
    response = client.get("/api")
    assert response.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    document = response.json()
    assert document["openapi"].startswith("3.0")


def test_service_doc_lists_operations(client: TestClient) -> None:
    response = client.get("/api", params={"f": "html"})
    assert response.status_code == 200
    assert "getFeatures" in response.text and "describeCollection" in response.text


def test_accept_header_selects_html(client: TestClient) -> None:
    response = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.headers["content-type"].startswith("text/html")


def test_health(client: TestClient, store) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/health")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok"
    assert body["collections"] == len(store.collections())
