"""The index page: every map and every zone fact sheet."""

from __future__ import annotations

from geo_industry.i18n import LANGUAGES
from geo_industry.maps.base import HEADER_CSS, PageContext, header_bar
from geo_industry.maps.data import MapData
from geo_industry.maps.popups import names
from geo_industry.maps.registry import PAGES
from geo_industry.maps.styles import is_approximate
from geo_industry.maps.zones import _env, zone_rows


def build_index_page(data: MapData, ctx: PageContext) -> str:
    """Render the index page's HTML."""
    zones = [
        (
            ctx.urls.zone(str(r["id"]), ctx.lang),
            names(r, ctx.lang)[0],
            ctx.t(f"zone.kind.{r.get('kind')}"),
            is_approximate(r),
        )
        for r in zone_rows(data)
    ]
    return _env.get_template("index.html").render(
        t=ctx.t,
        lang=ctx.lang,
        css=HEADER_CSS,
        as_of=data.as_of,
        maps=[(ctx.urls.page(p.name, ctx.lang), ctx.t(p.nav_key)) for p in PAGES if p.name != "index"],
        zones=zones,
        bar=header_bar(
            ctx, page="index", title=ctx.t("site.title"), lang_url={c: ctx.urls.page("index", c) for c in LANGUAGES}
        ),
    )
