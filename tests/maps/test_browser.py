"""The maps in headless Chromium: pages load cleanly, offline, and behave.

Serves a static build of the real data from ``http.server`` on 127.0.0.1 and records every
request each page makes; the served overview is checked against the real app under uvicorn.
Screenshots go to pytest's tmp dir; set ``GEO_INDUSTRY_SCREENSHOT_DIR`` to keep them
(``docs/img`` refreshes the README screenshot of the overview).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from geo_industry.catalog import LAYER_IDS
from geo_industry.maps.site import build_site_from_data

from .conftest import (
    APPROX_ZONE,
    COPPER_MINE,
    REMOTE,
    SMELTER,
    SURVEYED_ZONE,
    Visit,
    keep_screenshot,
    located,
    real_map_data,
    serve_folder,
    static_folder,
    unlocated,
)

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
PAGES = [
    "index.en",
    "overview.vi",
    "overview.en",
    "copper-value-chain.en",
    "energy.vi",
    "statistics.en",
    "compare.en",
    f"zone-{SURVEYED_ZONE}.vi",
    f"zone-{APPROX_ZONE}.en",
]


@pytest.fixture(scope="module")
def site_url(store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The static build of the real data served on 127.0.0.1."""
    root = tmp_path_factory.mktemp("site")
    build_site_from_data(real_map_data(store), root, languages=("vi", "en", "zh-CN"))
    with serve_folder(root) as url:
        yield url


@pytest.fixture
def visit(browser: object, site_url: str) -> Iterator[object]:
    """Open ``<page>.html`` of the served site."""
    opened: list[Visit] = []

    def _open(page: str) -> Visit:
        v = Visit(browser, f"{site_url}/{page}.html")
        opened.append(v)
        return v

    yield _open
    for v in opened:
        v.close()


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_offline_without_errors(visit, site_url, page):
    v = visit(page)
    v.next_frame()  # the pages request nothing after "load"; code run on the first frame has run too
    assert v.errors == []
    outside = [u for u in v.requests if not u.startswith(site_url)]
    assert outside == []


def test_overview_layers_and_counts(visit, store):
    v = visit("overview.en")
    counts = v.page.evaluate(
        """() => Object.fromEntries(Object.entries(window.giLayers).map(([k, l]) =>
              [k, [l.mapped, l.unmapped, (l.cluster || l.group).getLayers().length]]))"""
    )
    for layer_id in ("industrial_zones", "industrial_clusters", "border_gates", "transport"):
        frame = store.frame(layer_id)
        assert counts[layer_id][:2] == [located(frame), unlocated(frame)], layer_id
    for layer_id in ("mines", "processing_plants", "hydropower_plants"):  # clustered: one marker per site
        frame = store.frame(layer_id)
        assert counts[layer_id] == [located(frame), unlocated(frame), located(frame)], layer_id
    transport_lines = v.page.locator(".leaflet-control-layers-overlays label", has_text="roads").count() + \
        v.page.locator(".leaflet-control-layers-overlays label", has_text="Railways").count()
    assert v.page.locator(".leaflet-control-layers-overlays label").count() == len(LAYER_IDS) + transport_lines


def test_search_without_diacritics_opens_popup_with_statistics(visit):
    v = visit("overview.vi")
    v.page.fill(".gi-search input", "luyen dong lao cai (tang")
    assert v.page.locator(".gi-search li").count() == 1
    v.page.click(".gi-search li")
    popup = v.page.locator(f".leaflet-popup-content .gi-popup[data-id={SMELTER}]")
    popup.wait_for(timeout=30_000)
    assert "Nhà máy luyện đồng Lào Cai (Tằng Loỏng)" in popup.inner_text()
    assert "7.600 tấn" in popup.inner_text()
    assert "2011 Jan-Nov" in popup.inner_text()  # the actual is part-year and says so
    assert popup.locator("svg.gi-chart rect.gi-bar").count() == 1  # full years only: the 2011 target


def test_click_opens_popup(visit):
    v = visit("overview.en")
    v.page.locator(".leaflet-marker-icon.gi-symbol").first.wait_for()
    v.page.evaluate(
        "() => { const m = window.giLayers.border_gates.group.getLayers()[0];"
        " m.fire('click', {latlng: m.getLatLng()}); }"
    )
    text = v.page.locator(".leaflet-popup-content").inner_text()
    assert "Lao Cai - Hekou international road border gate No.I (Ho Kieu bridge)" in text
    v.page.locator(".gi-symbol").nth(0).click(force=True)
    assert v.page.locator(".leaflet-popup-content .gi-popup").count() >= 1


def test_language_switch(visit):
    v = visit("overview.vi")
    assert v.page.locator("html").get_attribute("lang") == "vi"
    v.page.click("a[data-lang=en]")
    v.page.wait_for_load_state("load")
    assert v.page.locator("html").get_attribute("lang") == "en"
    assert "Overview" in v.page.locator(".gi-bar").inner_text()
    v.page.click("a[data-lang=zh-CN]")
    v.page.wait_for_load_state("load")
    assert "总览" in v.page.locator(".gi-bar").inner_text()


