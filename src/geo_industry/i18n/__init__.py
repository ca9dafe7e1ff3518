"""Interface text in Vietnamese, English and Simplified Chinese from one message catalog.

The catalog is one JSON file per language next to this module (``vi.json``, ``en.json``,
``zh-CN.json``), each a flat mapping of dotted keys to text with ``{name}`` placeholders.
Feature names and layer titles come from the data (Vietnamese and English); only the
interface is translated here.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Final

LANGUAGES: Final = ("vi", "en", "zh-CN")
DEFAULT_LANGUAGE: Final = "vi"
FALLBACK_LANGUAGE: Final = "en"


class UnknownLanguage(ValueError):
    """A language code that is not one of :data:`LANGUAGES`."""

    def __init__(self, value: object) -> None:
        self.value = value
        super().__init__(f"invalid lang={value!r}: expected one of {', '.join(LANGUAGES)}")


@cache
def catalog(lang: str) -> dict[str, str]:
    """Return the message catalog of ``lang`` (a flat key → text mapping)."""
    if lang not in LANGUAGES:
        raise UnknownLanguage(lang)
    text = resources.files(__package__).joinpath(f"{lang}.json").read_text(encoding="utf-8")
    messages: dict[str, str] = json.loads(text)
    return messages


def translate(key: str, lang: str, **values: object) -> str:
    """Return the interface text for ``key`` in ``lang``, formatted with ``values``.

    Missing keys fall back to English, then to the key itself, so a gap in a catalog shows
    as readable text instead of an error.

    Examples
    --------
    >>> translate("nav.overview", "en")
    'Overview'
    """
    text = catalog(lang).get(key) or catalog(FALLBACK_LANGUAGE).get(key) or key
    return text.format(**values) if values else text


def data_language(lang: str) -> str:
    """The language of data texts (names, titles) shown first: ``vi`` or ``en``."""
    return "vi" if lang == "vi" else "en"


def html_lang(lang: str) -> str:
    """The value for the HTML ``lang`` attribute."""
    return "zh-Hans" if lang == "zh-CN" else lang
