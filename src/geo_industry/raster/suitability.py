"""Weighted multi-criteria suitability: config, explanation of a score, and the raster surface.

score = 100 × Σ wᵢ·sᵢ / Σ wᵢ over the criteria that have data, where sᵢ ∈ [0, 1] comes from
:mod:`geo_industry.raster.criteria`. A criterion without data (no DEM, no copper mine in the
layers) is dropped and the remaining weights renormalised; the explanation says so. Land steeper
than ``max_slope_deg``, water (buffered rivers/lakes when a water layer is given) and
user-given exclusion areas get no score on the raster; zones keep their score and list the
exclusion as a reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from geo_industry.errors import InvalidParameter
from geo_industry.raster.criteria import (
    CRITERIA,
    CRITERION_TITLES,
    DEFAULT_MAX_SLOPE_DEG,
    DEFAULT_THRESHOLDS_KM,
    DEFAULT_WEIGHTS,
    DISTANCE_CRITERIA,
    SLOPE,
    check_criterion,
    score_distance,
    score_slope,
)

if TYPE_CHECKING:  # rasterio's types: imported where a grid is rasterised, not with the scoring
    from geo_industry.raster.grid import RasterGrid

__all__ = [
    "SuitabilityConfig",
    "CriterionContribution",
    "SuitabilityExplanation",
    "SuitabilitySurface",
    "EXCLUDED_STEEP",
    "EXCLUDED_WATER",
    "EXCLUDED_AREA",
    "EXCLUDED_OUTSIDE",
    "explain_values",
    "geometry_mask",
    "water_mask",
    "suitability_surface",
]

EXCLUDED_STEEP = 1
EXCLUDED_WATER = 2
EXCLUDED_AREA = 4
EXCLUDED_OUTSIDE = 8
_EXCLUSION_REASONS = {
    EXCLUDED_STEEP: "steep", EXCLUDED_WATER: "water", EXCLUDED_AREA: "excluded area",
    EXCLUDED_OUTSIDE: "outside the area of interest",
}


class SuitabilityConfig(BaseModel):
    """Weights, thresholds and exclusions of the suitability analysis (defaults documented).

    Attributes
    ----------
    weights : dict
        Criterion → weight ≥ 0 (any scale; normalised). Criteria left out get weight 0.
        Default :data:`~geo_industry.raster.criteria.DEFAULT_WEIGHTS`.
    thresholds_km : dict
        Criterion → distance where the score reaches 0; missing keys take
        :data:`~geo_industry.raster.criteria.DEFAULT_THRESHOLDS_KM`.
    max_slope_deg : float, default 20
        Slope where the slope score reaches 0 and above which land is excluded.
    exclude_steep, exclude_water : bool, default True
    water_buffer_m : float, default 200
        Buffer around water lines/polygons that counts as water.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    thresholds_km: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_THRESHOLDS_KM))
    max_slope_deg: float = Field(DEFAULT_MAX_SLOPE_DEG, gt=0, le=90)
    exclude_steep: bool = True
    exclude_water: bool = True
    water_buffer_m: float = Field(200.0, ge=0)

    @field_validator("weights")
    @classmethod
    def _check_weights(cls, value: dict[str, float]) -> dict[str, float]:
        for name, weight in value.items():
            check_criterion(name, argument="weights key")
            if not (weight >= 0 and math.isfinite(weight)):
                raise ValueError(f"weight of {name!r} must be a finite number >= 0, got {weight!r}")
        if sum(value.values()) <= 0:
            raise ValueError("weights must have at least one positive weight")
        return value

    @field_validator("thresholds_km")
    @classmethod
    def _check_thresholds(cls, value: dict[str, float]) -> dict[str, float]:
        for name, km in value.items():
            if name not in DISTANCE_CRITERIA:
                raise ValueError(f"thresholds_km key {name!r} is not one of {DISTANCE_CRITERIA}")
            if not (km > 0 and math.isfinite(km)):
                raise ValueError(f"threshold of {name!r} must be > 0 km, got {km!r}")
        return {**DEFAULT_THRESHOLDS_KM, **value}

    def active_weights(self, available: set[str] | frozenset[str]) -> dict[str, float]:
        """Normalised weights (sum 1) over the positive-weight criteria in ``available``."""
        used = {k: w for k, w in self.weights.items() if w > 0 and k in available}
        total = sum(used.values())
        if total <= 0:
            raise InvalidParameter(
                "weights", sorted(self.weights), f"a positive weight on one of {sorted(available)}",
                message=f"no weighted criterion has data: weights {sorted(self.weights)}, "
                        f"available {sorted(available)}")
        return {k: used[k] / total for k in CRITERIA if k in used}