def test_coordinates_in_vn2000(visit):
    v = visit("overview.en")
    text = v.page.evaluate("() => window.giCoordinates(22.485, 103.97)")
    assert "X 2487573.4 m" in text and "Y 419543.0 m" in text


def test_copper_year_switches_what_the_flows_say(visit):
    v = visit("copper-value-chain.en")
    seen = v.page.evaluate(
        """() => { const out = {}; for (const y of ['2015', '2022']) { window.giSetYear(y);
            const lines = Object.values(window).filter(o => o instanceof L.Polyline && !(o instanceof L.Polygon));
            out[y] = {w: lines.map(l => l.options.weight), t: lines.map(l => l.getTooltip().getContent())}; }
            return out; }"""
    )  # both years hold targets only (the one Sin Quyền output has no year): thin links, labelled per year
    assert set(seen["2015"]["w"]) == {2.0} and set(seen["2022"]["w"]) == {2.0}
    assert any("Copper ore mined, 2015 (target): 1,360,000 t" in t for t in seen["2015"]["t"])
    assert any("Copper cathode output, 2022 (target): 18,000 t" in t for t in seen["2022"]["t"])
    # dashed: Tả Phời → concentrator, both concentrators → smelter, both smelters → exit
    assert v.page.locator("path.gi-flow-indicative").count() == 5
    assert v.errors == []


def test_statistics_series_picker_shows_one_series(visit):
    v = visit("statistics.en")
    shown = v.page.locator("figure.gi-pv:visible")
    assert shown.count() == 1 and shown.get_attribute("data-series") == "admin:10:pre-2025-07-01|unknown|bn_vnd"
    assert "41,200" in shown.locator('tr[data-year="2021"]').inner_text()
    v.page.select_option("#gi-pv-series", "admin:15:pre-2025-07-01|constant_2010|bn_vnd")
    shown = v.page.locator("figure.gi-pv:visible")
    assert shown.count() == 1 and "Yên Bái" in shown.inner_text() and "constant 2010 prices" in shown.inner_text()
    assert v.errors == []


def test_compare_page_shows_picked_zones(visit):
    v = visit("compare.en")
    v.page.goto(v.page.url.split("#")[0] + f"#{SURVEYED_ZONE},{APPROX_ZONE}")
    v.page.reload()
    visible = v.page.locator("th[data-zone]:visible").count()
    assert visible == 2


def test_overview_screenshot(visit, tmp_path):
    v = visit("overview.en")
    v.page.locator(".leaflet-marker-icon.gi-symbol").first.wait_for()
    shot = tmp_path / "overview.png"
    v.page.screenshot(path=str(shot))
    keep_screenshot(shot, "overview.png")


def test_choropleth_switches_indicator_and_year(browser, store, tmp_path_factory):
    """The statistics page on the pre-2025 provinces: picking an option recolours the units."""
    import dataclasses

    from geo_industry.maps.base import PageContext
    from geo_industry.maps.data import read_reference
    from geo_industry.maps.pages import render
    from geo_industry.maps.urls import static_urls

    from .conftest import VN_ADMIN1

    boundary = read_reference(VN_ADMIN1, key="layer.boundary", kind="boundary", attribution="geoBoundaries")
    data = dataclasses.replace(real_map_data(store), reference=(boundary,))
    root = static_folder(tmp_path_factory, "choropleth")
    page = root / "statistics.en.html"
    page.write_text(render("statistics", data, PageContext(lang="en", urls=static_urls())), encoding="utf-8")
    v = Visit(browser, page.as_uri())
    try:
        fills = """() => Array.from(document.querySelectorAll('path.leaflet-interactive'))
                     .map(p => p.getAttribute('fill')).filter(f => f && f !== 'none')"""
        v.page.evaluate("() => window.giChoropleth('industrial_production_value|2010|constant_1994')")
        lao_cai = v.page.evaluate(fills)
        assert v.page.locator(".gi-choropleth .gi-basis").inner_text() == "Price basis: constant 1994 prices"
        v.page.evaluate("() => window.giChoropleth('industrial_production_value|2010|unknown')")
        yen_bai = v.page.evaluate(fills)
        assert sorted(lao_cai) == sorted(yen_bai) and lao_cai != yen_bai  # the coloured unit swapped
        assert v.page.locator(".gi-choropleth .gi-class").count() == 1
        v.page.select_option(".gi-choropleth select >> nth=0", "electricity_output")
        assert v.page.evaluate("() => window.giChoroplethKey").startswith("electricity_output|")
        assert v.errors == []
    finally:
        v.close()


