"""The symbol of each layer's sites, and the legend rows that explain them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from geo_industry.maps.base import PageContext
from geo_industry.maps.controls import LegendSection
from geo_industry.maps.layers import SiteLayer, Symbol, SymbolFn
from geo_industry.maps.markers import symbol_svg
from geo_industry.maps.styles import (
    BORDER_GATE_STYLE,
    COMMODITY_STYLES,
    HYDROPOWER_COLOR,
    OCCUPANCY_STYLES,
    PLANT_TYPE_STYLES,
    TRANSPORT_STYLES,
    ZONE_OUTLINE_STYLE,
    Style,
    commodity_class,
    installed_mw,
    mw_radius,
    occupancy,
    occupancy_class,
    plant_type_class,
    transport_class,
)


def zone_class(row: dict[str, Any]) -> str:
    """Occupancy class of a zone or cluster."""
    return occupancy_class(occupancy(row))


def _from(table: dict[str, Style], cls: str, size: float = 16, weight: float = 2) -> Symbol:
    style = table[cls]
    return Symbol(style.shape, style.color, size, weight)


NOT_BUILT = frozenset({"planned", "approved"})
"""Zone ``status`` values drawn hollow: land not yet developed."""


def zone_symbol(row: dict[str, Any]) -> Symbol:
    """Zones and clusters: coloured by occupancy, hollow while planned or approved."""
    symbol = _from(OCCUPANCY_STYLES, zone_class(row), 18)
    return replace(symbol, hollow=str(row.get("status") or "") in NOT_BUILT)


def mine_symbol(row: dict[str, Any]) -> Symbol:
    """Mines: shape and colour by commodity."""
    return _from(COMMODITY_STYLES, commodity_class(row), 16)


def plant_symbol(row: dict[str, Any]) -> Symbol:
    """Processing plants: hexagons coloured by plant type."""
    return _from(PLANT_TYPE_STYLES, plant_type_class(row), 17)


def hydropower_symbol(row: dict[str, Any]) -> Symbol:
    """Hydropower plants: circles whose area follows installed MW."""
    return Symbol("circle", HYDROPOWER_COLOR, 2 * mw_radius(installed_mw(row)))


def border_gate_symbol(row: dict[str, Any]) -> Symbol:
    """Border gates: red stars."""
    return Symbol(BORDER_GATE_STYLE.shape, BORDER_GATE_STYLE.color, 22)


def outline_symbol(row: dict[str, Any]) -> Symbol:
    """Surveyed outlines of zones and clusters: solid polygons."""
    return Symbol(ZONE_OUTLINE_STYLE.shape, ZONE_OUTLINE_STYLE.color, 16, 2)


def transport_symbol(row: dict[str, Any]) -> Symbol:
    """Stations as small dots, railways dark and heavy, expressways orange."""
    cls = transport_class(row)
    return _from(TRANSPORT_STYLES, cls, 11, 4 if cls in ("railway", "expressway") else 2)


LAYER_SYMBOLS: dict[str, tuple[SymbolFn, bool]] = {
    "industrial_zones": (zone_symbol, False),
    "industrial_clusters": (zone_symbol, True),
    "zone_outlines": (outline_symbol, False),
    "mines": (mine_symbol, True),
    "processing_plants": (plant_symbol, True),
    "hydropower_plants": (hydropower_symbol, True),
    "border_gates": (border_gate_symbol, False),
    "transport": (transport_symbol, False),
}
"""Symbol function and whether to cluster, per layer kind (the shipped layers are their own kind)."""

CONTEXT_COLOR = "#e7298a"
"""Colour of a layer of no known kind (an uploaded one): context, set apart from the classed layers."""
DEFAULT_SYMBOLS: dict[str, Symbol] = {
    "point": Symbol("circle", CONTEXT_COLOR, 12),
    "line": Symbol("line", CONTEXT_COLOR, 12, 3),
    "polygon": Symbol("polygon", CONTEXT_COLOR, 14, 2),
}
"""The symbol of a layer of no known kind, by geometry family."""


def geometry_family(geometry_type: str) -> str:
    """``point``, ``line`` or ``polygon`` for an OGC geometry type name (``MultiLineString`` → ``line``)."""
    name = geometry_type.lower()
    return "line" if "line" in name else "polygon" if "polygon" in name else "point"


def default_symbol(row: dict[str, Any]) -> Symbol:
    """A site of a layer of no known kind: the default symbol of its geometry's family."""
    geometry = row.get("geometry")
    return DEFAULT_SYMBOLS[geometry_family(getattr(geometry, "geom_type", "Point"))]


def layer_symbol(kind: str) -> tuple[SymbolFn, bool]:
    """Symbol function and clustering of a layer: its kind's, else :func:`default_symbol` unclustered."""
    return LAYER_SYMBOLS.get(kind, (default_symbol, False))

