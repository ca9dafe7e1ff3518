"""The served overview's search box finds the sites of a layer drawn from vector tiles through the API.

A tiled layer's sites are not in the page, so the search box asks
``/collections/{id}/items?filter=…`` (CQL2, the user's text only ever a quoted string with LIKE's
wildcards escaped) once the user pauses typing, lists the answers as text and flies to the chosen
site, opening its popup. The real app runs under uvicorn, in headless Chromium, on a copy of the
embedded data with ``GEO_INDUSTRY_VECTOR_TILE_THRESHOLD=35`` (mines and hydropower plants are tiled)
and one obviously synthetic mine whose name is hostile: markup, ``%``, ``_`` and quotes.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests import live_server
from tests.conftest import DATA_DIR

from geo_industry.i18n import translate
from geo_industry.maps.base import PageContext
from geo_industry.maps.pages import render
from geo_industry.maps.urls import PageUrls, static_urls

from .conftest import Visit

pytestmark = pytest.mark.browser
THRESHOLD = 35
QUY_XA = "quy-xa-iron-mine"
"""A real mine (tiled at THRESHOLD) no other site shares a location with."""
HOSTILE_ID = "test-hostile-name-mine"
HOSTILE = """Test mine <img src=x onerror="window.giInjected=1"> 100% 'o'_x"""
"""The synthetic mine's English name: markup, LIKE's wildcards and quotes, all to be taken literally."""


def _data_with_hostile_mine(root: Path) -> Path:
    """A copy of the embedded data with one synthetic mine (a copy of Quy Xa's row, 0.01° east of it,
    renamed ``HOSTILE``): only its name matters here."""
    data = root / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "geo" / "mines.geojson"
    layer = json.loads(path.read_text(encoding="utf-8"))
    feature = copy.deepcopy(next(f for f in layer["features"] if f["properties"]["id"] == QUY_XA))
    feature["id"] = feature["properties"]["id"] = HOSTILE_ID
    feature["properties"] |= {"name_vi": "Mỏ thử nghiệm", "name_en": HOSTILE,
                              "name_search": "mo thu nghiem " + HOSTILE.lower()}
    lon, lat = feature["geometry"]["coordinates"][:2]
    feature["geometry"]["coordinates"] = [round(lon + 0.01, 5), lat]
    layer["features"].append(feature)
    path.write_text(json.dumps(layer, ensure_ascii=False), encoding="utf-8")
    return data


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = _data_with_hostile_mine(tmp_path_factory.mktemp("hostile-data"))
    with live_server.running_app(data, {"GEO_INDUSTRY_VECTOR_TILE_THRESHOLD": str(THRESHOLD)}) as url:
        yield url


@pytest.fixture
def overview(browser, app_url) -> Iterator[Visit]:
    visit = Visit(browser, f"{app_url}/maps/overview?lang=en", timeout_ms=120_000)
    visit.page.wait_for_function("() => (window.giRemoteSearch || []).length === 2", timeout=60_000)
    yield visit
    visit.close()


def _type(page, text: str) -> None:
    """Type ``text`` into the search box and wait for the API's answer (its pending line gone)."""
    page.fill(".gi-search input", text)
    page.locator(".gi-search li.gi-search-pending").wait_for(state="detached", timeout=60_000)


def _remote_hits(page) -> list[str]:
    return page.eval_on_selector_all(".gi-search li.gi-search-remote", "items => items.map(li => li.firstChild.data)")


def test_search_finds_a_tiled_site_through_the_api_and_opens_its_popup(overview, app_url):
    page = overview.page
    _type(page, "quý xa")  # diacritics folded as the page's own search folds them
    assert _remote_hits(page) == ["Quy Xa iron ore mine"]
    searches = [u for u in overview.requests if u.startswith(f"{app_url}/collections/mines/items?")]
    assert searches and "limit=10" in searches[-1] and "filter-lang=cql2-text" in searches[-1]
    page.click(".gi-search li.gi-search-remote")
    popup = page.locator(f".leaflet-popup-content .gi-tiled-popup[data-id={QUY_XA}]")
    popup.wait_for(timeout=30_000)
    assert "Quy Xa" in popup.inner_text()
    centre = page.evaluate("() => { const m = window.giLayers.mines.group._map; "
                           "return [m.getCenter().lat, m.getCenter().lng, m.getZoom()]; }")
    assert centre[0] == pytest.approx(22.13427, abs=0.01) and centre[1] == pytest.approx(104.26793, abs=0.01)
    assert centre[2] >= 14
    assert page.evaluate("() => window.giLayers.mines.found") == QUY_XA
    assert overview.errors == []


def test_a_hostile_name_is_shown_as_text_and_searched_literally(overview):
    page = overview.page
    _type(page, "100%")
    assert _remote_hits(page) == [HOSTILE]
    assert page.evaluate("() => document.querySelectorAll('.gi-search img').length") == 0
    page.click(".gi-search li.gi-search-remote")
    popup = page.locator(f".leaflet-popup-content .gi-tiled-popup[data-id={HOSTILE_ID}]")
    popup.wait_for(timeout=30_000)
    assert popup.locator("strong").inner_text() == HOSTILE and popup.locator("img").count() == 0
    _type(page, "'o'_x")  # quotes and an underscore, matched as themselves
    assert _remote_hits(page) == [HOSTILE]
    for wildcard in ("1_0", "mine%100", "'o'%x"):  # would match were _ and % wildcards
        _type(page, wildcard)
        assert _remote_hits(page) == [], wildcard
        assert page.locator(".gi-search li.gi-search-none", has_text="No match").count() == 1, wildcard
    assert page.evaluate("() => window.giInjected") is None
    assert overview.errors == []


def test_the_filter_quotes_the_query_and_escapes_like_wildcards(overview):
    built = overview.page.evaluate("([tokens, fields]) => window.giTiledLayer.nameFilter(tokens, fields)",
                                   [["a'b%_\\", "mỏ"], ["name_search", "name_zh"]])
    hostile = "'%a''b\\%\\_\\\\%'"
    assert built == (f"(ACCENTI(CASEI(name_search)) LIKE {hostile} OR ACCENTI(CASEI(name_zh)) LIKE {hostile})"
                     " AND (ACCENTI(CASEI(name_search)) LIKE '%mỏ%' OR ACCENTI(CASEI(name_zh)) LIKE '%mỏ%')")


@pytest.mark.parametrize("lang", ["vi", "en", "zh-CN"])
def test_the_static_build_says_its_search_covers_only_the_page(map_data, lang):
    hint = translate("search.static_hint", lang)
    static = render("overview", map_data, PageContext(lang=lang, urls=static_urls()))
    served = render("overview", map_data, PageContext(lang=lang, urls=PageUrls(api_base="")))
    assert json.dumps(hint, ensure_ascii=False) in static or json.dumps(hint) in static
    assert json.dumps(hint, ensure_ascii=False) not in served and json.dumps(hint) not in served
