"""What the search box matches a site by: its names, its kind in every language, Chinese place names.

A site is found by any of its names (Vietnamese with or without diacritics, English, Chinese where
the data has one), by the words for its kind in vi, en and zh-CN from the message catalog
("khu công nghiệp", "border gate", "口岸", "铜" for a copper mine …) and by the Chinese name of a
place its name or district mentions ("老街" finds the sites named after Lào Cai). The text is
folded once here; the browser folds the query the same way (``fold`` in ``SearchControl``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from geo_industry.i18n import LANGUAGES, translate
from geo_industry.maps.data import MapData
from geo_industry.maps.format import is_missing
from geo_industry.maps.styles import commodity_class, plant_type_class, transport_class

KIND_KEYS = {
    "industrial_zone": "zone.kind.industrial_zone",
    "economic_zone": "zone.kind.economic_zone",
    "industrial_cluster": "zone.kind.industrial_cluster",
    "mine": "kind.mine",
    "processing_plant": "kind.processing_plant",
    "hydropower": "kind.hydropower",
    "border_gate": "kind.border_gate",
    "transport": "kind.transport",
}
"""Catalog key of the word for each site ``kind``."""

PlaceNames = tuple[tuple[str, str], ...]
"""(folded Vietnamese or English place name, its Chinese name) pairs."""


def fold(text: str) -> str:
    """Lower case without diacritics, đ as d: what the browser's ``fold`` makes of a query.

    >>> fold("Khu công nghiệp Đông Phố Mới")
    'khu cong nghiep dong pho moi'
    """
    text = text.lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def kind_keys(row: Mapping[str, Any]) -> list[str]:
    """Catalog keys of the words for what the site is: its kind and its commodity, plant or transport type."""
    kind = str(row.get("kind") or "")
    keys = [KIND_KEYS[kind]] if kind in KIND_KEYS else []
    if kind == "mine":
        keys.append(f"commodity.{commodity_class(row)}")
    elif kind == "processing_plant":
        keys.append(f"plant_type.{plant_type_class(row)}")
    elif kind == "transport":
        keys.append(f"transport_type.{transport_class(row)}")
    return keys


def words_in_every_language(keys: Iterable[str]) -> str:
    """The catalog texts of ``keys`` in vi, en and zh-CN, folded."""
    return fold(" ".join(dict.fromkeys(translate(k, lang) for k in keys for lang in LANGUAGES)))


def place_names(data: MapData) -> PlaceNames:
    """Chinese names of the reference places, keyed by their folded Vietnamese and English names."""
    places = data.reference_of("places")
    if places is None or "name_zh" not in places.frame.columns:
        return ()
    pairs: dict[str, str] = {}
    for _, row in places.frame.iterrows():
        zh = row.get("name_zh")
        if is_missing(zh) or not str(zh):
            continue
        for column in ("name_vi", "name_en"):
            name = row.get(column)
            if not is_missing(name) and len(fold(str(name))) >= 3:
                pairs.setdefault(fold(str(name)), str(zh))
    return tuple(pairs.items())


def _text(value: Any) -> str:
    return "" if is_missing(value) else str(value)


def search_text(row: Mapping[str, Any], places: PlaceNames = ()) -> str:
    """What the site is found by besides its label (the names the list shows, folded in the page):
    its Chinese name and the Chinese names of the places its names mention.

    The words for its kind (:func:`kind_keys`) are added in the page, once per kind.
    """
    names = fold(" ".join(_text(row.get(k)) for k in ("name_vi", "name_en")))
    chinese = [zh for name, zh in places if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", names)]
    texts = (_text(row.get("name_zh")), *chinese)
    return " ".join(dict.fromkeys(t for t in texts if t))