_CLASSIFIERS: dict[str, tuple[Any, dict[str, Style]]] = {
    "industrial_zones": (zone_class, OCCUPANCY_STYLES),
    "industrial_clusters": (zone_class, OCCUPANCY_STYLES),
    "mines": (commodity_class, COMMODITY_STYLES),
    "processing_plants": (plant_type_class, PLANT_TYPE_STYLES),
    "transport": (transport_class, TRANSPORT_STYLES),
}


def _line_svg(color: str, weight: float = 4) -> str:
    return (
        f'<svg width="22" height="10"><line x1="1" y1="5" x2="21" y2="5" stroke="{color}" '
        f'stroke-width="{weight}"/></svg>'
    )


def _polygon_svg(color: str) -> str:
    return (
        f'<svg width="18" height="14"><rect x="1" y="1" width="16" height="12" fill="{color}" '
        f'fill-opacity="0.35" stroke="{color}" stroke-width="2"/></svg>'
    )


def _ring_svg(color: str) -> str:
    return (
        f'<svg width="18" height="18"><circle cx="9" cy="9" r="7" fill="none" stroke="{color}" '
        f'stroke-width="1" stroke-dasharray="3,2"/><circle cx="9" cy="9" r="2" fill="{color}"/></svg>'
    )


def _status_rows(rows: list[dict[str, Any]], ctx: PageContext) -> list[tuple[str, str]]:
    """Filled (operating, under construction) and hollow (planned, approved) zone symbols, as present."""
    hollow = {str(r.get("status") or "") in NOT_BUILT for r in rows}
    grey = OCCUPANCY_STYLES["none"].color
    return [(symbol_svg("square", grey, 14, hollow=h), ctx.t("legend.status_planned" if h else "legend.status_built"))
            for h in (False, True) if h in hollow]


def _default_legend(geometry_type: str) -> list[tuple[str, str]]:
    symbol = DEFAULT_SYMBOLS[geometry_family(geometry_type)]
    if symbol.shape == "line":
        return [(_line_svg(symbol.color, symbol.weight), "")]
    if symbol.shape == "polygon":
        return [(_polygon_svg(symbol.color), "")]
    return [(symbol_svg(symbol.shape, symbol.color, 14), "")]


def legend_rows(layer_id: str, rows: Iterable[dict[str, Any]], ctx: PageContext,
                geometry_type: str = "Point") -> list[tuple[str, str]]:
    """Legend rows (symbol, label) of the classes present in ``rows``, in table order.

    ``layer_id`` is the layer's kind; a kind with no symbol of its own gets its default symbol.
    """
    rows = list(rows)
    if layer_id in _CLASSIFIERS:
        classify, table = _CLASSIFIERS[layer_id]
        present = {classify(r) for r in rows}
        legend = [
            (_line_svg(s.color) if s.shape == "line" else symbol_svg(s.shape, s.color, 14), ctx.t(s.key))
            for cls, s in table.items()
            if cls in present
        ]
        if table is OCCUPANCY_STYLES:
            legend.extend(_status_rows(rows, ctx))
        return legend
    if layer_id == "hydropower_plants":
        mws = sorted({mw for r in rows if (mw := installed_mw(r))})
        picks = sorted({mws[0], mws[len(mws) // 2], mws[-1]}) if mws else []
        return [(symbol_svg("circle", HYDROPOWER_COLOR, 2 * mw_radius(mw)), f"{mw:g} MW") for mw in picks]
    if layer_id == "border_gates":
        return [(symbol_svg("star", BORDER_GATE_STYLE.color, 16), "")]
    if layer_id == "zone_outlines":
        return [(_polygon_svg(ZONE_OUTLINE_STYLE.color), ctx.t(ZONE_OUTLINE_STYLE.key))]
    if layer_id not in LAYER_SYMBOLS:
        return _default_legend(geometry_type)
    return []


def legend_section(layer_id: str, built: SiteLayer, rows: list[dict[str, Any]], ctx: PageContext,
                   geometry_type: str = "Point") -> LegendSection:
    """The legend section of a built layer (``layer_id``: its kind), with its approximate and unmapped notes."""
    legend = legend_rows(layer_id, rows, ctx, geometry_type)
    if built.approximate:
        legend.append((symbol_svg("circle", "#555555", 14, approximate=True), ctx.t("legend.approx")))
    if built.rings:
        legend.append((_ring_svg("#555555"), ctx.t("legend.uncertainty_ring")))
    notes = [ctx.t("legend.unmapped", count=len(built.unmapped))] if built.unmapped else []
    if built.rings and not built.rings_clipped:
        notes.append(ctx.t("legend.ring_not_clipped"))
    note = " · ".join(notes)
    return LegendSection(built.group.layer_name, tuple(legend), note)
