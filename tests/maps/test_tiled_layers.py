"""Served overview: a layer past the vector tile threshold is drawn from tiles and the page carries
nothing per site; below it (and in the static build) nothing changes."""

from __future__ import annotations

import json
import re

import pytest

from geo_industry.maps.base import PageContext
from geo_industry.maps.data import MapData
from geo_industry.maps.pages import render
from geo_industry.maps.tiled import VECTORGRID
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
