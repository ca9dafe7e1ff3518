"""Output encoding helpers and the pages built from stored data that bypassed write validation.

Writes refuse ``javascript:`` URLs (and quarantine such rows at load), so these tests put them
straight into the data the page builders take — as an older store or a manual edit would — and
check that nothing stored becomes a link of another scheme or breaks out of a script.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest
from starlette.requests import Request

from geo_industry.api.html import render
from geo_industry.api.links import Urls
from geo_industry.api.stamping import PLACEHOLDER, StampedBody
from geo_industry.api.web_security import host_name
from geo_industry.maps.base import PageContext
from geo_industry.maps.data import map_data_from_store
from geo_industry.maps.pages import render_zone
from geo_industry.maps.popups import popup_html
from geo_industry.settings import Settings
from geo_industry.web_safety import (
    content_security_policy,
    inline_script_hashes,
    js_template_html,
    safe_href,
    script_json,
    source_link,
    with_meta_policy,
)

UNSAFE = ["javascript:alert(1)", " javascript:alert(1)", "JAVASCRIPT:alert(1)", "java\tscript:alert(1)",
          "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//evil.example/x", "/relative",
          "https:/no-host", "http://exa mple.org", "", None, 42]
ZONE = "tang-loong-iz"


@pytest.mark.parametrize("value", UNSAFE)
def test_only_http_urls_become_links(value: object) -> None:
    assert safe_href(value) is None
    assert "<a " not in source_link(value)


@pytest.mark.parametrize("url", ["https://example.org/a?b=1&c=2", "HTTP://Example.org", "http://[::1]:8000/x"])
def test_http_urls_are_links_with_escaped_attributes(url: str) -> None:
    assert safe_href(url) == url
    assert source_link(url).startswith('<a href="') and "&amp;" in source_link(url + "&x=\"y")


def test_script_json_cannot_end_or_change_a_script() -> None:
    text = script_json({"n": "</script><!--<script>&\u2028\u2029'\""})
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == {"n": "</script><!--<script>&\u2028\u2029'\""}


def test_js_template_html_leaves_no_template_syntax() -> None:
    out = js_template_html("<b>${alert(1)}</b>`\\`")
    assert "`" not in out and "${" not in out and "\\" not in out
    assert out == "<b>&#36;{alert(1)}</b>&#96;&#92;&#96;"


def test_inline_script_hashes_match_what_browsers_hash() -> None:
    page = '<script src="/a.js"></script><script>var a = 1;</script><SCRIPT type="x">b()</SCRIPT>'
    expected = ["'sha256-" + base64.b64encode(hashlib.sha256(code).digest()).decode() + "'"
                for code in (b"var a = 1;", b"b()")]
    assert inline_script_hashes(page) == expected
    policy = content_security_policy(expected)
    assert "script-src 'self' " + " ".join(expected) in policy and "'unsafe-inline'" not in policy.split("style")[0]


def test_meta_policy_goes_first_in_head_and_has_no_frame_ancestors() -> None:
    html = with_meta_policy("<html><head><title>t</title><script>x()</script></head></html>")
    assert html.index('http-equiv="Content-Security-Policy"') < html.index("<title>")
    assert "frame-ancestors" not in html


@pytest.mark.parametrize(("header", "host"), [("Example.org:8000", "example.org"), ("[::1]:80", "[::1]"),
                                               ("localhost", "localhost"), ("evil@localhost", "evil@localhost")])
def test_host_name(header: str, host: str) -> None:
    assert host_name(header) == host


def test_trusted_hosts_include_the_public_url_host_and_read_comma_lists(monkeypatch) -> None:
    monkeypatch.setenv("GEO_INDUSTRY_TRUSTED_HOSTS", "a.example, b.example")
    settings = Settings(_env_file=None, public_url="https://data.example.vn/")  # type: ignore[call-arg]
    assert settings.allowed_hosts == {"a.example", "b.example", "data.example.vn"}
    assert settings.public_url == "https://data.example.vn"
    with pytest.raises(ValueError, match="public_url"):
        Settings(_env_file=None, public_url="javascript:alert(1)")  # type: ignore[call-arg]


@pytest.mark.parametrize("gzip", [False, True])
def test_stamped_body_writes_the_time_in_place(gzip: bool) -> None:
    import zlib

    numbers = b",".join(b"%d" % i for i in range(3000))
    body = b'{"features":[' + numbers + b'],"timeStamp":"' + PLACEHOLDER.encode() + b'"}'
    stamped = StampedBody.of(body, gzip=gzip)
    out = stamped.render(b"2026-12-05T12:00:00Z")
    plain = zlib.decompress(out, 16 + zlib.MAX_WBITS) if gzip else out
    assert plain == body.replace(PLACEHOLDER.encode(), b"2026-12-05T12:00:00Z")


def _request() -> Request:
    return Request({"type": "http", "method": "GET", "path": "/x", "query_string": b"", "headers": [],
                    "scheme": "http", "server": ("127.0.0.1", 80), "root_path": ""})


def test_api_pages_show_unsafe_stored_urls_as_text() -> None:
    properties = {"name_en": "x", "sources": ["javascript:alert(1)", "https://example.org/ok"]}
    rows = [{"year": 2024, "period": "FY", "value": 1.0, "basis": "actual", "source": "javascript:alert(2)",
             "derivation": "", "note": ""}]
    page = render("feature.html", urls=Urls(_request(), None), lang="en", title="t", collection_id="c",
                  collection_title="c", feature_id="f", properties=properties, located=True,
                  statistics=[{"indicator": "i", "unit": "t", "chart": "", "rows": rows}]).body.decode()
    assert 'href="javascript' not in page.lower() and "javascript:alert(1)" in page
    assert '<a href="https://example.org/ok"' in page
    record = render("record.html", urls=Urls(_request(), None), lang="en", title="t", collection_id="statistics",
                    properties={"source": "javascript:alert(3)"}).body.decode()
    assert 'href="javascript' not in record.lower() and "javascript:alert(3)" in record


def test_zone_sheet_and_popup_show_unsafe_stored_urls_as_text(store) -> None:
    data = map_data_from_store(store)
    zones = data.layers["industrial_zones"]
    at = zones.index[zones["id"] == ZONE][0]
    zones.at[at, "sources"] = ["javascript:window.__xss=1", "https://example.org/ok"]
    zones.at[at, "area_ha_alternatives"] = [{"value": 900, "source": "javascript:window.__xss=1"}]
    ctx = PageContext(lang="en")
    page = render_zone(ZONE, data, ctx)
    assert 'href="javascript' not in page.lower() and "javascript:window.__xss=1" in page
    popup = popup_html(dict(zones.loc[at]), data, ctx)
    assert "javascript:" not in popup.split('title="')[0] and 'href="https://example.org/ok"' in popup
