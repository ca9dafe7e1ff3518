"""Suitability scoring, zone assessment, profile rankings and value-chain links."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from pyproj import Geod
from shapely.geometry import Point, box

from geo_industry.raster import (
    BuildResult,
    SuitabilityConfig,
    UnknownProfileError,
    assess_zones,
    link_value_chain,
    metric_grid,
    rank_zones,
    ranking_to_geodataframe,
    suitability_surface,
)
from geo_industry.raster.suitability import EXCLUDED_STEEP, explain_values

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def zones() -> gpd.GeoDataFrame:
    """A surveyed zone next to the gate, an estimated point zone (±2 km, 100 ha declared) far
    from it, and a zone without geometry."""
    return gpd.GeoDataFrame(
        {"id": ["near", "far", "nowhere"], "name_en": ["Near IZ", "Far IZ", "Lost IZ"],
         "area_ha": [None, 100.0, None], "coord_precision": ["source-derived", "estimated-2km", "none"],
         "coord_radius_km": [None, 2.0, None], "geometry_quality": ["surveyed", "approximate", None]},
        geometry=[box(103.95, 22.45, 103.99, 22.49), Point(104.6, 21.9), None], crs=4326)


@pytest.fixture(scope="module")
def targets(gates: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Gates and one copper mine; the expressway layer has only a null geometry."""
    mine = gpd.GeoDataFrame({"id": ["cu"]}, geometry=[Point(103.81, 22.617)], crs=4326)
    road = gpd.GeoDataFrame({"id": ["ct05"]}, geometry=[None], crs=4326)
    return {"border_gate": gates, "copper_mine": mine, "expressway": road}


def test_explain_values_is_the_weighted_sum() -> None:
    """Score = 100 × Σ w·s / Σ w with linear decay; contributions add up to the score."""
    config = SuitabilityConfig(weights={"railway": 3, "slope": 1},
                               thresholds_km={"railway": 20})
    result = explain_values({"railway": 5.0, "slope": 10.0}, config=config)
    assert result.score == pytest.approx(100 * (0.75 * 0.75 + 0.25 * 0.5))
    assert sum(c.contribution for c in result.contributions) == pytest.approx(result.score)


@pytest.mark.parametrize("bad", [{"weights": {"airport": 1}}, {"weights": {"railway": -1}},
                                 {"weights": {"railway": 0}}, {"thresholds_km": {"slope": 5}},
                                 {"max_slope_deg": 0}])
def test_invalid_config_is_refused(bad: dict) -> None:
    """Unknown criteria, negative or all-zero weights and bad thresholds are refused."""
    with pytest.raises(ValidationError):
        SuitabilityConfig(**bad)


def test_surface_excludes_steep_land_and_renormalises() -> None:
    """Steep pixels have no score; a criterion without raster is reported missing."""
    grid = metric_grid(area_of_interest=box(104.0, 22.0, 104.02, 22.02), resolution_m=500)
    distance = np.full(grid.shape, 10.0, "float32")
    slope = np.zeros(grid.shape, "float32")
    slope[0, 0] = 30.0
    surface = suitability_surface(grid=grid, distances_km={"railway": distance}, slope_deg=slope)
    assert np.isnan(surface.score[0, 0]) and surface.exclusion[0, 0] == EXCLUDED_STEEP
    assert set(surface.weights) == {"railway", "slope"}
    assert surface.missing["border_gate"] == "no data"
    explained = surface.explain(row=1, col=1)
    assert explained.score == pytest.approx(float(surface.score[1, 1]), abs=1e-3)


def test_assess_zones_distances_are_geodesic(zones: gpd.GeoDataFrame,
                                             targets: dict[str, gpd.GeoDataFrame]) -> None:
    """A point zone's distance to a point target equals pyproj's geodesic distance (to 0.1 km)."""
    near, far, nowhere = assess_zones(zones=zones, targets=targets)
    _, _, metres = GEOD.inv(104.6, 21.9, 103.81, 22.617)
    assert far.distances_km["copper_mine"] == pytest.approx(metres / 1000, abs=0.05)
    # ± 2 km estimate + 0.56 km, the extent a site of 100 ha has around its point (a number, no shape)
    assert far.distances["copper_mine"].uncertainty_km == pytest.approx(2.6)
    assert near.nearest["border_gate"] == "lao-cai-gate"
    assert near.distances_km["border_gate"] < far.distances_km["border_gate"]
    assert near.suitability.missing["expressway"] == "no expressway has a known position"
    assert near.suitability.missing["slope"] == "no DEM configured"
    assert nowhere.suitability.score is None


