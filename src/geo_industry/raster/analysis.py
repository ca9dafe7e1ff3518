"""Zone analysis: distances, mean slope, suitability with reasons, and rankings per profile.

Zones are the points of ``industrial_zones`` (including economic-zone areas) and
``industrial_clusters``, with the surveyed outline (``zone_outlines``) in place of the point
where one is published (:func:`geo_industry.raster.properties.measured_zone_frame`). The mean
slope is read over the outline; over the disc of ``coord_radius_km`` for an estimated point
(``point_zone_radius_m`` for a sourced one); not at all for a placeholder (district seat). A
declared area is never made a circle. Distances are geodesic km with their uncertainty
(:mod:`geo_industry.raster.distances`). Scores come from the same criteria as the suitability
raster, from the zone's own distances and mean slope, so rankings need no raster but a slope
raster. A criterion that a placeholder (a district seat standing in for the zone or for a
target) could decide is down-weighted: it scores at the far end of its range, the distance
that is certain, never at the seat; the explanation names the placeholder and
``placeholder_inputs`` lists it. Any other distance scores at the middle of its interval.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel, Field
from shapely.geometry.base import BaseGeometry

from geo_industry.crs import METRIC_CRS
from geo_industry.errors import InvalidParameter
from geo_industry.raster.criteria import CRITERION_TITLES, SLOPE
from geo_industry.raster.distances import UncertainDistance, zone_distances
from geo_industry.raster.profiles import InvestorProfile, profile_config
from geo_industry.raster.suitability import (
    CriterionContribution,
    SuitabilityConfig,
    SuitabilityExplanation,
    explain_values,
)

__all__ = [
    "MeasuredSlope",
    "ZoneAssessment",
    "RankedZone",
    "Ranking",
    "assess_zones",
    "rank_zones",
    "ranking_to_geodataframe",
    "slope_inputs",
]


class ZoneAssessment(BaseModel):
    """What the analysis says about one zone."""

    zone_id: str
    name_vi: str | None = None
    name_en: str | None = None
    kind: str | None = None
    distances_km: dict[str, float | None] = Field(
        description="criterion → geodesic km, only where measured (null when a range or unknown)")
    distances: dict[str, UncertainDistance] = Field(
        default_factory=dict, description="criterion → distance with uncertainty, range or why unknown")
    nearest: dict[str, str | None] = Field(description="criterion → id of the nearest feature")
    mean_slope_deg: float | None
    suitability: SuitabilityExplanation
    placeholder_inputs: list[str] = Field(
        default_factory=list, description="inputs that are district-seat placeholders: criteria, or "
                                          "zone_location when the zone itself is one")
    notes: list[str] = Field(default_factory=list)

    def criterion_values(self) -> dict[str, float]:
        """Criterion → value (km or degrees) for the criteria that have one."""
        values = {k: v.estimate_km for k, v in self.distances.items() if v.estimate_km is not None}
        if self.mean_slope_deg is not None:
            values[SLOPE] = self.mean_slope_deg
        return values


def _text(row: pd.Series, column: str) -> str | None:
    value = row.get(column)
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


PLACEHOLDER_PRECISIONS = frozenset({"proxy-district", "none"})
"""Precision labels whose point is not the site (a district seat) or no point at all."""


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _slope_zone(geom: BaseGeometry, row: pd.Series, point_zone_radius_m: float
                ) -> tuple[BaseGeometry | None, str]:
    """The metric shape slope is read over, and a note saying what it is."""
    if geom.geom_type != "Point":
        return geom, "slope over the surveyed outline"
    if str(row.get("coord_precision") or "") in PLACEHOLDER_PRECISIONS:
        return None, "no zonal slope: the point is a placeholder (district seat), not the site"
    radius_km = _number(row.get("coord_radius_km"))
    if radius_km is not None:
        return geom.buffer(radius_km * 1000), (
            f"slope over the {radius_km:g} km uncertainty disc around the estimated point "
            "(the outline is not published)")
    return geom.buffer(point_zone_radius_m), (
        f"slope over a {point_zone_radius_m:.0f} m disc around the point (the outline is not published)")


def _slope_zones(zones: gpd.GeoDataFrame, *, point_zone_radius_m: float,
                 metric_crs: object) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """Zones for zonal slope: outlines as they are; points become the disc of their uncertainty.

    A declared area is never turned into a circle: an estimated point is read over the disc of
    its ``coord_radius_km``, a sourced point over ``point_zone_radius_m``, a placeholder not at all.
    """
    metric = zones.geometry.to_crs(metric_crs)
    notes: dict[str, str] = {}
    ids, shapes = [], []
    for (_, row), geom in zip(zones.iterrows(), metric, strict=True):
        if not isinstance(geom, BaseGeometry) or geom.is_empty:
            continue
        shape, notes[str(row["id"])] = _slope_zone(geom, row, point_zone_radius_m)
        if shape is not None:
            ids.append(str(row["id"]))
            shapes.append(shape)
    return gpd.GeoDataFrame({"id": ids}, geometry=shapes, crs=metric_crs), notes


@dataclass(frozen=True)
class MeasuredSlope:
    """A zone's mean slope as measured once, with what it was read over (:func:`slope_inputs`), so it can
    be used again while that is unchanged (a database keeps it: ``store.postgis``)."""

    layer_id: str
    zone_id: str
    inputs: str
    mean_slope_deg: float | None


_SLOPE_INPUT_COLUMNS = ("coord_precision", "coord_radius_km")
"""The columns besides the geometry that decide what a zone's slope is read over (:func:`_slope_zone`)."""


