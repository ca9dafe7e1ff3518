"""Served overview: a layer past the vector tile threshold is drawn from tiles and the page carries
nothing per site; below it (and in the static build) nothing changes."""

from __future__ import annotations

import dataclasses
import json
import re

import geopandas as gpd
import morecantile
import numpy as np
import pytest

from geo_industry.maps.base import PageContext
from geo_industry.maps.data import MapData, map_data_from_store
from geo_industry.maps.pages import render
from geo_industry.maps.tiled import SEARCH_LIMIT, VECTORGRID, located_extent, min_zoom, search_fields, search_spec
from geo_industry.maps.urls import PageUrls, static_urls
from geo_industry.settings import Settings

from .conftest import REMOTE, located

TILED = ("mines", "hydropower_plants")
"""The real layers with at least 35 located sites."""
TILED_SERVED = PageUrls(api_base="", tile_threshold=35)
_CALL = re.compile(r'giTiledLayer\(("[^"]*"), ("[^"]*"), (\w+), (\{.*?\})\);\n')


@pytest.fixture(scope="module")
def tiled_html(map_data: MapData) -> str:
    return render("overview", map_data, PageContext(lang="en", urls=TILED_SERVED))


@pytest.mark.parametrize(
    ("urls", "features", "tiles", "items"),
    [
        (static_urls(), 10**6, None, None),
        (PageUrls(api_base=""), 10**6, None, "/collections/parcels/items?limit=10000"),
        (TILED_SERVED, 34, None, "/collections/parcels/items?limit=10000"),
        (TILED_SERVED, 35, "/collections/parcels/tiles/WebMercatorQuad/{z}/{y}/{x}", None),
        (PageUrls(api_base="https://example.org/gi", tile_threshold=5), 5,
         "https://example.org/gi/collections/parcels/tiles/WebMercatorQuad/{z}/{y}/{x}", None),
    ],
)
def test_tile_and_items_urls(urls, features, tiles, items):
    assert urls.tiles("parcels", features=features) == tiles
    assert urls.items("parcels", features=features) == items


def test_default_threshold_keeps_every_shipped_layer_geojson(map_data):
    threshold = Settings(_env_file=None).vector_tile_threshold
    assert max(located(map_data.layer(i)) for i in map_data.layers) < threshold
    html = render("overview", map_data, PageContext(lang="en", urls=PageUrls(api_base="", tile_threshold=threshold)))
    assert "giTiledLayer" not in html and VECTORGRID not in html


def test_tiled_layers_carry_no_site_in_the_page(tiled_html, map_data):
    calls = {json.loads(layer_id): (json.loads(url), json.loads(spec))
             for url, layer_id, _group, spec in _CALL.findall(tiled_html)}
    assert sorted(calls) == sorted(TILED)
    assert calls["mines"][0] == "/collections/mines/tiles/WebMercatorQuad/{z}/{y}/{x}"
    assert calls["mines"][1]["popup"]["featureUrl"] == "/collections/mines/items/"
    for layer_id in TILED:
        ids = [str(i) for i in map_data.layer(layer_id)["id"]]
        assert [i for i in ids if f'"{i}"' in tiled_html or f"data-id=\\\"{i}\\\"" in tiled_html] == [], layer_id
        assert f"/collections/{layer_id}/items?" not in tiled_html
    for layer_id in set(REMOTE) - set(TILED):
        assert f'"/collections/{layer_id}/items?limit=10000"' in tiled_html
    assert f'<script src="/static/vendor/{VECTORGRID}"></script>' in tiled_html


def test_tiled_overview_is_smaller(tiled_html, map_data):
    geojson_html = render("overview", map_data, PageContext(lang="en", urls=PageUrls(api_base="")))
    assert len(tiled_html) < len(geojson_html)


def test_static_build_never_tiles(map_data):
    urls = static_urls()
    assert urls.tile_threshold is None
    assert "giTiledLayer" not in render("overview", map_data, PageContext(lang="en", urls=urls))


