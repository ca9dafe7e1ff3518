"""The search box in headless Chromium: every kind of result lands, in every language, served and static.

Choosing a result must open that feature's popup and ring it whatever the map was doing: a zone,
a mine hidden in a marker cluster, a border gate and a section of a transport line, on the static
build and on the served overview, where the search may be used before the fetched layers are drawn.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator

import pytest

from geo_industry.i18n import LANGUAGES, catalog
from geo_industry.maps.base import PageContext
from geo_industry.maps.pages import render, render_zone
from geo_industry.maps.urls import static_urls
from geo_industry.web_safety import with_meta_policy

from .conftest import APPROX_ZONE, SURVEYED_ZONE, Visit, real_map_data, serve_folder, static_folder

pytestmark = pytest.mark.browser

PAGE_KINDS = ["index", "overview", "copper-value-chain", "energy", "statistics", "compare", f"zone-{SURVEYED_ZONE}",
              f"zone-{APPROX_ZONE}"]
"""Every kind of page, fact sheets of a surveyed and of an estimated zone."""


@pytest.fixture(scope="module")
def site_url(store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One page of each kind in every language, built as the static site builds them, on 127.0.0.1."""
    root = static_folder(tmp_path_factory, "pages")
    data, urls = real_map_data(store), static_urls()
    for lang in LANGUAGES:
        ctx = PageContext(lang=lang, urls=urls)
        for page in PAGE_KINDS:
            zone = page.removeprefix("zone-") if page.startswith("zone-") else None
            html = render_zone(zone, data, ctx) if zone else render(page, data, ctx)
            (root / f"{page}.{lang}.html").write_text(with_meta_policy(html), encoding="utf-8")
    with serve_folder(root) as url:
        yield url


@pytest.fixture
def visit(browser: object, site_url: str) -> Iterator[object]:
    """Open ``<page>.<lang>`` of the served pages."""
    opened: list[Visit] = []

    def _open(page: str) -> Visit:
        v = Visit(browser, f"{site_url}/{page}.html")
        opened.append(v)
        return v

    yield _open
    for v in opened:
        v.close()


# (page language, query, text of the result to choose, feature id, name in its popup heading)
LANDINGS = [
    ("en", "tang loong industrial", "Tang Loong Industrial Zone", "tang-loong-iz", "Tang Loong Industrial Zone"),
    ("zh-CN", "铜 sin quyen", "Sin Quyen copper mine", "sin-quyen-copper-mine", "Sin Quyen copper mine"),
    ("vi", "sin quyen", "Mỏ đồng Sin Quyền", "sin-quyen-copper-mine", "Mỏ đồng Sin Quyền"),
    ("en", "Lao Cai Hekou road border gate", "Lao Cai - Hekou international road border gate",
     "lao-cai-intl-road-gate", "Lao Cai - Hekou international road border gate"),
    ("zh-CN", "口岸 hekou road", "Lao Cai - Hekou international road border gate",
     "lao-cai-intl-road-gate", "Lao Cai - Hekou international road border gate"),
    ("vi", "quoc lo 70", "Quốc lộ 70", "national-road-quoc-lo-70-gid184", "Quốc lộ 70"),
    ("en", "railway hanoi", "Hanoi - Lao Cai railway", "railway-ha-noi-lao-cai-gid27", "Hanoi - Lao Cai railway"),
]
LANDING_IDS = [f"{lang}-{fid}" for lang, _q, _c, fid, _n in LANDINGS]


def choose(page: object, query: str, result: str) -> None:
    """Type ``query`` into the search box and click the first result whose text holds ``result``."""
    page.fill(".gi-search input", query)
    page.locator(".gi-search li", has_text=result).first.click()


def expect_landed(page: object, feature_id: str, name: str) -> None:
    """The feature's popup is visible with its name, and the search ring is drawn."""
    popup = page.locator(f".leaflet-popup-content .gi-popup[data-id='{feature_id}']")
    popup.wait_for(state="visible", timeout=60_000)  # served: waits for the fetched layer
    assert name in popup.locator("h3").inner_text()
    page.locator("path.gi-found").first.wait_for(state="attached", timeout=30_000)


@pytest.mark.parametrize(("lang", "query", "result", "feature_id", "name"), LANDINGS, ids=LANDING_IDS)
def test_static_search_lands(visit, lang, query, result, feature_id, name):
    v = visit(f"overview.{lang}")
    choose(v.page, query, result)
    expect_landed(v.page, feature_id, name)
    assert v.errors == []


@pytest.fixture(scope="module")
def warm_app(app_url: str) -> str:
    """The app once it has rendered the overview in every language (the first render builds the map data)."""
    for lang in LANGUAGES:
        with urllib.request.urlopen(f"{app_url}/maps/overview?lang={lang}", timeout=300) as response:
            assert response.status == 200
    return app_url


@pytest.fixture
def served(browser: object, warm_app: str) -> Iterator[object]:
    """Open the served overview in a language (the app renders it: a long load bound); the test starts
    before its layers are fetched."""
    opened: list[Visit] = []

    def _open(lang: str) -> Visit:
        v = Visit(browser, f"{warm_app}/maps/overview?lang={lang}", timeout_ms=120_000)
        opened.append(v)
        return v

    yield _open
    for v in opened:
        v.close()


