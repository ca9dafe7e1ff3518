"""Query parameters and bodies of the raster and analysis routes, parsed into core inputs.

No ``from __future__ import annotations``: FastAPI reads these annotations at runtime.
"""

import math
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
import shapely
from fastapi import Depends, Query, Request
from pydantic import ValidationError
from shapely.geometry.base import BaseGeometry

from geo_industry.api.deps import SettingsDep, StoreDep
from geo_industry.api.params import as_dependency
from geo_industry.crs import CRS84, SUPPORTED_CRS, SupportedCRS, resolve_crs
from geo_industry.errors import InvalidParameter
from geo_industry.raster.criteria import CRITERIA
from geo_industry.raster.profiles import PROFILES, profile_config
from geo_industry.raster.suitability import SuitabilityConfig
from geo_industry.raster.whole_layers import is_large

_CRS_ENUM = [c.uri for c in SUPPORTED_CRS]
_GEOMETRY_TYPES = ("Polygon", "MultiPolygon")


def _crs(value: str | None, parameter: str = "crs") -> SupportedCRS:
    return CRS84 if value is None else resolve_crs(value, parameter=parameter)


def parse_percentiles(value: str | None) -> tuple[float, ...]:
    """``10,50,90`` → (10.0, 50.0, 90.0); each within 0–100."""
    if value is None:
        return (10.0, 50.0, 90.0)
    try:
        numbers = tuple(float(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise InvalidParameter("percentiles", value, "comma-separated numbers within 0-100") from None
    if not numbers or not all(0 <= p <= 100 for p in numbers):
        raise InvalidParameter("percentiles", value, "comma-separated numbers within 0-100")
    return numbers


def parse_weights(value: str) -> dict[str, float]:
    """``border_gate:0.4,railway:0.2`` → {criterion: weight}; criteria from :data:`CRITERIA`."""
    expected = f"criterion:weight pairs, comma-separated; criteria: {', '.join(CRITERIA)}"
    weights: dict[str, float] = {}
    for part in value.split(","):
        name, sep, raw = part.partition(":")
        name = name.strip()
        if not sep or name not in CRITERIA or name in weights:
            raise InvalidParameter("weights", value, expected)
        try:
            weight = float(raw)
        except ValueError:
            raise InvalidParameter("weights", value, expected) from None
        if not (math.isfinite(weight) and weight >= 0):
            raise InvalidParameter("weights", value, "weights that are finite numbers >= 0")
        weights[name] = weight
    if sum(weights.values()) <= 0:
        raise InvalidParameter("weights", value, "at least one positive weight")
    return weights


@dataclass(frozen=True)
class PointParams:
    """Where to read a raster value."""

    x: Annotated[float, Query(description="Easting or longitude (always first, whatever the CRS's axis order)")]
    y: Annotated[float, Query(description="Northing or latitude")]
    crs: Annotated[str | None, Query(min_length=1, description="CRS of x and y (default CRS84)",
                                     json_schema_extra={"enum": _CRS_ENUM})] = None

    @property
    def supported_crs(self) -> SupportedCRS:
        """The CRS of x and y."""
        return _crs(self.crs)


@dataclass(frozen=True)
class ZonalParams:
    """Which zones and which percentiles."""

    zones: Annotated[str, Query(min_length=1, description="Collection whose features are the zones, "
                                                          "e.g. `zone_outlines` (surveyed outlines); "
                                                          "a point collection gives the pixel at each point")]
    percentiles: Annotated[str | None, Query(min_length=1, description="Comma-separated percentiles "
                                                                       "(default `10,50,90`)")] = None


@dataclass(frozen=True)
class ZonalBodyParams:
    """Options of a zonal request with a user polygon."""

    crs: Annotated[str | None, Query(min_length=1, description="CRS of the polygon's coordinates (default CRS84)",
                                     json_schema_extra={"enum": _CRS_ENUM})] = None
    percentiles: Annotated[str | None, Query(min_length=1, description="Comma-separated percentiles "
                                                                       "(default `10,50,90`)")] = None

    @property
    def supported_crs(self) -> SupportedCRS:
        """The CRS of the polygon's coordinates."""
        return _crs(self.crs)


@dataclass(frozen=True)
class RankingParams:
    """An investor profile, or custom weights."""

    profile: Annotated[str | None, Query(min_length=1, description="Investor profile (default `balanced`)",
                                         json_schema_extra={"enum": list(PROFILES)})] = None
    weights: Annotated[str | None, Query(min_length=1, description="Custom weights instead of a profile: "
                                         "`criterion:weight` pairs, e.g. `border_gate:0.4,railway:0.2,slope:0.4`; "
                                         f"criteria: {', '.join(CRITERIA)}")] = None

    def choice(self) -> str | dict[str, float]:
        """The profile id or the parsed weights (checked against the suitability rules)."""
        if self.profile is not None and self.weights is not None:
            raise InvalidParameter("weights", self.weights, "either profile or weights, not both")
        if self.weights is None:
            profile = self.profile or "balanced"
            if profile not in PROFILES:
                raise InvalidParameter("profile", profile, f"one of {', '.join(PROFILES)}")
            return profile
        weights = parse_weights(self.weights)
        try:
            profile_config(weights, base=SuitabilityConfig())
        except ValidationError as exc:
            raise InvalidParameter("weights", self.weights, exc.errors()[0]["msg"]) from None
        return weights


PointParamsDep = Annotated[PointParams, Depends(as_dependency(PointParams))]
ZonalParamsDep = Annotated[ZonalParams, Depends(as_dependency(ZonalParams))]
ZonalBodyParamsDep = Annotated[ZonalBodyParams, Depends(as_dependency(ZonalBodyParams))]
RankingParamsDep = Annotated[RankingParams, Depends(as_dependency(RankingParams))]


async def zones_collection_id(params: ZonalParamsDep, store: StoreDep, settings: SettingsDep) -> str:
    """The ``zones`` collection id, checked against the store's collections; a collection past the
    vector tile threshold is refused (a request never reads a large layer whole)."""
    known = [meta.id for meta in store.collections()]
    if params.zones not in known:
        raise InvalidParameter("zones", params.zones, f"a collection id: {', '.join(known)}")
    features = store.count(params.zones)
    if is_large(features, settings.vector_tile_threshold):
        raise InvalidParameter("zones", params.zones,
                               f"a collection of fewer than {settings.vector_tile_threshold} features, not "
                               f"{features} (or POST your polygons to this URL)")
    return params.zones


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise InvalidParameter("body", f"{declared} bytes", f"at most {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise InvalidParameter("body", f"more than {limit} bytes", f"at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _shapes(document: Any) -> list[tuple[str | None, BaseGeometry]]:
    if not isinstance(document, dict):
        return []
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        return [s for f in features for s in _shapes(f)] if isinstance(features, list) else []
    if kind == "Feature":
        found = _shapes(document.get("geometry"))
        return [(str(document["id"]) if document.get("id") is not None else None, g) for _, g in found]
    if kind in _GEOMETRY_TYPES:
        try:
            return [(None, shapely.geometry.shape(document))]
        except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
            return []
    return []


async def user_polygons(request: Request, settings: SettingsDep) -> list[tuple[str | None, BaseGeometry]]:
    """The polygons of a GeoJSON body (Polygon, MultiPolygon, Feature or FeatureCollection of them)."""
    body = await _body(request, settings.max_body_bytes)
    expected = "a GeoJSON Polygon or MultiPolygon, or a Feature or FeatureCollection of them"
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidParameter("body", body[:60].decode("utf-8", "replace"), expected) from None
    shapes = _shapes(document)
    if not shapes or any(not g.is_valid or g.is_empty for _, g in shapes):
        raise InvalidParameter("body", str(document)[:80], expected + " (valid, non-empty)")
    vertices = sum(int(shapely.get_num_coordinates(g)) for _, g in shapes)
    if vertices > settings.max_vertices:
        raise InvalidParameter("body", f"{vertices} vertices", f"at most {settings.max_vertices} vertices")
    return shapes


ZonesIdDep = Annotated[str, Depends(zones_collection_id)]
UserPolygonsDep = Annotated[list[tuple[str | None, BaseGeometry]], Depends(user_polygons)]