def _input_text(value: object) -> str:
    """A slope input as text, numbers in one spelling whatever their column's type (``3``, ``3.0``, ``"3"``)
    and every kind of missing value empty."""
    if value is None or value is pd.NA:
        return ""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    return "" if math.isnan(number) else repr(number)


def slope_inputs(zones: gpd.GeoDataFrame) -> dict[str, str]:
    """Zone id → digest of what its mean slope is read over: the geometry (its surveyed outline, from
    :func:`~geo_industry.raster.properties.measured_zone_frame`), ``coord_precision`` and ``coord_radius_km``.

    Two equal digests mean the same zone shape, so a slope measured for one holds for the other.
    """
    out = {}
    for (_, row), geom in zip(zones.iterrows(), zones.geometry, strict=True):
        shape = geom.wkb if isinstance(geom, BaseGeometry) and not geom.is_empty else b""
        text = "\x1f".join(_input_text(row.get(column)) for column in _SLOPE_INPUT_COLUMNS)
        out[str(row["id"])] = hashlib.sha256(shape + b"\x1e" + text.encode()).hexdigest()
    return out


def _measured_slopes(zones: gpd.GeoDataFrame, measured: Mapping[str, MeasuredSlope]) -> dict[str, float | None]:
    """The measured slopes of the zones whose slope inputs are those they were measured over."""
    return {zone_id: measured[zone_id].mean_slope_deg for zone_id, inputs in slope_inputs(zones).items()
            if zone_id in measured and measured[zone_id].inputs == inputs}


def _mean_slopes(zones: gpd.GeoDataFrame, slope_path: str | Path | None, *,
                 point_zone_radius_m: float, metric_crs: object
                 ) -> tuple[dict[str, float | None], dict[str, str]]:
    if slope_path is None:
        return {}, {}
    shapes, notes = _slope_zones(zones, point_zone_radius_m=point_zone_radius_m,
                                 metric_crs=metric_crs)
    if shapes.empty:
        return {}, notes
    from geo_industry.raster.zonal import zonal_statistics  # rasterio: only with a DEM's slope

    stats = zonal_statistics(slope_path, zones=shapes, percentiles=(), all_touched=False)
    return {s.zone_id or "": s.mean for s in stats}, notes


def _missing_reasons(distances: Mapping[str, UncertainDistance]) -> dict[str, str]:
    """Criterion → why it has no value, for the criteria whose distance is unknown."""
    return {c: d.note or d.status for c, d in distances.items() if d.estimate_km is None}


def placeholder_inputs(distances: Mapping[str, UncertainDistance]) -> list[str]:
    """The criteria whose value is unknown because of a placeholder (``zone_location`` if the zone's)."""
    if any(d.note == "zone position is a district-seat placeholder" for d in distances.values()):
        return ["zone_location"]
    return [c for c, d in distances.items() if d.status == "placeholder"]