class CriterionContribution(BaseModel):
    """How one criterion contributed to a score."""

    criterion: str
    title: str
    value: float | None = Field(description="distance in km, or slope in degrees")
    units: str
    score: float | None = Field(description="criterion score 0–1")
    weight: float = Field(description="normalised weight (0–1)")
    contribution: float = Field(description="points out of 100 added to the score")
    note: str | None = None


class SuitabilityExplanation(BaseModel):
    """A suitability score with each criterion's contribution and any exclusion."""

    score: float | None = Field(description="0–100; None when an input is missing")
    contributions: list[CriterionContribution]
    excluded_by: list[str] = Field(default_factory=list)
    missing: dict[str, str] = Field(default_factory=dict,
                                    description="criterion → why it was left out")


def _contribution(name: str, value: float | None, weight: float,
                  config: SuitabilityConfig) -> CriterionContribution:
    units = "deg" if name == SLOPE else "km"
    score = None
    if value is not None and math.isfinite(value):
        score = float(score_slope(value, max_slope_deg=config.max_slope_deg) if name == SLOPE
                      else score_distance(value, threshold_km=config.thresholds_km[name]))
    limit = (f"0 at {config.max_slope_deg:g}°" if name == SLOPE
             else f"0 at {config.thresholds_km[name]:g} km")
    return CriterionContribution(
        criterion=name, title=CRITERION_TITLES[name], value=value, units=units, score=score,
        weight=round(weight, 6), contribution=round(100 * weight * (score or 0.0), 4),
        note=f"linear decay, {limit}")


def explain_values(values: Mapping[str, float | None], *, config: SuitabilityConfig,
                   missing: Mapping[str, str] | None = None) -> SuitabilityExplanation:
    """Score one place from its criterion values (km, slope degrees) and explain it.

    Criteria absent from ``values`` (or listed in ``missing`` with a reason) are left out and
    the other weights renormalised.

    Examples
    --------
    >>> e = explain_values({"railway": 15.0, "slope": 10.0},
    ...                    config=SuitabilityConfig(weights={"railway": 1, "slope": 1}))
    >>> e.score
    50.0
    """
    missing = dict(missing or {})
    for name in config.weights:
        if name not in values and name not in missing and config.weights[name] > 0:
            missing[name] = "no data"
    available = frozenset(k for k in values if k not in missing)
    weights = config.active_weights(available)
    contributions = [_contribution(k, values[k], w, config) for k, w in weights.items()]
    complete = all(c.score is not None for c in contributions)
    score = round(sum(c.contribution for c in contributions), 4) if complete else None
    excluded = []
    slope = values.get(SLOPE)
    if config.exclude_steep and slope is not None and slope > config.max_slope_deg:
        excluded.append(f"slope {slope:.1f}° above {config.max_slope_deg:g}°")
    return SuitabilityExplanation(score=score, contributions=contributions, excluded_by=excluded,
                                  missing={k: v for k, v in missing.items() if k in config.weights})


@dataclass(frozen=True)
class SuitabilitySurface:
    """A suitability raster with what it was made from.

    Attributes
    ----------
    score : numpy.ndarray
        float32 0–100, NaN where excluded or where an input has no data.
    exclusion : numpy.ndarray
        uint8 bit flags: 1 steep, 2 water, 4 excluded area, 8 outside the area of interest.
    grid : RasterGrid
    config : SuitabilityConfig
    weights : dict
        Normalised weights actually used.
    inputs : dict
        Criterion → input array (km or degrees), shared, not copied.
    missing : dict
        Criterion → reason it was left out.
    """

    score: np.ndarray
    exclusion: np.ndarray
    grid: RasterGrid
    config: SuitabilityConfig
    weights: dict[str, float]
    inputs: dict[str, np.ndarray] = field(repr=False)
    missing: dict[str, str]

    def explain(self, *, row: int, col: int) -> SuitabilityExplanation:
        """Explain the score of one pixel (row, col)."""
        if not (0 <= row < self.grid.height and 0 <= col < self.grid.width):
            raise InvalidParameter(
                "pixel", (row, col), f"a (row, col) inside the {self.grid.height}×{self.grid.width} grid",
                message=f"pixel (row={row}, col={col}) is outside the "
                        f"{self.grid.height}×{self.grid.width} grid")
        values = {k: float(a[row, col]) for k, a in self.inputs.items()}
        result = explain_values(values, config=self.config, missing=self.missing)
        flags = int(self.exclusion[row, col])
        extra = [reason for bit, reason in _EXCLUSION_REASONS.items()
                 if flags & bit and bit != EXCLUDED_STEEP]
        return result.model_copy(update={"excluded_by": [*result.excluded_by, *extra]})


