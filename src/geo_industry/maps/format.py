"""Numbers, units and labels written for readers of each language."""

from __future__ import annotations

import math
from html import escape as html_escape
from typing import Any

import numpy as np
import pandas as pd

from geo_industry.i18n import data_language, translate


def is_missing(value: Any) -> bool:
    """Whether ``value`` is empty: ``None``, NaN, an empty string or an empty list."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str | list | tuple) and len(value) == 0:
        return True
    missing = pd.isna(value)
    return bool(missing) if isinstance(missing, bool | np.bool_) else False


def number(value: float | int | None, lang: str, *, digits: int | None = None) -> str:
    """Format a number with the language's separators (``1.234,5`` in vi, ``1,234.5`` else)."""
    if is_missing(value):
        return "–"
    assert value is not None
    if digits is None:
        digits = 0 if float(value).is_integer() or abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    text = f"{float(value):,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


def computed_label(derivation: str | None, lang: str) -> str:
    """HTML ``(computed)`` with the derivation as its tooltip, or ``""`` for a printed figure.

    >>> computed_label("10 / 0.5", "en")
    ' <span class="gi-computed" title="computed, not printed by the source: 10 / 0.5">(computed)</span>'
    """
    if is_missing(derivation) or not str(derivation).strip():
        return ""
    how = html_escape(translate("stats.computed_how", lang, how=str(derivation)))
    return f' <span class="gi-computed" title="{how}">({html_escape(translate("stats.computed", lang))})</span>'


def computed_text(derivation: str | None, lang: str) -> str:
    """Plain-text `` · computed`` for tooltips and labels, or ``""`` for a printed figure."""
    if is_missing(derivation) or not str(derivation).strip():
        return ""
    return f" · {translate('stats.computed', lang)}"


def unit(slug: str | None, lang: str) -> str:
    """The unit slug as readers write it (``bn_vnd`` → ``tỷ đồng`` in Vietnamese)."""
    if not slug or is_missing(slug):
        return ""
    text = translate(f"unit.{slug}", lang)
    return slug if text == f"unit.{slug}" else text


def quantity(value: float | None, slug: str | None, lang: str) -> str:
    """A number with its unit."""
    text = number(value, lang)
    label = unit(slug, lang)
    return f"{text} {label}".strip() if label else text


def indicator_label(indicator: str, lang: str) -> str:
    """The indicator's name from the message catalog (``indicator.<slug>``).

    Every indicator of ``data/statistics.csv`` has a label in each language (a test checks);
    an indicator added later without one shows its slug unchanged.
    """
    key = f"indicator.{indicator}"
    text = translate(key, lang)
    return indicator if text == key else text


def entity_name(entities: pd.DataFrame | None, entity: str, lang: str) -> str:
    """The entity's name from ``entities.csv`` in the data language of ``lang`` (else its id)."""
    if entities is None or entities.empty or "entity" not in entities.columns:
        return entity
    rows = entities[entities["entity"] == entity]
    if rows.empty:
        return entity
    column = "name_vi" if data_language(lang) == "vi" else "name_en"
    name = rows.iloc[0].get(column)
    return entity if is_missing(name) else str(name)