def assess_zones(
    *,
    zones: gpd.GeoDataFrame,
    targets: Mapping[str, gpd.GeoDataFrame],
    slope_path: str | Path | None = None,
    measured_slopes: Mapping[str, MeasuredSlope] | None = None,
    config: SuitabilityConfig | None = None,
    point_zone_radius_m: float = 500.0,
    metric_crs: object = METRIC_CRS,
) -> list[ZoneAssessment]:
    """Distances, mean slope and explained suitability score for every zone.

    Parameters
    ----------
    zones : GeoDataFrame
        Zones with an ``id`` column (and ``name_vi``, ``name_en``, ``kind``, ``coord_precision``,
        ``coord_radius_km`` when present); surveyed outlines or points; null geometries get
        notes instead of numbers.
    targets : mapping
        Criterion → target GeoDataFrame (see :func:`geo_industry.raster.layers.target_layers`).
    slope_path : path, optional
        The built ``slope`` COG; without it (and without ``measured_slopes``) slope is left out of the scores.
    measured_slopes : mapping, optional
        Zone id → a slope measured before (by a service reading ``slope_path``), used for the
        zones whose slope inputs (:func:`slope_inputs`) are unchanged since; instead of ``slope_path``.
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
    if measured_slopes is not None:
        slopes = _measured_slopes(zones, measured_slopes)
    all_distances = zone_distances(zones=zones, targets=targets, metric_crs=metric_crs)
    results = []
    for _, row in zones.iterrows():
        zone_id = str(row["id"])
        distances = all_distances[zone_id]
        missing = _missing_reasons(distances)
        mean_slope = slopes.get(zone_id)
        if slope_path is None and measured_slopes is None:
            missing[SLOPE] = "no DEM configured"
        elif mean_slope is None:
            missing[SLOPE] = slope_notes.get(zone_id, "no slope pixel in the zone" if measured_slopes is None
                                             else "no slope measured over the zone's current shape")
        notes = [slope_notes[zone_id]] if zone_id in slope_notes else []
        assessment = ZoneAssessment(
            zone_id=zone_id, name_vi=_text(row, "name_vi"), name_en=_text(row, "name_en"),
            kind=_text(row, "kind"), distances=distances,
            distances_km={c: d.distance_km for c, d in distances.items()},
            nearest={c: d.nearest for c, d in distances.items()},
            mean_slope_deg=None if mean_slope is None else round(mean_slope, 3),
            suitability=SuitabilityExplanation(score=None, contributions=[]),
            placeholder_inputs=placeholder_inputs(distances), notes=notes)
        assessment.suitability = _explain(assessment.criterion_values(), config, missing)
        results.append(assessment)
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
    placeholder_inputs: list[str] = Field(
        default_factory=list, description="weighted inputs that are district-seat placeholders")


class Ranking(BaseModel):
    """Zones ranked for one investor profile."""

    profile: str
    title: str
    weights: dict[str, float] = Field(description="normalised weights of the profile")
    notes: list[str] = Field(default_factory=list,
                             description="criteria left out for every zone, said once")
    zones: list[RankedZone]


def _value_text(zone: ZoneAssessment, contribution: CriterionContribution) -> str:
    distance = zone.distances.get(contribution.criterion)
    if distance is not None:
        return distance.text(with_note=False)
    return f"{contribution.value:.1f} {contribution.units}"


def _sentence(zone: ZoneAssessment, result: SuitabilityExplanation, said: set[str]) -> str:
    others = {k: v for k, v in result.missing.items() if k not in said}
    used = {c.criterion for c in result.contributions}
    placeholders = {k: d.note for k, d in zone.distances.items()
                    if d.status == "placeholder" and k in used and d.note}
    if result.score is None:
        text = "no score"
    else:
        parts = [f"{c.title} {_value_text(zone, c)} (+{c.contribution:.1f})"
                 for c in sorted(result.contributions, key=lambda c: -c.contribution)]
        text = f"score {result.score:.1f}: " + ", ".join(parts)
    if result.excluded_by:
        text += "; excluded: " + ", ".join(result.excluded_by)
    if placeholders:
        text += ("; placeholders, scored at the far end of their range: "
                 + "; ".join(sorted({str(v) for v in placeholders.values()})))
    if others:
        text += "; left out: " + ", ".join(f"{k} ({v})" for k, v in others.items())
    return text


def _missing(zone: ZoneAssessment) -> dict[str, str]:
    missing = _missing_reasons(zone.distances)
    if SLOPE in zone.suitability.missing:
        missing[SLOPE] = zone.suitability.missing[SLOPE]
    return missing


def _located(zone: ZoneAssessment) -> bool:
    return "zone_location" not in zone.placeholder_inputs and not any(
        d.status == "location unknown" for d in zone.distances.values())


def _common_gaps(assessments: Sequence[ZoneAssessment], config: SuitabilityConfig) -> dict[str, str]:
    """Weighted criteria left out of every located zone for one reason (said once, in the notes)."""
    gaps: dict[str, str] = {}
    located = [z for z in assessments if _located(z)] or list(assessments)
    for criterion in (k for k, w in config.weights.items() if w > 0):
        reasons = {_missing(z).get(criterion) for z in located}
        if len(reasons) == 1 and None not in reasons:
            gaps[criterion] = str(reasons.pop())
    return gaps


def _check_usable(config: SuitabilityConfig, gaps: Mapping[str, str]) -> None:
    weighted = [k for k, w in config.weights.items() if w > 0]
    if weighted and all(k in gaps for k in weighted):
        reasons = "; ".join(f"{k}: {gaps[k]}" for k in weighted)
        usable = ", ".join(k for k in CRITERION_TITLES if k not in gaps)
        raise InvalidParameter(
            "weights", dict(config.weights), f"weight on at least one of {usable}",
            message=f"weights: no weighted criterion has data for any zone ({reasons}); give weight to "
                    f"at least one of {usable}")


def rank_zones(
    assessments: Sequence[ZoneAssessment],
    *,
    profile: str | InvestorProfile | Mapping[str, float] = "balanced",
    base: SuitabilityConfig | None = None,
) -> Ranking:
    """Rank assessed zones for an investor profile (preset id, profile or custom weights).

    Zones are ordered by score (highest first); zones excluded by slope and zones without a
    score come last. Each entry explains its score criterion by criterion and names the
    placeholder inputs left out; criteria left out of every zone for one reason (the expressway,
    which has no geometry) are said once in ``notes``.

    Raises
    ------
    InvalidParameter
        When no weighted criterion has a value for any zone (e.g. ``{"expressway": 1}``).

    Examples
    --------
    >>> ranking = rank_zones(assess_zones(zones=zones, targets=targets),
    ...                      profile="logistics_border_trade")  # doctest: +SKIP
    >>> ranking.zones[0].explanation  # doctest: +SKIP
    'score 91.2: nearest border gate 1.2 ± 1.0 km (+44.1), ...'
    """
    config = profile_config(profile, base=base)
    name = profile if isinstance(profile, str) else (
        profile.id if isinstance(profile, InvestorProfile) else "custom")
    title = (profile.title if isinstance(profile, InvestorProfile)
             else name.replace("_", " ").capitalize())
    gaps = _common_gaps(assessments, config) if assessments else {}
    if assessments:
        _check_usable(config, gaps)
    scored = [(zone, _explain(zone.criterion_values(), config, _missing(zone))) for zone in assessments]
    scored.sort(key=lambda zr: (zr[1].score is None, bool(zr[1].excluded_by),
                                -(zr[1].score or 0.0), zr[0].zone_id))
    total = sum(config.weights.values())
    return Ranking(
        profile=name, title=title,
        weights={k: round(w / total, 6) for k, w in config.weights.items() if w > 0},
        notes=[f"{CRITERION_TITLES[k]}: left out for every zone ({v})" for k, v in gaps.items()],
        zones=[RankedZone(rank=i + 1, zone_id=z.zone_id, name_en=z.name_en, name_vi=z.name_vi,
                          score=r.score, explanation=_sentence(z, r, set(gaps)),
                          contributions=r.contributions, excluded_by=r.excluded_by,
                          missing=r.missing,
                          placeholder_inputs=[k for k in z.placeholder_inputs
                                              if k == "zone_location" or config.weights.get(k, 0) > 0])
               for i, (z, r) in enumerate(scored)])


def ranking_to_geodataframe(ranking: Ranking, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Ranked zones as a GeoDataFrame (geometry, rank, score, explanation) in rank order."""
    geometry = zones.set_index(zones["id"].astype(str)).geometry
    rows = [{"id": z.zone_id, "rank": z.rank, "score": z.score, "name_en": z.name_en,
             "name_vi": z.name_vi, "explanation": z.explanation,
             "contributions": [c.model_dump() for c in z.contributions],
             "excluded_by": z.excluded_by, "missing": z.missing,
             "placeholder_inputs": z.placeholder_inputs} for z in ranking.zones]
    frame = pd.DataFrame(rows)
    return gpd.GeoDataFrame(frame, geometry=[geometry.get(i) for i in frame["id"]],
                            crs=zones.crs)
