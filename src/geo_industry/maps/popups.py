"""Popup and tooltip HTML of a site: names in both languages, facts, latest output, a chart."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from markupsafe import Markup
from markupsafe import escape as markup_escape

from geo_industry.i18n import data_language, html_lang
from geo_industry.maps.base import PageContext
from geo_industry.maps.charts import bar_chart_svg, bars_from
from geo_industry.maps.data import MapData
from geo_industry.maps.format import indicator_label, is_missing, number, quantity, unit
from geo_industry.maps.language import free_text_html, in_language
from geo_industry.maps.series import latest, main_indicator, undated, yearly
from geo_industry.maps.styles import is_approximate, uncertainty_km
from geo_industry.web_safety import safe_href

ZONE_KINDS = ("industrial_zone", "economic_zone", "industrial_cluster")


def names(row: Mapping[str, Any], lang: str) -> tuple[str, str]:
    """The name in the page's data language first, the other language second ('' if same)."""
    first, second = ("name_vi", "name_en") if data_language(lang) == "vi" else ("name_en", "name_vi")
    primary = _text(row.get(first)) or _text(row.get(second)) or _text(row.get("id"))
    other = _text(row.get(second))
    return primary, "" if other == primary else other


def name_languages(row: Mapping[str, Any], lang: str) -> tuple[str, str]:
    """The languages of :func:`names`' two names (``vi`` or ``en`` each)."""
    first = data_language(lang)
    second = "en" if first == "vi" else "vi"
    return (first, second) if _text(row.get(f"name_{first}")) else (second, first)


def _text(value: Any) -> str:
    return "" if is_missing(value) else str(value)


def approx_badge(ctx: PageContext) -> str:
    """The "approx." badge shown next to names of approximately located sites."""
    return f'<span class="gi-badge">≈ {escape(ctx.t("popup.approx"))}</span>'


def precision_text(row: Mapping[str, Any], ctx: PageContext) -> str:
    """The location precision as readers understand it, e.g. "estimated, ± 5 km"."""
    precision = _text(row.get("coord_precision")) or "none"
    km = uncertainty_km(row)
    if precision.startswith("estimated"):
        text = ctx.t("precision.estimated", km=number(km, ctx.lang) if km else "?")
    else:
        text = ctx.t(f"precision.{precision}")
    quality = _text(row.get("geometry_quality"))
    return f"{text} ({ctx.t('quality.' + quality)})" if quality else text


def tooltip_html(row: Mapping[str, Any], ctx: PageContext) -> str:
    """Tooltip: the name and, for approximate locations, the badge."""
    primary, _ = names(row, ctx.lang)
    return in_language(primary, name_languages(row, ctx.lang)[0], ctx.lang) + (
        approx_badge(ctx) if is_approximate(row) else ""
    )


def _capacity(row: Mapping[str, Any], ctx: PageContext) -> str:
    value = row.get("capacity_value")
    if is_missing(value):
        return ""
    text = quantity(value, _text(row.get("capacity_unit")), ctx.lang)
    note = free_text_html(row.get("capacity_note"), ctx.lang)
    return Markup("{0} ({1})").format(text, note) if note else text


def area_text(row: Mapping[str, Any], ctx: PageContext) -> str:
    """The area with its basis; for a zone drawn as a point, whether its outline is published.

    A declared area is only ever words ("declared area 1,000 ha, outline not published"),
    never a shape on the map.
    """
    if is_missing(row.get("area_ha")):
        return ""
    basis = _text(row.get("area_basis"))
    text = quantity(row.get("area_ha"), "ha", ctx.lang)
    text = f"{text} ({ctx.t('area_basis.' + basis)})" if basis else text
    if row.get("kind") not in ZONE_KINDS:
        return text
    if _text(row.get("outline_id")):
        return f"{text} · {ctx.t('area.surveyed_outline')}"
    return ctx.t("area.declared_no_outline", area=text)


def _outline_link(row: Mapping[str, Any], ctx: PageContext) -> str:
    site = _text(row.get("site_id"))
    if row.get("kind") != "zone_outline" or not site:
        return ""
    return f'<div><a href="{escape(ctx.urls.zone(site, ctx.lang))}">{escape(ctx.t("popup.more"))} →</a></div>'


