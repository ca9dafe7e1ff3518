"""Hostile web output against the real server: Host poisoning, cache keys, security headers, stored XSS.

One editable store per module, a real uvicorn process on a loopback port, writes through the
editing API with a token from the key store. Stored-XSS payloads (``</script>``, ``<img onerror>``,
template-literal breakouts, quotes in URLs, ``javascript:`` URLs) are written into names, notes,
sources, alternatives' sources, statistics and upload metadata; every page kind is then opened in
headless Chromium twice — as served (with its Content-Security-Policy) and with the policy
bypassed, so the escaping alone is proven — and no payload may run on load or on click.
"""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import DATA_DIR
from tests.editing.conftest import MERGE_PATCH, bearer, create_tokens, running_server
from tests.waiting import wait_for

from geo_industry.maps.site import build_static_site
from geo_industry.settings import Settings
from geo_industry.store import open_store
from geo_industry.store.sqlite import SQLiteStore

ZONE = "tang-loong-iz"
SMELTER = "tang-loong-copper-smelter"
UPLOAD = "xss_sites"
#: sets ``window.__xss`` wherever it runs: as HTML, in a script, in a JS template literal, in an attribute
RUN = "window.__xss=1"
PAYLOAD = (f'Q"\'><b>bold</b></script><script>{RUN}</script><img src=x onerror="{RUN}">'
           f"<svg onload={RUN}>${{{RUN}}}`;{RUN};//-->")
QUOTED_URL = 'https://example.org/a"onmouseover="window.__xss=1"x=\'<script>'
JS_URLS = ["javascript:window.__xss=1//", " JaVaScRiPt:window.__xss=1", "data:text/html,<script>alert(1)</script>"]


def _csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _stat_row(source: str, note: str) -> dict[str, str]:
    return {"indicator": "copper_cathode_output", "entity": SMELTER, "year": "2026", "period": "Q1",
            "value": "4500", "unit": "t", "basis": "actual", "price_basis": "n/a", "source": source, "note": note}


def _upload_geojson() -> bytes:
    feature = {"type": "Feature", "id": "xss-1", "properties": {"id": "xss-1", "name": PAYLOAD},
               "geometry": {"type": "Point", "coordinates": [103.97, 22.48]}}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def _metadata(sources: list[str]) -> str:
    return json.dumps({"id": UPLOAD, "title": {"vi": PAYLOAD, "en": PAYLOAD},
                       "description": {"vi": PAYLOAD, "en": PAYLOAD}, "licence": "CC-BY-4.0",
                       "attribution": PAYLOAD, "sources": sources})


class Site:
    """The running server, its store and what the writes answered."""

    def __init__(self, url: str, store_path: Path, client: httpx.Client) -> None:
        self.url, self.store_path, self.client = url, store_path, client
        self.refused: dict[str, int] = {}
        self.record_id = ""
        self.other_zone = ""


def _patch_zone(site: Site, headers: dict[str, str], properties: dict[str, Any]) -> httpx.Response:
    url = f"/collections/industrial_zones/items/{ZONE}"
    etag = site.client.get(url).headers["etag"]
    return site.client.patch(url, headers={**headers, **MERGE_PATCH, "If-Match": etag},
                             content=json.dumps({"properties": properties}))


