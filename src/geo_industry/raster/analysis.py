"""Zone analysis: distances, mean slope, suitability with reasons, and rankings per profile.

Zones are the polygons or points of ``industrial_zones`` (including economic-zone areas) and
``industrial_clusters``. A point zone is widened to a circle of its ``area_ha`` (or of
``point_zone_radius_m``) for the mean slope. Distances are geodesic km between the closest
points of zone and target. Scores come from the same criteria as the suitability raster, from
the zone's own distances and mean slope, so rankings need no raster but a slope raster.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel, Field
from shapely.geometry.base import BaseGeometry

from geo_industry.raster.criteria import DISTANCE_CRITERIA, SLOPE
from geo_industry.raster.geodesic import NearestFinder
from geo_industry.raster.grid import DEFAULT_METRIC_CRS
from geo_industry.raster.profiles import InvestorProfile, profile_config
from geo_industry.raster.suitability import (
    CriterionContribution,
    SuitabilityConfig,
    SuitabilityExplanation,
    explain_values,
)
from geo_industry.raster.zonal import zonal_statistics

__all__ = [
    "ZoneAssessment",
    "RankedZone",
    "Ranking",
    "assess_zones",
    "rank_zones",
    "ranking_to_geodataframe",
]


class ZoneAssessment(BaseModel):
    """What the analysis says about one zone."""

    zone_id: str
    name_vi: str | None = None
    name_en: str | None = None
    kind: str | None = None
    distances_km: dict[str, float | None] = Field(description="criterion → geodesic km")
    nearest: dict[str, str | None] = Field(description="criterion → id of the nearest feature")
    mean_slope_deg: float | None
    suitability: SuitabilityExplanation
    notes: list[str] = Field(default_factory=list)

    def criterion_values(self) -> dict[str, float]:
        """Criterion → value (km or degrees) for the criteria that have one."""
        values = {k: v for k, v in self.distances_km.items() if v is not None}
        if self.mean_slope_deg is not None:
            values[SLOPE] = self.mean_slope_deg
        return values


def _text(row: pd.Series, column: str) -> str | None:
    value = row.get(column)
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _slope_zones(zones: gpd.GeoDataFrame, *, point_zone_radius_m: float,
                 metric_crs: object) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """Zones for zonal slope: points become circles of their area (or the default radius)."""
    metric = zones.geometry.to_crs(metric_crs)
    notes: dict[str, str] = {}
    shapes = []
    for zone_id, geom, area in zip(zones["id"], metric,
                                   zones.get("area_ha", pd.Series(index=zones.index)),
                                   strict=True):
        if isinstance(geom, BaseGeometry) and geom.geom_type == "Point":
            known = area is not None and not pd.isna(area) and area > 0
            radius = math.sqrt(float(area) * 1e4 / math.pi) if known else point_zone_radius_m
            notes[str(zone_id)] = (f"point zone: slope over a {radius:.0f} m circle "
                                   f"({'of its area' if known else 'default radius'})")
            geom = geom.buffer(radius)
        shapes.append(geom)
    return gpd.GeoDataFrame({"id": zones["id"].astype(str)}, geometry=shapes,
                            crs=metric_crs), notes


def _mean_slopes(zones: gpd.GeoDataFrame, slope_path: str | Path | None, *,
                 point_zone_radius_m: float, metric_crs: object
                 ) -> tuple[dict[str, float | None], dict[str, str]]:
    if slope_path is None:
        return {}, {}
    shapes, notes = _slope_zones(zones, point_zone_radius_m=point_zone_radius_m,
                                 metric_crs=metric_crs)
    stats = zonal_statistics(slope_path, zones=shapes, percentiles=(), all_touched=False)
    return {s.zone_id or "": s.mean for s in stats}, notes


def _distances(geometry: object, crs: object, targets: Mapping[str, gpd.GeoDataFrame],
               finders: Mapping[str, NearestFinder]
               ) -> tuple[dict[str, float | None], dict[str, str | None], dict[str, str]]:
    distances: dict[str, float | None] = {}
    nearest: dict[str, str | None] = {}
    missing: dict[str, str] = {}
    for criterion in DISTANCE_CRITERIA:
        finder = finders.get(criterion)
        found = None if finder is None else finder.nearest(geometry, geometry_crs=crs)
        distances[criterion], nearest[criterion] = None, None
        if found is None:
            missing[criterion] = ("zone has no geometry" if geometry is None
                                  else "no target feature with a geometry")
            continue
        frame = targets[criterion]
        distances[criterion] = round(found.distance_km, 3)
        nearest[criterion] = (_text(frame.loc[found.index], "id") if "id" in frame
                              else str(found.index))
    return distances, nearest, missing


def assess_zones(
    *,
    zones: gpd.GeoDataFrame,
    targets: Mapping[str, gpd.GeoDataFrame],
    slope_path: str | Path | None = None,
    config: SuitabilityConfig | None = None,
    point_zone_radius_m: float = 500.0,
    metric_crs: object = DEFAULT_METRIC_CRS,
) -> list[ZoneAssessment]:
    """Distances, mean slope and explained suitability score for every zone.

    Parameters
    ----------
    zones : GeoDataFrame
        Zones with an ``id`` column (and ``name_vi``, ``name_en``, ``kind``, ``area_ha`` when
        present); polygons or points; null geometries get notes instead of numbers.
    targets : mapping
        Criterion → target GeoDataFrame (see :func:`geo_industry.raster.layers.target_layers`).
    slope_path : path, optional
        The built ``slope`` COG; without it slope is left out of the scores.
    config : SuitabilityConfig, optional
        Weights and thresholds (default: balanced).

    Examples
    --------
    >>> zones = pd.concat([layers["industrial_zones"],
    ...                    layers["industrial_clusters"]])  # doctest: +SKIP
    >>> assess_zones(zones=zones, targets=target_layers(layers))[0].distances_km  # doctest: +SKIP
    """
    config = config or SuitabilityConfig()
    if "id" not in zones:
        zones = zones.assign(id=[str(i) for i in zones.index])
    slopes, slope_notes = _mean_slopes(zones, slope_path, point_zone_radius_m=point_zone_radius_m,
                                       metric_crs=metric_crs)
    finders = {c: NearestFinder(f, metric_crs=metric_crs) for c, f in targets.items()
               if c in DISTANCE_CRITERIA}
    results = []
    for _, row in zones.iterrows():
        zone_id = str(row["id"])
        geometry = row.geometry if isinstance(row.geometry, BaseGeometry) else None
        distances, nearest, missing = _distances(geometry, zones.crs, targets, finders)
        mean_slope = slopes.get(zone_id)
        if slope_path is None:
            missing[SLOPE] = "no DEM configured"
        elif mean_slope is None:
            missing[SLOPE] = "no slope pixel in the zone"
        values = {k: v for k, v in distances.items() if v is not None}
        if mean_slope is not None:
            values[SLOPE] = mean_slope
        notes = [slope_notes[zone_id]] if zone_id in slope_notes else []
        results.append(ZoneAssessment(
            zone_id=zone_id, name_vi=_text(row, "name_vi"), name_en=_text(row, "name_en"),
            kind=_text(row, "kind"), distances_km=distances, nearest=nearest,
            mean_slope_deg=None if mean_slope is None else round(mean_slope, 3),
            suitability=_explain(values, config, missing), notes=notes))
    return results


def _explain(values: Mapping[str, float], config: SuitabilityConfig,
             missing: Mapping[str, str]) -> SuitabilityExplanation:
    usable = {k for k, w in config.weights.items() if w > 0 and k in values}
    if not usable:
        return SuitabilityExplanation(score=None, contributions=[], missing=dict(missing))
    return explain_values(values, config=config, missing=missing)


class RankedZone(BaseModel):
    """One zone in a ranking, with the reasons for its place."""

    rank: int
    zone_id: str
    name_en: str | None
    name_vi: str | None
    score: float | None
    explanation: str
    contributions: list[CriterionContribution]
    excluded_by: list[str]
    missing: dict[str, str]


class Ranking(BaseModel):
    """Zones ranked for one investor profile."""

    profile: str
    title: str
    weights: dict[str, float] = Field(description="normalised weights of the profile")
    zones: list[RankedZone]


def _sentence(result: SuitabilityExplanation) -> str:
    if result.score is None:
        return "no score: " + "; ".join(f"{k}: {v}" for k, v in result.missing.items())
    parts = [f"{c.title} {c.value:.1f} {c.units} (+{c.contribution:.1f})"
             for c in sorted(result.contributions, key=lambda c: -c.contribution)]
    text = f"score {result.score:.1f}: " + ", ".join(parts)
    if result.excluded_by:
        text += "; excluded: " + ", ".join(result.excluded_by)
    if result.missing:
        text += "; left out: " + ", ".join(f"{k} ({v})" for k, v in result.missing.items())
    return text


def rank_zones(
    assessments: Sequence[ZoneAssessment],
    *,
    profile: str | InvestorProfile | Mapping[str, float] = "balanced",
    base: SuitabilityConfig | None = None,
) -> Ranking:
    """Rank assessed zones for an investor profile (preset id, profile or custom weights).

    Zones are ordered by score (highest first); zones excluded by slope and zones without a
    score come last. Each entry explains its score criterion by criterion.

    Examples
    --------
    >>> ranking = rank_zones(assess_zones(zones=zones, targets=targets),
    ...                      profile="logistics_border_trade")  # doctest: +SKIP
    >>> ranking.zones[0].explanation  # doctest: +SKIP
    'score 91.2: nearest border gate 1.2 km (+44.1), ...'
    """
    config = profile_config(profile, base=base)
    name = profile if isinstance(profile, str) else (
        profile.id if isinstance(profile, InvestorProfile) else "custom")
    title = (profile.title if isinstance(profile, InvestorProfile)
             else name.replace("_", " ").capitalize())
    scored = []
    for zone in assessments:
        result = _explain(zone.criterion_values(), config, dict(zone.suitability.missing))
        scored.append((zone, result))
    scored.sort(key=lambda zr: (zr[1].score is None, bool(zr[1].excluded_by),
                                -(zr[1].score or 0.0), zr[0].zone_id))
    total = sum(config.weights.values())
    return Ranking(
        profile=name, title=title,
        weights={k: round(w / total, 6) for k, w in config.weights.items() if w > 0},
        zones=[RankedZone(rank=i + 1, zone_id=z.zone_id, name_en=z.name_en, name_vi=z.name_vi,
                          score=r.score, explanation=_sentence(r), contributions=r.contributions,
                          excluded_by=r.excluded_by, missing=r.missing)
               for i, (z, r) in enumerate(scored)])


def ranking_to_geodataframe(ranking: Ranking, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Ranked zones as a GeoDataFrame (geometry, rank, score, explanation) in rank order."""
    geometry = zones.set_index(zones["id"].astype(str)).geometry
    rows = [{"id": z.zone_id, "rank": z.rank, "score": z.score, "name_en": z.name_en,
             "name_vi": z.name_vi, "explanation": z.explanation,
             "contributions": [c.model_dump() for c in z.contributions],
             "excluded_by": z.excluded_by, "missing": z.missing} for z in ranking.zones]
    frame = pd.DataFrame(rows)
    return gpd.GeoDataFrame(frame, geometry=[geometry.get(i) for i in frame["id"]],
                            crs=zones.crs)
