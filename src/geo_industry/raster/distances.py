"""Distances that carry their uncertainty: zone → nearest target of each criterion.

Where a site is, and how well that is known (the rules, documented in ``docs/analysis.md``):

- **unknown**: no geometry (``coord_precision`` none). Every distance of such a zone is
  "location unknown", never "none nearby".
- **placeholder**: ``coord_precision`` proxy-district. The point is a district seat standing in
  for the site, so the site may be anywhere in the district: its uncertainty is the district's
  reach, the diameter of a circle of the district's area (:data:`DISTRICT_AREAS_KM2`, from the
  research; :data:`LARGEST_DISTRICT_KM2` where the research gives no area). Any distance that
  a placeholder could decide is flagged ``placeholder``: it is reported as the range the nearest
  can lie in, and scores count it at the far end of that range (what is certain), never at the
  seat.
- **surveyed outline** (``geometry_quality`` surveyed) and **lines** (transport lines): measured
  from the shape itself, uncertainty 0 (the source's digitising error is not stated).
- **any other point** (or an approximate circle, measured from its centre): uncertainty =
  ``coord_radius_km`` (the honest radius of ``estimated-Nkm``; 0 for ``source-exact`` and
  ``source-derived``) + the radius of a circle of the declared ``area_ha`` (the site extends that
  far around its point).

A distance's uncertainty is the sum of both ends'; the nearest target's distance lies in
[distance − uncertainty, distance + uncertainty] (clipped at 0; with placeholder targets, the
union of what the nearest located and the nearest placeholder allow). Every distance is kept
as that interval, given as its middle ± half its width. When the interval reaches 0 the
distance is reported as a range ("0–4.2 km"), never as "0.0 km": two different sites are 0.0 km
apart only when both are located to better than :data:`PRECISE_KM` and touch. The lower bound
comes from the nearest target by central distance (a farther, much less certain target could
in principle be nearer still). Distances are geodesic (WGS 84,
:class:`~geo_industry.raster.geodesic.NearestFinder`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel, Field
from shapely.geometry.base import BaseGeometry

from geo_industry.crs import METRIC_CRS
from geo_industry.raster.criteria import DISTANCE_CRITERIA
from geo_industry.raster.geodesic import Nearest, NearestFinder
from geo_industry.raster.layers import PLACEHOLDER_PRECISIONS

__all__ = [
    "DISTRICT_AREAS_KM2",
    "LARGEST_DISTRICT_KM2",
    "district_reach_km",
    "PRECISE_KM",
    "DistanceStatus",
    "UncertainDistance",
    "distance_interval",
    "SitePosition",
    "TARGET_NOUNS",
    "site_position",
    "zone_distances",
]

PRECISE_KM = 0.1
"""A site located to better than this (km) counts as precisely located."""

DISTRICT_AREAS_KM2: dict[str, float] = {
    "Bát Xát": 1035.51, "Bảo Thắng": 674.0, "Bắc Hà": 680.0, "Văn Bàn": 1422.0, "Sa Pa": 681.37,
    "TP Lào Cai": 223.0,
}
"""Former district areas the research gives (lao-cai-facts.md, "District sizes", with sources);
keys match the start of a feature's ``district``."""
LARGEST_DISTRICT_KM2 = max(DISTRICT_AREAS_KM2.values())
"""Used for a placeholder whose district has no area in the research (Văn Bàn, 1,422 km²)."""


def district_reach_km(district: str | None) -> float:
    """How far a site may lie from the seat of its district: 2·√(area/π) (circle of equal area).

    Examples
    --------
    >>> round(district_reach_km("TP Lào Cai (Kim Thành area)"), 1)
    16.9
    """
    area = next((a for name, a in DISTRICT_AREAS_KM2.items() if (district or "").startswith(name)),
                LARGEST_DISTRICT_KM2)
    return 2 * math.sqrt(area / math.pi)


DistanceStatus = Literal["measured", "range", "placeholder", "location unknown", "no target"]

TARGET_NOUNS: dict[str, str] = {
    "border_gate": "border gate", "railway": "railway", "national_road": "national road",
    "expressway": "expressway", "hydropower": "hydropower plant", "copper_mine": "copper mine",
    "apatite_mine": "apatite mine",
}
"""Criterion → what its targets are, for sentences ("border gate position is a …")."""


@dataclass(frozen=True)
class SitePosition:
    """Where a site is for the analysis: the geometry measured from and its uncertainty (km).

    ``geometry`` is None when the location is unknown; a placeholder's uncertainty is its
    district's reach.
    """

    geometry: BaseGeometry | None
    uncertainty_km: float
    placeholder: bool = False

    @property
    def known(self) -> bool:
        """True when the site has a position that is not a placeholder."""
        return self.geometry is not None and not self.placeholder


