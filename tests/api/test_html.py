"""HTML for every resource, in Vietnamese and English; assets served by us."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from geo_industry.api import create_app, html
from geo_industry.settings import Settings
from geo_industry.store import EmbeddedStore


def _pages(store: EmbeddedStore) -> list[str]:
    layer_id = "mines"
    feature_id = store.frame(layer_id)["id"].iloc[0]
    return ["/", "/conformance", "/collections", f"/collections/{layer_id}", f"/collections/{layer_id}/items",
            f"/collections/{layer_id}/items/{feature_id}", f"/collections/{layer_id}/queryables",
            f"/collections/{layer_id}/schema", "/collections/statistics/schema",
            "/collections/statistics", "/collections/statistics/items", "/collections/statistics/queryables",
            "/api"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_in_both_languages(client: TestClient, store: EmbeddedStore, lang: str) -> None:
    for path in _pages(store):
        response = client.get(path, params={"f": "html", "lang": lang})
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["content-language"] == lang
        assert f'<html lang="{lang}">' in response.text
        assert html.text(lang, "collections") in response.text


def test_accept_language_chooses_english(client: TestClient) -> None:
    response = client.get("/collections", headers={"Accept": "text/html", "Accept-Language": "en-US,en;q=0.8"})
    assert response.headers["content-language"] == "en"
    assert html.text("en", "collections") in response.text


def test_default_language_is_vietnamese(client: TestClient) -> None:
    assert client.get("/", params={"f": "html"}).headers["content-language"] == "vi"


def test_pages_load_nothing_from_elsewhere(client: TestClient, store: EmbeddedStore) -> None:
    for path in _pages(store):
        text = client.get(path, params={"f": "html"}).text
        assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', text)
        assert all(a.startswith(("http://testserver/", "data:")) for a in assets), (path, assets)


def test_items_page_has_map_fed_by_json_url_and_sortable_table(client: TestClient) -> None:
    text = client.get("/collections/mines/items", params={"f": "html", "limit": 2}).text
    match = re.search(r'id="gi-map"[^>]*data-url="([^"]+)"', text)
    assert match
    url = match.group(1).replace("&amp;", "&")
    data = client.get(url)
    assert data.headers["content-type"] == "application/geo+json"
    assert data.json()["numberReturned"] == 2
    assert "/static/vendor/leaflet/leaflet.js" in text and "/static/api/items.js" in text
    assert 'class="gi-table gi-sortable"' in text
    assert 'rel="next"' in text


def test_feature_page_has_chart_statistics_and_sources(client: TestClient, store: EmbeddedStore) -> None:
    frame = store.frame("mines")
    with_stats = [fid for fid in frame["id"] if len(store.series(fid))]
    assert with_stats
    text = client.get(f"/collections/mines/items/{with_stats[0]}", params={"f": "html", "lang": "en"}).text
    assert '<svg class="gi-chart"' in text
    assert html.text("en", "statistics") in text and html.text("en", "sources") in text
    source = next(s for s in frame.set_index("id").loc[with_stats[0], "sources"])
    assert source in text


def test_collection_page_lists_downloads(client: TestClient) -> None:
    text = client.get("/collections/mines", params={"f": "html"}).text
    assert "/collections/mines/download?f=gpkg" in text


def test_html_escapes_data(client: TestClient) -> None:
    text = client.get("/collections/mines/items", params={"f": "html", "filter": "name_en = '<b>'"}).text
    assert "<b>'" not in text


def test_offline_basemap_loads_no_tiles(client: TestClient) -> None:
    text = client.get("/collections/mines/items", params={"f": "html"}).text
    assert "data-tiles" not in text


def test_configured_basemap_is_passed_to_the_map(settings: Settings) -> None:
    online = settings.model_copy(update={"basemap": "osm"})
    with TestClient(create_app(online)) as client:
        text = client.get("/collections/mines/items", params={"f": "html"}).text
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in text
