"""HTML pages: Jinja2 templates in ``geo_industry/templates/api``, interface text in vi and en.

The text comes from the shared message catalog (``api.*`` keys of :mod:`geo_industry.i18n`).

Pages link our own assets under ``/static`` (no CDN); data texts (layer titles, feature
names) come from the data in the page's language. Jinja2 is set up by the first page rendered: a worker
answering only JSON never imports it.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse

from geo_industry.api.deps import LANGUAGES
from geo_industry.api.links import Urls
from geo_industry.i18n import translate
from geo_industry.models import Bilingual
from geo_industry.web_safety import safe_href, source_link

if TYPE_CHECKING:
    from jinja2 import Environment


@cache
def _environment() -> Environment:
    """The templates' environment: every value escaped, an undefined name an error."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=PackageLoader("geo_industry", "templates/api"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(source_link=source_link, safe_href=safe_href)
    return environment


#: online basemaps, used only when ``settings.basemap`` names one (the default is offline: no tiles)
BASEMAPS = {
    "osm": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "attribution": "© OpenStreetMap contributors"},
    "carto": {"url": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
              "attribution": "© OpenStreetMap contributors © CARTO"},
}


def text(lang: str, key: str, **values: Any) -> str:
    """Interface text ``key`` in ``lang``."""
    return translate(f"api.{key}", lang, **values)


def bilingual(value: Bilingual | None, lang: str) -> str:
    """A data text in the page language."""
    return "" if value is None else value.in_language(lang)


def render(template: str, *, urls: Urls, lang: str, title: str, **context: Any) -> HTMLResponse:
    """Render a page with the shared chrome (navigation, language switch, JSON link)."""
    page = _environment().get_template(template).render(
        lang=lang,
        title=title,
        t=lambda key, **values: text(lang, key, **values),
        urls=urls,
        lang_urls={code: urls.current(lang=code) for code in LANGUAGES},
        json_url=urls.current(f="json", lang=None),
        tiles=BASEMAPS.get(urls.basemap),
        **context,
    )
    return HTMLResponse(page, headers={"Content-Language": lang})
