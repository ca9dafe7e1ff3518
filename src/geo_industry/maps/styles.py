"""How each layer looks: classes, colours, marker shapes and sizes, decided from feature fields.

Every visual class a builder draws comes from these tables, so the legends (built from the
same tables) always match the map.
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
PRODUCT_STYLES: dict[str, Style] = {
    "copper": Style("product.copper", "#b5651d", "hexagon"),
    "fertiliser": Style("product.fertiliser", "#33a02c", "hexagon"),
    "iron_steel": Style("product.iron_steel", "#7f2704", "hexagon"),
    "other": Style("product.other", "#525252", "hexagon"),
}
MODE_STYLES: dict[str, Style] = {
    "railway": Style("mode.railway", "#252525", "line"),
    "expressway": Style("mode.expressway", "#e6550d", "line"),
    "road": Style("mode.road", "#969696", "line"),
    "station": Style("mode.station", "#252525", "circle"),
    "other": Style("mode.other", "#969696", "circle"),
}
GWH_STYLES: dict[str, Style] = {
    "high": Style("gwh.high", "#08306b"),
    "mid": Style("gwh.mid", "#2171b5"),
    "low": Style("gwh.low", "#6baed6"),
    "none": Style("gwh.none", "#bdbdbd"),
}
HYDROPOWER_COLOR = "#1f78b4"
BORDER_GATE_STYLE = Style("layer.border_gates", "#d7301f", "star")
BOUNDARY_COLOR = "#636363"
RIVER_COLOR = "#4a90c2"

_COMMODITY_WORDS = {
    "copper": ("copper", "đồng", "cu "),
    "apatite": ("apatit", "phosph", "phốt"),
    "iron": ("iron", "sắt", "magnetit", "hematit"),
}
_PRODUCT_WORDS = {
    "copper": ("copper", "đồng", "cathode"),
    "fertiliser": ("phosph", "fertil", "dap", "map ", "apatit", "phân", "yellow p", "lân"),
    "iron_steel": ("steel", "iron", "thép", "gang", "sắt", "billet"),
}
_MODE_WORDS = {
    "station": ("station", "ga ", "port", "airport"),
    "railway": ("rail", "sắt"),
    "expressway": ("expressway", "cao tốc", "motorway"),
    "road": ("road", "highway", "đường", "ql", "national"),
}


def _text(row: Mapping[str, Any], *names: str) -> str:
    parts = [str(row.get(name) or "") for name in names]
    return " ".join(parts).lower() + " "


def _first_match(text: str, table: Mapping[str, tuple[str, ...]], default: str) -> str:
    for cls, words in table.items():
        if any(word in text for word in words):
            return cls
    return default


def commodity_class(row: Mapping[str, Any]) -> str:
    """Mine class for colour and shape: ``copper``, ``apatite``, ``iron`` or ``other``."""
    return _first_match(_text(row, "commodity", "mineral_group", "sector"), _COMMODITY_WORDS, "other")


def product_class(row: Mapping[str, Any]) -> str:
    """Processing-plant class: ``copper``, ``fertiliser``, ``iron_steel`` or ``other``."""
    text = _text(row, "product", "plant_type", "sector", "commodity")
    return _first_match(text, _PRODUCT_WORDS, "other")


def mode_class(row: Mapping[str, Any]) -> str:
    """Transport class: ``station``, ``railway``, ``expressway``, ``road`` or ``other``."""
    text = _text(row, "mode", "kind_detail", "sector")
    if row.get("geometry_type") == "Point" and "rail" in text:
        return "station"
    return _first_match(text, _MODE_WORDS, "other")


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


OCCUPANCY_FIELDS = ("occupancy_pct", "occupancy_rate", "latest_occupancy_rate", "latest_occupancy")


def occupancy(row: Mapping[str, Any]) -> float | None:
    """The zone's occupancy in percent from the first occupancy field present, or ``None``."""
    for name in OCCUPANCY_FIELDS:
        value = _number(row.get(name))
        if value is not None:
            return value * 100 if 0 < value <= 1 and name.endswith("_rate") else value
    return None


def occupancy_class(percent: float | None) -> str:
    """Legend class of an occupancy percentage: ``none``, ``low``, ``mid`` or ``high``."""
    if percent is None:
        return "none"
    if percent < 50:
        return "low"
    return "mid" if percent <= 80 else "high"


def gwh_class(gwh: float | None) -> str:
    """Legend class of annual hydropower output in GWh (= million kWh)."""
    if gwh is None:
        return "none"
    if gwh < 100:
        return "low"
    return "mid" if gwh <= 500 else "high"


def installed_mw(row: Mapping[str, Any]) -> float | None:
    """Installed capacity in MW from ``installed_mw`` or a ``capacity_value`` given in MW."""
    value = _number(row.get("installed_mw"))
    if value is None and str(row.get("capacity_unit") or "").upper() == "MW":
        value = _number(row.get("capacity_value"))
    return value


def mw_radius(mw: float | None) -> float:
    """Marker radius in pixels for a plant of ``mw`` megawatts (area grows with MW)."""
    if mw is None or mw <= 0:
        return 5.0
    return round(min(3.0 + 1.2 * math.sqrt(mw), 22.0), 1)


def flow_weight(tonnes: float | None, max_tonnes: float | None) -> float:
    """Line width in pixels of a copper flow of ``tonnes`` relative to the year's largest."""
    if not tonnes or not max_tonnes:
        return 2.0
    return round(2.0 + 14.0 * math.sqrt(tonnes / max_tonnes), 1)


def is_approximate(row: Mapping[str, Any]) -> bool:
    """Whether the feature's location is approximate and must be drawn as such."""
    if str(row.get("geometry_quality") or "") == "approximate":
        return True
    precision = str(row.get("coord_precision") or "")
    return precision.startswith("estimated") or precision in ("proxy-district", "none")


def uncertainty_km(row: Mapping[str, Any]) -> float | None:
    """The radius in km of the area the feature is known to lie in, if the data gives one."""
    value = _number(row.get("coord_radius_km"))
    if value is None:
        precision = str(row.get("coord_precision") or "")
        if precision.startswith("estimated-") and precision.endswith("km"):
            value = _number(precision.removeprefix("estimated-").removesuffix("km"))
    return value


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
