"""Value chain: links from mines to the nearest plants that process their ore, with capacity
utilisation (output / capacity) per year where the statistics allow; and the copper chain stage
by stage (:func:`copper_chain`), which the copper value-chain map draws. Both measure distance
on the ellipsoid (:class:`~geo_industry.raster.geodesic.NearestFinder`).

Each commodity has processing stages (:data:`PROCESSING_STAGES`): copper ore goes to a
concentrator and then a smelter, apatite to a concentrator and then fertiliser or chemical
plants, iron ore to a steel plant, and so on. A mine is linked to the nearest active plant of
each stage (geodesic distance).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel, Field

from geo_industry.raster.geodesic import NearestFinder
from geo_industry.raster.layers import INACTIVE_STATUSES

__all__ = [
    "CATHODE",
    "CONCENTRATE",
    "COPPER_STAGES",
    "ORE_MINED",
    "PROCESSING_STAGES",
    "Flow",
    "FlowFigure",
    "chain_sites",
    "copper_chain",
    "full_year_figures",
    "operating_organisation",
    "stage_of",
    "CapacityUtilisation",
    "ValueChainLink",
    "capacity_utilisation",
    "link_value_chain",
]

_PlantRule = Callable[[pd.Series], bool]


def _words(row: pd.Series) -> str:
    return " ".join(str(row.get(c) or "") for c in ("product", "sector", "name_en")).lower()


def _plant(types: tuple[str, ...] = (), words: tuple[str, ...] = ()) -> _PlantRule:
    def rule(row: pd.Series) -> bool:
        typed = not types or str(row.get("plant_type") or "") in types
        return typed and (not words or any(w in _words(row) for w in words))
    return rule


PROCESSING_STAGES: dict[str, tuple[tuple[str, _PlantRule], ...]] = {
    "copper": (("concentration", _plant(("concentrator",), ("copper",))),
               ("smelting", _plant(("smelter",), ("copper",)))),
    "apatite": (("concentration", _plant(("concentrator",), ("apatite",))),
                ("fertiliser_chemicals", _plant(("fertiliser", "chemical")))),
    "iron": (("steelmaking", _plant(("steel",))),),
    "graphite": (("concentration", _plant(("concentrator",), ("graphite",))),),
    "white_marble": (("processing", _plant(
        ("non_metallic_minerals", "building_materials", "other"), ("marble", "caco3"))),),
    "limestone": (("processing", _plant(
        ("building_materials", "non_metallic_minerals"), ("cement", "caco3", "lime"))),),
    "lead_zinc": (("smelting", _plant(("smelter",), ("lead", "zinc"))),),
}
"""Commodity prefix → (stage, plant rule) in processing order."""


class CapacityUtilisation(BaseModel):
    """Output against capacity for one year."""

    year: int
    indicator: str
    output: float
    capacity: float
    unit: str = "t"
    utilisation: float = Field(description="output / capacity (1.0 = full capacity)")
    basis: str
    period: str


class ValueChainLink(BaseModel):
    """A mine linked to a plant that processes its ore."""

    mine_id: str
    mine_name: str | None
    commodity: str
    stage: str
    plant_id: str
    plant_name: str | None
    plant_type: str | None
    distance_km: float
    mine_utilisation: list[CapacityUtilisation] = Field(default_factory=list)
    plant_utilisation: list[CapacityUtilisation] = Field(default_factory=list)


_MASS = {"t": 1.0, "kt": 1e3, "mt": 1e6}
_QUALIFIERS = {"yellow p": "phosphorus", "dap": "dap", "ore": "ore", "cathode": "cathode",
               "concentrate": "concentrate", "billet": "billet"}


def _capacity_tonnes(value: object, unit: object) -> tuple[float, str | None] | None:
    """(tonnes per year, product qualifier) from e.g. (2.5, 'Mt ore/yr'); None if not a mass."""
    if not isinstance(value, numbers.Real) or unit is None or pd.isna(value) or pd.isna(unit):
        return None
    match = re.fullmatch(r"\s*(t|kt|mt)\s*([a-z0-9 ]*?)\s*/\s*yr\s*", str(unit).lower())
    if not match:
        return None
    qualifier = _QUALIFIERS.get(match.group(2).strip()) if match.group(2).strip() else None
    return float(value) * _MASS[match.group(1)], qualifier


def capacity_utilisation(*, entity_id: str, capacity_value: object, capacity_unit: object,
                         statistics: pd.DataFrame | None) -> list[CapacityUtilisation]:
    """Yearly output / capacity of one site from full-year ('FY') tonnage statistics.

    Output rows are those of ``entity_id`` with unit ``t``, period ``FY`` and an indicator
    naming an output (``*_output``, ``*_mined``), matching the capacity's product when the
    unit names one (``t cathode/yr`` → ``copper_cathode_output``). Every basis (actual,
    estimate, target) is kept and labelled.

    Examples
    --------
    >>> stats = pd.DataFrame([{"indicator": "copper_ore_mined", "entity": "m", "year": 2021,
    ...     "period": "FY", "value": 2.2e6, "unit": "t", "basis": "actual"}])
    >>> capacity_utilisation(entity_id="m", capacity_value=2.5, capacity_unit="Mt ore/yr",
    ...                      statistics=stats)[0].utilisation
    0.88
    """
    capacity = _capacity_tonnes(capacity_value, capacity_unit)
    if statistics is None or capacity is None or capacity[0] <= 0:
        return []
    tonnes, qualifier = capacity
    rows = statistics[(statistics["entity"] == entity_id) & (statistics["unit"] == "t")
                      & (statistics["period"] == "FY")]
    rows = rows[rows["indicator"].str.contains(r"_(?:output|mined)$", regex=True)]
    if qualifier:
        rows = rows[rows["indicator"].str.contains(qualifier)]
    return [CapacityUtilisation(
        year=int(r["year"]), indicator=str(r["indicator"]), output=float(r["value"]),
        capacity=tonnes, utilisation=round(float(r["value"]) / tonnes, 4),
        basis=str(r["basis"]), period=str(r["period"]))
        for _, r in rows.sort_values(["year", "indicator"]).iterrows()]


def _stage_rules(commodity: str) -> tuple[tuple[str, _PlantRule], ...]:
    for prefix, stages in PROCESSING_STAGES.items():
        if commodity.startswith(prefix):
            return stages
    return ()


def _text(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def link_value_chain(*, mines: gpd.GeoDataFrame, plants: gpd.GeoDataFrame,
                     statistics: pd.DataFrame | None = None) -> list[ValueChainLink]:
    """Link every mine to the nearest active plant of each processing stage of its commodity.

    Mines and plants with null geometry, and removed or closed ones, are left out. With
    ``statistics`` (columns indicator, entity, year, period, value, unit, basis) each link
    carries the capacity utilisation of the mine and of the plant per year.

    Examples
    --------
    >>> links = link_value_chain(mines=layers["mines"], plants=layers["processing_plants"],
    ...                          statistics=stats)  # doctest: +SKIP
    >>> links[0].stage, links[0].plant_id  # doctest: +SKIP
    ('concentration', 'sin-quyen-concentrator-1')
    """
    def active(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        status = frame.get("status", pd.Series("", index=frame.index)).fillna("")
        return frame[frame.geometry.notna() & ~status.isin(INACTIVE_STATUSES)]

    mines, plants = active(mines), active(plants)
    links = []
    for _, mine in mines.iterrows():
        commodity = str(mine.get("commodity") or "")
        for stage, rule in _stage_rules(commodity):
            candidates = plants[plants.apply(rule, axis=1)] if not plants.empty else plants
            finder = NearestFinder(candidates)
            found = finder.nearest(mine.geometry, geometry_crs=mines.crs)
            if found is None:
                continue
            plant = candidates.loc[found.index]
            links.append(ValueChainLink(
                mine_id=str(mine["id"]), mine_name=_text(mine.get("name_en")),
                commodity=commodity, stage=stage, plant_id=str(plant["id"]),
                plant_name=_text(plant.get("name_en")), plant_type=_text(plant.get("plant_type")),
                distance_km=round(found.distance_km, 3),
                mine_utilisation=capacity_utilisation(
                    entity_id=str(mine["id"]), capacity_value=mine.get("capacity_value"),
                    capacity_unit=mine.get("capacity_unit"), statistics=statistics),
                plant_utilisation=capacity_utilisation(
                    entity_id=str(plant["id"]), capacity_value=plant.get("capacity_value"),
                    capacity_unit=plant.get("capacity_unit"), statistics=statistics)))
    return links


# --- The copper chain, stage by stage (what the copper value-chain map draws) ---------------

COPPER_STAGES = ("mine", "concentrator", "smelter", "exit")
"""The stages of the copper chain in processing order; ``exit``: the border gates."""
STAGES = COPPER_STAGES


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _first_variant(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``variant`` 0: another source for the same key is never picked or combined."""
    if "variant" not in rows.columns:
        return rows
    return rows[rows["variant"].fillna(0).astype(int) == 0]


