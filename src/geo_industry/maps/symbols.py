"""The symbol of each layer's sites, and the legend rows that explain them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from dataclasses import field as dataclass_field
from typing import Any

from geo_industry.maps.base import PageContext
from geo_industry.maps.controls import LegendSection
from geo_industry.maps.layers import SiteLayer, Symbol, SymbolFn
from geo_industry.maps.markers import symbol_svg
from geo_industry.maps.styles import (
    BORDER_GATE_STYLE,
    COMMODITY_CLASSES,
    COMMODITY_STYLES,
    HYDROPOWER_COLOR,
    MW_SCALE,
    OCCUPANCY_BINS,
    OCCUPANCY_STYLES,
    PLANT_TYPE_STYLES,
    TRANSPORT_STYLES,
    ZONE_OUTLINE_STYLE,
    SqrtScale,
    Style,
    as_number,
    commodity_class,
    installed_mw,
    mw_radius,
    numeric_class,
    plant_type_class,
    transport_class,
)


def _from(table: dict[str, Style], cls: str, size: float = 16, weight: float = 2) -> Symbol:
    style = table[cls]
    return Symbol(style.shape, style.color, size, weight)


NOT_BUILT = frozenset({"planned", "approved"})
"""Zone ``status`` values drawn hollow: land not yet developed."""


@dataclass(frozen=True)
class SymbolRule:
    """The symbols of a layer kind, as data: each site's class read from one property (its value looked up
    in ``values``, or a number placed in ``bins``; ``otherwise`` for a missing or unknown value), the symbol
    of each class, and two optional changes: hollow while ``hollow_field`` holds one of ``hollow_values``,
    sized by the number in ``size_field`` on ``size_scale``.

    Called on a row it gives the site's symbol (the markers of the layers the page carries); :meth:`table`
    is the same rule as JSON, from which ``static/maps/tiled-layers.js`` styles each site of a tiled layer
    by its tile properties: one definition, whatever draws the site.
    """

    symbols: Mapping[str, Symbol]
    otherwise: str
    field: str = ""
    values: Mapping[str, str] = dataclass_field(default_factory=dict)
    bins: tuple[tuple[float, str, bool], ...] = ()
    above: str = ""
    hollow_field: str = ""
    hollow_values: tuple[str, ...] = ()
    size_field: str = ""
    size_scale: SqrtScale | None = None

    def classify(self, row: Mapping[str, Any]) -> str:
        """The class of the site ``row``: a key of :attr:`symbols`."""
        if not self.field:
            return self.otherwise
        value = row.get(self.field)
        if self.bins:
            return numeric_class(as_number(value), self.bins, above=self.above, missing=self.otherwise)
        return self.values.get(str(value or ""), self.otherwise)

    def __call__(self, row: dict[str, Any]) -> Symbol:
        symbol = self.symbols[self.classify(row)]
        if self.size_scale is not None:
            symbol = replace(symbol, size=2 * self.size_scale.radius(as_number(row.get(self.size_field))))
        if self.hollow_field:
            symbol = replace(symbol, hollow=str(row.get(self.hollow_field) or "") in self.hollow_values)
        return symbol

    def table(self) -> dict[str, Any]:
        """The rule as JSON (without the symbols, which the drawing code turns into its own styles)."""
        table: dict[str, Any] = {"field": self.field, "otherwise": self.otherwise}
        if self.bins:
            table |= {"bins": [list(b) for b in self.bins], "above": self.above}
        else:
            table["values"] = dict(self.values)
        if self.hollow_field:
            table["hollow"] = {"field": self.hollow_field, "values": list(self.hollow_values)}
        if self.size_scale is not None:
            table["size"] = {"field": self.size_field, **asdict(self.size_scale)}
        return table


def _classed(table: dict[str, Style], size: float,
             weight: Callable[[str], float] = lambda _cls: 2) -> dict[str, Symbol]:
    return {cls: _from(table, cls, size, weight(cls)) for cls in table}


def _single(symbol: Symbol) -> SymbolRule:
    return SymbolRule({"all": symbol}, otherwise="all")


zone_symbol = SymbolRule(
    _classed(OCCUPANCY_STYLES, 18), otherwise="none", field="occupancy_pct", bins=OCCUPANCY_BINS, above="high",
    hollow_field="status", hollow_values=tuple(sorted(NOT_BUILT)))
"""Zones and clusters: coloured by occupancy, hollow while planned or approved."""
mine_symbol = SymbolRule(_classed(COMMODITY_STYLES, 16), otherwise="other", field="commodity",
                         values=COMMODITY_CLASSES)
"""Mines: shape and colour by commodity."""
plant_symbol = SymbolRule(_classed(PLANT_TYPE_STYLES, 17), otherwise="other", field="plant_type",
                          values={t: t for t in PLANT_TYPE_STYLES})
"""Processing plants: hexagons coloured by plant type."""
hydropower_symbol = SymbolRule({"all": Symbol("circle", HYDROPOWER_COLOR)}, otherwise="all",
                               size_field="installed_mw", size_scale=MW_SCALE)
"""Hydropower plants: circles whose area follows installed MW."""
border_gate_symbol = _single(Symbol(BORDER_GATE_STYLE.shape, BORDER_GATE_STYLE.color, 22))
"""Border gates: red stars."""
outline_symbol = _single(Symbol(ZONE_OUTLINE_STYLE.shape, ZONE_OUTLINE_STYLE.color, 16, 2))
"""Surveyed outlines of zones and clusters: solid polygons."""
transport_symbol = SymbolRule(
    _classed(TRANSPORT_STYLES, 11, lambda cls: 4 if cls in ("railway", "expressway") else 2), otherwise="other",
    field="transport_type", values={t: t for t in TRANSPORT_STYLES})
"""Stations as small dots, railways dark and heavy, expressways orange."""


def zone_class(row: dict[str, Any]) -> str:
    """Occupancy class of a zone or cluster."""
    return zone_symbol.classify(row)


LAYER_SYMBOLS: dict[str, tuple[SymbolRule, bool]] = {
    "industrial_zones": (zone_symbol, False),
    "industrial_clusters": (zone_symbol, True),
    "zone_outlines": (outline_symbol, False),
    "mines": (mine_symbol, True),
    "processing_plants": (plant_symbol, True),
    "hydropower_plants": (hydropower_symbol, True),
    "border_gates": (border_gate_symbol, False),
    "transport": (transport_symbol, False),
}
"""Symbol rule and whether to cluster, per layer kind (the shipped layers are their own kind)."""

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


def symbol_rule(kind: str, geometry_type: str) -> SymbolRule:
    """The symbol rule of a layer of ``kind`` whose sites are ``geometry_type``: its kind's, else the
    default symbol of the geometry family."""
    known = LAYER_SYMBOLS.get(kind)
    return known[0] if known else _single(DEFAULT_SYMBOLS[geometry_family(geometry_type)])

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


def _status_rows(rows: Iterable[dict[str, Any]] | None, ctx: PageContext) -> list[tuple[str, str]]:
    """Filled (operating, under construction) and hollow (planned, approved) zone symbols, as present
    (both when the rows are not at hand)."""
    hollow = {False, True} if rows is None else {str(r.get("status") or "") in NOT_BUILT for r in rows}
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


def legend_rows(layer_id: str, rows: Iterable[dict[str, Any]] | None, ctx: PageContext,
                geometry_type: str = "Point") -> list[tuple[str, str]]:
    """Legend rows (symbol, label) of the classes present in ``rows``, in table order; every class
    of the table when the rows are not at hand (``None``: a layer drawn from vector tiles).

    ``layer_id`` is the layer's kind; a kind with no symbol of its own gets its default symbol.
    """
    if layer_id in _CLASSIFIERS:
        classify, table = _CLASSIFIERS[layer_id]
        present = set(table) if rows is None else {classify(r) for r in rows}
        legend = [
            (_line_svg(s.color) if s.shape == "line" else symbol_svg(s.shape, s.color, 14), ctx.t(s.key))
            for cls, s in table.items()
            if cls in present
        ]
        if table is OCCUPANCY_STYLES:
            legend.extend(_status_rows(rows, ctx))
        return legend
    if layer_id == "hydropower_plants":
        if rows is None:
            return [(symbol_svg("circle", HYDROPOWER_COLOR, 14), ctx.t("legend.sized_by_mw"))]
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


def legend_section(layer_id: str, built: SiteLayer, rows: list[dict[str, Any]] | None, ctx: PageContext,
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