class UncertainDistance(BaseModel):
    """The distance from a zone to the nearest target of one criterion, as an interval."""

    criterion: str
    status: DistanceStatus = Field(description="measured; range (the interval reaches 0); placeholder "
                                               "(a district seat could decide it); location unknown "
                                               "(the zone's); no target")
    distance_km: float | None = Field(None, description="middle of the interval (geodesic km)")
    uncertainty_km: float | None = Field(None, description="half the interval's width")
    lower_km: float | None = Field(None, description="the nearest target is at least this far")
    upper_km: float | None = Field(None, description="the nearest target is at most this far")
    nearest: str | None = Field(None, description="id of the nearest target (located, or the placeholder)")
    note: str | None = Field(None, description="why the distance is a range or unknown")

    @property
    def estimate_km(self) -> float | None:
        """The value a score uses: the interval's middle; its far end for a placeholder (what is certain)."""
        if self.status == "placeholder":
            return self.upper_km
        return self.distance_km if self.status in ("measured", "range") else None

    def text(self, *, with_note: bool = True) -> str:
        """The distance as a reader should see it (English): '3.4 ± 1.0 km', '0–4.2 km', 'unknown'."""
        if self.status == "measured" and self.distance_km is not None:
            spread = f" ± {self.uncertainty_km:.1f}" if self.uncertainty_km else ""
            return f"{self.distance_km:.1f}{spread} km"
        if self.status == "range" and self.upper_km is not None:
            return f"0–{self.upper_km:.1f} km (positions uncertain)"
        if self.status == "placeholder" and self.upper_km is not None:
            return f"{self.lower_km:.1f}–{self.upper_km:.1f} km ({self.note if with_note else 'placeholder'})"
        return self.status if self.note is None else f"unknown ({self.note})"


def distance_interval(criterion: str, lower: float, upper: float, nearest: str | None, *,
                      placeholder: str | None = None) -> UncertainDistance:
    """The distance known to lie in [lower, upper] km (``placeholder``: the note naming the one that decides it)."""
    lower = max(lower, 0.0)
    middle, half = round((lower + upper) / 2, 1), round((upper - lower) / 2, 1)
    lower, upper = round(lower, 1), round(upper, 1)
    status: DistanceStatus = ("placeholder" if placeholder else
                              "range" if lower == 0 and upper > 0 else "measured")
    note = placeholder or ("position uncertainty is at least the distance" if status == "range" else None)
    return UncertainDistance(criterion=criterion, status=status, distance_km=middle, uncertainty_km=half,
                             lower_km=lower, upper_km=upper, nearest=nearest, note=note)


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return str(value)


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def site_position(row: Mapping[str, object], geometry: object) -> SitePosition:
    """The position of one feature (its properties and geometry) under the module's rules.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> site_position({"coord_precision": "estimated-2km", "coord_radius_km": 2.0},
    ...               Point(104.0, 22.4)).uncertainty_km
    2.0
    """
    if not isinstance(geometry, BaseGeometry) or geometry.is_empty:
        return SitePosition(None, 0.0)
    if (_text(row.get("coord_precision")) or "").lower() in PLACEHOLDER_PRECISIONS:
        reach = district_reach_km(_text(row.get("district")))
        return SitePosition(geometry.representative_point(), round(reach, 3), placeholder=True)
    if geometry.geom_type in ("LineString", "MultiLineString") or (
            _text(row.get("geometry_quality")) == "surveyed" and geometry.geom_type != "Point"):
        return SitePosition(geometry, 0.0)
    area = _number(row.get("area_ha"))
    extent_km = math.sqrt(area * 0.01 / math.pi) if area else 0.0
    radius = _number(row.get("coord_radius_km")) or 0.0
    point = geometry.centroid if geometry.geom_type in ("Polygon", "MultiPolygon") else geometry
    return SitePosition(point, round(radius + extent_km, 3))


