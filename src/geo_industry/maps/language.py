"""One language per page: data texts in the page language, or tagged with the language they are in.

The research gives most free texts (operators, sectors, districts, notes) in one language only, often
a Vietnamese name with an English remark in brackets. :func:`free_text_html` shows a text the catalog
knows (a generic description such as "Lào Cai Economic Zone Management Board") in the page language,
and any other text as written, each bracketed part marked with the language it is in when that is not
the page's (``<span lang="en" class="lang-tag">en</span>``), so nothing is silently mixed.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

from geo_industry.i18n import html_lang, translate
from geo_industry.maps.format import is_missing

CATALOG_TEXTS: dict[str, str] = {
    "Lào Cai Economic Zone Management Board": "operator.lao_cai_ez_board",
    "Lào Cai IZ/Economic Zone Management Board (infrastructure developer)": "operator.lao_cai_ez_board_developer",
    "Lào Cai IZ/Economic Zone Management Board": "operator.lao_cai_ez_board",
    "BQL các KCN tỉnh (Yên Bái-area IZ management board)": "operator.yen_bai_iz_board",
    "Vietnam border/customs authorities": "operator.border_customs",
    "Vietnam Railways": "operator.vietnam_railways",
    "Vietnam Railways / customs": "operator.vietnam_railways_customs",
    "Ministry of Construction (project owner)": "operator.ministry_of_construction",
    "mineral beneficiation, metallurgy, fertiliser, chemicals (heavy industry)": "sector.heavy_industry",
    "multi-sector (planned)": "sector.multi_planned",
    "multi-sector (planned; added 2026)": "sector.multi_planned_2026",
    "multi-sector": "sector.multi",
    "industrial cluster": "sector.industrial_cluster",
    "hydropower": "sector.hydropower",
    "general industry (planned)": "sector.general_planned",
    "industry (planned)": "sector.industry_planned",
    "heavy/processing industry (planned)": "sector.heavy_processing_planned",
    "border trade, logistics, light industry, services": "sector.border_trade_logistics",
    "border-gate logistics, warehousing, trade": "sector.border_gate_logistics",
    "clean industry: processing, packaging, warehousing for import-export": "sector.clean_industry",
    "industrial zone infrastructure (investment policy approved; not yet built)": "sector.iz_infrastructure_approved",
    "local border trade": "sector.local_border_trade",
    "border trade (being upgraded to international)": "sector.border_trade_upgrading",
}
"""Generic descriptions in the data (exact text) and the catalog key that says them in every language."""

PROVINCES_ZH = {"Yên Bái": "安沛", "Lào Cai": "老街"}
"""Chinese names of the former provinces (as in ``data/reference/places.geojson``)."""
FORMER_PROVINCE = re.compile(r"\s*\(former ([^()]+)\)")
"""A district's "(former Yên Bái)" remark: said by the catalog (``place.former_province``) instead."""

