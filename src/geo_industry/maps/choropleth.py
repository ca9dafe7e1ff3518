"""Choropleth of the statistics by administrative unit, on whatever boundary layer is configured.

Statistics name admin units by entity id ``admin:<code>:<vintage>`` (``data/entities.csv``);
boundary files name their features by their own properties. :data:`ADMIN_BOUNDARY_KEYS` is
the one table that links the two: for each (admin code, vintage) the value its feature has
in each property a boundary file may carry. A map matches on the first property of
:data:`MATCH_PROPERTIES` the configured boundary has, and shows one vintage only (the one
with most features matched), so former and merged provinces never share a map.

Each choropleth option is one (indicator, year, price basis, unit) of full-year actual values;
price bases are never mixed and the legend states the basis (values whose source states none
are grouped as "price basis not stated"). The boundary file is whatever the user configures
(``GEO_INDUSTRY_BOUNDARY_PATH``); e.g. ``../shared/fixtures/vn_admin1.geojson`` matches both
former provinces by ``shapeISO``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

import geopandas as gpd
import pandas as pd

from geo_industry.maps.format import indicator_label, is_missing, number, unit

ADMIN_BOUNDARY_KEYS: dict[tuple[str, str], dict[str, str]] = {
    # former Lào Cai (GSO code 10) in geoBoundaries ADM1 before the 2025 mergers
    ("10", "pre-2025-07-01"): {"shapeISO": "VN-02", "shapeName": "Lào Cai"},
    # former Yên Bái (GSO code 15) in geoBoundaries ADM1 before the 2025 mergers
    ("15", "pre-2025-07-01"): {"shapeISO": "VN-06", "shapeName": "Yên Bái"},
    # the merged province (GSO code 15 from 2025-07-01), e.g. ../shared/fixtures/laocai_2025_merged.geojson
    ("15", "2025-07-01"): {"name": "Lào Cai"},
}
"""(admin code, vintage) → {boundary property: value}. Add a row (or a property) here to
match another unit or another boundary file; nothing else needs to change."""
MATCH_PROPERTIES = ("shapeISO", "shapeName", "name")
"""Boundary properties tried in order; codes before names."""
CLASS_COLORS = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
NO_DATA_COLOR = "#d9d9d9"
DEFAULT_INDICATOR = "industrial_production_value"


def admin_entity(code: str, vintage: str) -> str:
    """The statistics entity id of an admin unit, e.g. ``admin:10:pre-2025-07-01``."""
    return f"admin:{code}:{vintage}"


@dataclass(frozen=True)
class BoundaryMatch:
    """Which boundary features stand for which admin units of one vintage."""

    property: str
    vintage: str
    features: dict[str, str]
    """Boundary property value → statistics entity id."""


def match_boundary(frame: gpd.GeoDataFrame) -> BoundaryMatch | None:
    """Match the boundary's features to admin units, or ``None`` if none match."""
    best: BoundaryMatch | None = None
    for prop in (p for p in MATCH_PROPERTIES if p in frame.columns):
        present = set(frame[prop].dropna().astype(str))
        by_vintage: dict[str, dict[str, str]] = {}
        for (code, vintage), keys in ADMIN_BOUNDARY_KEYS.items():
            if keys.get(prop) in present:
                by_vintage.setdefault(vintage, {})[keys[prop]] = admin_entity(code, vintage)
        for vintage, features in by_vintage.items():
            if best is None or len(features) > len(best.features):
                best = BoundaryMatch(prop, vintage, features)
        if best is not None:
            return best
    return None


@dataclass(frozen=True)
class ChoroplethClass:
    """One legend class: colour and value range (inclusive)."""

    color: str
    low: float
    high: float


@dataclass
class ChoroplethOption:
    """One selectable map: an indicator in one year and price basis, values per boundary feature."""

    indicator: str
    year: int
    price_basis: str
    unit: str
    values: dict[str, float] = field(default_factory=dict)
    """Boundary property value → value."""
    classes: list[ChoroplethClass] = field(default_factory=list)

    @property
    def key(self) -> str:
        """A stable id of the option, e.g. ``industrial_production_value|2023|constant_2010``."""
        return f"{self.indicator}|{self.year}|{self.price_basis}"

    def color_of(self, value: float | None) -> str:
        """The fill colour of ``value`` (grey when missing)."""
        if value is None:
            return NO_DATA_COLOR
        return next((c.color for c in self.classes if c.low <= value <= c.high), self.classes[-1].color)