def _synthetic_points(count: int) -> gpd.GeoDataFrame:
    """``count`` obviously synthetic points (ids ``synthetic-…``) spread evenly over the province's extent."""
    rng = np.random.default_rng(42)
    lon, lat = rng.uniform(103.52, 105.10, count), rng.uniform(21.40, 22.86, count)
    return gpd.GeoDataFrame({"id": [f"synthetic-{i}" for i in range(count)],
                             "name_en": [f"Synthetic point {i}" for i in range(count)], "status": "operating"},
                            geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def test_min_zoom_keeps_tiles_within_the_budget(map_data):
    assert min_zoom(*located_extent(map_data.layer("mines"))) == 0
    frame = _synthetic_points(200_000)
    zoom = min_zoom(*located_extent(frame), budget=2_000)
    tms = morecantile.tms.get("WebMercatorQuad")

    def per_tile(z: int) -> float:
        tiles = list(tms.tiles(103.52, 21.40, 105.10, 22.86, [z]))
        return len(frame) / len(tiles)

    assert per_tile(zoom) <= 2_000 < per_tile(zoom - 1)


def test_a_dense_layer_adds_a_constant_to_the_page_and_says_from_which_zoom(map_data):
    frame = _synthetic_points(50_000)
    dense = dataclasses.replace(map_data, layers={**map_data.layers, "synthetic_points": frame},
                                titles={**map_data.titles, "synthetic_points": {"en": "Synthetic points"}})
    urls = PageUrls(api_base="", tile_threshold=10_000)
    without = render("overview", map_data, PageContext(lang="en", urls=urls))
    html = render("overview", dense, PageContext(lang="en", urls=urls))
    assert len(html.encode()) - len(without.encode()) < 5_000
    spec = json.loads({json.loads(i): s for _u, i, _g, s in _CALL.findall(html)}["synthetic_points"])
    assert spec["minZoom"] == min_zoom(*located_extent(frame)) > 0
    assert f"shown from zoom {spec['minZoom']}" in html


def test_layers_past_the_threshold_are_summarised_not_read(store):
    data = map_data_from_store(store, read_below=35)
    assert sorted(data.summaries) == sorted(TILED)
    assert not set(TILED) & set(data.layers) and "processing_plants" in data.layers
    mines = store.frame("mines")
    summary = data.summaries["mines"]
    assert (summary.features, summary.located, summary.geometry_type) == (len(mines), located(mines), "Point")
    assert summary.bbox == pytest.approx(tuple(mines.geometry.dropna().total_bounds))
    html = render("overview", data, PageContext(lang="en", urls=TILED_SERVED))
    calls = {json.loads(layer_id) for _url, layer_id, _group, _spec in _CALL.findall(html)}
    assert calls == set(TILED)
    assert f"{len(mines) - located(mines)} without a known location" in html


@pytest.mark.parametrize(("fields", "searched"), [
    (["id", "name_vi", "name_en", "name_search", "name_zh"], ["name_search", "name_zh"]),
    (["id", "name_en", "name_vi"], ["name_vi", "name_en"]), (["id", "name", "status"], ["name"]),
    (["id", "label"], [])])
def test_a_tiled_layer_is_searched_by_its_name_fields(fields, searched):
    assert search_fields(fields) == searched


def test_served_pages_tell_the_search_box_how_to_ask_the_api_for_tiled_sites(store):
    data = map_data_from_store(store, read_below=35)
    assert "name_search" in data.summaries["mines"].fields
    html = render("overview", data, PageContext(lang="en", urls=TILED_SERVED))
    specs = {json.loads(i): json.loads(s) for _u, i, _g, s in _CALL.findall(html)}
    assert specs["mines"]["search"] == {"url": "/collections/mines/items", "fields": ["name_search"],
                                        "limit": SEARCH_LIMIT, "title": data.title("mines", "en")}
    assert search_spec("mines", PageContext(lang="en", urls=static_urls()), fields=["name_en"], title="") is None