@pytest.fixture(scope="module")
def served_overview(browser, app_url) -> Iterator[Visit]:
    """``/maps/overview`` from the live app, once its fetched layers are drawn."""
    v = Visit(browser, f"{app_url}/maps/overview?lang=en")
    v.page.wait_for_function(
        f"() => {list(REMOTE)}.every(k => window.giLayers[k] && "
        "(window.giLayers[k].loaded !== undefined || window.giLayers[k].failed))",
        timeout=15_000,
    )
    yield v
    v.close()


def test_served_overview_requests_items_urls(served_overview, app_url):
    fetched = {u for u in served_overview.requests if "/collections/" in u}
    assert fetched == {f"{app_url}/collections/{k}/items?limit=10000" for k in REMOTE}
    assert f"{app_url}/static/maps/remote-layers.js" in served_overview.requests
    assert [u for u in served_overview.requests if not u.startswith(app_url)] == []
    assert served_overview.errors == []


def test_served_overview_draws_every_located_site(served_overview, store):
    counts = served_overview.page.evaluate(
        """() => Object.fromEntries(Object.entries(window.giLayers).map(([k, l]) =>
              [k, [l.mapped, l.unmapped, l.loaded, l.failed, (l.cluster || l.group).getLayers().length]]))"""
    )
    for layer_id in REMOTE:
        frame = store.frame(layer_id)
        assert counts[layer_id][:4] == [located(frame), unlocated(frame), located(frame), None], layer_id
    for layer_id in ("mines", "processing_plants", "hydropower_plants"):  # points only: one marker per site
        assert counts[layer_id][4] == located(store.frame(layer_id)), layer_id


def test_served_overview_popup_opens_on_click(served_overview):
    """A reader's click on a clustered marker, once the marker is drawn (not after a guessed delay).

    Quy Xa is a mine no other site shares a location with, so its marker is the one under the pointer.
    """
    page = served_overview.page
    page.evaluate(
        """() => { const cluster = window.giLayers.mines.cluster;
                   window.giClicked = cluster.getLayers()
                     .find(l => l.getPopup().getContent().innerHTML.includes('quy-xa-iron-mine'));
                   cluster._map.setView(window.giClicked.getLatLng(), 13, {animate: false}); }"""
    )
    # drawn: on the map, and the cluster group done splitting (it animates the markers apart)
    page.wait_for_function("() => window.giClicked._icon && !window.giLayers.mines.cluster._inZoomAnimation")
    page.evaluate_handle("() => window.giClicked._icon").as_element().click()
    popup = page.locator(".leaflet-popup-content .gi-popup[data-id=quy-xa-iron-mine]")
    popup.wait_for(timeout=30_000)
    assert "Quy Xa iron ore mine" in popup.inner_text()
    page.locator(".leaflet-popup-close-button").click()
    popup.wait_for(state="detached")
    assert served_overview.errors == []


def test_served_overview_draws_uncertainty_rings(served_overview, store):
    """Every estimated zone fetched by URL gets its dashed ring (clipped GeoJSON carried by the page)."""
    frame = store.frame("industrial_zones")
    expected = int((frame.geometry.notna() & frame["coord_radius_km"].notna()).sum())
    rings = served_overview.page.evaluate(
        """() => window.giLayers.industrial_zones.group.getLayers()
              .filter(l => l instanceof L.GeoJSON && typeof l.options.style === 'function'
                           && l.options.style().dashArray === '4 4').length"""
    )
    assert expected > 0 and rings == expected


#: One site of each kind the search must open: a zone polygon, a clustered mine, an embedded border gate.
SEARCHED = [
    ("tang loong industrial zone", SURVEYED_ZONE, "Tang Loong Industrial Zone"),
    ("sin quyen copper mine", COPPER_MINE, "Sin Quyen copper mine"),
    ("kim thanh international road", "kim-thanh-intl-road-gate-2", "Kim Thanh international road border gate No.II"),
]


def _search_opens_popup(page, query: str, feature_id: str, name: str) -> None:
    page.fill(".gi-search input", query)
    page.locator(".gi-search li", has_text=name).first.click()
    popup = page.locator(f".leaflet-popup-content .gi-popup[data-id={feature_id}]")
    popup.wait_for(timeout=60_000)
    assert name in popup.inner_text()
    # the popup stays: the map is not moved back and the marker is not re-drawn under it
    page.wait_for_function("() => !window.giLayers.mines.cluster._inZoomAnimation")
    assert popup.count() == 1


@pytest.mark.parametrize(("query", "feature_id", "name"), SEARCHED, ids=[s[1] for s in SEARCHED])
def test_search_opens_popup_of_every_layer_kind(visit, query, feature_id, name):
    v = visit("overview.en")
    _search_opens_popup(v.page, query, feature_id, name)
    assert v.errors == []


@pytest.mark.parametrize(("query", "feature_id", "name"), SEARCHED, ids=[s[1] for s in SEARCHED])
def test_served_overview_search_opens_popup_of_every_layer_kind(served_overview, query, feature_id, name):
    _search_opens_popup(served_overview.page, query, feature_id, name)
    assert served_overview.errors == []
