"""Value chain: links from mines to the nearest plants that process their ore, with capacity
utilisation (output / capacity) per year where the statistics allow.

Each commodity has processing stages (:data:`PROCESSING_STAGES`): copper ore goes to a
concentrator and then a smelter, apatite to a concentrator and then fertiliser or chemical
plants, iron ore to a steel plant, and so on. A mine is linked to the nearest active plant of
each stage (geodesic distance).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel, Field

from geo_industry.raster.geodesic import NearestFinder
from geo_industry.raster.layers import INACTIVE_STATUSES

__all__ = [
    "PROCESSING_STAGES",
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