ORE_MINED = "copper_ore_mined"
CONCENTRATE = "copper_concentrate_output"
CATHODE = "copper_cathode_output"
FLOW_UNIT = "t"
_WIDTH_BASES = ("actual", "preliminary", "estimate")


@dataclass(frozen=True)
class FlowFigure:
    """The full-year value a link carries in one year, and whose figure it is."""

    value: float
    basis: str
    entity: str
    source: str
    shared: int = 1
    """How many links carry this same figure (it is their total, not each one's)."""
    derivation: str = ""
    """How the figure was computed from printed ones; empty when the source prints it."""

    @property
    def sets_width(self) -> bool:
        """Whether the value is output (not a target) and so sets the width."""
        return self.basis in _WIDTH_BASES


@dataclass(frozen=True)
class Flow:
    """A directed link of the chain and the indicator that moves along it, per year."""

    source: str
    target: str
    coords: tuple[tuple[float, float], tuple[float, float]]
    indicator: str
    figures: dict[int, FlowFigure] = field(default_factory=dict)
    indicative: bool = False
    """True when the data does not state the link (nearest site of the next stage)."""

    @property
    def tonnes(self) -> dict[int, float]:
        """Tonnes per year that set the width (output, not targets)."""
        return {y: f.value for y, f in self.figures.items() if f.sets_width}