_VI_LETTERS = re.compile(
    "[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.IGNORECASE
)
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_EN_WORDS = frozenset(
    "a an and are as at be being board by company former for from in incl includes into is its listed management "
    "name new no not of on or per planned project proposed same shared since the to under upper with without "
    "area areas town commune communes ward wards river plant plants industry investor infrastructure design "
    "licensed expansion after before year years capacity ore by-product by-products owner developer".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_BRACKETS = re.compile(r"(\([^()]*\))")


def text_language(text: str) -> str | None:
    """``zh-CN``, ``en`` or ``vi`` by what the text is written with, None for names and codes alike in all.

    >>> text_language("Công ty CP Xi măng Yên Bái"), text_language("(infrastructure developer)")
    ('vi', 'en')
    """
    if _CJK.search(text):
        return "zh-CN"
    words = [w.lower() for w in _WORD.findall(text)]
    if any(w in _EN_WORDS for w in words):
        return "en"
    if _VI_LETTERS.search(text):
        return "vi"
    return None


def lang_tag(lang: str) -> Markup:
    """The discreet mark after a text in another language than the page's."""
    code = html_lang(lang)
    return Markup('<span lang="{0}" class="lang-tag">{1}</span>').format(code, "zh" if lang == "zh-CN" else lang)


def in_language(text: str, text_lang: str, page_lang: str) -> Markup:
    """``text`` escaped, marked with its language when it is not the page's (a name the data has in vi/en only)."""
    if text_lang == page_lang or not text:
        return escape(text)
    return Markup('<span lang="{0}">{1}</span>{2}').format(html_lang(text_lang), text, lang_tag(text_lang))


def _tagged(part: str, page_lang: str) -> Markup:
    lang = text_language(part)
    text = part.strip()
    if lang is None or lang == page_lang or not text:
        return escape(part)
    lead, trail = part[: len(part) - len(part.lstrip())], part[len(part.rstrip()) :]
    return Markup('{0}<span lang="{1}">{2}</span>{3}{4}').format(lead, html_lang(lang), text, lang_tag(lang), trail)


def free_text_html(value: Any, page_lang: str) -> Markup:
    """A data text for a page in ``page_lang``: from the catalog when generic, else tagged by language.

    Examples
    --------
    >>> str(free_text_html("Vietnam Railways", "vi"))
    'Đường sắt Việt Nam'
    >>> str(free_text_html("TP Yên Bái (former Yên Bái)", "vi"))
    'TP Yên Bái (tỉnh Yên Bái cũ)'
    """
    if is_missing(value) or str(value).strip() == "":
        return Markup("")
    text = str(value).strip()
    key = CATALOG_TEXTS.get(text)
    if key is not None:
        return escape(translate(key, page_lang))
    former = FORMER_PROVINCE.search(text)
    suffix = Markup("")
    if former is not None:
        text = FORMER_PROVINCE.sub("", text)
        province = former.group(1).strip()
        if page_lang == "zh-CN":
            province = PROVINCES_ZH.get(province, province)
        suffix = Markup(" ({0})").format(translate("place.former_province", page_lang, province=province))
    parts = [_tagged(part, page_lang) for part in _BRACKETS.split(text) if part]
    return Markup("").join(parts) + suffix


MEASURE_KEYS = (
    "toggle", "title", "create", "start_help", "cancel", "finish", "last_point", "path_distance", "area",
    "perimeter", "linear", "area_measurement", "point", "center_line", "center_area", "center_point", "delete",
    "sqmeters", "sqfeet", "sqmiles", "kilometers", "meters", "hectares", "acres", "feet", "miles",
)
"""``measure.*`` catalog keys: the English text is leaflet-measure's own, the other languages replace it."""

MEASURE_JS = """(function(){
  var map = %(map)s, words = %(words)s;
  var pattern = new RegExp("\\\\b(" + Object.keys(words).join("|") + ")\\\\b", "g");
  function inMeasure(node) {
    var el = node.parentElement;
    var popup = el && el.closest(".leaflet-popup-content");
    return el && (el.closest(".leaflet-control-measure") || (popup && popup.querySelector(".js-zoomto")));
  }
  function translate(root) {
    if (root.nodeType === 3) { root = root.parentElement || root; }
    if (root.nodeType !== 1) { return; }
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), node, changed = [];
    while ((node = walker.nextNode())) {
      if (pattern.test(node.nodeValue) && inMeasure(node)) { changed.push(node); }
      pattern.lastIndex = 0;
    }
    changed.forEach(function (n) { n.nodeValue = n.nodeValue.replace(pattern, function (w) { return words[w]; }); });
    root.querySelectorAll(".leaflet-control-measure [title]").forEach(function (e) {
      if (words[e.title]) { e.title = words[e.title]; }
    });
  }
  new MutationObserver(function (records) {
    records.forEach(function (r) { r.addedNodes.forEach(translate); });
  }).observe(map.getContainer(), {childList: true, subtree: true});
  translate(map.getContainer());
})();"""
"""Puts the page language in the measure control and its result popups as leaflet-measure draws them."""


def measure_translation(map_name: str, lang: str) -> str | None:
    """The script translating leaflet-measure's English on a ``lang`` page (None on English pages)."""
    if lang == "en":
        return None
    from geo_industry.web_safety import script_json

    pairs = [(translate(f"measure.{k}", "en"), translate(f"measure.{k}", lang)) for k in MEASURE_KEYS]
    words = dict(sorted(pairs, key=lambda pair: -len(pair[0])))  # "Area measurement" before "Area"
    return MEASURE_JS % {"map": map_name, "words": script_json(words)}