def _write_payloads(site: Site, tokens: dict[str, str]) -> None:
    """Every payload through the editing API; unsafe URLs are expected to be refused (recorded)."""
    writer = bearer(tokens["all"])
    texts = {"name_en": PAYLOAD, "name_vi": PAYLOAD, "operator": PAYLOAD, "sector": PAYLOAD,
             "sources": ["https://example.org/ok", QUOTED_URL],
             "area_ha_alternatives": [{"value": 900, "source": QUOTED_URL, "note": PAYLOAD}]}
    response = _patch_zone(site, writer, texts)
    assert response.status_code in (200, 204), response.text
    for index, url in enumerate(JS_URLS):
        unsafe = _patch_zone(site, writer, {"sources": [url],
                                            "area_ha_alternatives": [{"value": 900, "source": url}]})
        site.refused[f"feature sources {index}"] = unsafe.status_code
    stats = site.client.post("/collections/statistics/items", params={"mode": "add"},
                             headers={**writer, "Content-Type": "text/csv"},
                             content=_csv([_stat_row(QUOTED_URL, PAYLOAD)]))
    assert stats.status_code in (200, 201, 204), stats.text
    for index, url in enumerate(JS_URLS):
        row = _stat_row(url, "unsafe") | {"period": f"Q{2 + index}"}
        unsafe = site.client.post("/collections/statistics/items", params={"mode": "add"},
                                  headers={**writer, "Content-Type": "text/csv"}, content=_csv([row]))
        site.refused[f"statistics source {index}"] = unsafe.status_code
    for index, url in enumerate(JS_URLS):
        unsafe = site.client.post("/collections", files={"file": ("layer.bin", _upload_geojson())},
                                  data={"metadata": _metadata([url])}, headers=writer)
        site.refused[f"upload sources {index}"] = unsafe.status_code
    upload = site.client.post("/collections", files={"file": ("layer.bin", _upload_geojson())},
                              data={"metadata": _metadata([QUOTED_URL])}, headers=writer)
    assert upload.status_code in (200, 201), upload.text