def stage_of(row: dict[str, Any], layer_id: str) -> str | None:
    """The chain stage of a site, or ``None`` when it is not part of the copper chain.

    Mines by ``commodity`` (``copper_ore``); plants by ``plant_type`` (``concentrator`` or
    ``smelter``) whose ``product`` names copper; international and main border
    gates are exits (the cathode leaves towards China or for export through them).
    """
    if layer_id == "mines":
        return "mine" if str(row.get("commodity") or "") == "copper_ore" else None
    if layer_id == "processing_plants":
        plant_type = str(row.get("plant_type") or "")
        makes_copper = "copper" in str(row.get("product") or "").lower()
        return plant_type if plant_type in ("concentrator", "smelter") and makes_copper else None
    if layer_id == "border_gates":  # a clearance point (lối mở) is no exit for industrial freight
        return "exit" if str(row.get("gate_class") or "") in ("international", "main") else None
    return None


def chain_sites(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, list[dict[str, Any]]]:
    """The located sites of each stage, from the ``mines``, ``processing_plants`` and ``border_gates`` layers."""
    sites: dict[str, list[dict[str, Any]]] = {s: [] for s in STAGES}
    for layer_id in ("mines", "processing_plants", "border_gates"):
        frame = layers.get(layer_id)
        for _, r in (frame.iterrows() if frame is not None else iter(())):
            row = dict(r)
            stage = stage_of(row, layer_id)
            if stage and row.get("geometry") is not None and not _missing(row["geometry"]):
                sites[stage].append(row)
    return sites


def full_year_figures(statistics: pd.DataFrame, entity: str, indicator: str) -> dict[int, FlowFigure]:
    """The entity's full-year, variant-0 tonnes of ``indicator`` by year; output preferred to target."""
    if statistics.empty:
        return {}
    rows = _first_variant(statistics)
    rows = rows[(rows["entity"] == entity) & (rows["indicator"] == indicator) & (rows["unit"] == FLOW_UNIT)]
    rows = rows[rows["period"].fillna("FY").eq("FY")].dropna(subset=["value", "year"])
    rank = {b: i for i, b in enumerate((*_WIDTH_BASES, "target"))}
    rows = rows.assign(_rank=rows["basis"].map(rank)).dropna(subset=["_rank"]).sort_values(["year", "_rank"])
    return {
        int(r["year"]): FlowFigure(float(r["value"]), str(r["basis"]), entity, str(r.get("source") or ""),
                                   derivation="" if _missing(r.get("derivation")) else str(r["derivation"]))
        for _, r in rows.drop_duplicates("year").iterrows()
    }


def operating_organisation(entities: pd.DataFrame | None, site_id: str) -> str | None:
    """The organisation of ``entities.csv`` whose note names ``site_id`` (its operating branch)."""
    if entities is None or entities.empty or "note" not in entities.columns:
        return None
    pattern = re.compile(rf"(?<![\w-]){re.escape(site_id)}(?![\w-])")
    orgs = entities[entities.get("entity_type", pd.Series(dtype=str)).eq("organisation")]
    found = [str(e) for e, note in zip(orgs["entity"], orgs["note"], strict=True) if pattern.search(str(note))]
    return found[0] if len(found) == 1 else None


def _operator_key(row: dict[str, Any]) -> str:
    """The operating branch: the operator text before any ``,`` or ``(`` qualifier."""
    text = "" if _missing(row.get("operator")) else str(row["operator"])
    return re.split(r"[,(]", text)[0].strip().casefold()


