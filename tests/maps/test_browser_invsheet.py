"""Fact sheets and the index in headless Chromium, from files (``file://``) as the static site is used.

A fact sheet prints on one A4 page in each language (Chromium's ``page.pdf``, pages counted in
the PDF); the index table sorts by a click without any network. Set
``GEO_INDUSTRY_SCREENSHOT_DIR=docs/img`` to refresh the README's fact sheet screenshots.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo_industry.maps.base import PageContext
from geo_industry.maps.pages import render, render_zone
from geo_industry.maps.urls import static_urls
from geo_industry.web_safety import with_meta_policy

from .conftest import SURVEYED_ZONE, keep_screenshot, real_map_data, static_folder

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
BGEZ = "lao-cai-bgez"
SHEETS = (SURVEYED_ZONE, BGEZ, "yb-ccn-au-lau")
"""A surveyed zone with published occupancy, the border-gate economic zone, a cluster."""
LANGS = ("vi", "en", "zh-CN")
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?!s)")


@pytest.fixture(scope="module")
def site(store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The index and a few fact sheets written as the static build writes them (policy in a meta tag)."""
    root = static_folder(tmp_path_factory, "invsheet-site")
    data = real_map_data(store)
    urls = static_urls()
    for lang in LANGS:
        ctx = PageContext(lang=lang, urls=urls)
        (root / urls.page("index", lang)).write_text(with_meta_policy(render("index", data, ctx)), encoding="utf-8")
        for zone in SHEETS:
            html = with_meta_policy(render_zone(zone, data, ctx))
            (root / urls.zone(zone, lang)).write_text(html, encoding="utf-8")
    return root


@pytest.fixture
def open_page(browser: object, site: Path) -> Iterator[object]:
    """Open a file of the site; the page's errors and non-file requests are recorded on it."""
    contexts = []

    def _open(name: str) -> object:
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.errors, page.outside = [], []
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("request", lambda r: not r.url.startswith(("file://", "data:")) and page.outside.append(r.url))
        page.goto((site / name).as_uri(), wait_until="load")
        return page

    yield _open
    for context in contexts:
        context.close()


def _column(page: object, col: str) -> list[str]:
    return page.eval_on_selector_all(f"#gi-zone-table tbody td.gi-{col}", "cells => cells.map(c => c.dataset.key)")


def test_index_sorts_by_score_and_name_over_file_urls(open_page):
    page = open_page("index.en.html")
    page.locator("table.gi-sortable[data-sortable-ready]").wait_for()
    page.click("th[data-col=score] button")
    page.locator("th[data-col=score][aria-sort=ascending]").wait_for()
    scores = [float(k) for k in _column(page, "score") if k]
    assert len(scores) > 10 and scores == sorted(scores)
    assert _column(page, "score")[-1] == "" or all(_column(page, "score"))  # no score sorts last
    page.click("th[data-col=score] button")
    page.locator("th[data-col=score][aria-sort=descending]").wait_for()
    assert [float(k) for k in _column(page, "score") if k] == sorted(scores, reverse=True)
    page.click("th[data-col=area] button")
    page.locator("th[data-col=area][aria-sort=ascending]").wait_for()
    areas = [float(k) for k in _column(page, "area") if k]
    assert areas == sorted(areas)
    assert page.errors == [] and page.outside == []


@pytest.mark.parametrize("lang", LANGS)
def test_index_has_a_row_per_zone_with_its_own_date(open_page, map_data, lang):
    page = open_page(f"index.{lang}.html")
    rows = page.locator("#gi-zone-table tbody tr")
    expected = sum(len(map_data.layer(layer)) for layer in ("industrial_zones", "industrial_clusters"))
    assert rows.count() == expected
    dates = set(_column(page, "as_of"))
    assert len(dates) > 3  # each record's own as_of, not one date for all
    assert page.locator(f"#gi-zone-table tr[data-zone={BGEZ}] a").get_attribute("href") == f"zone-{BGEZ}.{lang}.html"
    assert page.errors == []


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("zone", SHEETS)
def test_fact_sheet_prints_on_one_a4_page(open_page, tmp_path, zone, lang):
    page = open_page(f"zone-{zone}.{lang}.html")
    page.locator(".gi-factsheet").wait_for()
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    pages = len(_PDF_PAGE.findall(pdf))
    assert pages == 1, f"{zone}.{lang} prints on {pages} pages"
    assert page.errors == [] and page.outside == []


@pytest.mark.parametrize("lang", ("en", "vi"))
def test_fact_sheet_screenshot(open_page, tmp_path, lang):
    page = open_page(f"zone-{SURVEYED_ZONE}.{lang}.html")
    page.locator(".leaflet-marker-icon.gi-symbol").first.wait_for()
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => done()))")
    shot = tmp_path / f"factsheet.{lang}.png"
    page.screenshot(path=str(shot), full_page=True, clip={"x": 0, "y": 0, "width": 1200, "height": 1750})
    keep_screenshot(shot, f"factsheet-investor.{lang}.png")


def test_served_index_sorts_and_served_sheet_has_the_investor_facts(browser, app_url):
    """Under the app's policy header the index's script (served from /static/maps) sorts the table,
    and the served fact sheet reads the data folder's investor facts."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(f"{app_url}/maps/?lang=vi", wait_until="load")
        page.locator("table.gi-sortable[data-sortable-ready]").wait_for()
        page.click("th[data-col=gate] button")
        page.locator("th[data-col=gate][aria-sort=ascending]").wait_for()
        gates = [float(k) for k in _column(page, "gate") if k]
        assert len(gates) > 10 and gates == sorted(gates)
        page.goto(f"{app_url}/maps/zones/{BGEZ}?lang=en", wait_until="load")
        members = page.locator(".gi-members tr[data-zone]")
        assert members.count() >= 4
        assert page.locator(".gi-incentives tr[data-field=incentive_area_class]").count() == 1
        assert page.locator(".gi-unknown").count() == 1
        assert errors == []
    finally:
        context.close()