def _find_ids(site: Site) -> None:
    records = site.client.get("/collections/statistics/items",
                              params={"entity": SMELTER, "limit": 1000}).json()["features"]
    site.record_id = next(r["id"] for r in records if r["properties"].get("note") == PAYLOAD)
    zones = site.client.get("/collections/industrial_zones/items", params={"limit": 5}).json()["features"]
    site.other_zone = next(z["id"] for z in zones if z["id"] != ZONE)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The real app with editing on over a fresh store, after every payload was written."""
    store_path = tmp_path_factory.mktemp("hostile-web") / "store.sqlite"
    SQLiteStore.open(store_path, seed_dir=DATA_DIR)
    tokens = create_tokens(store_path)
    with running_server(store_path) as (url, _process), httpx.Client(base_url=url, timeout=60) as client:
        built = Site(url, store_path, client)
        _write_payloads(built, tokens)
        _find_ids(built)
        yield built


# Host and the response cache -----------------------------------------------------------------------
ITEMS_HTML = "/collections/mines/items?f=html&limit=5"


def test_untrusted_host_is_refused_and_never_poisons_the_cache(site: Site) -> None:
    poisoned = site.client.get(ITEMS_HTML, headers={"Host": "evil.example", "Cache-Control": "no-cache"})
    assert poisoned.status_code == 400 and poisoned.headers["x-content-type-options"] == "nosniff"
    assert "Host" in poisoned.json()["description"] and "evil.example" not in poisoned.text.split("expected")[1]
    normal = site.client.get(ITEMS_HTML)
    assert normal.status_code == 200 and "evil.example" not in normal.text
    assert f'src="{site.url}/static/vendor/leaflet/leaflet.js"' in normal.text


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example", "localhost@evil",
                                  "[::2]", "", "LOCALHOST.evil"])
def test_every_untrusted_host_form_is_refused(site: Site, host: str) -> None:
    response = site.client.get("/collections", headers={"Host": host})
    assert response.status_code == 400, host


def test_cache_key_separates_trusted_hosts(site: Site) -> None:
    port = site.url.rsplit(":", 1)[1]
    via_localhost = site.client.get("/collections?f=html", headers={"Host": f"localhost:{port}"})
    via_ip = site.client.get("/collections?f=html")
    assert f"http://localhost:{port}/collections" in via_localhost.text
    assert "localhost" not in via_ip.text and f"{site.url}/collections" in via_ip.text


@pytest.mark.parametrize(("headers", "marker"), [
    ({"Accept-Language": "en"}, "Mines and mineral areas"), ({"Accept-Language": "vi"}, "Mỏ và khu vực khoáng sản"),
    ({"Accept": "application/json"}, '"links"'), ({"Accept": "text/html"}, "<!doctype html>"),
])
def test_cache_key_covers_negotiated_format_and_language(site: Site, headers: dict[str, str], marker: str) -> None:
    for _ in range(2):  # the second answer comes from the cache
        response = site.client.get("/collections/mines", headers=headers)
        assert marker in response.text


def _stamp(response: httpx.Response) -> datetime:
    return datetime.strptime(response.json()["timeStamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@pytest.mark.parametrize("path", ["/collections/mines/items?limit=3", "/collections/statistics/items?limit=3"])
@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_time_stamp_is_the_response_time_also_from_the_cache(site: Site, path: str, encoding: str) -> None:
    first = site.client.get(path, headers={"Accept-Encoding": encoding})
    first_stamp = _stamp(first)
    wait_for(lambda: datetime.now(UTC).replace(microsecond=0), lambda now: now > first_stamp,  # the clock moves on
             guard_s=10)
    asked = datetime.now(UTC).replace(microsecond=0)
    again = site.client.get(path, headers={"Accept-Encoding": encoding})
    assert again.headers["etag"] == first.headers["etag"]  # the same cached representation
    assert _stamp(again) >= asked > first_stamp
    assert again.headers.get("content-encoding", "identity") == encoding
    assert again.json()["features"] == first.json()["features"]


# headers on every page kind ------------------------------------------------------------------------
def _api_pages(site: Site) -> list[str]:
    return ["/?f=html", "/collections?f=html", "/collections/industrial_zones?f=html",
            "/collections/industrial_zones/items?f=html&limit=50", f"/collections/industrial_zones/items/{ZONE}?f=html",
            f"/collections/statistics/items/{site.record_id}?f=html",
            f"/collections/statistics/items?f=html&entity={SMELTER}", "/api?f=html", "/conformance?f=html",
            f"/collections/{UPLOAD}?f=html", f"/collections/{UPLOAD}/items?f=html",
            f"/collections/{UPLOAD}/items/xss-1?f=html"]


def _map_pages(site: Site) -> list[str]:
    return ["/maps/?lang=en", "/maps/overview?lang=en", "/maps/statistics?lang=en", "/maps/energy",
            "/maps/copper-value-chain", f"/maps/compare?zones={ZONE},{site.other_zone}", f"/maps/zones/{ZONE}",
            f"/maps/zones/{ZONE}?lang=en"]


def test_every_html_page_sends_the_security_headers(site: Site) -> None:
    for path in _api_pages(site) + _map_pages(site):
        response = site.client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src and "*" not in script_src, path
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin", path


def test_json_and_static_files_are_not_sniffed(site: Site) -> None:
    for path in ("/collections/mines/items", "/static/api/items.js", "/collections"):
        assert site.client.get(path).headers["x-content-type-options"] == "nosniff", path


def test_unsafe_urls_are_refused_at_write_time(site: Site) -> None:
    assert site.refused and all(400 <= status < 500 for status in site.refused.values()), site.refused


def test_payloads_are_stored_and_served_escaped(site: Site) -> None:
    zone = site.client.get(f"/collections/industrial_zones/items/{ZONE}").json()
    assert zone["properties"]["name_en"] == PAYLOAD  # stored as written, nothing lost
    page = site.client.get(f"/collections/industrial_zones/items/{ZONE}?f=html&lang=en").text
    assert "<script>window.__xss" not in page and "&lt;/script&gt;&lt;script&gt;" in page
    assert 'onmouseover="window' not in page


# stored XSS in Chromium ----------------------------------------------------------------------------
playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]
#: counts the map's pending fetched layers (an init script runs before the page's own, outside its policy)
TRACK_REMOTE_LAYERS = """(() => { let real; window.__pending = 0;
  Object.defineProperty(window, 'giRemoteLayer', {configurable: true, set(v) { real = v; }, get() {
    return real && function (...args) { window.__pending += 1;
      return real.apply(this, args).finally(() => { window.__pending -= 1; }); }; }}); })();"""
SETTLED = "() => document.readyState === 'complete' && !(window.__pending > 0)"
UNSAFE_LINKS = """() => [...document.querySelectorAll('a[href], area[href], [formaction], iframe[src]')]
    .map(e => e.getAttribute('href') || e.getAttribute('formaction') || e.getAttribute('src') || '')
    .filter(h => /^[\\s\\u0000-\\u001f]*(javascript|data|vbscript)\\s*:/i.test(h))"""
OPEN_EVERYTHING = """() => {
  // http(s) and file links are kept from navigating (the page must stay); any other scheme would run
  window.addEventListener('click', e => { const a = e.target.closest && e.target.closest('a[href]');
    if (a && /^(https?|file):$/.test(a.protocol)) e.preventDefault(); }, true);
  for (const layer of Object.values(window.giLayers || {})) {
    const group = layer.cluster || layer.group;
    if (group && group.eachLayer) group.eachLayer(l => { try { if (l.getPopup && l.getPopup()) {
      l.openPopup(); l.openTooltip && l.openTooltip(); } } catch (e) {} });
  }
  for (const a of document.querySelectorAll('a[href]')) { try { a.click(); } catch (e) {} }
  return window.__xss;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _wait_until_settled(page: Any, timeout_s: float = 90.0) -> None:
    """Wait until the page has loaded and drawn its fetched layers (polled: the policy forbids eval)."""
    wait_for(lambda: page.evaluate(SETTLED), bool, guard_s=timeout_s, interval_s=0.1)


def _assert_inert(browser: Any, url: str, *, bypass_csp: bool) -> str:
    """Open ``url``; nothing may set ``window.__xss`` on load or after opening popups and clicking links.

    Returns the page's text (with the last popup opened), where escaped payloads show as text.
    """
    context = browser.new_context(bypass_csp=bypass_csp)
    messages: list[str] = []
    errors: list[str] = []
    try:
        context.add_init_script(TRACK_REMOTE_LAYERS)
        page = context.new_page()
        page.on("console", lambda m: messages.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (messages.append(f"dialog {d.message}"), d.dismiss()))
        page.goto(url, wait_until="load")
        _wait_until_settled(page)
        assert page.evaluate("() => window.__xss") is None, f"ran on load: {url}"
        assert errors == [], url  # a payload that breaks out of a script breaks the page: as bad
        assert page.evaluate(UNSAFE_LINKS) == [], url
        assert page.evaluate(OPEN_EVERYTHING) is None, f"ran on click: {url}"
        _wait_until_settled(page)
        assert page.evaluate("() => window.__xss") is None, f"ran after click: {url}"
        if not bypass_csp:  # escaped payloads never even reach the policy
            assert not [m for m in messages if "Content Security Policy" in m], (url, messages)
        assert not [m for m in messages if m.startswith("dialog")], (url, messages)
        return str(page.evaluate("() => document.body.innerText"))
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "escaping-alone"])
def test_served_pages_do_not_run_stored_payloads(site: Site, browser: Any, bypass_csp: bool) -> None:
    shown = {f"/collections/industrial_zones/items/{ZONE}?f=html", f"/collections/{UPLOAD}/items/xss-1?f=html",
             f"/collections/statistics/items/{site.record_id}?f=html", f"/maps/zones/{ZONE}?lang=en",
             f"/maps/compare?zones={ZONE},{site.other_zone}"}
    for path in _api_pages(site) + _map_pages(site):
        text = _assert_inert(browser, site.url + path, bypass_csp=bypass_csp)
        if path in shown:  # the payload is on the page, as text
            assert f'<img src=x onerror="{RUN}">' in text, path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def static_site(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The static build (English) of the store after the writes, served on 127.0.0.1."""
    root = tmp_path_factory.mktemp("static-site")
    settings = Settings(data_dir=DATA_DIR, store_backend="sqlite", store_path=site.store_path,
                        _env_file=None)  # type: ignore[call-arg]
    build_static_site(open_store(settings), root, languages=("en",))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_static_site_pages_carry_a_policy_and_do_not_run_stored_payloads(site: Site, static_site: str,
                                                                          browser: Any) -> None:
    pages = ["index.en", "overview.en", "statistics.en", "compare.en", f"zone-{ZONE}.en"]
    for name in pages:
        html = httpx.get(f"{static_site}/{name}.html").text
        assert '<meta http-equiv="Content-Security-Policy"' in html.split("<script", 1)[0], name
        for bypass_csp in (False, True):
            _assert_inert(browser, f"{static_site}/{name}.html", bypass_csp=bypass_csp)