def _point(row: dict[str, Any]) -> tuple[float, float]:
    g = row["geometry"]
    g = g if g.geom_type == "Point" else g.representative_point()
    return (round(g.y, 5), round(g.x, 5))


def _nearest(row: dict[str, Any], candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The candidate nearest to ``row`` on the ellipsoid (the core's geodesic measure)."""
    if not candidates:
        return None
    frame = gpd.GeoDataFrame({"i": range(len(candidates))}, geometry=[c["geometry"] for c in candidates],
                             crs="EPSG:4326")
    found = NearestFinder(frame).nearest(row["geometry"])
    return None if found is None else candidates[int(frame.index.get_indexer([found.index])[0])]


def _targets(row: dict[str, Any], candidates: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """The next-stage sites the data ties to ``row`` (same branch), else the nearest (indicative)."""
    key = _operator_key(row)
    stated = [c for c in candidates if key and _operator_key(c) == key]
    if stated:
        return stated, False
    nearest = _nearest(row, candidates)
    return ([nearest] if nearest is not None else []), True


def _operating(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if str(r.get("status") or "") == "operating"]


def _links(sites: dict[str, list[dict[str, Any]]]) -> list[tuple[str, dict[str, Any], dict[str, Any], bool]]:
    """(source stage, source, target, indicative) for the operating sites, stage by stage."""
    live = {s: _operating(rows) for s, rows in sites.items()}
    links: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = []
    for i, stage in enumerate(STAGES[:-1]):
        following = next((live[s] for s in STAGES[i + 1 :] if live[s]), [])
        candidates = live["exit"] if stage == "smelter" else following
        for row in live[stage]:
            targets, indicative = _targets(row, candidates)
            links.extend((stage, row, t, indicative or stage == "smelter") for t in targets)
    return links


def _figures(
    stage: str, source: dict[str, Any], target_stage: str, statistics: pd.DataFrame, entities: pd.DataFrame | None,
    feeders: dict[str, list[str]],
) -> tuple[str, dict[int, FlowFigure]]:
    """The indicator moving along a link from ``source`` and its figures by year."""
    site = str(source["id"])
    stats = statistics
    if stage == "mine":
        indicator = ORE_MINED if target_stage == "concentrator" else CONCENTRATE
        return indicator, full_year_figures(stats, site, indicator)
    if stage == "concentrator":
        own = full_year_figures(stats, site, CONCENTRATE)
        for mine in feeders.get(site, []):  # the mine that reports its concentrators' output
            own = {**full_year_figures(stats, mine, CONCENTRATE), **own}
        return CONCENTRATE, own
    own = full_year_figures(stats, site, CATHODE)
    organisation = operating_organisation(entities, site)
    if organisation:
        own = {**full_year_figures(stats, organisation, CATHODE), **own}
    return CATHODE, own


def _mark_shared(flows: list[Flow]) -> list[Flow]:
    counts: dict[tuple[str, str, int], int] = {}
    for f in flows:
        for y, fig in f.figures.items():
            counts[(fig.entity, f.indicator, y)] = counts.get((fig.entity, f.indicator, y), 0) + 1
    return [
        replace(f, figures={y: replace(g, shared=counts[(g.entity, f.indicator, y)]) for y, g in f.figures.items()})
        for f in flows
    ]


def copper_chain(
    layers: Mapping[str, gpd.GeoDataFrame], statistics: pd.DataFrame, entities: pd.DataFrame | None = None
) -> list[Flow]:
    """The links of the copper chain, each with the indicator that moves along it.

    Stages: mines → concentrators → smelters → border gates. Only operating sites take part.
    A link is *stated* when both sites belong to the same operating branch (``operator``
    before any ``,`` or ``(``); otherwise it goes to the geodesically nearest site of the next
    stage and is *indicative* (every exit is: the data does not say where cathode leaves).
    Each link carries, per year, the full-year tonnes of its indicator (ore mined, concentrate,
    cathode) of its source site, else of the mine or organisation that reports for it; a
    figure several links share is marked ``shared``, never split.
    """
    sites = chain_sites(layers)
    stage_of_site = {str(r["id"]): s for s, rows in sites.items() for r in rows}
    links = _links(sites)
    feeders: dict[str, list[str]] = {}
    for stage, source, target, indicative in links:
        if stage == "mine" and not indicative:
            feeders.setdefault(str(target["id"]), []).append(str(source["id"]))
    flows = []
    for stage, source, target, indicative in links:
        indicator, figures = _figures(
            stage, source, stage_of_site[str(target["id"])], statistics, entities, feeders
        )
        flows.append(
            Flow(str(source["id"]), str(target["id"]), (_point(source), _point(target)), indicator, figures, indicative)
        )
    return _mark_shared(flows)
