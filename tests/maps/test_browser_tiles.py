"""The served overview draws a large layer from the API's vector tiles, in headless Chromium.

The real app runs under uvicorn on the embedded data with ``GEO_INDUSTRY_VECTOR_TILE_THRESHOLD``
set low (35), so the two largest real layers (mines: 37 located, hydropower plants: 58) pass
it and are drawn by the vendored Leaflet.VectorGrid from ``/collections/{id}/tiles/…`` under the
app's Content-Security-Policy; the smaller layers keep their GeoJSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from geo_industry.maps.styles import COMMODITY_STYLES, is_approximate
from geo_industry.maps.symbols import LAYER_SYMBOLS, symbol_rule
from geo_industry.maps.tiled import leaflet_style, symbol_table

from .conftest import Visit, located, running_app

pytestmark = pytest.mark.browser
THRESHOLD = 35
TILED = ("mines", "hydropower_plants")
"""The real layers with at least THRESHOLD located sites."""
QUY_XA = "quy-xa-iron-mine"
"""A mine no other site shares a location with."""
HOSTILE = '<img src=x onerror="window.giInjected=1">Mỏ "thử" & <b>co</b>'


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """The real app on the embedded data, vector tiles from THRESHOLD located features."""
    with running_app({"GEO_INDUSTRY_VECTOR_TILE_THRESHOLD": str(THRESHOLD)}) as url:
        yield url


@pytest.fixture(scope="module")
def overview(browser, app_url) -> Iterator[Visit]:
    """The served overview once every tiled layer has drawn its first tiles."""
    visit = Visit(browser, f"{app_url}/maps/overview?lang=en", timeout_ms=120_000)
    visit.page.wait_for_function(f"() => {list(TILED)}.every(k => window.giLayers[k] && "
                                 "(window.giLayers[k].drawn > 0 || window.giLayers[k].failed))", timeout=60_000)
    yield visit
    visit.close()


def test_large_layers_come_from_vector_tiles(overview, app_url, store):
    page, requests, errors = overview.page, overview.requests, overview.errors
    for layer_id in TILED:
        tiles = [u for u in requests if u.startswith(f"{app_url}/collections/{layer_id}/tiles/WebMercatorQuad/")]
        assert tiles, layer_id
        assert not [u for u in requests if u.startswith(f"{app_url}/collections/{layer_id}/items")]
        state = page.evaluate(f"() => {{ const l = window.giLayers[{layer_id!r}]; "
                              "return [l.mapped, l.failed, l.drawn, l.tiles]; }")
        assert state[:2] == [located(store.frame(layer_id)), None], layer_id
        assert 0 < state[2] <= state[0] and state[3] >= 1, layer_id
    drawn = page.evaluate("() => document.querySelectorAll('.leaflet-overlay-pane svg.leaflet-tile path').length")
    assert drawn >= sum(page.evaluate(f"() => window.giLayers[{k!r}].drawn") for k in TILED)
    assert f"{app_url}/static/vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js" in requests
    assert [u for u in requests if not u.startswith(app_url)] == []
    assert errors == []


def test_smaller_layers_keep_their_geojson(overview, app_url):
    page, requests = overview.page, overview.requests
    assert f"{app_url}/collections/processing_plants/items?limit=10000" in requests
    assert not [u for u in requests if "/tiles/" in u and "/processing_plants/" in u]
    assert page.evaluate("() => window.giLayers.processing_plants.loaded") > 0


SITE_PATH = """(id) => { const grid = window.giLayers.mines.group.getLayers()[0], zoom = grid._map.getZoom();
  if (grid.isLoading()) { return null; }
  const drawn = Object.entries(grid._vectorTiles)
    .filter(([key, tile]) => key.endsWith(':' + zoom) && tile._features[id]);
  return drawn.length ? drawn[0][1]._features[id].feature._path : null; }"""
"""The SVG path of a site in a loaded tile of the map's zoom (null while tiles load)."""