@pytest.mark.parametrize(("lang", "query", "result", "feature_id", "name"), LANDINGS, ids=LANDING_IDS)
def test_served_search_lands(served, lang, query, result, feature_id, name):
    v = served(lang)
    choose(v.page, query, result)
    expect_landed(v.page, feature_id, name)
    assert v.errors == []


def test_search_twice_moves_the_ring(visit):
    v = visit("overview.en")
    choose(v.page, "tang loong industrial", "Tang Loong Industrial Zone")
    expect_landed(v.page, "tang-loong-iz", "Tang Loong")
    choose(v.page, "sin quyen", "Sin Quyen copper mine")
    expect_landed(v.page, "sin-quyen-copper-mine", "Sin Quyen")
    assert v.page.locator("path.gi-found").count() == 1


@pytest.mark.parametrize(
    ("lang", "query", "expected"),
    [
        ("zh-CN", "老街", "Lao Cai"),
        ("zh-CN", "铜", "copper"),
        ("en", "khu công nghiệp", "Industrial Zone"),
        ("vi", "border gate", "Cửa khẩu"),
        ("vi", "口岸", "Cửa khẩu"),
        ("en", "expressway", "Expressway"),
        ("en", "đường sắt", "railway"),
        ("en", "duong sat", "railway"),
    ],
)
def test_search_by_kind_and_chinese_names(visit, lang, query, expected):
    v = visit(f"overview.{lang}")
    v.page.fill(".gi-search input", query)
    results = v.page.locator(".gi-search li")
    assert results.count() > 0 and results.first.get_attribute("class") != "gi-search-none"
    assert expected in " ".join(results.all_inner_texts())


def test_result_without_position_says_so(visit):
    v = visit("overview.en")
    choose(v.page, "expressway noi bai", "Noi Bai - Lao Cai Expressway")
    assert "no position on the map" in v.page.locator(".gi-search li").first.inner_text()
    assert v.page.locator(".leaflet-popup").count() == 0


# --- one language per page -------------------------------------------------------------------------

PAGE_TEXT_JS = """() => {
  const page = document.documentElement.lang, texts = [];
  const own = el => { const l = el.closest('[lang]'); return !l || l === document.documentElement || l.lang === page; };
  function collect(root, visibleOnly) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const el = node.parentElement;
      if (!el || el.closest('script,style,noscript') || !own(el)) { continue; }
      if (visibleOnly && !el.getClientRects().length) { continue; }
      texts.push(node.nodeValue);
    }
    root.querySelectorAll('[title],[placeholder],[aria-label]').forEach(e => {
      if (!own(e)) { return; }
      ['title', 'placeholder', 'aria-label'].forEach(a => e.getAttribute(a) && texts.push(e.getAttribute(a)));
    });
  }
  collect(document.body, true);
  // every popup the page can open, as its reader would see it
  Object.keys(window).filter(k => /^(marker|geo_json|circle|poly_line|polygon)_/.test(k)).forEach(k => {
    const layer = window[k], popup = layer && layer.getPopup && layer.getPopup();
    const content = popup && popup.getContent();
    if (!content || typeof content === 'function') { return; }
    const div = document.createElement('div');
    if (typeof content === 'string') { div.innerHTML = content; } else { div.appendChild(content.cloneNode(true)); }
    collect(div, false);
  });
  return texts.join('\\n');
}"""


def _chunks(text: str) -> list[str]:
    """The literal parts of a catalog text, without its {placeholders}."""
    return [c.strip(" .,:;·–-()/%") for c in re.split(r"\{[^}]*\}", text)]


def _specific(chunk: str, lang: str) -> bool:
    """Long or specific enough to be that language's and not a name, a unit or a shared word."""
    if lang == "zh-CN":
        return len(re.findall(r"[\u3400-\u9fff]", chunk)) >= 3
    return len(chunk) >= 14 and len(chunk.split()) >= 2


def foreign_strings(lang: str) -> dict[str, tuple[str, str]]:
    """Catalog texts of the other languages a ``lang`` page must not show: text → (language, key)."""
    own = catalog(lang)
    own_text = "\n".join(own.values())
    found: dict[str, tuple[str, str]] = {}
    for other in LANGUAGES:
        if other == lang:
            continue
        for key, text in catalog(other).items():
            if own.get(key) == text or key.startswith("api."):
                continue
            for chunk in _chunks(text):
                if _specific(chunk, other) and chunk not in own_text:
                    found.setdefault(chunk, (other, key))
    return found


def test_foreign_strings_are_specific():
    needles = foreign_strings("en")
    assert "Khu công nghiệp" in needles and "工业区和经济区" in needles
    assert not any(len(n) < 3 for n in needles)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", PAGE_KINDS)
def test_page_shows_only_its_language(visit, page, lang):
    v = visit(f"{page}.{lang}")
    v.page.wait_for_function("() => document.readyState === 'complete'")
    text = v.page.evaluate(PAGE_TEXT_JS)
    mixed = {needle: origin for needle, origin in foreign_strings(lang).items() if needle in text}
    assert mixed == {}
