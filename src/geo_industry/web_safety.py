"""Output encoding for web pages, in one place: JSON in scripts, links, JS template literals, CSP.

Every stored string is treated as hostile. HTML text and attributes are escaped by Jinja2's
autoescape (or :func:`html.escape` where HTML is built in Python); the helpers here cover the
other contexts:

- :func:`script_json`: JSON that is safe inside ``<script>`` (``<``, ``>``, ``&``, U+2028 and
  U+2029 escaped, so no ``</script>`` or ``<!--`` can end or change the script);
- :func:`safe_href` / :func:`source_link`: a stored URL becomes a link only when its scheme is
  ``http`` or ``https``; anything else (``javascript:``, ``data:`` …) is shown as text;
- :func:`js_template_html`: HTML that goes into a JavaScript template literal (Folium's popups
  and tooltips) with the characters that are special there (`` ` ``, ``$``, ``\\``) written as
  HTML character references, which render the same;
- :func:`content_security_policy`: the policy of a page, allowing its own inline scripts by
  their SHA-256 hashes (:func:`inline_script_hashes`) and never ``'unsafe-inline'`` scripts.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

#: vendored scripts that need ``'unsafe-eval'``: leaflet-measure 3.1 compiles its lodash templates
#: with ``Function`` when it loads (no stored text reaches them; inline scripts stay hash-only)
EVAL_SCRIPTS = (b"leaflet-measure.js",)
LINK_SCHEMES = frozenset({"http", "https"})
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCRIPT_SPECIAL = re.compile("[<>&\u2028\u2029]")
_TEMPLATE_ESCAPES = {"`": "&#96;", "$": "&#36;", "\\": "&#92;"}
_TEMPLATE_SPECIAL = re.compile(r"[`$\\]")
# an inline script: <script> without a src attribute; its text up to the first </script
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script", re.IGNORECASE | re.DOTALL)


def script_json(value: Any) -> str:
    """``value`` as JSON that can be placed inside an inline ``<script>`` as is."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return _SCRIPT_SPECIAL.sub(lambda match: _SCRIPT_ESCAPES[match.group()], text)


def safe_href(url: object) -> str | None:
    """``url`` when it is an absolute ``http``/``https`` URL with a host and no space or control
    character, else ``None`` (plain-text citations and other schemes are shown as text)."""
    if not isinstance(url, str):
        return None
    candidate = url.strip()
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in candidate):
        return None
    try:
        parts = urlsplit(candidate)
        host = parts.hostname
    except ValueError:
        return None
    return candidate if parts.scheme.lower() in LINK_SCHEMES and host else None


def source_link(url: object, label: object = None) -> Markup:
    """An ``<a>`` to ``url`` when :func:`safe_href` accepts it, else the text, escaped either way."""
    text = escape(url if label is None else label)
    href = safe_href(url)
    if href is None:
        return Markup("<span class=\"gi-url\">{}</span>").format(text)
    return Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(href, text)


def js_template_html(html: str) -> str:
    """HTML safe inside a JavaScript template literal (`` `…` ``), rendering the same."""
    return _TEMPLATE_SPECIAL.sub(lambda match: _TEMPLATE_ESCAPES[match.group()], html)


def inline_script_hashes(html: bytes | str) -> list[str]:
    """CSP source expressions (``'sha256-…'``) of every inline script of ``html``, in order, once each."""
    body = html.encode("utf-8") if isinstance(html, str) else html
    digests = (base64.b64encode(hashlib.sha256(match.group(1)).digest()).decode()
               for match in _INLINE_SCRIPT.finditer(body))
    return list(dict.fromkeys(f"'sha256-{digest}'" for digest in digests))


def script_sources(html: bytes | str) -> list[str]:
    """What ``script-src`` must allow for ``html`` besides ``'self'``: its inline scripts' hashes, and
    ``'unsafe-eval'`` when it loads a vendored script that compiles templates at run time."""
    body = html.encode("utf-8") if isinstance(html, str) else html
    sources = inline_script_hashes(body)
    if any(name in body for name in EVAL_SCRIPTS):
        sources.append("'unsafe-eval'")
    return sources


def content_security_policy(script_hashes: Iterable[str] = (), *, origins: Iterable[str] = (),
                            frame_ancestors: bool = True) -> str:
    """The Content-Security-Policy of a page whose inline scripts have ``script_hashes``.

    ``origins`` are extra origins (e.g. the public URL's) allowed like ``'self'``; tiles of the
    online basemaps are images from any ``https:`` host. ``frame_ancestors=False`` leaves that
    directive out (a ``<meta>`` policy cannot carry it).
    """
    own = " ".join(["'self'", *origins])
    directives = [
        f"default-src {own}",
        " ".join([f"script-src {own}", *script_hashes]),
        f"style-src {own} 'unsafe-inline'",
        f"img-src {own} data: blob: https:",
        f"font-src {own} data:",
        f"connect-src {own}",
        "object-src 'none'",
        "base-uri 'none'",
        f"form-action {own}",
    ]
    if frame_ancestors:
        directives.append("frame-ancestors 'none'")
    return "; ".join(directives)


def with_meta_policy(html: str) -> str:
    """``html`` with its Content-Security-Policy in a ``<meta http-equiv>`` first in ``<head>``.

    For pages served as files, where no header can be set; ``frame-ancestors`` is left out since
    browsers ignore it in a meta policy (the web server publishing the files should send it).
    """
    policy = content_security_policy(script_sources(html), frame_ancestors=False)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    match = _HEAD.search(html)
    if match is None:
        raise ValueError("a page without <head> cannot carry a meta Content-Security-Policy")
    return html[: match.end()] + meta + html[match.end():]
