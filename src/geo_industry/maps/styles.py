"""How each layer looks: classes, colours, marker shapes and sizes, decided from feature fields.

Every visual class a builder draws comes from these tables, so the legends (built from the
same tables) always match the map. Classes are read from exactly one field of the curated
schema (``data/geo/catalog.json``, docs/data-model.md) per concept: ``occupancy_pct``,
``commodity``, ``plant_type``, ``transport_type``, ``installed_mw``. A missing value is shown
as unknown, never guessed from another field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

APPROX_DASH = "6 4"
"""SVG/Leaflet dash pattern of approximate outlines."""


@dataclass(frozen=True)
class Style:
    """One legend class: an i18n key for its label, a colour and a marker shape."""

    key: str
    color: str
    shape: str = "circle"


OCCUPANCY_STYLES: dict[str, Style] = {
    "high": Style("occupancy.high", "#b2182b", "square"),
    "mid": Style("occupancy.mid", "#ef8a62", "square"),
    "low": Style("occupancy.low", "#67a9cf", "square"),
    "none": Style("occupancy.none", "#9e9e9e", "square"),
}
COMMODITY_STYLES: dict[str, Style] = {
    "copper": Style("commodity.copper", "#b5651d", "circle"),
    "apatite": Style("commodity.apatite", "#6a3d9a", "diamond"),
    "iron": Style("commodity.iron", "#7f2704", "square"),
    "other": Style("commodity.other", "#525252", "triangle"),
}
PLANT_TYPE_STYLES: dict[str, Style] = {
    "smelter": Style("plant_type.smelter", "#8c2d04", "hexagon"),
    "concentrator": Style("plant_type.concentrator", "#e08e45", "hexagon"),
    "fertiliser": Style("plant_type.fertiliser", "#33a02c", "hexagon"),
    "chemical": Style("plant_type.chemical", "#1b9e77", "hexagon"),
    "steel": Style("plant_type.steel", "#7f2704", "hexagon"),
    "building_materials": Style("plant_type.building_materials", "#8c6d31", "hexagon"),
    "non_metallic_minerals": Style("plant_type.non_metallic_minerals", "#9e9ac8", "hexagon"),
    "agro_forest": Style("plant_type.agro_forest", "#66a61e", "hexagon"),
    "other": Style("plant_type.other", "#525252", "hexagon"),
}
"""Processing plants by ``plant_type`` (the schema's enum, in its order)."""
TRANSPORT_STYLES: dict[str, Style] = {
    "railway": Style("transport_type.railway", "#252525", "line"),
    "expressway": Style("transport_type.expressway", "#e6550d", "line"),
    "rail_station": Style("transport_type.rail_station", "#252525", "circle"),
    "expressway_ic": Style("transport_type.expressway_ic", "#e6550d", "circle"),
    "airport": Style("transport_type.airport", "#3f007d", "triangle"),
    "inland_port": Style("transport_type.inland_port", "#2171b5", "square"),
    "other": Style("transport_type.other", "#969696", "circle"),
}
"""Transport by ``transport_type``; ``other`` only for a missing or unknown value."""
GWH_STYLES: dict[str, Style] = {
    "high": Style("gwh.high", "#08306b"),
    "mid": Style("gwh.mid", "#1c5a99"),
    "low": Style("gwh.low", "#3787c0"),
    "none": Style("gwh.none", "#6a51a3"),
}
HYDROPOWER_COLOR = "#1f78b4"
BORDER_GATE_STYLE = Style("layer.border_gates", "#d7301f", "star")
ZONE_OUTLINE_STYLE = Style("legend.zone_outline", "#54278f", "polygon")
"""Surveyed outlines of zones and clusters (``zone_outlines``)."""
BOUNDARY_COLOR = "#636363"
RIVER_COLOR = "#4a90c2"

COMMODITY_CLASSES = {"copper_ore": "copper", "apatite": "apatite", "iron_ore": "iron"}
"""``commodity`` slugs drawn with their own colour; every other slug is ``other``."""


def commodity_class(row: Mapping[str, Any]) -> str:
    """Mine class from ``commodity``: ``copper``, ``apatite``, ``iron`` or ``other``."""
    return COMMODITY_CLASSES.get(str(row.get("commodity") or ""), "other")


def plant_type_class(row: Mapping[str, Any]) -> str:
    """Processing-plant class: its ``plant_type`` (``other`` when missing)."""
    value = str(row.get("plant_type") or "")
    return value if value in PLANT_TYPE_STYLES else "other"


def transport_class(row: Mapping[str, Any]) -> str:
    """Transport class: its ``transport_type`` (``other`` when missing)."""
    value = str(row.get("transport_type") or "")
    return value if value in TRANSPORT_STYLES else "other"


def as_number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def occupancy(row: Mapping[str, Any]) -> float | None:
    """The zone's ``occupancy_pct`` (percent), or ``None`` when not published."""
    return as_number(row.get("occupancy_pct"))


OCCUPANCY_BINS: tuple[tuple[float, str, bool], ...] = ((50.0, "low", False), (80.0, "mid", True))
"""Occupancy classes by upper limit (percent; True: the limit belongs to the class); above the last: ``high``."""


def numeric_class(value: float | None, bins: tuple[tuple[float, str, bool], ...], *, above: str, missing: str) -> str:
    """The class of ``value`` in ``bins`` (first upper limit it is under, or at when inclusive), ``above`` past
    the last, ``missing`` for none."""
    if value is None:
        return missing
    for limit, cls, inclusive in bins:
        if value < limit or (inclusive and value == limit):
            return cls
    return above


def occupancy_class(percent: float | None) -> str:
    """Legend class of an occupancy percentage: ``none``, ``low`` (< 50), ``mid`` (50–80) or ``high``."""
    return numeric_class(percent, OCCUPANCY_BINS, above="high", missing="none")


def gwh_class(gwh: float | None) -> str:
    """Legend class of annual hydropower output in GWh (= million kWh)."""
    if gwh is None:
        return "none"
    if gwh < 100:
        return "low"
    return "mid" if gwh <= 500 else "high"


def installed_mw(row: Mapping[str, Any]) -> float | None:
    """Installed capacity in MW (``installed_mw``), or ``None`` when not published."""
    return as_number(row.get("installed_mw"))


@dataclass(frozen=True)
class SqrtScale:
    """A marker radius (px) whose area grows with a number: ``base + factor·√value`` up to ``largest``,
    rounded to 0.1 px; ``missing`` for no value or one not above zero."""

    base: float
    factor: float
    largest: float
    missing: float

    def radius(self, value: float | None) -> float:
        if value is None or value <= 0:
            return self.missing
        return round(min(self.base + self.factor * math.sqrt(value), self.largest), 1)


MW_SCALE = SqrtScale(base=3.0, factor=1.2, largest=22.0, missing=5.0)
"""Marker radius of a hydropower plant by installed MW."""


def mw_radius(mw: float | None) -> float:
    """Marker radius in pixels for a plant of ``mw`` megawatts (area grows with MW)."""
    return MW_SCALE.radius(mw)


def flow_weight(tonnes: float | None, max_tonnes: float | None) -> float:
    """Line width in pixels of a copper flow of ``tonnes`` relative to the year's largest."""
    if not tonnes or not max_tonnes:
        return 2.0
    return round(2.0 + 14.0 * math.sqrt(tonnes / max_tonnes), 1)


APPROXIMATE_QUALITIES = ("approximate",)
"""``geometry_quality`` values of an approximate location."""
APPROXIMATE_PRECISIONS = ("proxy-district", "none")
"""``coord_precision`` values of an approximate location (a district seat standing in, or no coordinate)."""
APPROXIMATE_PRECISION_PREFIXES = ("estimated",)
"""Beginnings of the ``coord_precision`` values of an estimated location (``estimated-3km`` …)."""


def is_approximate(row: Mapping[str, Any]) -> bool:
    """Whether the feature's location is approximate and must be drawn as such."""
    if str(row.get("geometry_quality") or "") in APPROXIMATE_QUALITIES:
        return True
    precision = str(row.get("coord_precision") or "")
    return precision.startswith(APPROXIMATE_PRECISION_PREFIXES) or precision in APPROXIMATE_PRECISIONS


def uncertainty_km(row: Mapping[str, Any]) -> float | None:
    """The radius in km the feature is known to lie within (``coord_radius_km``), if given."""
    return as_number(row.get("coord_radius_km"))


def path_style(color: str, *, approximate: bool, fill: bool = True, weight: float = 2) -> dict[str, Any]:
    """Leaflet path options for an outline or line, dashed when the geometry is approximate."""
    style: dict[str, Any] = {
        "color": color,
        "weight": weight,
        "opacity": 0.9,
        "fillColor": color,
        "fillOpacity": (0.12 if approximate else 0.35) if fill else 0,
    }
    if approximate:
        style["dashArray"] = APPROX_DASH
    return style