def test_click_on_a_tiled_site_opens_its_popup_and_hover_shows_its_name(overview):
    page, errors = overview.page, overview.errors
    page.evaluate("""() => window.giLayers.mines.group.getLayers()[0]._map
                             .setView([22.13427, 104.26793], 14, {animate: false})""")  # Quy Xa mine
    path = page.wait_for_function(SITE_PATH, arg=QUY_XA, timeout=60_000).as_element()
    path.hover()
    page.locator(".leaflet-tooltip", has_text="Quy Xa").wait_for(timeout=30_000)
    path.click()
    popup = page.locator(f".leaflet-popup-content .gi-tiled-popup[data-id={QUY_XA}]")
    popup.wait_for(timeout=30_000)
    assert "Quy Xa" in popup.inner_text()
    link = popup.locator("a").get_attribute("href")
    assert link.endswith(f"/collections/mines/items/{QUY_XA}?f=html&lang=en")
    assert errors == []


def test_popup_text_from_tiles_is_never_html(overview):
    page = overview.page
    shown = page.evaluate(
        """(name) => { const spec = {names: ['name_en', 'name_vi', 'id'], statusLabel: 'Status', statuses: {},
                                     featureUrl: '/collections/mines/items/', featureQuery: '?f=html',
                                     featureLabel: 'Properties'};
                       const node = window.giTiledLayer.popupContent(
                         {id: 'a"b/<c>', name_en: name, status: name}, spec);
                       document.body.appendChild(node);
                       return [node.querySelectorAll('img, b').length, node.querySelector('strong').textContent,
                               node.querySelector('a').getAttribute('href'), window.giInjected === undefined]; }""",
        HOSTILE,
    )
    assert shown == [0, HOSTILE, "/collections/mines/items/a%22b%2F%3Cc%3E?f=html", True]


def test_a_tiled_site_is_drawn_with_its_class_colour(overview):
    page = overview.page
    page.evaluate("""() => window.giLayers.mines.group.getLayers()[0]._map
                             .setView([22.13427, 104.26793], 14, {animate: false})""")  # Quy Xa mine
    path = page.wait_for_function(SITE_PATH, arg=QUY_XA, timeout=60_000).as_element()
    assert path.get_attribute("fill") == COMMODITY_STYLES["iron"].color  # an iron mine, as on the small layers
    assert "gi-context" in path.get_attribute("class")  # mines are context: drawn pale
    assert overview.errors == []


def _tile_properties(frame) -> list[dict]:
    """The rows as a tile carries them: JSON values, a missing value left out (MVT has no null)."""
    rows = json.loads(frame.drop(columns=frame.geometry.name).to_json(orient="records"))
    return [{k: v for k, v in row.items() if v is not None} for row in rows]


@pytest.mark.parametrize("kind", sorted(LAYER_SYMBOLS))
def test_the_browser_styles_every_site_as_the_python_rule_does(overview, map_data, kind):
    frame = map_data.layer(kind)
    geometry_type = map_data.geometry_type(kind)
    rule = symbol_rule(kind, geometry_type)
    family = "line" if "Line" in geometry_type else "polygon" if "Polygon" in geometry_type else "point"
    properties = _tile_properties(frame)
    shown = overview.page.evaluate("([rows, table]) => rows.map(p => window.giTiledLayer.styleOf(p, table))",
                                   [properties, symbol_table(rule, geometry_type)])
    expected = [leaflet_style(rule(row), family, approximate=is_approximate(row)) for row in properties]
    assert any(is_approximate(row) for row in properties) or kind == "zone_outlines"  # both kinds of site
    assert len(shown) == len(expected) > 0
    for row, got, want in zip(properties, shown, expected, strict=True):
        assert got.pop("radius", None) == pytest.approx(want.pop("radius", None), abs=0.051), row["id"]
        assert got == want, row["id"]
