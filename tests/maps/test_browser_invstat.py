"""The copper value chain and the statistics page in headless Chromium, on the real data.

Pages are rendered for the static site (``file://``, vendored scripts beside them). Set
``GEO_INDUSTRY_SCREENSHOT_DIR=docs/img`` to keep the screenshots shown in the README.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geo_industry.maps.base import PageContext
from geo_industry.maps.copper import STAGES, chain_flows, chain_sites
from geo_industry.maps.pages import render
from geo_industry.maps.popups import names
from geo_industry.maps.urls import static_urls

from .conftest import COPPER_MINE, Visit, keep_screenshot, real_map_data, static_folder

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def data(store):
    return real_map_data(store)


@pytest.fixture(scope="module")
def pages(data, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The copper and statistics pages in English and Vietnamese, as the static site has them."""
    root = static_folder(tmp_path_factory, "invstat")
    for page in ("copper-value-chain", "statistics"):
        for lang in ("en", "vi"):
            html = render(page, data, PageContext(lang=lang, urls=static_urls()))
            (root / f"{page}.{lang}.html").write_text(html, encoding="utf-8")
    return root


def _open(browser: object, pages: Path, name: str, viewport: dict[str, int] | None = None) -> Visit:
    v = Visit(browser, (pages / f"{name}.html").as_uri())
    if viewport:
        v.page.set_viewport_size(viewport)
    ready = '[data-gi-labels="placed"]' if name.startswith("copper") else "figure.gi-pv:not([hidden]) svg"
    v.page.wait_for_selector(ready)
    v.next_frame()
    return v


def _keep(v: Visit, name: str, tmp_path: Path, *, full_page: bool = False) -> None:
    shot = tmp_path / f"{name}.png"
    v.page.screenshot(path=str(shot), full_page=full_page)
    keep_screenshot(shot, f"{name}.png")


def _drawn_sites(data) -> list[dict]:
    sites = chain_sites(data)
    linked = {f.target for f in chain_flows(data)} | {f.source for f in chain_flows(data)}
    return [r for s in STAGES for r in sites[s] if s != "exit" or str(r["id"]) in linked]


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_copper_chain_names_every_stage_on_the_map_fitted_to_them(browser, pages, data, lang, tmp_path):
    v = _open(browser, pages, f"copper-value-chain.{lang}")
    try:
        shown = " ".join(v.page.locator(".gi-stage-box").all_inner_texts())
        for row in _drawn_sites(data):
            assert names(row, lang)[0] in shown, row["id"]
        # every name box lies inside the map's view: the map opens fitted to the stages
        view = v.page.locator(".folium-map").bounding_box()
        for box in v.page.locator(".gi-stage-box").all():
            b = box.bounding_box()
            assert view["x"] <= b["x"] and b["y"] >= view["y"] and b["y"] + b["height"] <= view["y"] + view["height"]
        rects = [b.bounding_box() for b in v.page.locator(".gi-stage-box").all()]
        for i, a in enumerate(rects):  # no box covers another
            for b in rects[i + 1:]:
                assert (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                        or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]), (a, b)
        assert v.page.locator("#gi-year").input_value() == "2024"  # the latest year with full-year figures
        assert not v.errors, v.errors
        _keep(v, f"copper-chain.{lang}", tmp_path)
    finally:
        v.close()


def test_clicking_sin_quyen_at_zoom_14_opens_its_own_popup(browser, pages, data):
    """The mine and its two concentrators share one point; each is drawn apart and opens its own popup."""
    v = _open(browser, pages, "copper-value-chain.en")
    try:
        mine = next(r for r in _drawn_sites(data) if r["id"] == COPPER_MINE)
        name = names(mine, "en")[0]
        point = v.page.evaluate(
            """([lat, lon, name]) => {
              let map = null, found = null;
              for (const k in window) { try { if (window[k] instanceof L.Map) { map = window[k]; } } catch (e) {} }
              map.setView([lat, lon], 14, {animate: false});
              map.eachLayer(l => { if (l instanceof L.Marker && l.getPopup() && l.getLatLng().lat === lat
                  && String(l.getPopup().getContent().textContent || l.getPopup().getContent()).includes(name)) {
                  found = l; } });
              const r = found.getElement().getBoundingClientRect();
              return {x: r.left + r.width / 2, y: r.top + r.height / 2};
            }""",
            [float(round(mine["geometry"].y, 5)), float(round(mine["geometry"].x, 5)), name],
        )
        v.page.mouse.click(point["x"], point["y"])
        popup = v.page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert popup.inner_text().startswith(name) or name in popup.inner_text().split("\n")[0]
    finally:
        v.close()


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_statistics_page_screenshot(browser, pages, lang, tmp_path):
    v = _open(browser, pages, f"statistics.{lang}", viewport={"width": 1440, "height": 900})
    try:
        chart = v.page.locator("figure.gi-pv:not([hidden]) svg.gi-chart")
        assert chart.locator(".gi-tick").count() >= 2 and chart.locator(".gi-year-label").count() >= 2
        assert not v.errors, v.errors
        chart.scroll_into_view_if_needed()
        v.next_frame()
        _keep(v, f"statistics.{lang}", tmp_path)
    finally:
        v.close()
