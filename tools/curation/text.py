"""Small pure helpers: reading the research's cells and writing deterministic JSON."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

Number = int | float


def name_search(*names: str | None) -> str:
    """ASCII, lower-case search name of the given names (Vietnamese marks folded away)."""
    text = " ".join(n for n in names if n)
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"\s+", " ", text).strip()


def num(text: str | None) -> Number | None:
    """A research cell as a number: int when written without a decimal point, null when empty."""
    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def clean(text: str | None) -> str | None:
    """A research cell stripped and NFC-normalised, null when empty."""
    text = (text or "").strip()
    return unicodedata.normalize("NFC", text) if text else None


def split_unit(raw: str | None) -> tuple[str | None, str | None]:
    """'Mt ore/yr (design)' -> ('Mt ore/yr', 'design')."""
    raw = (raw or "").strip()
    if not raw:
        return None, None
    m = re.match(r"^(.*?)\s*\((.*)\)\s*$", raw)
    unit, note = (m.group(1), m.group(2)) if m else (raw, None)
    if unit == "km mainline":
        unit, note = "km", "mainline"
    if unit == "kt/yr ore":
        unit = "kt ore/yr"
    return unit, note


# Capacity units of one kind, each with its exact factor to the kind's base unit.  The mass
# units may name what is weighed ("t cathode/yr", "Mt ore/yr", "t/yr ore"); km (a length) and
# units that are missing or of another kind give null in every normalised field.
CAPACITY_KINDS: dict[str, tuple[re.Pattern[str], dict[str, int]]] = {
    "capacity_t_per_year": (re.compile(r"^(t|kt|Mt)(?: [^/]+)?/yr(?: [a-z ]+)?$"),
                            {"t": 1, "kt": 1000, "Mt": 1000000}),
    "capacity_m3_per_year": (re.compile(r"^(m3|m³)/yr$"), {"m3": 1, "m³": 1}),
    "capacity_mw": (re.compile(r"^(MW|GW)$"), {"MW": 1, "GW": 1000}),
    "capacity_passengers_per_year": (re.compile(r"^(passengers|million passengers)/yr$"),
                                     {"passengers": 1, "million passengers": 1000000}),
}


def normalised_capacity(value: Number | None, unit: str | None) -> dict[str, Number | None]:
    """capacity_value in the base unit of its kind (exact factors only), null for other kinds.

    >>> normalised_capacity(1.2, "Mt ore/yr")["capacity_t_per_year"]
    1200000
    """
    out: dict[str, Number | None] = dict.fromkeys(CAPACITY_KINDS)
    if value is None or not unit:
        return out
    for field, (pattern, factors) in CAPACITY_KINDS.items():
        m = pattern.match(unit)
        if m:
            exact = Decimal(str(value)) * factors[m.group(1)]
            out[field] = int(exact) if exact == exact.to_integral_value() else float(exact)
    return out


def radius_km(label: str | None) -> Number | None:
    """N of an ``estimated-Nkm`` precision label, else null."""
    m = re.fullmatch(r"estimated-(\d+(?:\.\d+)?)km", label or "")
    return num(m.group(1)) if m else None


def rnd(x: float) -> float:
    """A coordinate rounded to 6 decimals."""
    return round(x, 6)


def split_urls(text: str | None) -> list[str]:
    """The URLs of a cell that lists them separated by spaces or ' ; '."""
    return [u.strip() for u in re.split(r"\s+;\s+|\s+", text or "") if u.strip()]


def uniq(seq: Iterable[str]) -> list[str]:
    """The non-empty items in first-seen order, without repeats."""
    out: list[str] = []
    for x in seq:
        if x and x not in out:
            out.append(x)
    return out


def fmt_num(x: Number) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def dumps(obj: Any) -> str:
    """One-line JSON, UTF-8 text kept as is."""
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


def geojson_text(layer: str, feats: list[dict[str, Any]]) -> str:
    """A layer file: one feature per line, so that diffs show features."""
    lines = ['{"type": "FeatureCollection", "name": ' + dumps(layer) + ', "features": [']
    for i, f in enumerate(feats):
        lines.append(dumps(f) + ("," if i < len(feats) - 1 else ""))
    lines.append("]}")
    return "\n".join(lines) + "\n"