@dataclass
class _Targets:
    """One criterion's targets split into located sites and placeholders, with their finders."""

    ids: list[str | None]
    names: list[str]
    positions: list[SitePosition]
    located: NearestFinder | None
    placeholders: NearestFinder | None

    @classmethod
    def of(cls, frame: gpd.GeoDataFrame, metric_crs: object) -> _Targets:
        frame = frame.reset_index(drop=True)
        records = frame.drop(columns=frame.geometry.name).to_dict("records")
        positions = [site_position(r, g) for r, g in zip(records, frame.geometry, strict=True)]
        geometry = [p.geometry for p in positions]
        frame = frame.set_geometry(gpd.GeoSeries(geometry, crs=frame.crs, index=frame.index))

        def finder(keep: list[bool]) -> NearestFinder | None:
            subset = frame[keep]
            return NearestFinder(subset, metric_crs=metric_crs) if len(subset) else None

        ids = [_text(r.get("id")) for r in records]
        names = [_text(r.get("name_en")) or _text(r.get("name_vi")) or i or str(n)
                 for n, (r, i) in enumerate(zip(records, ids, strict=True))]
        return cls(ids, names, positions, finder([p.known for p in positions]),
                   finder([p.placeholder for p in positions]))

    def nearest(self, metric: list[BaseGeometry | None]) -> tuple[list[Nearest | None], list[Nearest | None]]:
        """Nearest located target and nearest placeholder of each zone (metric geometries)."""
        none: list[Nearest | None] = [None] * len(metric)
        return (none if self.located is None else self.located.nearest_many(metric),
                none if self.placeholders is None else self.placeholders.nearest_many(metric))


def _distance(criterion: str, zone: SitePosition, targets: _Targets | None,
              found: Nearest | None, proxy: Nearest | None) -> UncertainDistance:
    if zone.geometry is None:
        return UncertainDistance(criterion=criterion, status="location unknown",
                                 note="the zone's location is unknown")
    if targets is None or (found is None and proxy is None):
        return UncertainDistance(criterion=criterion, status="no target",
                                 note=f"no {TARGET_NOUNS[criterion]} has a known position")
    bounds = []
    for hit in (found, proxy):
        if hit is not None:
            spread = zone.uncertainty_km + targets.positions[int(hit.index)].uncertainty_km  # type: ignore[call-overload]
            bounds.append((hit.distance_km - spread, hit.distance_km + spread, int(hit.index)))  # type: ignore[call-overload]
    lower = min(b[0] for b in bounds)
    upper = min(b[1] for b in bounds)
    proxy_counts = proxy is not None and (found is None or bounds[-1][0] < bounds[0][1])
    nearest = targets.ids[min(bounds, key=lambda b: b[1])[2]]
    if zone.placeholder:
        return distance_interval(criterion, lower, upper, nearest,
                                 placeholder="zone position is a district-seat placeholder")
    if proxy_counts:
        assert proxy is not None
        note = (f"{TARGET_NOUNS[criterion]} position is a district-seat placeholder "
                f"({targets.names[int(proxy.index)]})")  # type: ignore[call-overload]
        return distance_interval(criterion, lower, upper, nearest, placeholder=note)
    return distance_interval(criterion, bounds[0][0], bounds[0][1], nearest)


def zone_distances(
    *,
    zones: gpd.GeoDataFrame,
    targets: Mapping[str, gpd.GeoDataFrame],
    metric_crs: object = METRIC_CRS,
) -> dict[str, dict[str, UncertainDistance]]:
    """Zone id → criterion → uncertain distance to the nearest target, for every distance criterion.

    Parameters
    ----------
    zones : GeoDataFrame
        Zones with ``id`` (and ``coord_precision``, ``coord_radius_km``, ``geometry_quality``,
        ``area_ha`` when known).
    targets : mapping
        Criterion → targets (see :func:`~geo_industry.raster.layers.target_layers`); a criterion
        without targets is "no target" for every zone.

    Examples
    --------
    >>> distances = zone_distances(zones=zones, targets=target_layers(layers))  # doctest: +SKIP
    >>> distances["tang-loong-iz"]["border_gate"].text()  # doctest: +SKIP
    'unknown (border gate position is a district-seat placeholder (Kim Thành border gate))'
    """
    prepared = {c: _Targets.of(f, metric_crs) for c, f in targets.items()
                if c in DISTANCE_CRITERIA and f is not None}
    records = zones.drop(columns=zones.geometry.name).to_dict("records")
    positions = [site_position(r, g) for r, g in zip(records, zones.geometry, strict=True)]
    metric = gpd.GeoSeries([p.geometry for p in positions], crs=zones.crs).to_crs(metric_crs)
    geometries = [None if p.geometry is None else g for p, g in zip(positions, metric, strict=True)]
    empty: list[Nearest | None] = [None] * len(positions)
    hits = {c: prepared[c].nearest(geometries) if c in prepared else (empty, empty) for c in DISTANCE_CRITERIA}
    out: dict[str, dict[str, UncertainDistance]] = {}
    for n, (record, zone) in enumerate(zip(records, positions, strict=True)):
        out[str(record["id"])] = {c: _distance(c, zone, prepared.get(c), hits[c][0][n], hits[c][1][n])
                                  for c in DISTANCE_CRITERIA}
    return out