def classes_for(values: list[float], max_classes: int = len(CLASS_COLORS)) -> list[ChoroplethClass]:
    """Equal-interval classes over ``values``: as many as distinct values, at most ``max_classes``."""
    distinct = sorted(set(values))
    if not distinct:
        return []
    n = min(len(distinct), max_classes)
    low, high = distinct[0], distinct[-1]
    if n == 1:
        return [ChoroplethClass(CLASS_COLORS[-1], low, high)]
    step = (high - low) / n
    colors = CLASS_COLORS[len(CLASS_COLORS) - n :] if n < 3 else CLASS_COLORS[:n]
    return [ChoroplethClass(colors[i], low + i * step, high if i == n - 1 else low + (i + 1) * step) for i in range(n)]


def _actual_full_year(statistics: pd.DataFrame, entities: set[str]) -> pd.DataFrame:
    rows = statistics[statistics["entity"].astype(str).isin(entities)]
    rows = rows[rows["basis"].eq("actual") & rows["period"].fillna("FY").eq("FY")].dropna(subset=["value", "year"])
    if "variant" in rows.columns:
        rows = rows.sort_values("variant", kind="stable")
    return rows.assign(price_basis=rows["price_basis"].fillna("unknown"), unit=rows["unit"].fillna(""))


def choropleth_options(statistics: pd.DataFrame, match: BoundaryMatch) -> list[ChoroplethOption]:
    """Every (indicator, year, price basis, unit) with a full-year actual value for a matched unit.

    Where sources disagree (several variants), the first variant is shown.
    """
    if statistics.empty:
        return []
    feature_of = {entity: key for key, entity in match.features.items()}
    rows = _actual_full_year(statistics, set(feature_of))
    options = []
    for (indicator, year, price_basis, unit_slug), group in rows.groupby(
        ["indicator", "year", "price_basis", "unit"], sort=True
    ):
        first = group.drop_duplicates("entity")
        values = {feature_of[str(e)]: float(v) for e, v in zip(first["entity"], first["value"], strict=True)}
        option = ChoroplethOption(str(indicator), int(year), str(price_basis), str(unit_slug), values)
        option.classes = classes_for(list(values.values()))
        options.append(option)
    return options


def default_option(options: list[ChoroplethOption]) -> ChoroplethOption | None:
    """The production value in the latest year with most units, else the first option."""
    if not options:
        return None
    preferred = [o for o in options if o.indicator == DEFAULT_INDICATOR] or options
    return max(preferred, key=lambda o: (len(o.values), o.price_basis != "unknown", o.year))


def option_label(option: ChoroplethOption, lang: str, t: Any) -> str:
    """``<indicator>, <year> (<unit>)`` for the legend title."""
    unit_text = unit(option.unit, lang)
    return f"{indicator_label(option.indicator, lang)}, {option.year}" + (f" ({unit_text})" if unit_text else "")


def option_json(option: ChoroplethOption, lang: str, t: Any, names: dict[str, str]) -> dict[str, Any]:
    """What the page's script needs to draw ``option``: colours, tooltips and the legend rows."""
    basis = t("stats.price_basis", basis=t(f"price_basis.{option.price_basis}"))
    unit_text = unit(option.unit, lang)
    classes = [
        {"color": c.color, "label": f"{number(c.low, lang)} – {number(c.high, lang)} {unit_text}".strip()}
        for c in option.classes
    ]
    tooltips = {}
    for key, name in names.items():
        value = option.values.get(key)
        shown = t("choropleth.no_data") if value is None or is_missing(value) else f"{number(value, lang)} {unit_text}"
        tooltips[key] = escape(f"{name}: {shown.strip()}")  # Leaflet shows tooltips as HTML
    return {
        "key": option.key,
        "indicator": option.indicator,
        "year": option.year,
        "title": option_label(option, lang, t),
        "basis": basis,
        "price_basis": t(f"price_basis.{option.price_basis}"),
        "classes": classes,
        "colors": {key: option.color_of(option.values.get(key)) for key in names},
        "tooltips": tooltips,
    }
