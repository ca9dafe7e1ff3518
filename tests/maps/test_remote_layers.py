"""Served overview: large layers come from the API by URL; the static build still embeds them."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import shapely

from geo_industry.catalog import LAYER_IDS
from geo_industry.maps.base import PageContext, round_geometry
from geo_industry.maps.data import MapData
from geo_industry.maps.pages import render
from geo_industry.maps.urls import REMOTE_MIN_FEATURES, PageUrls, static_urls
from geo_industry.uncertainty import uncertainty_disc

from .conftest import EMBEDDED, REMOTE, located

COC_MY = "coc-my-trinh-tuong-iz"
"""An industrial zone placed ±10 km from a textual location on the border with China."""

SERVED = PageUrls(api_base="")
"""Links of a page served by the app at the host's root."""


def _coordinate_text(geom: Any) -> str:
    """How the embedded page writes a site's first position: a marker's [lat, lon] or GeoJSON."""
    if geom.geom_type == "Point":
        return f"[{json.dumps(round(geom.y, 5))}, {json.dumps(round(geom.x, 5))}]"
    first = shapely.get_coordinates(round_geometry(geom))[0]
    return json.dumps([float(first[0]), float(first[1])])


def _positions(data: MapData, layer_id: str) -> list[str]:
    frame = data.layer(layer_id)
    return [_coordinate_text(g) for g in frame.geometry if g is not None and not g.is_empty]


@pytest.fixture(scope="module")
def served_html(map_data: MapData) -> str:
    """The overview as ``/maps/overview`` serves it."""
    return render("overview", map_data, PageContext(lang="en", urls=SERVED))


@pytest.fixture(scope="module")
def static_html(map_data: MapData) -> str:
    """The overview as the static build writes it."""
    return render("overview", map_data, PageContext(lang="en", urls=static_urls()))


def test_large_layers_are_the_expected_ones(map_data):
    large = [i for i in LAYER_IDS if located(map_data.layer(i)) >= REMOTE_MIN_FEATURES]
    assert tuple(large) == REMOTE


@pytest.mark.parametrize(
    ("urls", "features", "expected"),
    [
        (static_urls(), 500, None),
        (PageUrls(), 500, None),
        (SERVED, REMOTE_MIN_FEATURES - 1, None),
        (SERVED, REMOTE_MIN_FEATURES, "/collections/mines/items?limit=10000"),
        (PageUrls(api_base="https://example.org/gi"), 46, "https://example.org/gi/collections/mines/items?limit=10000"),
    ],
)
def test_items_url(urls, features, expected):
    assert urls.items("mines", features=features) == expected


@pytest.mark.parametrize("layer_id", REMOTE)
def test_served_overview_fetches_large_layers(served_html, map_data, layer_id):
    assert f'"/collections/{layer_id}/items?limit=10000"' in served_html
    shared = {p for embedded in EMBEDDED for p in _positions(map_data, embedded)}  # a station at a cluster
    positions = [p for p in _positions(map_data, layer_id) if p not in shared]
    assert positions
    assert [p for p in positions if p in served_html] == []


@pytest.mark.parametrize("layer_id", EMBEDDED)
def test_served_overview_embeds_small_layers(served_html, map_data, layer_id):
    assert f"/collections/{layer_id}/" not in served_html
    assert all(p in served_html for p in _positions(map_data, layer_id))


@pytest.mark.parametrize("layer_id", REMOTE + EMBEDDED)
def test_static_overview_embeds_every_layer(static_html, map_data, layer_id):
    assert "/collections/" not in static_html and "giRemoteLayer" not in static_html
    assert all(p in static_html for p in _positions(map_data, layer_id))


def test_served_overview_keeps_popups_tooltips_and_search(served_html, map_data):
    assert '<script src="/static/maps/remote-layers.js"></script>' in served_html
    calls = re.findall(r'giRemoteLayer\(("[^"]*"), ("[^"]*"), (\w+),\s+(\w+), (\{.*?\})\);\n', served_html, re.S)
    specs = {json.loads(layer_id): json.loads(features) for _url, layer_id, _g, _p, features in calls}
    assert sorted(specs) == sorted(REMOTE)
    mines = specs["mines"]
    assert len(mines) == located(map_data.layer("mines"))
    spec = mines["sin-quyen-copper-mine"]
    assert 'data-id="sin-quyen-copper-mine"' in spec["p"] and "Sin Quyen" in spec["t"]
    assert spec["icon"]["html"].startswith("<svg") and spec["v"] in served_html.split("giRemoteLayer")[-1]
    zone = specs["industrial_zones"]["tang-loong-iz"]
    assert set(zone) == {"v", "p", "t", "icon"}  # a surveyed zone is a point; its outline is in zone_outlines


def test_served_estimated_zone_ring_stays_in_the_province(served_html, map_data):
    """Cốc Mỳ – Trịnh Tường (±10 km at the border): a point and a dashed ring clipped to the
    province, so nothing drawn for it reaches into China; no shape of its declared area."""
    calls = re.findall(r'giRemoteLayer\(("[^"]*"), ("[^"]*"), (\w+),\s+(\w+), (\{.*?\})\);\n', served_html, re.S)
    specs = {json.loads(layer_id): json.loads(features) for _url, layer_id, _g, _p, features in calls}
    spec = specs["industrial_zones"][COC_MY]
    assert "icon" in spec and "style" not in spec
    assert spec["ringStyle"]["dashArray"] and spec["ringStyle"]["fill"] is False
    ring = shapely.geometry.shape(spec["ring"])
    province = map_data.province_outline
    assert province is not None and province.buffer(1e-4).contains(ring)
    point = map_data.layer("industrial_zones").set_index("id").geometry[COC_MY]
    assert ring.area < 0.7 * uncertainty_disc(point, 10).area  # about 46 % of the disc lies in China
