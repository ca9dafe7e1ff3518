"""The default offline basemap, with NO settings: headless Chromium sees the province, China and place labels.

The static site is built from the store alone (the shipped ``data/reference`` layers, no boundary or
rivers path configured) and served from 127.0.0.1. Screenshots go to pytest's tmp dir; set
``GEO_INDUSTRY_SCREENSHOT_DIR=docs/img`` to refresh the README's basemap screenshots.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo_industry.maps.assets import scripts_dir, vendor_dir
from geo_industry.maps.base import PageContext
from geo_industry.maps.data import map_data_from_store
from geo_industry.maps.pages import render, render_zone
from geo_industry.maps.urls import static_urls

from .conftest import APPROX_ZONE

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]
PAGES = {  # page → (screenshot name, China's name, Lào Cai city's name on that page)
    "overview.en": ("basemap-overview.en.png", "China", "Lao Cai"),
    "overview.zh-CN": ("basemap-overview.zh-CN.png", "中国", "老街"),
    "statistics.en": ("basemap-statistics.en.png", "China", "Lao Cai"),
    f"zone-{APPROX_ZONE}.vi": ("basemap-fact-sheet.vi.png", "Trung Quốc", "Lào Cai"),
}
# Elements of the map whose box overlaps the map's box; labels must also be displayed.
_IN_VIEW = """(selector, isLabel) => {
  const map = document.querySelector('.leaflet-container').getBoundingClientRect();
  return Array.from(document.querySelectorAll(selector)).filter(e => {
    const r = e.getBoundingClientRect();
    const shown = !isLabel || (getComputedStyle(e).display !== 'none' && e.offsetParent !== null);
    return shown && r.width > 0 && r.left < map.right && r.right > map.left && r.top < map.bottom && r.bottom > map.top;
  }).map(e => e.textContent);
}"""
IN_VIEW_JS = f"([selector, isLabel]) => ({_IN_VIEW})(selector, isLabel)"
LABEL_SHOWN_JS = f"([selector, text]) => ({_IN_VIEW})(selector, true).includes(text)"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def default_site(store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The pages under test built with no settings at all: only what the store and data/reference ship."""
    root = tmp_path_factory.mktemp("default-site")
    shutil.copytree(vendor_dir(), root / "vendor")
    shutil.copytree(scripts_dir(), root / "scripts")
    data = map_data_from_store(store)
    for name in PAGES:
        page, lang = name.rsplit(".", 1)
        ctx = PageContext(lang=lang, urls=static_urls())
        zone = page.removeprefix("zone-")
        html = render_zone(zone, data, ctx) if zone != page else render(page, data, ctx)
        (root / f"{name}.html").write_text(html, encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _in_view(page: object, selector: str, *, label: bool) -> list[str]:
    return page.evaluate(IN_VIEW_JS, [selector, label])  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("name", PAGES)
def test_default_map_shows_province_china_and_place_labels(browser, default_site, tmp_path, name):
    shot_name, china, lao_cai = PAGES[name]
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("request", lambda r: r.url.startswith(default_site) or outside.append(r.url))
    try:
        page.goto(f"{default_site}/{name}.html", wait_until="load")
        # labels show once the map has settled at its zoom (fitBounds may animate)
        page.wait_for_function(LABEL_SHOWN_JS, arg=[".gi-label-place", lao_cai], timeout=60_000)
        page.wait_for_function(LABEL_SHOWN_JS, arg=[".gi-label-country", china],
                               timeout=60_000)
        assert _in_view(page, "path.gi-province", label=False), "the province outline is not in view"
        assert _in_view(page, "path.gi-country-chn", label=False), "China is not drawn in view"
        assert china in _in_view(page, ".gi-label-country", label=True)
        assert lao_cai in _in_view(page, ".gi-label-place", label=True)
        attribution = page.locator(".leaflet-control-attribution").inner_text()
        assert "geoBoundaries" in attribution and "Natural Earth" in attribution and "CC BY-SA 4.0" in attribution
        if name.startswith("statistics"):
            assert page.locator(".gi-choropleth").count() == 1
            assert page.locator(".gi-choropleth-note").count() == 0  # no "no boundary layer configured"
        assert errors == [] and outside == []
        shot = tmp_path / shot_name
        page.screenshot(path=str(shot))
        keep = os.environ.get("GEO_INDUSTRY_SCREENSHOT_DIR")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, Path(keep) / shot_name)
    finally:
        context.close()


def test_transport_lines_are_toggleable_overlays(browser, default_site):
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{default_site}/overview.en.html", wait_until="load")
        page.wait_for_selector("path.gi-railway")
        overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        assert {"Railways", "National roads", "Provincial roads"} <= {t.strip() for t in overlays}
        assert page.locator("path.gi-national_road").count() > 0
        page.hover(".leaflet-control-layers")
        page.locator(".leaflet-control-layers-overlays label", has_text="Railways").locator("input").uncheck()
        page.wait_for_function("() => document.querySelectorAll('path.gi-railway').length === 0")
    finally:
        context.close()