def _latest_rows(entity: str, data: MapData, ctx: PageContext) -> list[tuple[str, str]]:
    rows = []
    for obs in latest(data.statistics, entity)[:4]:
        basis = ctx.t(f"basis.{obs.basis}") if obs.basis else ""
        when = str(obs.year) + ("" if obs.is_full_year else f" {obs.period}, {ctx.t('stats.part_year')}")
        computed = ctx.t("stats.computed") if obs.derivation else ""
        detail = ", ".join(x for x in (basis, when, computed) if x)
        rows.append((indicator_label(obs.indicator, ctx.lang), f"{quantity(obs.value, obs.unit, ctx.lang)} ({detail})"))
    for fig in undated(data.statistics, entity)[:2]:  # listed with the source's own period, never as latest
        basis = ctx.t(f"basis.{fig.basis}") if fig.basis else ""
        computed = ctx.t("stats.computed") if fig.derivation else ""
        detail = ", ".join(x for x in (basis, ctx.t("stats.undated"), fig.period, computed) if x)
        rows.append((indicator_label(fig.indicator, ctx.lang), f"{quantity(fig.value, fig.unit, ctx.lang)} ({detail})"))
    return rows


def _sources(row: Mapping[str, Any]) -> list[str]:
    value = row.get("sources")
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in (value if value is not None and not is_missing(value) else []) if v]


def _source_ref(number: int, url: str) -> str:
    href = safe_href(url)
    if href is None:
        return f'<span class="alt" title="{escape(url)}">[{number}]</span>'
    return f'<a href="{escape(href)}" target="_blank" rel="noopener noreferrer">[{number}]</a>'


def _chart(entity: str, data: MapData, ctx: PageContext) -> str:
    indicator = main_indicator(data.statistics, entity)
    if indicator is None:
        return ""
    observations = yearly(data.statistics, entity, indicator)
    label = unit(observations[0].unit, ctx.lang) if observations else ""
    return bar_chart_svg(bars_from(observations), lang=ctx.lang, title=indicator_label(indicator, ctx.lang), unit=label)


def popup_html(row: Mapping[str, Any], data: MapData, ctx: PageContext) -> str:
    """The popup of one site: names, operator, status, capacity, latest output, precision,
    sources, a chart of its output series and, for zones, a link to the fact sheet."""
    entity = _text(row.get("id"))
    primary, other = names(row, ctx.lang)
    first_lang, other_lang = name_languages(row, ctx.lang)
    badge = approx_badge(ctx) if is_approximate(row) else ""
    facts = [
        (ctx.t("popup.operator"), free_text_html(row.get("operator"), ctx.lang)),
        (ctx.t("popup.status"), ctx.t(f"status.{row.get('status') or 'unknown'}")),
        (ctx.t("popup.capacity"), _capacity(row, ctx)),
        (ctx.t("popup.area"), area_text(row, ctx)),
        *_latest_rows(entity, data, ctx),
        (ctx.t("popup.precision"), precision_text(row, ctx)),
    ]
    table = "".join(f"<tr><th>{escape(k)}</th><td>{markup_escape(v)}</td></tr>" for k, v in facts if v)
    sources = _sources(row)
    links = " ".join(_source_ref(i, u) for i, u in enumerate(sources, 1))
    parts = [
        f'<div class="gi-popup" data-id="{escape(entity)}">',
        f"<h3>{in_language(primary, first_lang, ctx.lang)}{badge}</h3>",
        f'<div class="alt" lang="{html_lang(other_lang)}">{escape(other)}</div>' if other else "",
        f"<table>{table}</table>",
        _chart(entity, data, ctx) or f'<div class="alt">{escape(ctx.t("popup.no_stats"))}</div>',
        f"<div>{escape(ctx.t('popup.sources'))}: {links}</div>" if links else "",
    ]
    parts.append(_outline_link(row, ctx))
    if row.get("kind") in ZONE_KINDS:
        parts.append(
            f'<div><a href="{escape(ctx.urls.zone(entity, ctx.lang))}">{escape(ctx.t("popup.more"))} →</a></div>'
        )
    parts.append("</div>")
    return "".join(parts)
