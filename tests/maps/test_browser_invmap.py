"""The investor-first overview in headless Chromium: names that do not collide, a phone layout whose
controls are tappable and apart, and the "find a site" panel agreeing with the API's CQL2 filters.

The static overview pages (en, vi) of the real data are served from ``http.server`` on 127.0.0.1;
the CQL2 comparison runs against the real app under uvicorn. Screenshots go to pytest's tmp dir;
set ``GEO_INDUSTRY_SCREENSHOT_DIR=docs/img`` to refresh the README's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from geo_industry.maps.base import PageContext
from geo_industry.maps.pages import render
from geo_industry.maps.urls import static_urls
from geo_industry.raster.analysis import rank_zones
from geo_industry.web_safety import with_meta_policy

from .conftest import keep_screenshot, real_map_data, serve_folder, static_folder

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
LANGS = ("en", "vi")
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
PAGE_BUDGET = 1_000_000
"""Bytes of overview HTML (docs/benchmarks.md)."""
TAP_TARGETS = (".leaflet-bar a", ".leaflet-control-layers-toggle", ".gi-search input", ".gi-legend summary",
               ".gi-find summary", ".leaflet-control-measure-toggle")
"""What a thumb taps on the phone overview; each must be at least 40 px each way."""
BOXES = """(selector) => Array.from(document.querySelectorAll(selector))
  .filter(e => e.offsetParent !== null && getComputedStyle(e).display !== 'none')
  .map(e => { const r = e.getBoundingClientRect();
              return {name: e.className || e.tagName, left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })
  .filter(b => b.right > b.left && b.bottom > b.top)"""


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def _overlapping(boxes: list[dict[str, float]]) -> list[tuple[str, str]]:
    return [(a["name"], b["name"]) for a, b in itertools.combinations(boxes, 2) if _overlap(a, b)]


@pytest.fixture(scope="module")
def overview_pages(store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The static overview in English and Vietnamese, with the vendored assets, as the build writes it."""
    root = static_folder(tmp_path_factory, "overview")
    data = real_map_data(store)
    for lang in LANGS:
        html = render("overview", data, PageContext(lang=lang, urls=static_urls()))
        (root / f"overview.{lang}.html").write_text(with_meta_policy(html), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def pages_url(overview_pages: Path) -> Iterator[str]:
    with serve_folder(overview_pages) as url:
        yield url


@pytest.fixture
def open_page(browser, pages_url) -> Iterator[object]:
    """Open the overview in ``lang`` with a device (DESKTOP or PHONE); page errors are collected."""
    contexts = []

    def _open(lang: str, device: dict[str, object], url: str | None = None) -> object:
        context = browser.new_context(**device)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.goto(url or f"{pages_url}/overview.{lang}.html", wait_until="load")
        page.wait_for_function("() => Array.isArray(window.giShownLabels)")
        return page

    yield _open
    for context in contexts:
        context.close()


def _screenshot(page: object, name: str, tmp_path: Path) -> None:
    shot = tmp_path / name
    page.screenshot(path=str(shot))
    keep_screenshot(shot, name)


@pytest.mark.parametrize("lang", LANGS)
def test_overview_within_page_budget(overview_pages, lang):
    assert (overview_pages / f"overview.{lang}.html").stat().st_size < PAGE_BUDGET


@pytest.mark.parametrize("lang", LANGS)
def test_phone_controls_are_apart_tappable_and_collapsed(open_page, lang, tmp_path):
    page = open_page(lang, PHONE)
    assert page.evaluate("() => document.querySelector('.gi-legend details').open") is False
    assert page.evaluate("() => document.querySelector('.gi-find details').open") is False
    controls = page.evaluate(BOXES, ".leaflet-control")
    assert len(controls) >= 6
    assert _overlapping(controls) == []
    inside = [c for c in controls if c["left"] >= 0 and c["right"] <= 390 and c["top"] >= 0 and c["bottom"] <= 844]
    assert inside == controls, "every control within the screen"
    targets = [t for selector in TAP_TARGETS for t in page.evaluate(BOXES, selector)]
    small = [t for t in targets if t["right"] - t["left"] < 40 or t["bottom"] - t["top"] < 40]
    assert len(targets) >= 7 and small == []
    assert page.errors == []
    _screenshot(page, f"overview-phone.{lang}.png", tmp_path)


def test_phone_tap_on_cluster_zooms(open_page):
    page = open_page("en", PHONE)
    zoom = page.evaluate("() => window.giLayers.industrial_zones.group._map.getZoom()")
    clusters = [c for c in page.evaluate(BOXES, ".marker-cluster")
                if c["top"] > 300 and c["bottom"] < 800 and c["left"] > 0 and c["right"] < 390]
    assert clusters, "a cluster on screen, below the controls"
    c = clusters[0]
    page.touchscreen.tap((c["left"] + c["right"]) / 2, (c["top"] + c["bottom"]) / 2)
    page.wait_for_function(f"() => window.giLayers.industrial_zones.group._map.getZoom() > {zoom}")


@pytest.mark.parametrize("lang", LANGS)
def test_desktop_legend_under_the_layer_switcher_and_nothing_overlaps(open_page, lang, tmp_path):
    page = open_page(lang, DESKTOP)
    assert page.evaluate("() => document.querySelector('.gi-legend details').open") is True
    _screenshot(page, f"overview.{lang}.png", tmp_path)
    page.hover(".leaflet-control-layers")
    page.locator(".leaflet-control-layers-expanded").wait_for()
    page.click(".gi-find summary")
    page.locator(".gi-find-results li").first.wait_for()
    controls = page.evaluate(BOXES, ".leaflet-control")
    assert _overlapping(controls) == []
    switcher, legend = page.evaluate(BOXES, ".leaflet-control-layers")[0], page.evaluate(BOXES, ".gi-legend")[0]
    assert legend["top"] >= switcher["bottom"]
    scale, attribution = page.evaluate(BOXES, ".leaflet-control-scale")[0], page.evaluate(
        BOXES, ".leaflet-control-attribution")[0]
    assert not _overlap(scale, attribution)
    assert page.errors == []


@pytest.mark.parametrize(("lang", "device"), [("vi", DESKTOP), ("vi", PHONE), ("en", PHONE)])
def test_search_placeholder_is_not_cut(open_page, lang, device):
    page = open_page(lang, device)
    room, needed = page.evaluate(
        """() => { const input = document.querySelector('.gi-search input'), s = getComputedStyle(input);
                   const ctx = document.createElement('canvas').getContext('2d');
                   ctx.font = s.fontSize + ' ' + s.fontFamily;
                   return [input.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight),
                           ctx.measureText(input.placeholder).width]; }"""
    )
    assert needed <= room


@pytest.mark.parametrize("device", [DESKTOP, PHONE])
def test_zone_names_shown_without_collisions(open_page, device):
    page = open_page("vi", device)
    for _ in range(2):
        shown = page.evaluate("() => window.giShownLabels")
        labels = page.evaluate(BOXES, ".gi-zone-label")
        assert shown and len(labels) == len(shown)
        assert _overlapping(labels) == []
        page.evaluate("() => window.giLayers.industrial_zones.group._map.zoomIn(1, {animate: false})")
        page.wait_for_function(f"() => window.giShownLabels.length !== {len(shown)} || "
                               "document.querySelectorAll('.gi-zone-label').length === window.giShownLabels.length")
    assert "KCN Tằng Loỏng" in page.evaluate("() => window.giShownLabels")


@pytest.mark.parametrize("lang", LANGS)
def test_find_site_lists_explains_and_highlights(open_page, store, lang, tmp_path):
    page = open_page(lang, DESKTOP)
    page.click(".gi-find summary")
    page.select_option(".gi-find [name=profile]", "logistics_border_trade")
    page.fill(".gi-find [name=border_gate]", "20")
    page.select_option(".gi-find [name=province]", "lao_cai")
    page.wait_for_function("() => document.querySelectorAll('.gi-find-results li').length === "
                           "window.giFindSiteResults.length && window.giFindSiteResults.length > 0")
    ids = page.evaluate("() => window.giFindSiteResults")
    data = real_map_data(store)
    ranking = [z.zone_id for z in rank_zones(list(data.assessments.values()), profile="logistics_border_trade").zones]
    assert ids == [z for z in ranking if z in set(ids)], "results in the profile's rank order"
    items = page.locator(".gi-find-results li")
    assert all("#" in items.nth(i).inner_text() for i in range(items.count())), "each result explained"
    flagged = set(page.evaluate("() => Array.from(document.querySelectorAll('.gi-find-results li'))"
                                ".filter(li => li.querySelector('.gi-find-placeholder')).map(li => li.dataset.id)"))
    frames = [store.frame(k) for k in ("industrial_zones", "industrial_clusters")]
    with_placeholders = {str(i) for f in frames for i, p in zip(f["id"], f["placeholder_inputs"], strict=True) if p}
    assert flagged and flagged <= with_placeholders
    halos = page.locator("path.gi-find-halo").count()
    located = page.evaluate("() => window.giFindSiteResults.length")
    assert 0 < halos <= located
    assert page.errors == []
    _screenshot(page, f"find-a-site.{lang}.png", tmp_path)


def _cql2(app_url: str, expression: str) -> set[str]:
    ids: set[str] = set()
    for layer in ("industrial_zones", "industrial_clusters"):
        response = httpx.get(f"{app_url}/collections/{layer}/items",
                             params={"filter": expression, "filter-lang": "cql2-text", "limit": 1000}, timeout=30)
        assert response.status_code == 200, response.text
        ids |= {str(f["properties"]["id"]) for f in response.json()["features"]}
    return ids


@pytest.mark.parametrize(
    ("filters", "expression"),
    [
        ({"border_gate": 20, "province": "lao_cai"}, "dist_border_gate_km < 20 AND former_province = 'lao_cai'"),
        ({"area_min": 300, "status": "operating"}, "area_ha >= 300 AND status = 'operating'"),
        ({"railway": 5, "national_road": 5, "area_max": 200},
         "dist_railway_km < 5 AND dist_national_road_km < 5 AND area_ha <= 200"),
        ({"sector": "logistics"}, "sector LIKE '%logistics%'"),
    ],
)
def test_find_site_filters_match_the_api_cql2(open_page, app_url, filters, expression):
    page = open_page("en", DESKTOP, url=f"{app_url}/maps/overview?lang=en")
    page.click(".gi-find summary")
    found = set(page.evaluate("(f) => window.giFindSiteFilter(f)", filters))
    expected = _cql2(app_url, expression)
    assert expected, expression
    assert found == expected
    assert page.errors == []