def test_assess_zones_mean_slope(zones: gpd.GeoDataFrame, targets: dict[str, gpd.GeoDataFrame],
                                 built: BuildResult) -> None:
    """With the slope COG, an outline gets its mean slope; an estimated point the mean over its
    uncertainty disc, said so; never a circle of its declared area."""
    near, far, _ = assess_zones(zones=zones, targets=targets, slope_path=built.path("slope"))
    assert near.mean_slope_deg is not None and far.mean_slope_deg is not None
    assert near.notes == ["slope over the surveyed outline"]
    assert far.notes == ["slope over the 2 km uncertainty disc around the estimated point "
                         "(the outline is not published)"]
    assert any(c.criterion == "slope" for c in near.suitability.contributions)


def test_placeholder_zone_gets_no_zonal_slope(targets: dict[str, gpd.GeoDataFrame],
                                              built: BuildResult) -> None:
    """A district-seat placeholder is not read as the site; a sourced point uses the default disc."""
    zones = gpd.GeoDataFrame(
        {"id": ["seat", "sourced"], "coord_precision": ["proxy-district", "source-exact"],
         "coord_radius_km": [None, None], "area_ha": [184.0, 85.0]},
        geometry=[Point(104.6, 21.9), Point(104.5, 21.95)], crs=4326)
    seat, sourced = assess_zones(zones=zones, targets=targets, slope_path=built.path("slope"))
    assert seat.mean_slope_deg is None
    assert seat.suitability.missing["slope"].startswith("no zonal slope: the point is a placeholder")
    assert sourced.mean_slope_deg is not None
    assert sourced.notes == ["slope over a 500 m disc around the point (the outline is not published)"]


def test_ranking_follows_the_profile(zones: gpd.GeoDataFrame,
                                     targets: dict[str, gpd.GeoDataFrame]) -> None:
    """Logistics ranks the zone at the border gate first and explains why."""
    assessments = assess_zones(zones=zones, targets=targets)
    ranking = rank_zones(assessments, profile="logistics_border_trade")
    assert [z.zone_id for z in ranking.zones] == ["near", "far", "nowhere"]
    assert ranking.zones[0].explanation.startswith("score ")
    assert "nearest border gate" in ranking.zones[0].explanation
    custom = rank_zones(assessments, profile={"copper_mine": 1.0})
    assert custom.profile == "custom" and custom.weights == {"copper_mine": 1.0}
    frame = ranking_to_geodataframe(ranking, zones)
    assert frame["rank"].tolist() == [1, 2, 3] and frame.crs == zones.crs
    with pytest.raises(UnknownProfileError, match="'mining'"):
        rank_zones(assessments, profile="mining")


def test_value_chain_links_mines_to_nearest_plants() -> None:
    """Copper ore goes to the nearest copper concentrator and smelter, with utilisation."""
    mines = gpd.GeoDataFrame(
        {"id": ["cu-mine", "old-mine"], "name_en": ["Cu", "Old"],
         "commodity": ["copper_ore", "copper_ore"], "status": ["operating", "closed"],
         "capacity_value": [2.5, None], "capacity_unit": ["Mt ore/yr", None]},
        geometry=[Point(103.81, 22.617), Point(103.9, 22.5)], crs=4326)
    plants = gpd.GeoDataFrame(
        {"id": ["conc", "smelter-near", "smelter-far", "dap"],
         "plant_type": ["concentrator", "smelter", "smelter", "fertiliser"],
         "product": ["copper concentrate", "copper cathode", "copper cathode", "DAP"],
         "capacity_value": [None, 10000.0, 20000.0, 330000.0],
         "capacity_unit": [None, "t cathode/yr", "t cathode/yr", "t DAP/yr"]},
        geometry=[Point(103.81, 22.617), Point(103.87, 22.57), Point(104.14, 22.29),
                  Point(104.14, 22.29)], crs=4326)
    stats = pd.DataFrame([
        {"indicator": "copper_ore_mined", "entity": "cu-mine", "year": 2021, "period": "FY",
         "value": 2.2e6, "unit": "t", "basis": "actual"},
        {"indicator": "copper_cathode_output", "entity": "smelter-near", "year": 2024,
         "period": "FY", "value": 9000.0, "unit": "t", "basis": "estimate"},
        {"indicator": "copper_cathode_output", "entity": "smelter-near", "year": 2024,
         "period": "Jan-Apr", "value": 3000.0, "unit": "t", "basis": "actual"},
    ])
    links = link_value_chain(mines=mines, plants=plants, statistics=stats)
    assert [(link.stage, link.plant_id) for link in links] == [
        ("concentration", "conc"), ("smelting", "smelter-near")]
    assert links[0].distance_km == 0.0
    assert links[0].mine_utilisation[0].utilisation == pytest.approx(0.88)
    [smelter] = links[1].plant_utilisation
    assert (smelter.year, smelter.utilisation, smelter.basis) == (2024, 0.9, "estimate")