def geometry_mask(frame: gpd.GeoDataFrame, *, grid: RasterGrid, buffer_m: float = 0.0,
                  argument: str = "areas") -> np.ndarray:
    """Boolean raster: True where a pixel touches a (buffered) geometry of ``frame``."""
    from rasterio import features as rio_features

    from geo_industry.raster.accessibility import usable_geometries

    geoms = usable_geometries(frame, argument=argument).to_crs(grid.crs)
    if geoms.empty:
        return np.zeros(grid.shape, dtype=bool)
    if buffer_m > 0:
        geoms = geoms.buffer(buffer_m)
    burnt = rio_features.rasterize(((g, 1) for g in geoms), out_shape=grid.shape,
                                   transform=grid.transform, fill=0, all_touched=True,
                                   dtype="uint8")
    return burnt.astype(bool)


def water_mask(water: gpd.GeoDataFrame, *, grid: RasterGrid, buffer_m: float) -> np.ndarray:
    """Boolean raster of water: rivers (lines) and lakes (polygons) buffered by ``buffer_m``."""
    return geometry_mask(water, grid=grid, buffer_m=buffer_m, argument="water")


def _check_shape(name: str, array: np.ndarray, grid: RasterGrid) -> None:
    if array.shape != grid.shape:
        raise InvalidParameter(name, array.shape, f"the grid's shape {grid.shape}",
                               message=f"{name} has shape {array.shape}, grid is {grid.shape}")


def suitability_surface(
    *,
    grid: RasterGrid,
    distances_km: Mapping[str, np.ndarray],
    slope_deg: np.ndarray | None = None,
    config: SuitabilityConfig | None = None,
    water: np.ndarray | None = None,
    excluded_areas: np.ndarray | None = None,
    inside: np.ndarray | None = None,
    missing: Mapping[str, str] | None = None,
) -> SuitabilitySurface:
    """Combine criterion rasters into a 0–100 suitability surface.

    Parameters
    ----------
    grid : RasterGrid
        The grid shared by every input array.
    distances_km : mapping
        Distance criterion → km array (e.g. ``DistanceRaster.distance_km``).
    slope_deg : array, optional
        Slope in degrees; without it the slope criterion and the steep exclusion are dropped.
    config : SuitabilityConfig, optional
    water, excluded_areas : bool arrays, optional
        Pixels excluded as water / as user exclusion areas.
    inside : bool array, optional
        Pixels inside the area of interest; the others get no score.
    missing : mapping, optional
        Criterion → reason it has no raster (reported in explanations).
    """
    config = config or SuitabilityConfig()
    inputs: dict[str, np.ndarray] = {}
    for name, array in distances_km.items():
        if name not in DISTANCE_CRITERIA:
            raise InvalidParameter(
                "distances_km", name, f"a key among {DISTANCE_CRITERIA}",
                message=f"distances_km key {name!r} is not one of {DISTANCE_CRITERIA}")
        _check_shape(name, array, grid)
        inputs[name] = array
    missing = dict(missing or {})
    if slope_deg is not None:
        _check_shape("slope_deg", slope_deg, grid)
        inputs[SLOPE] = slope_deg
    else:
        missing.setdefault(SLOPE, "no DEM configured")
    for name in config.weights:
        if name not in inputs:
            missing.setdefault(name, "no data")
    weights = config.active_weights(frozenset(inputs))
    score = np.zeros(grid.shape, dtype="float32")
    for name, weight in weights.items():
        part = (score_slope(inputs[name], max_slope_deg=config.max_slope_deg) if name == SLOPE
                else score_distance(inputs[name], threshold_km=config.thresholds_km[name]))
        score += np.float32(100 * weight) * part
    exclusion = np.zeros(grid.shape, dtype="uint8")
    if slope_deg is not None and config.exclude_steep:
        exclusion[slope_deg > config.max_slope_deg] |= EXCLUDED_STEEP
    if water is not None and config.exclude_water:
        _check_shape("water", water, grid)
        exclusion[water] |= EXCLUDED_WATER
    if excluded_areas is not None:
        _check_shape("excluded_areas", excluded_areas, grid)
        exclusion[excluded_areas] |= EXCLUDED_AREA
    if inside is not None:
        _check_shape("inside", inside, grid)
        exclusion[~inside] |= EXCLUDED_OUTSIDE
    score[exclusion > 0] = np.nan
    return SuitabilitySurface(score, exclusion, grid, config, weights, inputs,
                              {k: v for k, v in missing.items() if k in config.weights})
